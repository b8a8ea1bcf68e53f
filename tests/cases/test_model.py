"""Case states: every pair of states is allowed or refused exactly as the table written here
says, and a move keeps the case's record."""

from __future__ import annotations

import itertools
from datetime import UTC, datetime, timedelta

import pytest

from riskd.domain import (
    Case,
    CaseKind,
    CaseState,
    Conflict,
    TransitionRefused,
)

OP, C, D, E, X = (
    CaseState.OPEN,
    CaseState.CONFIRMED,
    CaseState.DECLINED,
    CaseState.EXPIRED,
    CaseState.CLOSED,
)
# the allowed moves, written out independently of riskd.domain.CASE_TRANSITIONS
ALLOWED = {(OP, C), (OP, D), (OP, E), (OP, X), (C, X), (D, X), (E, X)}
AT = datetime(2026, 3, 31, 8, 0, tzinfo=UTC)


def _case(state: CaseState = OP) -> Case:
    return Case(
        case_id="N-DEC-1-T2019-00001",
        kind=CaseKind.NOTIFICATION,
        state=state,
        decision_id="DEC-1",
        jurisdiction="DE",
        opened_at=AT,
        recordation_id="T2019-00001",
        holder="Nike Innovate C.V.",
        clock="standard",
        deadline=AT + timedelta(days=16),
    )


@pytest.mark.parametrize(("start", "to"), sorted(ALLOWED))
def test_allowed_moves(start: CaseState, to: CaseState) -> None:
    moved = _case(start).moved(to, at=AT, by="officer-7", what="answered", note="by e-mail")
    assert moved.state is to
    assert moved.events[-1].state is to
    assert (moved.events[-1].by, moved.events[-1].note) == ("officer-7", "by e-mail")


REFUSED = sorted(set(itertools.product(CaseState, CaseState)) - ALLOWED)


@pytest.mark.parametrize(("start", "to"), REFUSED)
def test_refused_moves(start: CaseState, to: CaseState) -> None:
    case = _case(start)
    with pytest.raises(TransitionRefused) as caught:
        case.moved(to, at=AT, by="officer-7", what="answered")
    assert f"is {start.value} and cannot become {to.value}" in str(caught.value)
    assert isinstance(caught.value, Conflict)  # the edge answers it as a conflict
    assert case.state is start and case.events == ()  # nothing changed


def test_a_closed_case_says_it_is_final() -> None:
    with pytest.raises(TransitionRefused, match="from CLOSED: none: it is final"):
        _case(X).moved(OP, at=AT, by="officer-7", what="reopened")


def test_moves_keep_the_record_in_order() -> None:
    case = _case().moved(C, at=AT, by="holder", what="holder confirmed")
    case = case.moved(X, at=AT + timedelta(days=1), by="officer-7", what="goods destroyed")
    assert [(e.what, e.state) for e in case.events] == [
        ("holder confirmed", C),
        ("goods destroyed", X),
    ]


def test_extension_moves_the_deadline_of_an_open_case_only() -> None:
    case = _case()
    later = case.deadline + timedelta(days=14) if case.deadline else AT
    extended = case.extended(later, at=AT, by="officer-7", note="holder asked")
    assert (extended.state, extended.deadline) == (OP, later)
    assert extended.events[-1].what == "deadline extended"
    with pytest.raises(ValueError, match="later than"):
        extended.extended(later, at=AT, by="officer-7")
    with pytest.raises(TransitionRefused):
        _case(E).extended(later, at=AT, by="officer-7")


def test_overdue_only_while_open() -> None:
    case = _case()
    assert case.deadline is not None
    assert not case.overdue(case.deadline - timedelta(seconds=1))
    assert case.overdue(case.deadline)
    assert not case.moved(C, at=AT, by="holder", what="confirmed").overdue(case.deadline)
