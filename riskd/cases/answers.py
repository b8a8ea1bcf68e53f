"""Working a notification case: the holder's answer, an extension, the clock running out.

Each move is saved with the state the case was read in (`CaseStore.save_case`), so two
officers cannot both answer one case; then the answer is recorded as an outcome of the
detained decision through `riskd.store.base.record_outcome` (by way of
`riskd.cases.referrals.record_and_refer`), the one way outcomes reach the store, the entity
profiles and the training table. The mapping onto `OutcomeResult`:

| the case becomes | outcome | why |
|---|---|---|
| CONFIRMED | SEIZED | the holder confirmed the infringement: the training label "infringing" |
| DECLINED | HOLDER_NOT_CONFIRMED | the holder says the goods do not infringe, or will not act |
| EXPIRED | HOLDER_NOT_CONFIRMED | no answer within the legal period: release is advised |

A detention that notified several holders is infringing when any of them confirmed: once one
case of the decision is CONFIRMED, a later decline or expiry of another records no outcome
(it would otherwise become the decision's latest word and undo the label). Outcome ids are
derived from the case and the state (`<case_id>-<STATE>`): recording again is idempotent.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from riskd.cases.calendar import JurisdictionCalendar
from riskd.cases.referrals import record_and_refer
from riskd.domain import (
    Case,
    CaseKind,
    CaseState,
    Conflict,
    Outcome,
    OutcomeResult,
)
from riskd.policy import Policy
from riskd.store.base import Store
from riskd.store.profiles import ProfileStore

CLOCK = "riskd"  # who moves a case whose clock ran out

ANSWER_OUTCOMES: dict[CaseState, OutcomeResult] = {
    CaseState.CONFIRMED: OutcomeResult.SEIZED,
    CaseState.DECLINED: OutcomeResult.HOLDER_NOT_CONFIRMED,
    CaseState.EXPIRED: OutcomeResult.HOLDER_NOT_CONFIRMED,
}

_WHAT = {
    CaseState.CONFIRMED: "holder confirmed",
    CaseState.DECLINED: "holder declined",
    CaseState.EXPIRED: "deadline passed; release advised",
}


@dataclass(frozen=True, slots=True)
class Answered:
    """A moved case and the outcome recorded for it (None when none was recorded)."""

    case: Case
    outcome: Outcome | None


def answer_case(
    store: Store,
    profiles: ProfileStore | None,
    case_id: str,
    to: CaseState,
    *,
    at: datetime,
    by: str,
    note: str = "",
    policy: Policy | None = None,
) -> Answered:
    """Move an open notification case to CONFIRMED, DECLINED or EXPIRED and record the
    answer as an outcome; a confirmed seizure worth the referral threshold of `policy` (by
    default the built-in one) is referred (`riskd.cases.referrals`). NotFound, Conflict
    (another move came first, or a case that is not open: TransitionRefused)."""
    moved = move_case(store, store.get_case(case_id), to, at=at, by=by, note=note)
    outcome = _outcome(store, moved, to, at=at, by=by, note=note)
    if outcome is not None:
        record_and_refer(store, profiles, outcome, policy or Policy(), moved.jurisdiction)
    return Answered(moved, outcome)


def move_case(
    store: Store, case: Case, to: CaseState, *, at: datetime, by: str, note: str = ""
) -> Case:
    """Move a notification case as read to an answer's state, saved only if no other move
    came first; no outcome is recorded (for an outcome that is already on record)."""
    if to not in ANSWER_OUTCOMES:
        raise ValueError(f"a case is answered CONFIRMED, DECLINED or EXPIRED, not {to.value}")
    if case.kind is not CaseKind.NOTIFICATION:
        raise Conflict(
            f"case {case.case_id!r} is a {case.kind.value} case: only a holder's notice is answered"
        )
    moved = case.moved(to, at=at, by=by, what=_WHAT[to], note=note)
    store.save_case(moved, case.state)
    return moved


def _outcome(
    store: Store, case: Case, to: CaseState, *, at: datetime, by: str, note: str
) -> Outcome | None:
    if to is not CaseState.CONFIRMED:
        others = store.cases(decision_id=case.decision_id, state=CaseState.CONFIRMED)
        if any(other.case_id != case.case_id for other in others):
            return None
    return Outcome(
        outcome_id=f"{case.case_id}-{to.value}",
        decision_id=case.decision_id,
        result=ANSWER_OUTCOMES[to],
        recorded_at=at,
        recordation_ids=(case.recordation_id,) if case.recordation_id else (),
        officer=by,
        notes=f"case {case.case_id}: {_WHAT[to]}" + (f"; {note}" if note else ""),
    )


def extend_case(
    store: Store,
    calendar: JurisdictionCalendar,
    case_id: str,
    *,
    at: datetime,
    by: str,
    note: str = "",
) -> Case:
    """Extend an open case's deadline by its clock's extension (once, where the clock has
    one: the EU's standard period, by 10 working days); ValueError where the clock cannot
    be extended, Conflict when it already was."""
    case = store.get_case(case_id)
    if case.kind is not CaseKind.NOTIFICATION:
        raise Conflict(f"case {case_id!r} is a {case.kind.value} case: it has no legal clock")
    if any(e.what == "deadline extended" for e in case.events):
        raise Conflict(f"case {case_id!r} was extended already; a clock is extended once")
    deadline = calendar[case.jurisdiction].deadline(case.opened_at, case.clock, extended=True)
    moved = case.extended(deadline, at=at, by=by, note=note)
    store.save_case(moved, case.state)
    return moved


def expire_overdue(store: Store, profiles: ProfileStore | None, now: datetime) -> list[Answered]:
    """Mark EXPIRED every open notification case whose deadline is past at `now` (release
    is advised), recording each as an outcome; a case another move took first is left."""
    due = [
        c
        for c in store.cases(state=CaseState.OPEN, due_before=now)
        if c.kind is CaseKind.NOTIFICATION
    ]
    expired = []
    for case in due:
        try:
            expired.append(
                answer_case(store, profiles, case.case_id, CaseState.EXPIRED, at=now, by=CLOCK)
            )
        except Conflict:
            continue
    return expired
