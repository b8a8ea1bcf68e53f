"""A seizure at or above the referral threshold opens one REFERRAL case with its evidence;
exported as JSON and as a printable page by `riskd cases show`."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import pytest
from click.testing import CliRunner

from riskd.cases.referrals import record_and_refer
from riskd.cli.main import cli
from riskd.domain import CaseKind, CaseState, Money, Outcome, OutcomeResult
from riskd.pipeline import assess, build_snapshot
from riskd.policy import Policy
from riskd.store import SqliteStore
from tests import factory

SNAPSHOT = build_snapshot(register=factory.register())
AT = datetime(2026, 3, 2, 10, 0, tzinfo=UTC)
POLICY = Policy()  # threshold 50,000 USD; 1 EUR = 1.08 USD


def _seizure(outcome_id: str, decision_id: str, value: Money | None) -> Outcome:
    return Outcome(outcome_id, decision_id, OutcomeResult.SEIZED, AT, seized_value=value)


@pytest.fixture
def detained(tmp_path: Path) -> tuple[SqliteStore, str]:
    """A store with one detention of 2 x 300 pairs of NIKE shoes at 12,000 USD each line."""
    store = SqliteStore(tmp_path / "riskd.db")
    declaration = factory.declaration(
        "D-REF",
        items=(
            factory.item(brand="NIKE", value=Money(12_000.0, "USD")),
            factory.item(line_no=2, brand="NIKE", value=Money(12_000.0, "USD")),
        ),
    )
    assessment = assess(SNAPSHOT, declaration)
    assert assessment.referral is not None
    assert assessment.referral.estimated_value == Money(24_000.0, "USD")
    store.save_decisions([(declaration, assessment)])
    yield store, assessment.decision_id
    store.close()


@pytest.mark.parametrize(
    ("value", "referred"),
    [
        (Money(50_000.0, "USD"), True),  # at the threshold
        (Money(49_999.99, "USD"), False),
        (Money(46_300.0, "EUR"), True),  # 50,004 USD
        (Money(46_290.0, "EUR"), False),  # 49,993.20 USD
        (None, False),  # the decision's estimate: 24,000 USD
    ],
)
def test_a_seizure_is_referred_from_the_threshold_on(
    detained: tuple[SqliteStore, str], value: Money | None, referred: bool
) -> None:
    store, decision = detained
    record_and_refer(store, None, _seizure("O-1", decision, value), POLICY, "CN")
    found = list(store.cases(decision_id=decision))
    assert [(c.case_id, c.kind, c.state, c.outcome_id) for c in found] == (
        [(f"R-{decision}", CaseKind.REFERRAL, CaseState.OPEN, "O-1")] if referred else []
    )


def test_the_estimate_counts_when_the_outcome_gives_no_value(
    detained: tuple[SqliteStore, str],
) -> None:
    store, decision = detained
    low = Policy(referral_threshold=Money(20_000.0, "USD"))  # the decision recorded 50,000
    record_and_refer(store, None, _seizure("O-1", decision, None), low, "CN")
    assert list(store.cases()) == []  # the threshold the decision was made under holds


def test_a_decision_is_referred_once_and_only_for_a_seizure(
    detained: tuple[SqliteStore, str],
) -> None:
    store, decision = detained
    nothing = Outcome("O-0", decision, OutcomeResult.NO_INFRINGEMENT, AT)
    record_and_refer(store, None, nothing, POLICY, "CN")
    assert list(store.cases()) == []
    for n in (1, 2):
        record_and_refer(
            store, None, _seizure(f"O-{n}", decision, Money(90_000.0, "USD")), POLICY, "CN"
        )
    (case,) = store.cases()
    assert case.outcome_id == "O-1"
    assert case.events[0].note == "seized value 90,000.00 USD, threshold 50,000.00 USD"


def test_an_imported_seizure_opens_the_referral(
    detained: tuple[SqliteStore, str], tmp_path: Path
) -> None:
    store, decision = detained
    path = tmp_path / "outcomes.csv"
    path.write_text(
        "outcome_id,decision_id,result,seized_amount,seized_currency\n"
        f"O-CSV,{decision},SEIZED,75000,USD\n",
        encoding="utf-8",
    )
    result = CliRunner().invoke(cli, ["outcomes", "import", str(path), "--store", str(store.path)])
    assert result.exit_code == 0, result.output
    assert [c.case_id for c in store.cases()] == [f"R-{decision}"]


def test_show_exports_the_evidence_as_json_and_html(
    detained: tuple[SqliteStore, str], tmp_path: Path
) -> None:
    store, decision = detained
    record_and_refer(store, None, _seizure("O-1", decision, Money(60_000.0, "USD")), POLICY, "CN")
    args = ["cases", "show", f"R-{decision}", "--store", str(store.path)]
    shown = CliRunner().invoke(cli, [*args, "--json"])
    assert shown.exit_code == 0, shown.output
    bundle = json.loads(shown.output)
    assert bundle["case"]["kind"] == "REFERRAL"
    assert bundle["declaration"]["declaration_id"] == "D-REF"
    assert [(m["line_no"], m["recordation_id"]) for m in bundle["matches"]] == [
        (1, "T2019-00001"),
        (2, "T2019-00001"),
    ]
    assert bundle["decision"]["recommendation"] == "DETAIN"
    assert bundle["decision"]["reasons"][0]["kind"] == "MATCH"
    assert bundle["outcome"]["outcome_id"] == "O-1"
    assert bundle["outcome"]["seized_value"] == {"amount": 60000.0, "currency": "USD"}
    assert bundle["versions"]["register"] == "reg-test"
    assert set(bundle) == {
        "case",
        "declaration",
        "decision",
        "matches",
        "rule_hits",
        "model",
        "outcomes",
        "outcome",
        "versions",
    }
    page = tmp_path / "referral.html"
    written = CliRunner().invoke(cli, [*args, "--html", str(page)])
    assert written.exit_code == 0, written.output
    html = page.read_text(encoding="utf-8")
    assert f"Referral case R-{decision}" in html
    assert "T2019-00001" in html and "60,000.00 USD" in html and "(opened this case)" in html
    assert "<script" not in html  # a printable page, nothing to run
