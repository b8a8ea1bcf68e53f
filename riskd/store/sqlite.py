"""The embedded store: SQLite in WAL mode, one connection per thread.

Every decision is committed (synchronous=FULL by default) before the server answers, so an
acknowledged decision survives a crash or power loss. WAL lets readers (GetDecision, training
exports) run while a writer commits.
"""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Iterator
from contextlib import AbstractContextManager, contextmanager
from datetime import UTC, datetime
from pathlib import Path

from riskd.domain import (
    Assessment,
    Declaration,
    NotFound,
    Outcome,
    StoredDecision,
)
from riskd.store.base import DecisionStore, OutcomeRecorded, repeated_outcome, sqlite_faults
from riskd.store.codec import encode, stored_decision

SCHEMA = """
CREATE TABLE IF NOT EXISTS decisions (
    decision_id      TEXT PRIMARY KEY,
    declaration_id   TEXT NOT NULL,
    decided_at       TEXT NOT NULL,
    recommendation   TEXT NOT NULL,
    lane             TEXT NOT NULL,
    risk_score       REAL NOT NULL,
    random_selection INTEGER NOT NULL,
    versions_json    TEXT NOT NULL,
    declaration_json TEXT NOT NULL,
    assessment_json  TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS decisions_declaration ON decisions (declaration_id);
CREATE INDEX IF NOT EXISTS decisions_decided_at ON decisions (decided_at);
CREATE TABLE IF NOT EXISTS outcomes (
    outcome_id      TEXT PRIMARY KEY,
    decision_id     TEXT NOT NULL REFERENCES decisions (decision_id),
    result          TEXT NOT NULL,
    control         TEXT,
    recorded_at     TEXT NOT NULL,
    seized_value    REAL,
    seized_currency TEXT,
    recordation_ids TEXT NOT NULL,
    officer         TEXT NOT NULL,
    notes           TEXT NOT NULL,
    outcome_json    TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS outcomes_decision ON outcomes (decision_id);
CREATE TABLE IF NOT EXISTS store_health (
    id         INTEGER PRIMARY KEY,
    checked_at TEXT NOT NULL
);
"""


def decision_row(d: Declaration, a: Assessment) -> tuple[object, ...]:
    """The `decisions` row of a decision, in column order (shared with the PostgreSQL store)."""
    return (
        a.decision_id,
        a.declaration_id,
        a.decided_at.isoformat(),
        a.recommendation.value,
        a.lane.value,
        a.risk_score,
        int(a.random_selection),
        encode(a.versions).decode(),
        encode(d).decode(),
        encode(a).decode(),
    )


def outcome_row(outcome: Outcome) -> tuple[object, ...]:
    """The `outcomes` row of an outcome, in column order."""
    seized = outcome.seized_value
    return (
        outcome.outcome_id,
        outcome.decision_id,
        outcome.result.value,
        outcome.control.value if outcome.control else None,
        outcome.recorded_at.isoformat(),
        seized.amount if seized else None,
        seized.currency if seized else None,
        "|".join(outcome.recordation_ids),
        outcome.officer,
        outcome.notes,
        encode(outcome).decode(),
    )


