"""The store for several replicas: PostgreSQL, same tables and semantics as the SQLite store.

Each thread keeps its own connection; every write is one transaction that is committed before
the server answers. Outcome idempotency rests on the primary key (INSERT ... ON CONFLICT DO
NOTHING), so two replicas recording the same outcome at once store it once.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator, Mapping, Sequence
from contextlib import AbstractContextManager, contextmanager

import psycopg

from riskd.domain import (
    Assessment,
    Declaration,
    NotFound,
    Outcome,
    OutcomeResult,
    StoredDecision,
    StoreUnavailable,
)
from riskd.features import ProfileCounts, profile_increments
from riskd.store.base import OutcomeRecorded, repeated_outcome
from riskd.store.codec import stored_decision
from riskd.store.profiles import Increment, count_rows, outcome_change
from riskd.store.sqlite import SCHEMA as SQLITE_SCHEMA
from riskd.store.sqlite import decision_row, outcome_row

# The SQLite store's tables, with PostgreSQL's float type, and a sequence that orders the
# outcomes of one decision recorded at the same time (SQLite uses its rowid).
SCHEMA = (
    SQLITE_SCHEMA.replace("REAL", "DOUBLE PRECISION")
    + "ALTER TABLE outcomes ADD COLUMN IF NOT EXISTS seq BIGSERIAL;\n"
)


def _redacted(url: str) -> str:
    """The URL without a password, for messages."""
    head, at, tail = url.rpartition("@")
    if not at:
        return url
    scheme, _, user = head.partition("://")
    return f"{scheme}://{user.split(':', 1)[0]}@{tail}"


class PostgresConnections:
    """Connections to one PostgreSQL database, one per thread, and transactions on them."""

    def __init__(self, url: str) -> None:
        self.url = url
        self._local = threading.local()
        self._opened: list[psycopg.Connection] = []
        self._opened_lock = threading.Lock()

    def get(self) -> psycopg.Connection:
        conn: psycopg.Connection | None = getattr(self._local, "conn", None)
        if conn is None or conn.closed:
            conn = psycopg.connect(self.url, autocommit=False)
            self._local.conn = conn
            with self._opened_lock:
                self._opened.append(conn)
        return conn

    @contextmanager
    def transaction(self) -> Iterator[psycopg.Connection]:
        """Committed when the block ends, rolled back when it raises. A database that cannot
        be reached or used now is raised as StoreUnavailable."""
        try:
            conn = self.get()
            with conn.transaction():
                yield conn
        except (psycopg.OperationalError, psycopg.InterfaceError) as exc:
            self._local.conn = None  # a new connection next time
            raise StoreUnavailable(f"store {_redacted(self.url)}: {exc}") from exc

    def create(self, schema: str, lock: int) -> None:
        """Create tables once even when several replicas start together."""
        with self.transaction() as conn:
            conn.execute("SELECT pg_advisory_xact_lock(%s)", (lock,))
            conn.execute(schema)

    def close(self) -> None:
        with self._opened_lock:
            for conn in self._opened:
                conn.close()
            self._opened.clear()
        self._local = threading.local()


class PostgresStore:
    def __init__(self, url: str) -> None:
        self.url = url
        self._db = PostgresConnections(url)
        self._db.create(SCHEMA, lock=727274)

    def _transaction(self) -> AbstractContextManager[psycopg.Connection]:
        return self._db.transaction()

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
        return repeated_outcome(outcome, existing[0], existing[1])

    def check(self) -> None:
        with self._transaction() as conn:
            conn.execute(
                "INSERT INTO store_health VALUES (1, now()::text)"
                " ON CONFLICT (id) DO UPDATE SET checked_at = excluded.checked_at"
            )

    def counts(self) -> tuple[int, int]:
        with self._transaction() as conn:
            decisions = conn.execute("SELECT count(*) FROM decisions").fetchone()
            outcomes = conn.execute("SELECT count(*) FROM outcomes").fetchone()
        return int(decisions[0] if decisions else 0), int(outcomes[0] if outcomes else 0)

    def close(self) -> None:
        self._db.close()


PROFILES_SCHEMA = """
CREATE TABLE IF NOT EXISTS entity_profiles (
    profile            TEXT NOT NULL,
    key                TEXT NOT NULL,
    declarations       DOUBLE PRECISION NOT NULL DEFAULT 0,
    inspections        DOUBLE PRECISION NOT NULL DEFAULT 0,
    seizures           DOUBLE PRECISION NOT NULL DEFAULT 0,
    log_unit_value_sum DOUBLE PRECISION NOT NULL DEFAULT 0,
    log_unit_value_n   DOUBLE PRECISION NOT NULL DEFAULT 0,
    PRIMARY KEY (profile, key)
);
CREATE TABLE IF NOT EXISTS entity_profile_outcomes (
    decision_id TEXT PRIMARY KEY,
    infringing  BOOLEAN NOT NULL
);
CREATE TABLE IF NOT EXISTS entity_profile_declarations (
    declaration_id TEXT PRIMARY KEY
);
"""

_PROFILE_UPSERT = """
INSERT INTO entity_profiles VALUES (%s, %s, %s, %s, %s, %s, %s)
ON CONFLICT (profile, key) DO UPDATE SET
    declarations = entity_profiles.declarations + excluded.declarations,
    inspections = entity_profiles.inspections + excluded.inspections,
    seizures = entity_profiles.seizures + excluded.seizures,
    log_unit_value_sum = entity_profiles.log_unit_value_sum + excluded.log_unit_value_sum,
    log_unit_value_n = entity_profiles.log_unit_value_n + excluded.log_unit_value_n
