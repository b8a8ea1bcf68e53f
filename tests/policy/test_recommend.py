"""The whole decision of `riskd.policy.recommend`, worked out by hand: reasons and their order,
the holders to notify, the referral, capacity and degraded service.

The serving tests see these through a real server; these see them without one, so each line
of the policy is checked by tests that `make mutation` can run.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime

import pytest

from riskd.domain import (
    Assessment,
    Corroboration,
    Declaration,
    Direction,
    Item,
    ItemAssessment,
    Lane,
    Match,
    MatchMethod,
    Money,
    Notification,
    Procedure,
    Reason,
    ReasonKind,
    Recommendation,
    Referral,
    RightType,
    RuleHit,
    TransportMode,
    Versions,
)
from riskd.model import ModelScore
from riskd.policy import Decision, Policy, degraded, recommend
from riskd.register.model import Recordation, Register

NIKE = Recordation(
    recordation_id="T-NIKE",
    right_type=RightType.TRADEMARK,
    mark="NIKE",
    holder="Nike Innovate C.V.",
    holder_contact="brand@nike.example",
    valid_from=date(2019, 1, 1),
)
REGISTER = Register(version="reg-1", recordations=(NIKE,))
POLICY = Policy(audit_from=0.3, document_check_from=0.5, inspection_from=0.7)


def line(line_no: int, value: Money | None) -> Item:
    return Item(line_no=line_no, hs_code="640411", description="shoes", value=value)


def declaration(
    *items: Item, office: str = "DEHAM01", procedure: Procedure = Procedure.STANDARD
) -> Declaration:
    return Declaration(
        declaration_id="D-POLICY-1",
        declared_at=datetime(2025, 3, 1, tzinfo=UTC),
        direction=Direction.IMPORT,
        customs_office=office,
        transport_mode=TransportMode.SEA,
        procedure=procedure,
        items=items or (line(1, Money(100.0, "USD")),),
    )


def match(
    recordation_id: str = "T-NIKE",
    score: float = 100.0,
    *,
    raises_risk: bool = True,
    corroboration: tuple[Corroboration, ...] = (),
    right_type: RightType = RightType.TRADEMARK,
) -> Match:
    return Match(
        recordation_id=recordation_id,
        mark="NIKE",
        holder="Nike Innovate C.V.",
        matched_text="nike",
        score=score,
        method=MatchMethod.EXACT,
        right_type=right_type,
        raises_risk=raises_risk,
        explanation=f"matched NIKE ({score:g})",
        corroboration=corroboration,
    )


def decide(
    declared: Declaration,
    matches: dict[int, tuple[Match, ...]] | None = None,
    hits: tuple[RuleHit, ...] = (),
    model: float | None = None,
    policy: Policy = POLICY,
    office_load: float | None = None,
) -> Decision:
    items = tuple(
        ItemAssessment(i.line_no, (matches or {}).get(i.line_no, ())) for i in declared.items
    )
    return recommend(
        policy,
        REGISTER,
        declared,
        items,
        hits,
        ModelScore(model) if model is not None else None,
        draw_random=False,
        office_load=office_load,
    )


def test_a_risky_match_detains_notifies_once_and_refers_by_value() -> None:
    declared = declaration(
        line(1, Money(30_000.0, "EUR")),  # 32,400 USD at 1.08
        line(2, Money(20_000.0, "USD")),
        line(3, Money(99_000.0, "USD")),  # no match on this line: not suspect
        line(4, None),  # suspect, but no value declared
    )
    twice = {1: (match(),), 2: (match(),), 4: (match(),)}
    decision = decide(declared, twice)
    assert (decision.recommendation, decision.lane) == (Recommendation.DETAIN, Lane.RED)
    assert decision.risk_score == 1.0
    # one notification per recordation, however many lines match it; contact from the register
    assert decision.notify == (Notification("T-NIKE", "Nike Innovate C.V.", "brand@nike.example"),)
    # 32,400 + 20,000 = 52,400 USD of suspect goods, over the 50,000 USD threshold
    assert decision.referral == Referral(
        referred=True, estimated_value=Money(52_400.0, "USD"), threshold=Money(50_000.0, "USD")
    )
    assert [r.code for r in decision.reasons] == ["TRADEMARK_MATCH"] * 3


def test_below_the_threshold_is_estimated_not_referred() -> None:
    declared = declaration(line(1, Money(1234.567, "usd")), line(2, Money(5.0, "XXX")))
    decision = decide(declared, {1: (match(),), 2: (match(),)})
    # the currency code is read in any case; a currency without a rate adds nothing
    assert decision.referral == Referral(
        referred=False, estimated_value=Money(1234.57, "USD"), threshold=Money(50_000.0, "USD")
    )


def test_exactly_the_threshold_is_referred() -> None:
    decision = decide(declaration(line(1, Money(50_000.0, "USD"))), {1: (match(),)})
    assert decision.referral is not None and decision.referral.referred


def test_a_match_of_an_unregistered_recordation_is_notified_without_contact() -> None:
    decision = decide(declaration(), {1: (match("T-GONE"), match())})
    assert decision.notify == (
        Notification("T-GONE", "Nike Innovate C.V.", ""),
        Notification("T-NIKE", "Nike Innovate C.V.", "brand@nike.example"),
    )


def test_without_a_risky_match_nobody_is_notified_and_nothing_referred() -> None:
    decision = decide(declaration(), {1: (match(raises_risk=False),)})
    assert (decision.recommendation, decision.notify, decision.referral) == (
        Recommendation.RELEASE,
        (),
        None,
    )
    assert decision.reasons == () and decision.risk_score == 0.0


def test_corroboration_is_told_except_the_brand_field() -> None:
    found = match(
        corroboration=(Corroboration.BRAND_FIELD, Corroboration.BELOW_GENUINE_PRICE),
        right_type=RightType.COPYRIGHT,
    )
    decision = decide(declaration(), {1: (found,)})
    assert decision.reasons == (
        Reason(ReasonKind.MATCH, "COPYRIGHT_MATCH", "matched NIKE (100)", 1.0),
        Reason(
            ReasonKind.MATCH,
            "BELOW_GENUINE_PRICE",
            "below genuine price: recordation T-NIKE (NIKE)",
            1.0,
        ),
    )


def test_a_weak_match_adds_its_score_and_does_not_detain() -> None:
    policy = Policy(
        audit_from=0.3, document_check_from=0.5, inspection_from=0.7, match_detain_from=90.0
    )
    decision = decide(declaration(), {1: (match(score=80.0),)}, policy=policy)
    # 80 / 100 * match weight 1: a physical inspection (0.7), not a detention
    assert decision.recommendation is Recommendation.PHYSICAL_INSPECTION
    assert decision.risk_score == pytest.approx(0.8)
    assert (decision.notify, decision.referral) == ((), None)
    at = decide(declaration(), {1: (match(score=90.0),)}, policy=policy)
    assert at.recommendation is Recommendation.DETAIN  # from the threshold on, a match detains


def test_rule_reasons_name_the_rule_and_its_action_heaviest_first() -> None:
    hits = (
        RuleHit("R-LOW", "1", "low value", None, 0.2),
        RuleHit("R-SHOES", "2", "shoes by post", Recommendation.DOCUMENT_CHECK, 0.6),
        RuleHit("R-TRIAL", "3", "on trial", Recommendation.DETAIN, 0.9, shadow=True),
    )
    decision = decide(declaration(), hits=hits)
    assert decision.reasons == (
        Reason(ReasonKind.RULE, "R-SHOES", "rule R-SHOES: shoes by post → DOCUMENT_CHECK", 0.6),
        Reason(ReasonKind.RULE, "R-LOW", "rule R-LOW: low value", 0.2),
    )
    assert (decision.recommendation, decision.lane) == (Recommendation.DOCUMENT_CHECK, Lane.YELLOW)
    assert decision.risk_score == pytest.approx(0.6)


def test_a_release_at_the_audit_threshold_is_blue() -> None:
    assert decide(declaration(), model=0.3).lane is Lane.BLUE
    assert decide(declaration(), model=0.29).lane is Lane.GREEN


def test_an_office_at_capacity_checks_documents_instead_of_inspecting() -> None:
    policy = Policy(
        audit_from=0.3,
        document_check_from=0.5,
        inspection_from=0.7,
        inspection_capacity={"DEHAM01": 0.1},
    )
    at = decide(declaration(), model=0.8, policy=policy, office_load=0.1)
    assert (at.recommendation, at.lane) == (Recommendation.DOCUMENT_CHECK, Lane.YELLOW)
    assert at.reasons[-1] == Reason(
        ReasonKind.POLICY,
        "OVER_CAPACITY",
        "office DEHAM01 inspects 10.0% against a capacity of 10.0%: document check instead "
        "of inspection",
    )
    below = decide(declaration(), model=0.8, policy=policy, office_load=0.09)
    assert below.recommendation is Recommendation.PHYSICAL_INSPECTION
    unknown = decide(declaration(), model=0.8, policy=policy)
    assert unknown.recommendation is Recommendation.PHYSICAL_INSPECTION
    # a detention asked for by a match is never lowered
    detained = decide(declaration(), {1: (match(),)}, model=0.8, policy=policy, office_load=0.5)
    assert detained.recommendation is Recommendation.DETAIN


def test_random_selection_inspects_and_says_so() -> None:
    declared = declaration()
    policy = Policy(random_rate=1.0)
    decision = recommend(policy, REGISTER, declared, (ItemAssessment(1),), (), None)
    assert decision.random_selection
    assert (decision.recommendation, decision.lane) == (
        Recommendation.PHYSICAL_INSPECTION,
        Lane.RED,
    )
    assert decision.reasons == (
        Reason(ReasonKind.POLICY, "RANDOM_SELECTION", "picked by random compliance selection"),
    )
    detained = recommend(policy, REGISTER, declared, (ItemAssessment(1, (match(),)),), (), None)
    assert detained.recommendation is Recommendation.DETAIN  # random selection never lowers
    assert not recommend(
        policy, REGISTER, declared, (), (), None, draw_random=False
    ).random_selection


def test_exhibition_goods_with_a_risky_match_get_the_exhibition_handling() -> None:
    policy = Policy(
        exhibition_on_match=Recommendation.DOCUMENT_CHECK,
        exhibition_minimum=Recommendation.DOCUMENT_CHECK,
    )
    shown = declaration(procedure=Procedure.EXHIBITION)
    assert decide(shown, {1: (match(),)}, policy=policy).recommendation is (
        Recommendation.DOCUMENT_CHECK
    )
    assert decide(shown, policy=policy).recommendation is Recommendation.DOCUMENT_CHECK
    assert decide(declaration(), policy=policy).recommendation is Recommendation.RELEASE


ASSESSED = Assessment(
    decision_id="DEC-1",
    declaration_id="D-POLICY-1",
    recommendation=Recommendation.RELEASE,
    lane=Lane.BLUE,
    risk_score=0.4,
    decided_at=datetime(2025, 3, 1, tzinfo=UTC),
    versions=Versions(),
    reasons=(Reason(ReasonKind.MODEL, "MODEL_SCORE", "model", 0.4),),
)


def test_a_degraded_service_never_releases_silently() -> None:
    got = degraded(ASSESSED, "store down")
    assert (got.recommendation, got.lane) == (Recommendation.DOCUMENT_CHECK, Lane.YELLOW)
    assert got.reasons == (
        Reason(ReasonKind.POLICY, "SERVICE_DEGRADED", "service degraded: store down", 1.0),
        *ASSESSED.reasons,
    )
    assert (got.decision_id, got.risk_score) == ("DEC-1", 0.4)


def test_a_degraded_service_keeps_a_stricter_recommendation_and_its_lane() -> None:
    detained = replace(ASSESSED, recommendation=Recommendation.DETAIN, lane=Lane.RED)
    got = degraded(detained, "model refused")
    assert (got.recommendation, got.lane) == (Recommendation.DETAIN, Lane.RED)
    assert got.reasons[0].code == "SERVICE_DEGRADED"
    # a document check already asked for keeps its own lane
    checked = replace(ASSESSED, recommendation=Recommendation.DOCUMENT_CHECK, lane=Lane.BLUE)
    assert degraded(checked, "x").lane is Lane.BLUE


@pytest.mark.parametrize(
    ("risk", "expected"),
    [
        (0.49, Recommendation.RELEASE),
        (0.5, Recommendation.DOCUMENT_CHECK),  # each threshold belongs to the lane it opens
        (0.69, Recommendation.DOCUMENT_CHECK),
        (0.7, Recommendation.PHYSICAL_INSPECTION),
        (0.89, Recommendation.PHYSICAL_INSPECTION),
        (0.9, Recommendation.DETAIN),
    ],
)
def test_thresholds_belong_to_the_lane_they_open(risk: float, expected: Recommendation) -> None:
    policy = Policy(audit_from=0.3, document_check_from=0.5, inspection_from=0.7, detain_from=0.9)
    assert decide(declaration(), model=risk, policy=policy).recommendation is expected


def test_random_selection_adds_nothing_to_an_inspection_already_asked_for() -> None:
    policy = Policy(inspection_from=0.7, random_rate=1.0)
    items = (ItemAssessment(1),)
    decision = recommend(policy, REGISTER, declaration(), items, (), ModelScore(0.8))
    assert decision.random_selection
    assert decision.recommendation is Recommendation.PHYSICAL_INSPECTION
    assert decision.reasons == ()  # drawn, but the inspection is the score's, not the draw's


def test_a_match_at_the_detain_threshold_adds_no_risk_of_its_own() -> None:
    """At the threshold a match is strong: it takes the exhibition handling and is not also
    counted as a weaker match (80 / 100 would ask for an inspection)."""
    policy = Policy(
        inspection_from=0.7,
        match_detain_from=80.0,
        exhibition_on_match=Recommendation.DOCUMENT_CHECK,
    )
    shown = declaration(procedure=Procedure.EXHIBITION)
    decision = decide(shown, {1: (match(score=80.0),)}, policy=policy)
    assert decision.recommendation is Recommendation.DOCUMENT_CHECK
