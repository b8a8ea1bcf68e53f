"""One writer per store, group commit: concurrent calls share transactions, each gets its own
answer, a failing call fails alone, a store fault fails its whole group and stores nothing,
and the wait setting decides how long a group gathers. Run against SQLite and PostgreSQL.

Grouping is made deterministic rather than timed: a first call holds the writer inside its
transaction until every other call is queued, so those must commit as one group."""

from __future__ import annotations

import sqlite3
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from riskd.domain import (
    Assessment,
    Declaration,
    NotFound,
    Outcome,
    OutcomeResult,
    Party,
    StoreUnavailable,
)
from riskd.features import PROFILES
from riskd.pipeline import assess, build_snapshot
from riskd.store.base import DecisionStore
from riskd.store.factory import profiles_beside
from riskd.store.profiles import declaration_counts
from riskd.store.sqlite import SqliteStore
from riskd.store.writer import GroupCommit
from tests import factory

SNAPSHOT = build_snapshot(register=factory.register())
SNAPSHOT_TIME = factory.declaration().declared_at


def _writer(store: DecisionStore) -> GroupCommit[object]:
    from riskd.store.postgres import PostgresStore

    assert isinstance(store, SqliteStore | PostgresStore)
    writer: GroupCommit[object] = store.connections.writer  # type: ignore[assignment]
    return writer


def _decided(declaration_id: str) -> tuple[Declaration, Assessment]:
    declaration = factory.declaration(declaration_id)
    return declaration, assess(SNAPSHOT, declaration)


def _saving(store: DecisionStore, *decided: tuple[Declaration, Assessment]) -> Callable[[], None]:
    """A call that saves the decisions (one call, all or none)."""
    return lambda: store.save_decisions(list(decided))


def _wait_until(condition: Callable[[], bool]) -> None:
    """Poll until the condition holds (bounded, so a broken writer fails, not hangs)."""
    deadline = time.monotonic() + 20
    while not condition():
        assert time.monotonic() < deadline, "the calls never queued"
        time.sleep(0.005)


class _Held:
    """A call that holds the writer inside its transaction until released."""

    def __init__(self, writer: GroupCommit[object]) -> None:
        self.inside, self.release = threading.Event(), threading.Event()
        self.thread = threading.Thread(target=writer.run, args=(self._work,))
        self.thread.start()
        assert self.inside.wait(20)

    def _work(self, conn: object) -> None:
        self.inside.set()
        assert self.release.wait(20)


def _concurrently(
    calls: dict[str, Callable[[], object]],
) -> tuple[list[threading.Thread], dict[str, object]]:
    """Start each call in its own thread; their answers (a value or the error) by name."""
    answers: dict[str, object] = {}

    def call(name: str, fn: Callable[[], object]) -> None:
        try:
            answers[name] = fn()
        except Exception as error:  # the answer under test
            answers[name] = error

    threads = [threading.Thread(target=call, args=item) for item in calls.items()]
    for thread in threads:
        thread.start()
    return threads, answers


def test_concurrent_calls_commit_as_one_group_and_each_gets_its_own_answer(
    store: DecisionStore,
) -> None:
    writer = _writer(store)
    known = _decided("D-GROUP-KNOWN")
    store.save_decisions([known])
    before = writer.transactions
    held = _Held(writer)
    fresh = {f"save-{n}": _decided(f"D-GROUP-{n}") for n in range(12)}
    calls: dict[str, Callable[[], object]] = {
        name: _saving(store, decided) for name, decided in fresh.items()
    }
    # a batch with a new decision and a duplicate one: all or none, and only this call fails
    calls["duplicate"] = _saving(store, _decided("D-GROUP-BATCH"), known)
    unknown = Outcome("O-GROUP-1", "no-such-decision", OutcomeResult.NO_INFRINGEMENT, SNAPSHOT_TIME)
    calls["unknown outcome"] = lambda: store.record_outcome(unknown)
    threads, answers = _concurrently(calls)
    _wait_until(lambda: writer.queued() == len(calls))
    held.release.set()
    for thread in [held.thread, *threads]:
        thread.join(20)
    assert writer.transactions - before == 2  # the held call's, then all the others at once
    assert all(answers[name] is None for name in fresh)
    assert isinstance(answers["unknown outcome"], NotFound)
    assert isinstance(answers["duplicate"], Exception)
    assert not isinstance(answers["duplicate"], StoreUnavailable)
    assert store.counts() == (1 + len(fresh), 0)
    for _, assessment in fresh.values():
        store.get_decision(assessment.decision_id)


