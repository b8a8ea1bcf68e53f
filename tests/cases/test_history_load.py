"""`riskd history load`: a small history screened into an empty store, its outcomes
recorded in time order, the detentions' cases opened and answered, a large seizure referred."""

from __future__ import annotations

import sqlite3
from datetime import UTC, datetime
from pathlib import Path

import pytest
from click.testing import CliRunner

from riskd.cli.main import cli
from riskd.domain import CaseKind, Money
from riskd.history import BUILTIN_RATES_TO_USD, declaration_rows, history_table
from riskd.store import SqliteStore
from tests import factory

REGISTER = (
    "recordation_id,right_type,mark,aliases,holder,holder_contact,nice_classes,hs_prefixes,"
    "licensees,valid_from,valid_until\n"
    "T2019-00023,TRADEMARK,NIKE,耐克,Nike Innovate C.V.,ip@nike.example,25,6403|6404,,"
    "2019-09-13,2029-09-09\n"
)
OUTCOMES = (
    "outcome_id,declaration_id,selection,control,result,recordation_ids,seized_value_usd,"
    "recorded_at\n"
    "O-1,D-1,RISK,PHYSICAL,SEIZED,T2019-00023,60000.00,2026-03-03T09:00:00Z\n"
    "O-2,D-2,RANDOM,PHYSICAL,NO_INFRINGEMENT,,0.00,2026-03-04T09:00:00Z\n"
    "O-9,D-ELSEWHERE,RISK,PHYSICAL,NO_INFRINGEMENT,,0.00,2026-03-04T10:00:00Z\n"
)


@pytest.fixture
def world(tmp_path: Path) -> Path:
    """A history of three declarations (two of NIKE shoes), its outcomes, a register and
    settings naming them, in `tmp_path`."""
    shoes = factory.item(brand="NIKE", hs_code="640399", value=Money(30_000.0, "USD"))
    declarations = [
        factory.declaration("D-1", declared_at=datetime(2026, 3, 2, 9, tzinfo=UTC), items=(shoes,)),
        factory.declaration("D-2", declared_at=datetime(2026, 3, 2, 10, tzinfo=UTC)),
        factory.declaration("D-3", declared_at=datetime(2026, 3, 5, 9, tzinfo=UTC), items=(shoes,)),
    ]
    rows = [r for d in declarations for r in declaration_rows(d, rates=BUILTIN_RATES_TO_USD)]
    history_table(rows).write_parquet(tmp_path / "history.parquet")
    (tmp_path / "outcomes.csv").write_text(OUTCOMES, encoding="utf-8")
    (tmp_path / "register.csv").write_text(REGISTER, encoding="utf-8")
    (tmp_path / "riskd.toml").write_text(
        f'store = "{tmp_path / "riskd.db"}"\nregister_file = "{tmp_path / "register.csv"}"\n',
        encoding="utf-8",
    )
    return tmp_path


def _load(world: Path, outcomes: str = "outcomes.csv") -> tuple[int, str]:
    result = CliRunner().invoke(
        cli,
        [
            "history",
            "load",
            str(world / "history.parquet"),
            "--outcomes",
            str(world / outcomes),
            "--config",
            str(world / "riskd.toml"),
            "--quiet",
        ],
    )
    return result.exit_code, result.output


def test_the_history_becomes_decisions_outcomes_and_cases(world: Path) -> None:
    code, output = _load(world)
    assert code == 0, output
    assert output == (
        "riskd.db: 3 decisions, 2 outcomes (1 of declarations not in the history skipped),"
        " 2 notification cases (1 answered), 1 referrals\n"
    )
    store = SqliteStore(world / "riskd.db", create=False)
    try:
        assert store.counts() == (3, 2)
        first = store.get_decision("H-D-1")
        assert first.assessment.decided_at == datetime(2026, 3, 2, 9, tzinfo=UTC)
        assert [o.outcome_id for o in first.outcomes] == ["O-1"]
        found = {c.case_id: (c.kind, c.state.value) for c in store.cases()}
    finally:
        store.close()
    assert found == {
        "N-H-D-1-T2019-00023": (CaseKind.NOTIFICATION, "CONFIRMED"),
        "N-H-D-3-T2019-00023": (CaseKind.NOTIFICATION, "OPEN"),
        "R-H-D-1": (CaseKind.REFERRAL, "OPEN"),
    }
    with sqlite3.connect(world / "riskd.db") as conn:
        declarations = conn.execute("SELECT count(*) FROM entity_profile_declarations").fetchone()
        outcomes = conn.execute(
            "SELECT decision_id, infringing FROM entity_profile_outcomes ORDER BY decision_id"
        ).fetchall()
    assert declarations == (3,)  # each declaration counted once
    assert outcomes == [("H-D-1", 1), ("H-D-2", 0)]


def test_a_store_that_holds_decisions_is_not_loaded_into(world: Path) -> None:
    assert _load(world)[0] == 0
    code, output = _load(world)
    assert code == 2 and output.count("\n") == 1
    assert "the store holds 3 decisions and 2 outcomes already" in output


def test_a_bad_outcome_is_named_at_its_line_and_column(world: Path) -> None:
    (world / "bad.csv").write_text(
        OUTCOMES.replace("NO_INFRINGEMENT,,0.00,2026-03-04T09", "LOST,,0.00,2026-03-04T09"),
        encoding="utf-8",
    )
    code, output = _load(world, "bad.csv")
    assert code == 2 and output.count("\n") == 1
    assert (
        f"{world / 'bad.csv'}:3:5: result 'LOST' is not NO_INFRINGEMENT, SEIZED, "
        "HOLDER_NOT_CONFIRMED" in output
    )
    assert not (world / "riskd.db").exists()  # checked before any store is opened