"""


class PostgresProfiles:
    """Entity profiles shared by every replica, in the PostgreSQL store's database. Updates
    are additive upserts, so replicas counting at the same time never lose an increment."""

    def __init__(self, url: str, rates_to_usd: Mapping[str, float] | None = None) -> None:
        self.rates_to_usd = rates_to_usd
        self._db = PostgresConnections(url)
        self._db.create(PROFILES_SCHEMA, lock=727275)

    def lookup(self, keys: Sequence[tuple[str, str]]) -> Mapping[tuple[str, str], ProfileCounts]:
        """Counts of the (profile, key) pairs that have any, in one round trip."""
        if not keys:
            return {}
        wanted = set(keys)
        with self._db.transaction() as conn:
            rows = conn.execute(
                "SELECT profile, key, declarations, inspections, seizures,"
                " log_unit_value_sum, log_unit_value_n FROM entity_profiles"
                " WHERE profile = ANY(%s) AND key = ANY(%s)",
                (sorted({p for p, _ in keys}), sorted({k for _, k in keys})),
            ).fetchall()
        return {(r[0], r[1]): ProfileCounts(*r[2:]) for r in rows if (r[0], r[1]) in wanted}

    def _apply(self, increments: list[Increment], conn: psycopg.Connection) -> None:
        rows = count_rows(increments)
        if rows:
            with conn.cursor() as cursor:
                cursor.executemany(_PROFILE_UPSERT, rows)

    def record_declarations(self, declarations: Sequence[Declaration]) -> None:
        """As SqliteProfiles.record_declarations: each declaration id counted once."""
        with self._db.transaction() as conn:
            fresh = [
                d
                for d in declarations
                if conn.execute(
                    "INSERT INTO entity_profile_declarations VALUES (%s) ON CONFLICT DO NOTHING",
                    (d.declaration_id,),
                ).rowcount
            ]
            increments = [i for d in fresh for i in profile_increments(d, self.rates_to_usd)]
            self._apply(increments, conn)

    def record_outcome(
        self, decision_id: str, declaration: Declaration, result: OutcomeResult
    ) -> None:
        infringing = result is OutcomeResult.SEIZED
        with self._db.transaction() as conn:
            row = conn.execute(
                "SELECT infringing FROM entity_profile_outcomes WHERE decision_id = %s FOR UPDATE",
                (decision_id,),
            ).fetchone()
            before = None if row is None else bool(row[0])
            self._apply(outcome_change(declaration, infringing, before), conn)
            conn.execute(
                "INSERT INTO entity_profile_outcomes VALUES (%s, %s) ON CONFLICT (decision_id)"
                " DO UPDATE SET infringing = excluded.infringing",
                (decision_id, infringing),
            )

    def close(self) -> None:
        self._db.close()
