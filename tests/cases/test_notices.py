"""The notification cases of a detention: one per recordation to notify, on the
jurisdiction's detention clock."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from riskd.cases.calendar import load_calendar
from riskd.cases.notices import open_notification_cases
from riskd.domain import (
    Assessment,
    CaseKind,
    CaseState,
    Conflict,
    Lane,
    Notification,
    Recommendation,
    Versions,
)

CALENDAR = load_calendar()
NOTIFIED = datetime(2026, 9, 30, 10, 0, tzinfo=UTC)


def _assessment(recommendation: Recommendation = Recommendation.DETAIN) -> Assessment:
    return Assessment(
        decision_id="DEC-9",
        declaration_id="D-9",
        recommendation=recommendation,
        lane=Lane.RED,
        risk_score=0.97,
        decided_at=NOTIFIED,
        versions=Versions(),
        notify=(
            Notification("T2019-00001", "Nike Innovate C.V.", "brand@nike.example"),
            Notification("T2020-00042", "Adidas AG", ""),
        ),
    )


def test_one_open_case_per_recordation_with_the_detention_clock() -> None:
    cases = open_notification_cases(_assessment(), CALENDAR, "CN", NOTIFIED)
    assert [(c.case_id, c.holder, c.holder_contact) for c in cases] == [
        ("N-DEC-9-T2019-00001", "Nike Innovate C.V.", "brand@nike.example"),
        ("N-DEC-9-T2020-00042", "Adidas AG", ""),
    ]
    for case in cases:
        assert (case.kind, case.state, case.jurisdiction, case.clock) == (
            CaseKind.NOTIFICATION,
            CaseState.OPEN,
            "CN",
            "ex_officio",
        )
        # over the golden week, to the make-up Saturday 10 October (see test_calendar)
        assert case.deadline == datetime(2026, 10, 10, 16, 0, tzinfo=UTC)
        assert case.events[0].what == "opened"
        assert "art. 16" in case.events[0].note


def test_another_clock_can_be_chosen() -> None:
    (first, _) = open_notification_cases(
        _assessment(), CALENDAR, "DE", datetime(2026, 3, 31, 8, tzinfo=UTC), clock="perishable"
    )
    assert (first.clock, first.deadline) == ("perishable", datetime(2026, 4, 7, 22, tzinfo=UTC))


def test_opening_twice_gives_the_same_cases() -> None:
    twice = [open_notification_cases(_assessment(), CALENDAR, "US", NOTIFIED) for _ in range(2)]
    assert twice[0] == twice[1]


def test_only_a_detention_notifies() -> None:
    with pytest.raises(Conflict, match="recommends PHYSICAL_INSPECTION, not DETAIN"):
        open_notification_cases(
            _assessment(Recommendation.PHYSICAL_INSPECTION), CALENDAR, "CN", NOTIFIED
        )