@pytest.mark.parametrize(
    "fault",
    [
        StoreUnavailable("store riskd.db: disk I/O error"),
        sqlite3.OperationalError("database or disk is full"),
    ],
    ids=["store unavailable", "disk full"],
)
def test_a_store_fault_fails_every_call_of_the_group_and_stores_none(
    tmp_path: Path, fault: Exception
) -> None:
    store = SqliteStore(tmp_path / "riskd.db", group_wait=0)
    writer = _writer(store)
    held = _Held(writer)

    def faulty(conn: sqlite3.Connection) -> None:
        conn.execute("INSERT INTO store_health VALUES (2, 'x')")
        raise fault

    calls: dict[str, Callable[[], object]] = {
        f"save-{n}": _saving(store, _decided(f"D-FAULT-{n}")) for n in range(6)
    }
    calls["faulty"] = lambda: writer.run(faulty)
    threads, answers = _concurrently(calls)
    _wait_until(lambda: writer.queued() == len(calls))
    held.release.set()
    for thread in [held.thread, *threads]:
        thread.join(20)
    assert all(isinstance(answer, StoreUnavailable) for answer in answers.values()), answers
    assert store.counts() == (0, 0)
    conn = store.connections.get()
    assert conn.execute("SELECT count(*) FROM store_health WHERE id = 2").fetchone() == (0,)
    store.save_decisions([_decided("D-AFTER")])
    assert store.counts() == (1, 0)  # the store takes writes again
    store.close()


def test_a_group_waits_for_more_work_until_it_is_full(tmp_path: Path) -> None:
    # a wait far longer than the test: the group commits as soon as it holds max_group calls
    store = SqliteStore(tmp_path / "riskd.db")
    db = store.connections
    writer = GroupCommit(db.write, db.savepoint, wait=600, max_group=2)
    first = threading.Thread(target=writer.run, args=(lambda conn: None,))
    first.start()  # whichever call comes first leads, and waits for the other
    writer.run(lambda conn: None)
    first.join(20)
    assert writer.transactions == 1
    store.close()


def test_without_a_wait_each_lone_call_commits_on_its_own(tmp_path: Path) -> None:
    store = SqliteStore(tmp_path / "riskd.db", group_wait=0)
    writer = _writer(store)
    before = writer.transactions
    for n in range(5):
        store.save_decisions([_decided(f"D-ALONE-{n}")])
    assert writer.transactions - before == 5
    assert store.counts() == (5, 0)
    store.close()


def test_a_negative_wait_is_refused(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="must not be negative"):
        SqliteStore(tmp_path / "riskd.db", group_wait=-0.001)


@pytest.fixture
def importer() -> Iterator[Party]:
    """A party of its own per test: the PostgreSQL profile tables outlive a test."""
    yield Party(f"IMP-WRITER-{time.monotonic_ns()}", "Writer Trading", "CN")


def test_a_decision_and_its_profile_counts_commit_together(
    store: DecisionStore, importer: Party
) -> None:
    profiles = profiles_beside(store)
    assert profiles is not None
    key = ("importer", importer.id)
    assert any(spec.name == "importer" for spec in PROFILES)
    first = factory.declaration(f"{importer.id}-1", importer=importer)
    decided = assess(SNAPSHOT, first)
    store.save_decisions([(first, decided)], [declaration_counts(first)])
    assert profiles.lookup([key])[key].declarations == 1
    # the same decision again fails: its declaration is not counted again, nor is a new one
    second = factory.declaration(f"{importer.id}-2", importer=importer)
    with pytest.raises(Exception):  # noqa: B017 - the duplicate key error differs per engine
        store.save_decisions(
            [(second, assess(SNAPSHOT, second)), (first, decided)],
            [declaration_counts(second), declaration_counts(first)],
        )
    assert profiles.lookup([key])[key].declarations == 1
    assert store.counts()[0] == 1
