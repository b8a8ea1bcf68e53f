"""Selectivity policy: from evidence (matches, rule hits, model score) to a lane.

The policy is data, versioned like the rest of the snapshot; this module holds the one
function that applies it, so serving, rule tests and backtests decide lanes alike.
"""

from __future__ import annotations

import enum
import hashlib
from collections.abc import Mapping
from dataclasses import dataclass, field, replace

from riskd.domain import (
    Assessment,
    Corroboration,
    Declaration,
    ItemAssessment,
    Lane,
    Match,
    Money,
    Notification,
    Procedure,
    Reason,
    ReasonKind,
    Recommendation,
    Referral,
    RuleHit,
)
from riskd.history import BUILTIN_RATES_TO_USD, to_usd
from riskd.model import ModelScore
from riskd.register.model import Register

DEFAULT_REFERRAL_THRESHOLD = Money(50_000.0, "USD")

LANE_OF = {
    Recommendation.RELEASE: Lane.GREEN,
    Recommendation.DOCUMENT_CHECK: Lane.YELLOW,
    Recommendation.PHYSICAL_INSPECTION: Lane.RED,
    Recommendation.DETAIN: Lane.RED,
}


class Combine(enum.StrEnum):
    """How the risk components (rule scores, model probability, weaker matches) combine."""

    MAX = "max"  # the strongest signal decides
    NOISY_OR = "noisy_or"  # independent signals add up: 1 - prod(1 - component)


@dataclass(frozen=True, slots=True)
class Policy:
    """Thresholds on the combined risk score, evidence weights, random selection, referral,
    exhibitions and inspection capacity. Loaded from `rules/policy.yaml` by
    `riskd.rules.policy_file`; these defaults serve when no policy file is given."""

    version: str = "builtin-1"
    # risk >= audit_from: release with post-clearance audit (blue lane)
    audit_from: float = 0.35
    # risk >= document_check_from: document check (yellow lane)
    document_check_from: float = 0.5
    # risk >= inspection_from: physical inspection (red lane)
    inspection_from: float = 0.75
    # risk >= detain_from: detain (above the red lane); None: only actions and matches detain
    detain_from: float | None = None
    combine: Combine = Combine.MAX
    rule_weight: float = 1.0
    model_weight: float = 1.0
    match_weight: float = 1.0
    # a risky match scoring at least this detains and notifies; weaker ones add score/100
    match_detain_from: float = 0.0
    # share of declarations picked at random for physical inspection; never zero
    random_rate: float = 0.01
    random_salt: str = "riskd"
    # value of suspect goods from which a case is referred as a suspected crime
    referral_threshold: Money = DEFAULT_REFERRAL_THRESHOLD
    # US dollars per unit of each currency (the rule directory's currencies.csv)
    rates_to_base: Mapping[str, float] = field(default_factory=lambda: dict(BUILTIN_RATES_TO_USD))
    # EXHIBITION goods: at least this control, and this (instead of DETAIN) on a risky match
    exhibition_minimum: Recommendation = Recommendation.RELEASE
    exhibition_on_match: Recommendation = Recommendation.DETAIN
    # target share of declarations physically inspected, per office ("*" for the others)
    inspection_capacity: Mapping[str, float] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if not 0.0 < self.random_rate <= 1.0:
            # without random selection, outcomes are no unbiased sample for retraining
            raise ValueError(f"random_rate must be in (0, 1], not {self.random_rate}")

    def in_base_currency(self, money: Money) -> float | None:
        """The amount in US dollars by `riskd.history.to_usd`, the one conversion."""
        return to_usd(money, self.rates_to_base)

    def randomly_selected(self, declaration_id: str) -> bool:
        """Reproducible draw from the declaration id, so a replay draws the same."""
        digest = hashlib.sha256(f"{self.random_salt}:{declaration_id}".encode()).digest()
        return int.from_bytes(digest[:8], "big") / 2**64 < self.random_rate

    def capacity_of(self, office: str) -> float | None:
        """The office's target inspection rate, if the policy sets one."""
        return self.inspection_capacity.get(office, self.inspection_capacity.get("*"))

    def combine_risk(self, components: list[float]) -> float:
        """The combined risk of weighted components, clamped to 0..1."""
        if not components:
            return 0.0
        if self.combine is Combine.NOISY_OR:
            keep = 1.0
            for component in components:
                keep *= 1.0 - min(max(component, 0.0), 1.0)
            return 1.0 - keep
        return min(max(max(components), 0.0), 1.0)


@dataclass(frozen=True, slots=True)
class Decision:
    recommendation: Recommendation
    lane: Lane
    risk_score: float
    reasons: tuple[Reason, ...]
    notify: tuple[Notification, ...]
    referral: Referral | None
    random_selection: bool


