"""Referral of a seizure to the judicial organs as a suspected crime.

A seizure whose value is at or above the policy's `referral_threshold` opens one REFERRAL
case for its decision (id `R-<decision_id>`): the prosecutor's file. The value is the
outcome's `seized_value`, or, when the outcome gives none, the value of the suspect goods
the decision estimated (`Assessment.referral.estimated_value`); the threshold is the one
the decision was made under (`Assessment.referral.threshold`), else the given policy's.
Both are compared in US dollars, as the policy holds the threshold (`riskd.policy`). The
evidence the case carries is read from the store when it is exported
(`riskd.cases.evidence`): the decision, with everything it was decided on, is kept whole.
"""

from __future__ import annotations

import contextlib
from datetime import datetime

from riskd.domain import (
    Case,
    CaseEvent,
    CaseKind,
    CaseState,
    Conflict,
    NotFound,
    Outcome,
    OutcomeResult,
    StoredDecision,
)
from riskd.policy import Policy
from riskd.store.base import OutcomeRecorded, Store, record_outcome
from riskd.store.profiles import ProfileStore

OPENED_BY = "riskd"


def referral_case_id(decision_id: str) -> str:
    return f"R-{decision_id}"


def seized_value_usd(stored: StoredDecision, outcome: Outcome, policy: Policy) -> float | None:
    """The value of a seizure in US dollars: the outcome's, else the decision's estimate of
    the suspect goods (None when neither is known or its currency has no rate)."""
    if outcome.seized_value is not None:
        return policy.in_base_currency(outcome.seized_value)
    referral = stored.assessment.referral
    return policy.in_base_currency(referral.estimated_value) if referral else None


def referral_for(
    stored: StoredDecision, outcome: Outcome, policy: Policy, jurisdiction: str, at: datetime
) -> Case | None:
    """The open REFERRAL case a seizure opens, or None below the threshold (or for an
    outcome that is no seizure)."""
    if outcome.result is not OutcomeResult.SEIZED:
        return None
    value = seized_value_usd(stored, outcome, policy)
    recorded = stored.assessment.referral
    threshold = recorded.threshold if recorded is not None else policy.referral_threshold
    limit = policy.in_base_currency(threshold)
    if value is None or limit is None or value < limit:
        return None
    note = f"seized value {value:,.2f} USD, threshold {limit:,.2f} USD"
    return Case(
        case_id=referral_case_id(outcome.decision_id),
        kind=CaseKind.REFERRAL,
        state=CaseState.OPEN,
        decision_id=outcome.decision_id,
        jurisdiction=jurisdiction,
        opened_at=at,
        recordation_id="|".join(outcome.recordation_ids),
        events=(CaseEvent(at=at, by=OPENED_BY, what="referred", state=CaseState.OPEN, note=note),),
        outcome_id=outcome.outcome_id,
    )


def record_and_refer(
    store: Store,
    profiles: ProfileStore | None,
    outcome: Outcome,
    policy: Policy,
    jurisdiction: str,
) -> OutcomeRecorded:
    """Record an outcome (`riskd.store.base.record_outcome`) and, for a new seizure at or
    above the referral threshold, open the decision's referral case (one per decision: a
    second seizure of it adds nothing)."""
    recorded = record_outcome(store, profiles, outcome)
    if recorded.already_recorded or outcome.result is not OutcomeResult.SEIZED:
        return recorded
    try:
        store.get_case(referral_case_id(outcome.decision_id))
        return recorded
    except NotFound:
        pass
    stored = store.get_decision(outcome.decision_id)
    case = referral_for(stored, outcome, policy, jurisdiction, outcome.recorded_at)
    if case is not None:
        # another seizure of the decision, recorded at the same time, may have come first
        with contextlib.suppress(Conflict):
            store.open_cases([case])
    return recorded
