"""One writer per store: the writes of concurrent calls committed together (group commit).

Each write of a store (a call's decisions with their profile counts, an outcome, a health
check) is a piece of *work*: a function of an open transaction's connection. Calls hand
their work to the store's `GroupCommit` and block. One of the waiting callers at a time is
the *leader*: it waits up to `wait` seconds for more work to gather, then runs every piece
gathered in ONE transaction (one BEGIN … COMMIT, one fsync) on its own connection, and
answers each caller only after that commit succeeded. The others are *followers*: they
sleep until their work is answered, or until the leader is done and one of them leads the
next group. Without concurrency a call leads its own group of one, on its own thread.

Each piece of work runs inside a savepoint, so one that fails (a duplicate key, an unknown
decision) is rolled back alone and its caller gets its own error, while the rest of the
group commits. A store fault (`StoreUnavailable`: disk full, read-only, unreachable) or a
failed commit rolls the whole group back and is raised to every caller of the group: none
of their work is stored.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from contextlib import AbstractContextManager
from dataclasses import dataclass
from typing import Generic, TypeVar, cast

from riskd.domain import StoreUnavailable

C = TypeVar("C")
T = TypeVar("T")

# The default time a leader waits for more work to join its group, in seconds: about the
# time of one fsync, so that a busy server commits many calls at once while a lone call
# waits no longer than that.
DEFAULT_WAIT = 0.001

# At most this many calls' work in one transaction: a group stays short enough that its
# first caller is not kept waiting behind an unbounded queue.
MAX_GROUP = 256


@dataclass(eq=False, slots=True)
class _Call:
    """One caller's work and, once its group has committed or failed, its answer."""

    work: Callable[[object], object]
    done: bool = False
    value: object = None
    error: BaseException | None = None


class GroupCommit(Generic[C]):
    """Runs the work of concurrent callers in shared transactions, one group at a time.

    `transaction` opens a write transaction (committed when its block ends, rolled back when
    it raises, store faults raised as StoreUnavailable); `savepoint` scopes one piece of work
    inside it (rolled back alone when the work raises). Both are the engine's."""

    def __init__(
        self,
        transaction: Callable[[], AbstractContextManager[C]],
        savepoint: Callable[[C], AbstractContextManager[object]],
        *,
        wait: float = DEFAULT_WAIT,
        max_group: int = MAX_GROUP,
    ) -> None:
        if wait < 0:
            raise ValueError(f"the group commit wait must not be negative (got {wait})")
        if max_group < 1:
            raise ValueError(f"a group holds at least one call (got {max_group})")
        self._transaction = transaction
        self._savepoint = savepoint
        self.wait = wait
        self.max_group = max_group
        self._lock = threading.Lock()
        self._arrived = threading.Condition(self._lock)  # the gathering leader waits here
        self._answered = threading.Condition(self._lock)  # followers wait here
        self._pending: list[_Call] = []
        self._leading = False  # a caller is gathering or committing a group
        self._transactions = 0

    @property
    def transactions(self) -> int:
        """Groups committed so far (each one transaction), for tests and metrics."""
        return self._transactions

    def queued(self) -> int:
        """Calls waiting for a group (not counting the group being committed)."""
        with self._lock:
            return len(self._pending)

    def run(self, work: Callable[[C], T]) -> T:
        """Run `work` in a group's transaction; its value once the group has committed.

        Raises what the work raised (only its own work is rolled back), or StoreUnavailable
        (or the commit's error) when the whole group failed."""
        call = _Call(cast(Callable[[object], object], work))
        with self._lock:
            self._pending.append(call)
            self._arrived.notify()
        while True:
            with self._lock:
                while self._leading and not call.done:
                    self._answered.wait()
                if call.done:
                    break
                self._leading = True
                group = self._gather()
            try:
                self._commit(group)
            finally:
                with self._lock:
                    self._leading = False
                    self._answered.notify_all()
        if call.error is not None:
            raise call.error
        return cast(T, call.value)

    def _gather(self) -> list[_Call]:
        """The next group, after waiting up to `wait` for it to fill (the lock is held)."""
        deadline = time.monotonic() + self.wait
        while len(self._pending) < self.max_group:
            left = deadline - time.monotonic()
            if left <= 0:
                break
            self._arrived.wait(left)
        group = self._pending[: self.max_group]
        del self._pending[: self.max_group]
        return group

    def _commit(self, group: list[_Call]) -> None:
        """Run a group in one transaction and answer each of its calls; never leaves a call
        unanswered."""
        answers: list[tuple[object, BaseException | None]] = []
        try:
            with self._transaction() as conn:
                answers = [self._attempt(conn, call) for call in group]
        except StoreUnavailable as fault:
            for call in group:  # an error object each: one raised in many threads would
                own = StoreUnavailable(str(fault))  # tangle their tracebacks
                own.__cause__ = fault
                call.value, call.error, call.done = None, own, True
            return
        except BaseException as failure:  # the commit itself failed (a bug, or an interrupt)
            for call in group:
                call.value, call.error, call.done = None, failure, True
            if not isinstance(failure, Exception):
                raise
            return
        self._transactions += 1
        for call, (value, error) in zip(group, answers, strict=True):
            call.value, call.error, call.done = value, error, True

    def _attempt(self, conn: C, call: _Call) -> tuple[object, BaseException | None]:
        """One call's work in its own savepoint: its value, or the error that rolled it back.
        A store fault is not the call's own: it is raised, failing the whole group."""
        try:
            with self._savepoint(conn):
                return call.work(conn), None
        except StoreUnavailable:
            raise
        except Exception as error:
            return None, error
