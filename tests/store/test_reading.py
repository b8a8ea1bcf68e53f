"""Reading the store for reports and training (`DecisionStore.decisions`), on both engines:
every decision once, in the order decided, with its outcomes in the order recorded, inside
the time window asked for."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from riskd.domain import Outcome, OutcomeResult
from riskd.pipeline import assess, build_snapshot
from riskd.store.base import DecisionStore
from tests import factory

SNAPSHOT = build_snapshot(register=factory.register())
T0 = datetime(2025, 3, 1, 8, 0, tzinfo=UTC)
# hours after T0 at which the test's decisions are made (two at the same moment)
HOURS = (0, 5, 5, 24, 49)


def _fill(store: DecisionStore) -> list[tuple[datetime, str]]:
    """The decisions made, as (decided_at, decision_id) in the order the store must list them."""
    made = []
    for n, hours in enumerate(HOURS):
        declaration = factory.declaration(f"D-READ-{n}")
        decided = assess(SNAPSHOT, declaration, now=T0 + timedelta(hours=hours))
        store.save_decisions([(declaration, decided)])
        made.append((decided.decided_at, decided.decision_id))
    return sorted(made)


def test_decisions_come_in_decision_order_with_outcomes_in_recording_order(
    store: DecisionStore,
) -> None:
    made = _fill(store)
    first = made[0][1]
    recorded = T0 + timedelta(days=1)
    for outcome_id, result, at in (
        ("O-LATE", OutcomeResult.SEIZED, recorded + timedelta(hours=1)),
        ("O-A", OutcomeResult.NO_INFRINGEMENT, recorded),
        ("O-B", OutcomeResult.HOLDER_NOT_CONFIRMED, recorded),  # same moment: stored order
    ):
        store.record_outcome(Outcome(outcome_id, first, result, at))
    listed = list(store.decisions())
    assert [d.assessment.decision_id for d in listed] == [d for _, d in made]
    assert [o.outcome_id for o in listed[0].outcomes] == ["O-A", "O-B", "O-LATE"]
    assert all(d.outcomes == () for d in listed[1:])
    assert listed[0] == store.get_decision(first)


def test_an_empty_store_lists_nothing(store: DecisionStore) -> None:
    assert list(store.decisions()) == []


def test_a_window_bound_needs_a_time_zone(store: DecisionStore) -> None:
    with pytest.raises(ValueError, match="time zone"):
        list(store.decisions(since=datetime(2025, 3, 1)))


MOMENTS = st.integers(min_value=-2, max_value=52).map(lambda h: T0 + timedelta(hours=h))
ZONES = st.sampled_from([UTC, timezone(timedelta(hours=2)), timezone(timedelta(hours=-5))])


@settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    since=st.none() | st.tuples(MOMENTS, ZONES).map(lambda m: m[0].astimezone(m[1])),
    until=st.none() | st.tuples(MOMENTS, ZONES).map(lambda m: m[0].astimezone(m[1])),
)
def test_a_window_holds_exactly_the_decisions_made_inside_it(
    store: DecisionStore, since: datetime | None, until: datetime | None
) -> None:
    if not store.counts()[0]:  # the same decisions for every example
        _fill(store)
    expected = [
        at
        for at in sorted(T0 + timedelta(hours=h) for h in HOURS)
        if (since is None or at >= since) and (until is None or at < until)
    ]
    got = [d.assessment.decided_at for d in store.decisions(since, until)]
    assert got == expected
