"""The store interface the server and the training code depend on."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, replace
from typing import Protocol

from riskd.domain import (
    Assessment,
    Conflict,
    Declaration,
    Outcome,
    StoredDecision,
    StoreUnavailable,
)
from riskd.store.codec import decode

# SQLite's result codes of a store that cannot be used now, as opposed to a bad statement
# (a bug): the disk is full, the file read-only, unreadable, locked or gone.
_SQLITE_FAULTS = (
    "SQLITE_FULL",
    "SQLITE_IOERR",
    "SQLITE_READONLY",
    "SQLITE_CANTOPEN",
    "SQLITE_BUSY",
    "SQLITE_LOCKED",
    "SQLITE_CORRUPT",
    "SQLITE_NOTADB",
    "SQLITE_PERM",
    "SQLITE_PROTOCOL",
)


@contextmanager
def sqlite_faults(where: object) -> Iterator[None]:
    """Report a store fault of SQLite as StoreUnavailable (UNAVAILABLE to a caller, who may
    retry), never as an internal error."""
    try:
        yield
    except sqlite3.Error as exc:
        name = getattr(exc, "sqlite_errorname", "") or ""
        worded = isinstance(exc, sqlite3.OperationalError) and (
            "disk" in str(exc) or "readonly" in str(exc)
        )
        if name.startswith(_SQLITE_FAULTS) or worded:
            raise StoreUnavailable(f"store {where}: {exc}") from exc
        raise


@dataclass(frozen=True, slots=True)
class OutcomeRecorded:
    outcome: Outcome
    already_recorded: bool


def repeated_outcome(
    outcome: Outcome, stored_decision_id: str, stored_json: str
) -> OutcomeRecorded:
    """The answer to an outcome id that is already stored: the stored outcome when it is the
    same outcome sent again (recording is idempotent; the time it was sent may differ),
    Conflict when the id names another decision or says something else of it: a corrected
    outcome needs an id of its own, so that both stay on record."""
    if stored_decision_id != outcome.decision_id:
        raise Conflict(
            f"outcome {outcome.outcome_id!r} is recorded for decision {stored_decision_id!r}"
        )
    stored = decode(stored_json, Outcome)
    if replace(stored, recorded_at=outcome.recorded_at) != outcome:
        raise Conflict(
            f"outcome {outcome.outcome_id!r} is recorded with other content (result "
            f"{stored.result.value}); record a correction under a new outcome id"
        )
    return OutcomeRecorded(stored, already_recorded=True)


class DecisionStore(Protocol):
    def save_decisions(self, decided: list[tuple[Declaration, Assessment]]) -> None:
        """Durably store decisions (all or none) before they are returned to the caller."""

    def get_decision(self, decision_id: str) -> StoredDecision:
        """The stored decision with its outcomes; NotFound when unknown."""

    def record_outcome(self, outcome: Outcome) -> OutcomeRecorded:
        """Store an outcome; the same outcome id twice is idempotent; NotFound for an unknown
        decision; Conflict when the id was used for another decision."""

    def check(self) -> None:
        """A small write and read: StoreUnavailable while the store cannot be used."""

    def counts(self) -> tuple[int, int]:
        """Numbers of stored decisions and outcomes."""

    def close(self) -> None: ...
