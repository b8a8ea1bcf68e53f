"""The store for several replicas: PostgreSQL, same tables and semantics as the SQLite store.

Each thread keeps its own connection; every write is one transaction that is committed before
the server answers. Outcome idempotency rests on the primary key (INSERT ... ON CONFLICT DO
NOTHING), so two replicas recording the same outcome at once store it once.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager

import psycopg

from riskd.domain import Assessment, Conflict, Declaration, NotFound, Outcome, StoredDecision
from riskd.store.base import OutcomeRecorded
from riskd.store.codec import decode, stored_decision
from riskd.store.sqlite import SCHEMA as SQLITE_SCHEMA
from riskd.store.sqlite import decision_row, outcome_row

# The SQLite store's tables, with PostgreSQL's float type, and a sequence that orders the
# outcomes of one decision recorded at the same time (SQLite uses its rowid).
SCHEMA = (
    SQLITE_SCHEMA.replace("REAL", "DOUBLE PRECISION")
    + "ALTER TABLE outcomes ADD COLUMN IF NOT EXISTS seq BIGSERIAL;\n"
)


class PostgresStore:
    def __init__(self, url: str) -> None:
        self.url = url
        self._local = threading.local()
        with self._transaction() as conn:
            conn.execute("SELECT pg_advisory_xact_lock(727274)")  # one schema creator at a time
            conn.execute(SCHEMA)

    def _connection(self) -> psycopg.Connection:
        conn: psycopg.Connection | None = getattr(self._local, "conn", None)
        if conn is None or conn.closed:
            conn = psycopg.connect(self.url, autocommit=False)
            self._local.conn = conn
        return conn

    @contextmanager
    def _transaction(self) -> Iterator[psycopg.Connection]:
        conn = self._connection()
        with conn.transaction():
            yield conn

    def save_decisions(self, decided: list[tuple[Declaration, Assessment]]) -> None:
        rows = [decision_row(d, a) for d, a in decided]
        with self._transaction() as conn, conn.cursor() as cursor:
            cursor.executemany("INSERT INTO decisions VALUES (%s,%s,%s,%s,%s,%s,%s,%s,%s,%s)", rows)

    def get_decision(self, decision_id: str) -> StoredDecision:
        with self._transaction() as conn:
            row = conn.execute(
                "SELECT declaration_json, assessment_json FROM decisions WHERE decision_id = %s",
                (decision_id,),
            ).fetchone()
            if row is None:
                raise NotFound(f"no decision {decision_id!r}")
            outcomes = conn.execute(
                "SELECT outcome_json FROM outcomes WHERE decision_id = %s"
                " ORDER BY recorded_at, seq",
                (decision_id,),
            ).fetchall()
        return stored_decision(row[0], row[1], [o[0] for o in outcomes])

    def record_outcome(self, outcome: Outcome) -> OutcomeRecorded:
        with self._transaction() as conn:
            known = conn.execute(
                "SELECT 1 FROM decisions WHERE decision_id = %s", (outcome.decision_id,)
            ).fetchone()
            if known is None:
                raise NotFound(f"no decision {outcome.decision_id!r}")
            inserted = conn.execute(
                "INSERT INTO outcomes (outcome_id, decision_id, result, control, recorded_at,"
                " seized_value, seized_currency, recordation_ids, officer, notes, outcome_json)"
                " VALUES (%s,%s,%s,%s,%s,%s,%s,%s,%s,%s,%s)"
                " ON CONFLICT (outcome_id) DO NOTHING RETURNING outcome_id",
                outcome_row(outcome),
            ).fetchone()
            if inserted is not None:
                return OutcomeRecorded(outcome, already_recorded=False)
            existing = conn.execute(
                "SELECT decision_id, outcome_json FROM outcomes WHERE outcome_id = %s",
                (outcome.outcome_id,),
            ).fetchone()
        assert existing is not None
        if existing[0] != outcome.decision_id:
            raise Conflict(
                f"outcome {outcome.outcome_id!r} is recorded for decision {existing[0]!r}"
            )
        return OutcomeRecorded(decode(existing[1], Outcome), already_recorded=True)

    def counts(self) -> tuple[int, int]:
        with self._transaction() as conn:
            decisions = conn.execute("SELECT count(*) FROM decisions").fetchone()
            outcomes = conn.execute("SELECT count(*) FROM outcomes").fetchone()
        return int(decisions[0] if decisions else 0), int(outcomes[0] if outcomes else 0)

    def close(self) -> None:
        conn: psycopg.Connection | None = getattr(self._local, "conn", None)
        if conn is not None:
            conn.close()
            self._local.conn = None
