"""Inspection capacity: risk-score inspections give way when an office is over its target;
officers' actions, detentions and the random sample never do."""

from __future__ import annotations

from pathlib import Path

from hypothesis import given
from hypothesis import strategies as st

from riskd.capacity import InspectionLoad
from riskd.domain import ItemAssessment, Recommendation, RuleHit
from riskd.model import ModelScore
from riskd.pipeline import SnapshotHolder, build_snapshot
from riskd.policy import Policy, recommend
from riskd.server.runtime import Runtime
from riskd.settings import Settings
from riskd.store import SqliteStore
from tests import factory

POLICY = Policy(inspection_capacity={"CNSHA01": 0.05})
REGISTER = factory.register()
ITEMS = (ItemAssessment(1),)


def _decide(
    office_load: float | None,
    *,
    declaration_id: str = "",
    office: str = "CNSHA01",
    rule_hits: tuple[RuleHit, ...] = (),
    probability: float = 0.8,
) -> tuple[Recommendation, list[str]]:
    declaration = factory.declaration(declaration_id, customs_office=office)
    decision = recommend(
        POLICY,
        REGISTER,
        declaration,
        ITEMS,
        rule_hits,
        ModelScore(probability),
        office_load=office_load,
    )
    return decision.recommendation, [r.code for r in decision.reasons]


def test_risk_score_inspection_becomes_document_check_over_capacity() -> None:
    assert _decide(0.01)[0] is Recommendation.PHYSICAL_INSPECTION
    recommendation, codes = _decide(0.05)
    assert recommendation is Recommendation.DOCUMENT_CHECK
    assert "OVER_CAPACITY" in codes


def test_no_throttling_without_load_or_capacity() -> None:
    assert _decide(None)[0] is Recommendation.PHYSICAL_INSPECTION
    assert _decide(0.9, office="DEHAM01")[0] is Recommendation.PHYSICAL_INSPECTION


def test_officers_action_is_kept_over_capacity() -> None:
    hit = RuleHit("MEDIA-DISCS", "v1", action=Recommendation.PHYSICAL_INSPECTION)
    recommendation, codes = _decide(0.5, rule_hits=(hit,), probability=0.1)
    assert recommendation is Recommendation.PHYSICAL_INSPECTION
    assert "OVER_CAPACITY" not in codes


def test_random_selection_is_kept_over_capacity() -> None:
    chosen = factory.randomly_selected("D-CAP", POLICY)
    recommendation, codes = _decide(0.5, declaration_id=chosen)
    assert recommendation is Recommendation.PHYSICAL_INSPECTION
    assert "RANDOM_SELECTION" in codes


def test_load_counts_only_after_the_minimum() -> None:
    load = InspectionLoad(window=10, minimum=4)
    for inspected in (True, False, False):
        load.record("A", inspected)
    assert load.share("A") is None
    load.record("A", True)
    assert load.share("A") == 0.5
    assert load.share("B") is None


@given(st.lists(st.booleans(), min_size=1, max_size=60), st.integers(1, 20))
def test_share_is_that_of_the_latest_window(decisions: list[bool], window: int) -> None:
    load = InspectionLoad(window=window, minimum=1)
    for inspected in decisions:
        load.record("A", inspected)
    latest = decisions[-window:]
    assert load.share("A") == sum(latest) / len(latest)


class _AlwaysRisky:
    version = "always-risky"

    def score(self, features: object) -> ModelScore:
        return ModelScore(0.9)


def test_serving_keeps_an_office_within_capacity(tmp_path: Path) -> None:
    policy = Policy(inspection_capacity={"*": 0.2})
    snapshot = build_snapshot(register=REGISTER, model=_AlwaysRisky(), policy=policy)
    runtime = Runtime(
        settings=Settings(),
        holder=SnapshotHolder(snapshot),
        store=SqliteStore(tmp_path / "riskd.db"),
        load=InspectionLoad(window=50, minimum=10),
    )
    try:
        declarations = [
            factory.declaration(factory.not_randomly_selected(f"D-LOAD-{n}", policy))
            for n in range(40)
        ]
        assessed = runtime.screen(declarations)
    finally:
        runtime.close()
    inspected = [a.recommendation is Recommendation.PHYSICAL_INSPECTION for a in assessed]
    assert all(inspected[:10])  # until the office has a share, the risk score decides
    assert not any(inspected[10:])  # then its share (>= 0.2) keeps the rest to documents
    assert all(a.recommendation is Recommendation.DOCUMENT_CHECK for a in assessed[10:])