def recommend(
    policy: Policy,
    register: Register,
    declaration: Declaration,
    items: tuple[ItemAssessment, ...],
    rule_hits: tuple[RuleHit, ...],
    model: ModelScore | None,
    *,
    draw_random: bool = True,
    office_load: float | None = None,
) -> Decision:
    """Combine the evidence: strong risky matches detain; rule actions set a floor; the
    combined risk of rule scores, model and weaker matches picks the lane. `office_load` is
    the office's current share of physical inspections (`riskd.capacity`): at or over the
    policy's capacity, an inspection asked for by the risk score alone becomes a document
    check."""
    reasons: list[Reason] = []
    risky = [(item, m) for item in items for m in item.matches if m.raises_risk]
    strong = [(item, m) for item, m in risky if m.score >= policy.match_detain_from]
    components: list[float] = []
    for _, match in risky:
        reasons.append(
            Reason(ReasonKind.MATCH, f"{match.right_type.value}_MATCH", match.explanation, 1.0)
        )
        for kind in match.corroboration:
            if kind is not Corroboration.BRAND_FIELD:
                what = kind.value.replace("_", " ").lower()
                message = f"{what}: recordation {match.recordation_id} ({match.mark})"
                reasons.append(Reason(ReasonKind.MATCH, kind.value, message, 1.0))
        if match.score < policy.match_detain_from:
            components.append(policy.match_weight * match.score / 100.0)
    live_hits = [h for h in rule_hits if not h.shadow]
    for hit in live_hits:
        action = f" → {hit.action.value}" if hit.action else ""
        reasons.append(
            Reason(
                ReasonKind.RULE, hit.rule_id, f"rule {hit.rule_id}: {hit.title}{action}", hit.score
            )
        )
        if hit.score > 0.0:
            components.append(policy.rule_weight * hit.score)
    if model is not None:
        components.append(policy.model_weight * model.probability)
    risk = policy.combine_risk(components)
    recommendation = _from_risk(policy, risk)
    capacity = policy.capacity_of(declaration.customs_office)
    if (
        recommendation is Recommendation.PHYSICAL_INSPECTION
        and capacity is not None
        and office_load is not None
        and office_load >= capacity
    ):
        recommendation = Recommendation.DOCUMENT_CHECK
        reasons.append(
            Reason(
                ReasonKind.POLICY,
                "OVER_CAPACITY",
                f"office {declaration.customs_office} inspects {office_load:.1%} against a "
                f"capacity of {capacity:.1%}: document check instead of inspection",
            )
        )
    if strong:
        risk = 1.0  # the lane for strong matches is set below (detain, or exhibition handling)
    for hit in live_hits:
        if hit.action is not None and hit.action.severity > recommendation.severity:
            recommendation = hit.action
    exhibition = declaration.procedure is Procedure.EXHIBITION
    if strong:
        on_match = policy.exhibition_on_match if exhibition else Recommendation.DETAIN
        recommendation = _stricter(recommendation, on_match)
    if exhibition:
        recommendation = _stricter(recommendation, policy.exhibition_minimum)
    lane = LANE_OF[recommendation]
    if recommendation is Recommendation.RELEASE and risk >= policy.audit_from:
        lane = Lane.BLUE
    random_selection = draw_random and policy.randomly_selected(declaration.declaration_id)
    if random_selection and recommendation.severity < Recommendation.PHYSICAL_INSPECTION.severity:
        recommendation, lane = Recommendation.PHYSICAL_INSPECTION, Lane.RED
        reasons.append(
            Reason(ReasonKind.POLICY, "RANDOM_SELECTION", "picked by random compliance selection")
        )
    notify = _notifications(register, [m for _, m in strong]) if strong else ()
    referral = (
        _referral(policy, declaration, {item.line_no for item, _ in strong}) if strong else None
    )
    reasons.sort(key=lambda r: r.weight, reverse=True)
    return Decision(
        recommendation=recommendation,
        lane=lane,
        risk_score=min(max(risk, 0.0), 1.0),
        reasons=tuple(reasons),
        notify=notify,
        referral=referral,
        random_selection=random_selection,
    )


def degraded(assessment: Assessment, why: str) -> Assessment:
    """The assessment of a service that is not whole (a part failed to load, the store is
    down): at least a document check, never a silent release, with the reason told."""
    recommendation = _stricter(assessment.recommendation, Recommendation.DOCUMENT_CHECK)
    lane = (
        assessment.lane if recommendation is assessment.recommendation else LANE_OF[recommendation]
    )
    reason = Reason(ReasonKind.POLICY, "SERVICE_DEGRADED", f"service degraded: {why}", 1.0)
    return replace(
        assessment,
        recommendation=recommendation,
        lane=lane,
        reasons=(reason, *assessment.reasons),
    )


def _stricter(a: Recommendation, b: Recommendation) -> Recommendation:
    return a if a.severity >= b.severity else b


def _from_risk(policy: Policy, risk: float) -> Recommendation:
    if policy.detain_from is not None and risk >= policy.detain_from:
        return Recommendation.DETAIN
    if risk >= policy.inspection_from:
        return Recommendation.PHYSICAL_INSPECTION
    if risk >= policy.document_check_from:
        return Recommendation.DOCUMENT_CHECK
    return Recommendation.RELEASE


def _notifications(register: Register, matches: list[Match]) -> tuple[Notification, ...]:
    seen: dict[str, Notification] = {}
    for match in matches:
        recordation = register.by_id.get(match.recordation_id)
        contact = recordation.holder_contact if recordation else ""
        seen.setdefault(
            match.recordation_id, Notification(match.recordation_id, match.holder, contact)
        )
    return tuple(seen.values())


def _referral(policy: Policy, declaration: Declaration, suspect_lines: set[int]) -> Referral:
    total = 0.0
    for item in declaration.items:
        if item.line_no in suspect_lines and item.value is not None:
            total += policy.in_base_currency(item.value) or 0.0
    threshold = policy.referral_threshold
    estimated = Money(round(total, 2), threshold.currency)
    return Referral(
        referred=total >= threshold.amount, estimated_value=estimated, threshold=threshold
    )
