"""Opening the notification cases of a detention: one per right holder to notify.

An assessment that detains goods lists in `notify` the recordations whose holders must be
told (one entry per recordation, see `riskd.policy`); each becomes an open case whose
deadline is the jurisdiction's detention clock counted from the moment of the notice.
Case ids are derived from the decision and the recordation, so opening the cases of a
decision twice gives the same cases, and a store can refuse the repeat.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from riskd.cases.calendar import JurisdictionCalendar
from riskd.domain import (
    Assessment,
    Case,
    CaseEvent,
    CaseKind,
    CaseState,
    Conflict,
    Recommendation,
)

OPENED_BY = "riskd"


def notification_case_id(decision_id: str, recordation_id: str) -> str:
    """The id of the case that notifies the holder of a recordation of a decision's detention."""
    return f"N-{decision_id}-{recordation_id}"


def open_notification_cases(
    assessment: Assessment,
    calendar: JurisdictionCalendar,
    jurisdiction: str,
    notified_at: datetime,
    *,
    clock: str | None = None,
) -> tuple[Case, ...]:
    """The open notification cases of a detained declaration's assessment, one per holder
    of a matched recordation, each with the deadline of `clock` (by default the
    jurisdiction's detention clock) counted from `notified_at`. Conflict for an assessment
    that does not detain: only a detention starts a legal clock."""
    if assessment.recommendation is not Recommendation.DETAIN:
        raise Conflict(
            f"decision {assessment.decision_id!r} recommends "
            f"{assessment.recommendation.value}, not DETAIN: no holder is notified"
        )
    place = calendar[jurisdiction]
    chosen = place.clock(clock)
    deadline = place.deadline(notified_at, chosen.name)
    cases = []
    for notice in assessment.notify:
        opened = CaseEvent(
            at=notified_at,
            by=OPENED_BY,
            what="opened",
            state=CaseState.OPEN,
            note=f"{chosen.working_days} working days ({chosen.law})",
        )
        cases.append(
            Case(
                case_id=notification_case_id(assessment.decision_id, notice.recordation_id),
                kind=CaseKind.NOTIFICATION,
                state=CaseState.OPEN,
                decision_id=assessment.decision_id,
                jurisdiction=place.code,
                opened_at=notified_at,
                recordation_id=notice.recordation_id,
                holder=notice.holder,
                holder_contact=notice.holder_contact,
                clock=chosen.name,
                deadline=deadline,
                events=(opened,),
            )
        )
    return tuple(cases)


class UnknownJurisdiction(ValueError):
    """The jurisdiction cases are to be opened in is not in the calendar."""


@dataclass(frozen=True, slots=True)
class DetentionNotices:
    """The notices a server opens as it detains: the calendar and the jurisdiction whose
    detention clock runs, checked once at start so that screening never meets a bad one."""

    calendar: JurisdictionCalendar
    jurisdiction: str

    def __post_init__(self) -> None:
        if self.jurisdiction not in self.calendar.jurisdictions:
            known = ", ".join(sorted(self.calendar.jurisdictions))
            raise UnknownJurisdiction(
                f"cases_jurisdiction {self.jurisdiction!r} is not in the calendar "
                f"{self.calendar.source} (it has {known})"
            )

    def cases_of(self, assessments: Iterable[Assessment]) -> list[Case]:
        """The notification cases of the detentions among `assessments`, each notified
        when it was decided; a decision that does not detain (nearly all) costs one
        comparison."""
        return [
            case
            for a in assessments
            if a.recommendation is Recommendation.DETAIN and a.notify
            for case in open_notification_cases(a, self.calendar, self.jurisdiction, a.decided_at)
        ]
