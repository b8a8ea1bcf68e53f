"""Selectivity policy: from evidence (matches, rule hits, model score) to a lane.

The policy is data, versioned like the rest of the snapshot; this module holds the one
function that applies it, so serving, rule tests and backtests decide lanes alike.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from dataclasses import dataclass, field

from riskd.domain import (
    Declaration,
    ItemAssessment,
    Lane,
    Match,
    Money,
    Notification,
    Reason,
    ReasonKind,
    Recommendation,
    Referral,
    RuleHit,
)
from riskd.model import ModelScore
from riskd.register.model import Register

# Approximate rates to US dollars; a policy file may replace them.
DEFAULT_RATES_TO_USD: Mapping[str, float] = {
    "USD": 1.0,
    "EUR": 1.08,
    "GBP": 1.27,
    "CNY": 0.138,
    "HKD": 0.128,
    "JPY": 0.0066,
    "KRW": 0.00072,
    "VND": 0.000039,
    "INR": 0.012,
    "TRY": 0.029,
    "AED": 0.272,
    "RUB": 0.011,
}

LANE_OF = {
    Recommendation.RELEASE: Lane.GREEN,
    Recommendation.DOCUMENT_CHECK: Lane.YELLOW,
    Recommendation.PHYSICAL_INSPECTION: Lane.RED,
    Recommendation.DETAIN: Lane.RED,
}


@dataclass(frozen=True, slots=True)
class Policy:
    """Thresholds on the combined risk score, random selection and referral."""

    version: str = "builtin-1"
    # risk >= audit_from: release with post-clearance audit (blue lane)
    audit_from: float = 0.35
    # risk >= document_check_from: document check (yellow lane)
    document_check_from: float = 0.5
    # risk >= inspection_from: physical inspection (red lane)
    inspection_from: float = 0.75
    # share of declarations picked at random for physical inspection; never zero
    random_rate: float = 0.01
    random_salt: str = "riskd"
    # value of suspect goods from which a case is referred as a suspected crime
    referral_threshold: Money = Money(50_000.0, "USD")
    rates_to_base: Mapping[str, float] = field(default_factory=lambda: dict(DEFAULT_RATES_TO_USD))

    def in_base_currency(self, money: Money) -> float | None:
        rate = self.rates_to_base.get(money.currency.upper())
        return None if rate is None else money.amount * rate

    def randomly_selected(self, declaration_id: str) -> bool:
        """Reproducible draw from the declaration id, so a replay draws the same."""
        digest = hashlib.sha256(f"{self.random_salt}:{declaration_id}".encode()).digest()
        return int.from_bytes(digest[:8], "big") / 2**64 < self.random_rate


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
) -> Decision:
    """Combine the evidence: risky matches detain; otherwise the strongest signal decides."""
    reasons: list[Reason] = []
    risky = [(item, m) for item in items for m in item.matches if m.raises_risk]
    for _, match in risky:
        reasons.append(
            Reason(ReasonKind.MATCH, f"{match.right_type.value}_MATCH", match.explanation, 1.0)
        )
    live_hits = [h for h in rule_hits if not h.shadow]
    for hit in live_hits:
        action = f" → {hit.action.value}" if hit.action else ""
        reasons.append(
            Reason(ReasonKind.RULE, hit.rule_id, f"rule {hit.rule_id}: {hit.title}{action}", hit.score)
        )
    risk = max((h.score for h in live_hits), default=0.0)
    if model is not None:
        risk = max(risk, model.probability)
    if risky:
        risk = 1.0
    recommendation = _from_risk(policy, risk)
    for hit in live_hits:
        if hit.action is not None and hit.action.severity > recommendation.severity:
            recommendation = hit.action
    if risky:
        recommendation = Recommendation.DETAIN
    lane = LANE_OF[recommendation]
    if recommendation is Recommendation.RELEASE and risk >= policy.audit_from:
        lane = Lane.BLUE
    random_selection = policy.randomly_selected(declaration.declaration_id)
    if random_selection and recommendation.severity < Recommendation.PHYSICAL_INSPECTION.severity:
        recommendation, lane = Recommendation.PHYSICAL_INSPECTION, Lane.RED
        reasons.append(
            Reason(ReasonKind.POLICY, "RANDOM_SELECTION", "picked by random compliance selection")
        )
    notify = _notifications(register, [m for _, m in risky]) if risky else ()
    referral = _referral(policy, declaration, {item.line_no for item, _ in risky}) if risky else None
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


def _from_risk(policy: Policy, risk: float) -> Recommendation:
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
        seen.setdefault(match.recordation_id, Notification(match.recordation_id, match.holder, contact))
    return tuple(seen.values())


def _referral(policy: Policy, declaration: Declaration, suspect_lines: set[int]) -> Referral:
    total = 0.0
    for item in declaration.items:
        if item.line_no in suspect_lines and item.value is not None:
            total += policy.in_base_currency(item.value) or 0.0
    threshold = policy.referral_threshold
    estimated = Money(round(total, 2), threshold.currency)
    return Referral(referred=total >= threshold.amount, estimated_value=estimated, threshold=threshold)