class SqliteConnections:
    """Connections to one SQLite file in WAL mode, one per thread, with write transactions
    serialised in the process (SQLite's busy timeout serialises them between processes)."""

    def __init__(self, path: Path, *, synchronous: str, schema: str) -> None:
        self.path = path
        self._synchronous = synchronous
        self._local = threading.local()
        self._write_lock = threading.Lock()
        self._opened_lock = threading.Lock()
        self._opened: list[sqlite3.Connection] = []
        path.parent.mkdir(parents=True, exist_ok=True)
        with self._write_lock, sqlite_faults(path):
            self.get().executescript(schema)

    def get(self) -> sqlite3.Connection:
        """This thread's connection."""
        conn: sqlite3.Connection | None = getattr(self._local, "conn", None)
        if conn is None:
            with sqlite_faults(self.path):
                conn = sqlite3.connect(
                    self.path, timeout=30.0, isolation_level=None, check_same_thread=False
                )
                conn.execute("PRAGMA journal_mode=WAL")
                conn.execute(f"PRAGMA synchronous={self._synchronous}")
                conn.execute("PRAGMA foreign_keys=ON")
            self._local.conn = conn
            with self._opened_lock:
                self._opened.append(conn)
        return conn

    @contextmanager
    def write(self) -> Iterator[sqlite3.Connection]:
        """A write transaction, committed when the block ends, rolled back when it raises.
        A store fault (disk full, read-only, gone) is raised as StoreUnavailable."""
        conn = self.get()
        with self._write_lock, sqlite_faults(self.path):
            conn.execute("BEGIN IMMEDIATE")
            try:
                yield conn
                conn.execute("COMMIT")
            except BaseException:
                if conn.in_transaction:
                    conn.execute("ROLLBACK")
                raise

    def close(self) -> None:
        """Close every thread's connection (at shutdown, when no call is in flight)."""
        with self._opened_lock:
            for conn in self._opened:
                conn.close()
            self._opened.clear()
        self._local = threading.local()


class SqliteStore:
    def __init__(self, path: Path, *, synchronous: str = "FULL") -> None:
        self.path = path
        self._db = SqliteConnections(path, synchronous=synchronous, schema=SCHEMA)

    def _connection(self) -> sqlite3.Connection:
        return self._db.get()

    def _transaction(self) -> AbstractContextManager[sqlite3.Connection]:
        return self._db.write()

    def save_decisions(self, decided: list[tuple[Declaration, Assessment]]) -> None:
        rows = [decision_row(d, a) for d, a in decided]
        with self._transaction() as conn:
            conn.executemany("INSERT INTO decisions VALUES (?,?,?,?,?,?,?,?,?,?)", rows)

    def get_decision(self, decision_id: str) -> StoredDecision:
        conn = self._connection()
        row = conn.execute(
            "SELECT declaration_json, assessment_json FROM decisions WHERE decision_id = ?",
            (decision_id,),
        ).fetchone()
        if row is None:
            raise NotFound(f"no decision {decision_id!r}")
        outcomes = conn.execute(
            "SELECT outcome_json FROM outcomes WHERE decision_id = ? ORDER BY recorded_at, rowid",
            (decision_id,),
        ).fetchall()
        return stored_decision(row[0], row[1], [o[0] for o in outcomes])

    def record_outcome(self, outcome: Outcome) -> OutcomeRecorded:
        with self._transaction() as conn:
            known = conn.execute(
                "SELECT 1 FROM decisions WHERE decision_id = ?", (outcome.decision_id,)
            ).fetchone()
            if known is None:
                raise NotFound(f"no decision {outcome.decision_id!r}")
            existing = conn.execute(
                "SELECT decision_id, outcome_json FROM outcomes WHERE outcome_id = ?",
                (outcome.outcome_id,),
            ).fetchone()
            if existing is not None:
                return repeated_outcome(outcome, existing[0], existing[1])
            conn.execute(
                "INSERT INTO outcomes VALUES (?,?,?,?,?,?,?,?,?,?,?)", outcome_row(outcome)
            )
        return OutcomeRecorded(outcome, already_recorded=False)

    def check(self) -> None:
        with self._transaction() as conn:
            conn.execute(
                "INSERT OR REPLACE INTO store_health VALUES (1, ?)",
                (datetime.now(UTC).isoformat(),),
            )

    def counts(self) -> tuple[int, int]:
        conn = self._connection()
        decisions = conn.execute("SELECT count(*) FROM decisions").fetchone()[0]
        outcomes = conn.execute("SELECT count(*) FROM outcomes").fetchone()[0]
        return int(decisions), int(outcomes)

    def close(self) -> None:
        self._db.close()


def open_store(url: str, *, synchronous: str = "FULL") -> DecisionStore:
    """Open the store named by a URL: `postgresql://...`, `sqlite:///PATH` or a bare path."""
    if url.startswith(("postgresql://", "postgres://")):
        from riskd.store.postgres import PostgresStore

        return PostgresStore(url)
    return SqliteStore(Path(url.removeprefix("sqlite:///")), synchronous=synchronous)
