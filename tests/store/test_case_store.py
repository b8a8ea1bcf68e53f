"""The Store contract, run against SQLite and PostgreSQL alike: opening is idempotent,
a move needs the state it was read in, the queue is ordered by deadline then id."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from riskd.domain import Assessment, CaseKind, CaseState, Conflict, Declaration, NotFound
from riskd.pipeline import assess, build_snapshot
from riskd.store import SqliteStore
from riskd.store.base import Store
from tests import factory

SNAPSHOT = build_snapshot(register=factory.register())

MARCH = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


@pytest.fixture(params=["sqlite", "postgresql"])
def cases(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Store]:
    if request.param == "sqlite":
        opened: Store = SqliteStore(tmp_path / "riskd.db")
    else:
        from riskd.store.postgres import PostgresStore

        opened = PostgresStore(request.getfixturevalue("fresh_postgres_url"))
    yield opened
    opened.close()


def test_an_opened_case_comes_back_equal(cases: Store) -> None:
    case = factory.case()
    assert cases.open_cases([case]) == 1
    assert cases.get_case(case.case_id) == case


def test_an_unknown_case_is_not_found(cases: Store) -> None:
    with pytest.raises(NotFound, match="no case 'N-X'"):
        cases.get_case("N-X")


def test_opening_the_same_case_again_stores_nothing_new(cases: Store) -> None:
    case = factory.case()
    cases.open_cases([case])
    assert cases.open_cases([case, factory.case("N-D1-T2")]) == 1
    assert [c.case_id for c in cases.cases()] == ["N-D1-T1", "N-D1-T2"]


def test_another_case_under_a_stored_id_is_a_conflict_and_opens_none(cases: Store) -> None:
    cases.open_cases([factory.case()])
    with pytest.raises(Conflict, match="'N-D1-T1' is stored with other content"):
        cases.open_cases([factory.case("N-D1-T9"), factory.case(holder="Someone else")])
    assert [c.case_id for c in cases.cases()] == ["N-D1-T1"]  # N-D1-T9 was rolled back


def test_a_move_from_the_expected_state_is_saved(cases: Store) -> None:
    case = factory.case()
    cases.open_cases([case])
    moved = case.moved(CaseState.CONFIRMED, at=MARCH, by="holder", what="holder confirmed")
    cases.save_case(moved, CaseState.OPEN)
    got = cases.get_case(case.case_id)
    assert got.state is CaseState.CONFIRMED
    assert [e.what for e in got.events] == ["opened", "holder confirmed"]


def test_a_move_after_another_move_is_a_conflict(cases: Store) -> None:
    case = factory.case()
    cases.open_cases([case])
    first = case.moved(CaseState.CONFIRMED, at=MARCH, by="a", what="holder confirmed")
    second = case.moved(CaseState.DECLINED, at=MARCH, by="b", what="holder declined")
    cases.save_case(first, CaseState.OPEN)
    with pytest.raises(Conflict, match="is CONFIRMED, not OPEN"):
        cases.save_case(second, CaseState.OPEN)
    assert cases.get_case(case.case_id).state is CaseState.CONFIRMED


def test_saving_an_unknown_case_is_not_found(cases: Store) -> None:
    with pytest.raises(NotFound):
        cases.save_case(factory.case("N-NONE"), CaseState.OPEN)


def test_two_officers_answering_at_once_one_wins(cases: Store) -> None:
    case = factory.case()
    cases.open_cases([case])
    outcomes: list[str] = []

    def answer(to: CaseState) -> None:
        try:
            cases.save_case(case.moved(to, at=MARCH, by=to.value, what="answer"), CaseState.OPEN)
            outcomes.append("saved")
        except Conflict:
            outcomes.append("conflict")

    threads = [threading.Thread(target=answer, args=(s,)) for s in (CaseState.CONFIRMED,) * 4]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(outcomes) == ["conflict", "conflict", "conflict", "saved"]


def test_the_queue_is_by_deadline_then_id_and_filters(cases: Store) -> None:
    day = timedelta(days=1)
    deadline = datetime(2026, 3, 5, 16, 0, tzinfo=UTC)
    cases.open_cases(
        [
            factory.case("N-B", deadline=deadline),
            factory.case("N-A", deadline=deadline),
            factory.case("N-C", deadline=deadline - day, decision_id="D2"),
            factory.case("R-D", kind=CaseKind.REFERRAL, deadline=None, clock=""),
            factory.case("N-E", deadline=deadline + day, state=CaseState.EXPIRED),
        ]
    )
    assert [c.case_id for c in cases.cases()] == ["N-C", "N-A", "N-B", "N-E", "R-D"]
    assert [c.case_id for c in cases.cases(state=CaseState.OPEN)] == ["N-C", "N-A", "N-B", "R-D"]
    assert [c.case_id for c in cases.cases(decision_id="D2")] == ["N-C"]
    assert [c.case_id for c in cases.cases(due_before=deadline)] == ["N-C"]
    # a bound in another zone means the same moment: 16:00:01 UTC
    shanghai = datetime(2026, 3, 6, 0, 0, 1, tzinfo=ZoneInfo("Asia/Shanghai"))
    assert [c.case_id for c in cases.cases(due_before=shanghai)] == ["N-C", "N-A", "N-B"]


def test_a_bound_without_a_zone_is_refused(cases: Store) -> None:
    with pytest.raises(ValueError, match="due_before needs a time zone"):
        list(cases.cases(due_before=datetime(2026, 3, 5)))


def _detention(declaration_id: str) -> tuple[Declaration, Assessment]:
    declaration = factory.declaration(declaration_id, items=(factory.item(brand="NIKE"),))
    return declaration, assess(SNAPSHOT, declaration)


def test_a_decision_and_its_cases_are_stored_together(cases: Store) -> None:
    declaration, assessment = _detention("D-C1")
    case = factory.case(decision_id=assessment.decision_id)
    cases.save_decisions([(declaration, assessment)], (), [case])
    assert cases.counts() == (1, 0)
    assert list(cases.cases()) == [case]


def test_a_case_that_cannot_be_opened_stores_no_decision(cases: Store) -> None:
    cases.open_cases([factory.case()])
    declaration, assessment = _detention("D-C2")
    clash = factory.case(holder="Someone else")  # the id of the stored case, other content
    with pytest.raises(Conflict):
        cases.save_decisions([(declaration, assessment)], (), [clash])
    assert cases.counts() == (0, 0)
    assert [c.holder for c in cases.cases()] == ["Nike Innovate C.V."]


def test_a_decision_that_cannot_be_stored_opens_no_case(cases: Store) -> None:
    declaration, assessment = _detention("D-C3")
    cases.save_decisions([(declaration, assessment)])
    with pytest.raises(Exception):  # noqa: B017 - the duplicate key error differs per engine
        cases.save_decisions([(declaration, assessment)], (), [factory.case("N-NEW")])
    assert list(cases.cases()) == []
