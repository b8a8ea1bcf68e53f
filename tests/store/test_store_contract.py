"""The contract every store keeps, run against SQLite and PostgreSQL alike."""

from __future__ import annotations

import threading
from dataclasses import replace
from datetime import UTC, datetime

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from riskd.domain import (
    Conflict,
    ControlType,
    Money,
    NotFound,
    Outcome,
    OutcomeResult,
)
from riskd.pipeline import assess, build_snapshot
from riskd.store.base import DecisionStore
from tests import factory

SNAPSHOT = build_snapshot(register=factory.register())


def _decide(store: DecisionStore, declaration_id: str = "", brand: str = "NIKE") -> str:
    declaration = factory.declaration(declaration_id, items=(factory.item(brand=brand),))
    assessment = assess(SNAPSHOT, declaration)
    store.save_decisions([(declaration, assessment)])
    return assessment.decision_id


def test_saved_decision_comes_back_equal(store: DecisionStore) -> None:
    declaration = factory.declaration(items=(factory.item(brand="NIKE"), factory.item(line_no=2)))
    assessment = assess(SNAPSHOT, declaration)
    store.save_decisions([(declaration, assessment)])
    got = store.get_decision(assessment.decision_id)
    assert (got.assessment, got.declaration, got.outcomes) == (assessment, declaration, ())


def test_unknown_decision_is_not_found(store: DecisionStore) -> None:
    with pytest.raises(NotFound):
        store.get_decision("nope")


def test_batch_is_all_or_nothing(store: DecisionStore) -> None:
    declaration = factory.declaration()
    first = assess(SNAPSHOT, declaration)
    store.save_decisions([(declaration, first)])
    again = assess(SNAPSHOT, declaration)
    with pytest.raises(Exception):  # noqa: B017 - the duplicate key error differs per engine
        store.save_decisions([(declaration, again), (declaration, first)])
    assert store.counts() == (1, 0)


def test_outcomes_are_idempotent_and_ordered(store: DecisionStore) -> None:
    decision_id = _decide(store)
    later = Outcome(
        "O-2",
        decision_id,
        OutcomeResult.SEIZED,
        datetime(2025, 3, 5, tzinfo=UTC),
        control=ControlType.PHYSICAL,
        recordation_ids=("T2019-00001",),
        seized_value=Money(2500.0, "USD"),
        officer="A. Officer",
        notes="shoes",
    )
    earlier = Outcome(
        "O-1",
        decision_id,
        OutcomeResult.NO_INFRINGEMENT,
        datetime(2025, 3, 2, tzinfo=UTC),
        control=ControlType.DOCUMENT,
    )
    assert not store.record_outcome(later).already_recorded
    assert not store.record_outcome(earlier).already_recorded
    repeated = store.record_outcome(later)
    assert repeated.already_recorded and repeated.outcome == later
    assert store.get_decision(decision_id).outcomes == (earlier, later)
    assert store.counts() == (1, 2)


def test_outcome_for_unknown_decision_or_reused_id(store: DecisionStore) -> None:
    now = datetime(2025, 3, 2, tzinfo=UTC)
    with pytest.raises(NotFound):
        store.record_outcome(Outcome("O-1", "nope", OutcomeResult.SEIZED, now))
    first, second = _decide(store), _decide(store)
    store.record_outcome(Outcome("O-1", first, OutcomeResult.SEIZED, now))
    with pytest.raises(Conflict):
        store.record_outcome(Outcome("O-1", second, OutcomeResult.SEIZED, now))


def test_an_outcome_id_sent_again_with_other_content_is_a_conflict(store: DecisionStore) -> None:
    decision = _decide(store)
    sent = Outcome("O-7", decision, OutcomeResult.SEIZED, datetime(2025, 3, 2, tzinfo=UTC))
    store.record_outcome(sent)
    resent = replace(sent, recorded_at=datetime(2025, 3, 3, tzinfo=UTC))  # a retry, later
    assert store.record_outcome(resent).already_recorded
    with pytest.raises(Conflict, match="new outcome id"):
        store.record_outcome(replace(sent, result=OutcomeResult.NO_INFRINGEMENT))
    assert store.get_decision(decision).outcomes == (sent,)


def test_concurrent_writers_lose_nothing(store: DecisionStore) -> None:
    decision_ids: list[str] = []
    lock = threading.Lock()

    def writer() -> None:
        for _ in range(15):
            decision_id = _decide(store)
            with lock:
                decision_ids.append(decision_id)

    threads = [threading.Thread(target=writer) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert store.counts()[0] == 60
    assert all(store.get_decision(d).assessment.decision_id == d for d in decision_ids)


@settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(description=st.text(min_size=1, max_size=200), brand=st.text(max_size=40))
def test_any_text_is_stored_exactly(store: DecisionStore, description: str, brand: str) -> None:
    declaration = factory.declaration(items=(factory.item(description=description, brand=brand),))
    assessment = assess(SNAPSHOT, declaration)
    store.save_decisions([(declaration, assessment)])
    assert store.get_decision(assessment.decision_id).declaration == declaration
