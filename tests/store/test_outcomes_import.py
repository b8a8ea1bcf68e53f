"""`riskd outcomes import` end to end, on SQLite and PostgreSQL stores filled by screening
the sample declarations against the sample register: every kind of bad row named and
nothing imported, then the outcomes recorded once, however often the file is imported, and
counted in the profiles as `RecordOutcome` counts them."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from riskd.cli.declaration_file import read_declarations
from riskd.cli.main import cli
from riskd.domain import Assessment, ControlType, Declaration, Money, OutcomeResult
from riskd.features.declaration import OVERALL_KEY
from riskd.features.profiles import OVERALL
from riskd.pipeline import assess, build_snapshot
from riskd.register.load import load_register
from riskd.server.convert import declaration_from_pb
from riskd.settings import Limits
from riskd.store import open_profiles, open_store

SAMPLE = Path(__file__).resolve().parents[2] / "fixtures" / "sample"


@pytest.fixture(scope="module")
def screened() -> list[tuple[Declaration, Assessment]]:
    """The 30 sample declarations, screened against the sample register."""
    snapshot = build_snapshot(register=load_register(SAMPLE / "register.csv"))
    decided = []
    for message in read_declarations(SAMPLE / "declarations.jsonl"):
        declaration = declaration_from_pb(message, Limits())
        decided.append((declaration, assess(snapshot, declaration, now=declaration.declared_at)))
    return decided


@pytest.fixture
def store_copy(
    screened: list[tuple[Declaration, Assessment]], store_url: str
) -> tuple[str, list[str]]:
    """A store of each engine holding the screened decisions; and their ids in order."""
    store = open_store(store_url)
    try:
        store.save_decisions(screened)
    finally:
        store.close()
    return store_url, [assessment.decision_id for _, assessment in screened]


def _run(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(cli, ["outcomes", "import", *args])
    return result.exit_code, result.stdout, result.stderr


def _write(tmp_path: Path, text: str, name: str = "outcomes.csv") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_every_bad_row_is_named_and_nothing_is_imported(
    store_copy: tuple[str, list[str]], tmp_path: Path
) -> None:
    store, ids = store_copy
    a, b = ids[0], ids[1]
    text = (
        "decision_id,result,recorded_at,control,seized_amount,seized_currency,outcome_id,notes\n"
        f"{a},SEIZED,2026-03-02T10:00:00Z,PHYSICAL,1200.50,EUR,,fine\n"  # 2: valid
        f",SEIZED,,,,,,\n"  # 3: no decision
        f"{a},SEIZD,,,,,,\n"  # 4: unknown result
        f"{a},,,,,,,\n"  # 5: no result
        f"{a},SEIZED,yesterday,,,,,\n"  # 6: no time
        f"{a},SEIZED,2026-03-02T10:00:00,,,,,\n"  # 7: no zone
        f"{a},SEIZED,,X-RAY,,,,\n"  # 8: unknown control
        f"{a},SEIZED,,,a lot,EUR,,\n"  # 9: no number
        f"{a},SEIZED,,,-5,EUR,,\n"  # 10: negative
        f"{a},SEIZED,,,100,EURO,,\n"  # 11: bad currency
        f"{a},SEIZED,,,,EUR,,\n"  # 12: currency without amount
        f"{a},SEIZED,,\n"  # 13: short row
        f"{a},SEIZED,,,,,{'x' * 65},\n"  # 14: outcome id too long
        f"{a},SEIZED,,,,,O-1,\n"  # 15: valid
        f"{b},SEIZED,,,,,O-1,\n"  # 16: O-1 used for another decision
        f'{a},NO_INFRINGEMENT,,,,,,"{"n" * 4097}"\n'  # 17: notes too long
    )
    file = _write(tmp_path, text)
    code, out, err = _run(str(file), "--store", store)
    assert code == 1
    assert out == ""
    f = str(file)
    assert err.splitlines() == [
        f"{f}:3:1: decision_id is required",
        f"{f}:4:2: result must be one of NO_INFRINGEMENT, SEIZED, HOLDER_NOT_CONFIRMED, "
        "not 'SEIZD'",
        f"{f}:5:2: result is required",
        f"{f}:6:3: recorded_at 'yesterday' is not a time (ISO 8601 with a time zone, "
        "e.g. 2026-03-01T10:00:00Z)",
        f"{f}:7:3: recorded_at '2026-03-02T10:00:00' needs a time zone (ISO 8601 with a "
        "time zone, e.g. 2026-03-01T10:00:00Z)",
        f"{f}:8:4: control must be one of DOCUMENT, PHYSICAL, POST_CLEARANCE, not 'X-RAY'",
        f"{f}:9:5: seized_amount must be a number, not 'a lot'",
        f"{f}:10:5: seized_amount must be finite, non-negative",
        f"{f}:11:6: seized_currency must be a 3-letter ISO 4217 code, not 'EURO'",
        f"{f}:12:6: seized_currency is given without seized_amount",
        f"{f}:13:5: expected 8 fields as in the header, found 4",
        f"{f}:14:7: outcome_id at most 64 characters",
        f"{f}:16:7: outcome_id 'O-1' is used on line 15 for another outcome (decision "
        f"'{a}', SEIZED)",
        f"{f}:17:8: notes at most 4096 bytes allowed",
        f"{f}: 14 problems; nothing imported",
    ]
    assert _outcome_count(store) == 0


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "1:1: expected a header row naming the columns"),
        ("decision_id,result,colour\n", "1:3: unknown column 'colour'; expected decision_id"),
        ("decision_id,decision_id,result\n", "1:2: column 'decision_id' appears twice"),
        ("decision_id,notes\n", "1:1: the header lacks the column 'result'"),
    ],
)
def test_a_bad_header_is_named(
    store_copy: tuple[str, list[str]], tmp_path: Path, text: str, message: str
) -> None:
    file = _write(tmp_path, text)
    code, _, err = _run(str(file), "--store", store_copy[0])
    assert code == 1
    assert err.splitlines()[0].startswith(f"{file}:{message}")


def test_import_records_once_and_counts_the_profiles(
    store_copy: tuple[str, list[str]], tmp_path: Path
) -> None:
    store, ids = store_copy
    rows = [
        f"{ids[0]},SEIZED,2026-03-02T10:00:00+01:00,PHYSICAL,T2019-00001,1200.5,eur,officer-7,",
        f"{ids[1]},no_infringement,,DOCUMENT,,,,officer-7,looked fine",
        f'{ids[2]},HOLDER_NOT_CONFIRMED,,,,,,,"holder said, by phone, no"',
        "D-NOT-SCREENED,SEIZED,,,,,,,",
        # a line repeated in the file is the same outcome: recorded once
        f"{ids[1]},no_infringement,,DOCUMENT,,,,officer-7,looked fine",
    ]
    header = (
        "decision_id,result,recorded_at,control,recordation_ids,seized_amount,"
        "seized_currency,officer,notes"
    )
    file = _write(tmp_path, "\n".join([header, *rows]) + "\n")
    code, out, err = _run(str(file), "--store", store)
    assert code == 0, err
    assert out == f"{file}: 3 recorded, 1 already recorded, 1 unknown decisions\n"
    assert err == f"{file}:5: decision 'D-NOT-SCREENED' is not in the store; skipped\n"

    opened = open_store(store, create=False)
    try:
        first = opened.get_decision(ids[0]).outcomes
        assert len(first) == 1
        seized = first[0]
        assert (seized.result, seized.control, seized.recordation_ids) == (
            OutcomeResult.SEIZED,
            ControlType.PHYSICAL,
            ("T2019-00001",),
        )
        assert seized.seized_value == Money(1200.5, "EUR")
        assert seized.recorded_at.isoformat() == "2026-03-02T09:00:00+00:00"
        assert seized.officer == "officer-7"
        third = opened.get_decision(ids[2]).outcomes
        assert [o.notes for o in third] == ["holder said, by phone, no"]
        assert opened.counts()[1] == 3
    finally:
        opened.close()
    assert _overall(store) == (3.0, 1.0)  # three outcomes known, one seizure

    # the same file again: nothing new, nothing counted twice
    code, out, _ = _run(str(file), "--store", store)
    assert code == 0
    assert out == f"{file}: 0 recorded, 4 already recorded, 1 unknown decisions\n"
    assert _outcome_count(store) == 3
    assert _overall(store) == (3.0, 1.0)


def test_a_conflict_with_the_store_is_named(
    store_copy: tuple[str, list[str]], tmp_path: Path
) -> None:
    store, ids = store_copy
    first = _write(tmp_path, f"outcome_id,decision_id,result\nO-7,{ids[0]},SEIZED\n", "a.csv")
    assert _run(str(first), "--store", store)[0] == 0
    other = _write(
        tmp_path,
        f"outcome_id,decision_id,result\nO-7,{ids[0]},NO_INFRINGEMENT\nO-8,{ids[1]},SEIZED\n",
        "b.csv",
    )
    code, out, err = _run(str(other), "--store", store)
    assert code == 1
    assert out == f"{other}: 1 recorded, 0 already recorded, 0 unknown decisions, 1 conflicting\n"
    assert err.startswith(f"{other}:2: outcome 'O-7' is recorded with other content")


def test_without_profiles_only_the_store_is_written(
    store_copy: tuple[str, list[str]], tmp_path: Path
) -> None:
    store, ids = store_copy
    file = _write(tmp_path, f"decision_id,result\n{ids[0]},SEIZED\n")
    code, out, _ = _run(str(file), "--store", store, "--no-profiles")
    assert (code, out) == (0, f"{file}: 1 recorded, 0 already recorded, 0 unknown decisions\n")
    assert _overall(store) == (0.0, 0.0)


def test_a_missing_store_is_one_line(tmp_path: Path) -> None:
    file = _write(tmp_path, "decision_id,result\nDEC-1,SEIZED\n")
    code, _, err = _run(str(file), "--store", str(tmp_path / "none.db"))
    assert code == 2
    assert len(err.splitlines()) == 1


def _outcome_count(url: str) -> int:
    store = open_store(url, create=False)
    try:
        return store.counts()[1]
    finally:
        store.close()


def _overall(url: str) -> tuple[float, float]:
    profiles = open_profiles(url, create=False)
    try:
        counts = profiles.lookup([(OVERALL, OVERALL_KEY)]).get((OVERALL, OVERALL_KEY))
    finally:
        profiles.close()
    return (counts.inspections, counts.seizures) if counts else (0.0, 0.0)
