"""The store for several replicas: PostgreSQL, the same tables and semantics as the SQLite
store in PostgreSQL's own types, under the same schema versions (`riskd.store.schema`).

Each thread keeps its own connection; every write is one transaction that is committed before
the server answers. Outcome idempotency rests on the primary key (INSERT ... ON CONFLICT DO
NOTHING), so two replicas recording the same outcome at once store it once.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from contextlib import AbstractContextManager, contextmanager
from datetime import datetime
from typing import TypeVar

import psycopg

from riskd import __version__
from riskd.domain import (
    Assessment,
    Case,
    CaseState,
    Declaration,
    NotFound,
    Outcome,
    OutcomeResult,
    StoredDecision,
    StoreUnavailable,
)
from riskd.features import ProfileCounts
from riskd.store.base import (
    DecisionRow,
    OutcomeRecorded,
    grouped_decisions,
    in_utc,
    redacted_url,
    refused_move,
    repeated_case,
    repeated_outcome,
)
from riskd.store.codec import decode, encode, stored_decision
from riskd.store.profiles import (
    DeclarationCounts,
    Increment,
    count_rows,
    declaration_counts,
    outcome_change,
)
from riskd.store.schema import Migration, statements, upgrade
from riskd.store.writer import DEFAULT_WAIT, GroupCommit

T = TypeVar("T")

_VERSIONS = """
CREATE TABLE store_schema (
    version    INTEGER PRIMARY KEY,
    summary    TEXT NOT NULL,
    applied_at TIMESTAMPTZ NOT NULL DEFAULT now(),
    release    TEXT NOT NULL
)
"""

# IF NOT EXISTS: release 0.1.0 created these only when profiles were on.
_PROFILES = """
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
)
"""

# Version 2: the cases that follow decisions, as in the SQLite store (no foreign key to
# `decisions`: a tip-off follows no decision).
_CASES = """
CREATE TABLE cases (
    case_id     TEXT PRIMARY KEY,
    kind        TEXT NOT NULL,
    state       TEXT NOT NULL,
    decision_id TEXT NOT NULL,
    deadline    TIMESTAMPTZ,
    opened_at   TIMESTAMPTZ NOT NULL,
    case_json   JSON NOT NULL
);
CREATE INDEX cases_deadline ON cases (deadline, case_id);
CREATE INDEX cases_decision ON cases (decision_id);
CREATE INDEX cases_state ON cases (state)
"""

# The current schema (version 2), created in an empty database. Times are TIMESTAMPTZ, flags
# BOOLEAN, the recordations an outcome names TEXT[]; the JSON columns are JSON rather than
# JSONB: they keep the codec's text as written (a cast to JSONB serves queries) and accept
# every string JSON can carry. `seq` orders the outcomes of one decision recorded at the
# same time (SQLite uses its rowid).
SCHEMA = (
    _VERSIONS
    + """;
CREATE TABLE decisions (
    decision_id      TEXT PRIMARY KEY,
    declaration_id   TEXT NOT NULL,
    decided_at       TIMESTAMPTZ NOT NULL,
    recommendation   TEXT NOT NULL,
    lane             TEXT NOT NULL,
    risk_score       DOUBLE PRECISION NOT NULL,
    random_selection BOOLEAN NOT NULL,
    versions_json    JSON NOT NULL,
    declaration_json JSON NOT NULL,
    assessment_json  JSON NOT NULL
);
CREATE INDEX decisions_declaration ON decisions (declaration_id);
CREATE INDEX decisions_decided_at ON decisions (decided_at);
CREATE TABLE outcomes (
    outcome_id      TEXT PRIMARY KEY,
    decision_id     TEXT NOT NULL REFERENCES decisions (decision_id),
    result          TEXT NOT NULL,
    control         TEXT,
    recorded_at     TIMESTAMPTZ NOT NULL,
    seized_value    DOUBLE PRECISION,
    seized_currency TEXT,
    recordation_ids TEXT[] NOT NULL,
    officer         TEXT NOT NULL,
    notes           TEXT NOT NULL,
    outcome_json    JSON NOT NULL,
    seq             BIGSERIAL
);
CREATE INDEX outcomes_decision ON outcomes (decision_id);
CREATE TABLE store_health (
    id         INTEGER PRIMARY KEY,
    checked_at TIMESTAMPTZ NOT NULL
);
"""
    + _PROFILES
    + ";"
    + _CASES
)

# Release 0.1.0 kept the SQLite tables here: text for times and JSON, an integer flag and
# '|'-joined recordation ids.
_TYPED = """
ALTER TABLE decisions
    ALTER COLUMN decided_at TYPE TIMESTAMPTZ USING decided_at::timestamptz,
    ALTER COLUMN random_selection TYPE BOOLEAN USING random_selection <> 0,
    ALTER COLUMN versions_json TYPE JSON USING versions_json::json,
    ALTER COLUMN declaration_json TYPE JSON USING declaration_json::json,
    ALTER COLUMN assessment_json TYPE JSON USING assessment_json::json;
ALTER TABLE outcomes
    ALTER COLUMN recorded_at TYPE TIMESTAMPTZ USING recorded_at::timestamptz,
    ALTER COLUMN recordation_ids TYPE TEXT[] USING string_to_array(recordation_ids, '|'),
    ALTER COLUMN outcome_json TYPE JSON USING outcome_json::json;
ALTER TABLE store_health
    ALTER COLUMN checked_at TYPE TIMESTAMPTZ USING checked_at::timestamptz
"""

# Upgrades of older stores; the first starts from release 0.1.0's tables, which had no version.
MIGRATIONS = (
    Migration(
        1,
        "schema versions; PostgreSQL types for times, flags, JSON and recordation ids",
        statements(";".join((_VERSIONS, _TYPED, _PROFILES))),
    ),
    Migration(2, "cases: detention notices, referrals", statements(_CASES)),
)

# One advisory lock serialises the schema upgrade of replicas that start together.
_SCHEMA_LOCK = 727274


def decision_row(d: Declaration, a: Assessment) -> tuple[object, ...]:
    """The `decisions` row of a decision, in column order."""
    return (
        a.decision_id,
        a.declaration_id,
        a.decided_at,
        a.recommendation.value,
        a.lane.value,
        a.risk_score,
        a.random_selection,
        encode(a.versions).decode(),
        encode(d).decode(),
        encode(a).decode(),
    )


def outcome_row(outcome: Outcome) -> tuple[object, ...]:
    """The `outcomes` row of an outcome, in the order of `_OUTCOME_COLUMNS`."""
    seized = outcome.seized_value
    return (
        outcome.outcome_id,
        outcome.decision_id,
        outcome.result.value,
        outcome.control.value if outcome.control else None,
        outcome.recorded_at,
        seized.amount if seized else None,
        seized.currency if seized else None,
        list(outcome.recordation_ids),
        outcome.officer,
        outcome.notes,
        encode(outcome).decode(),
    )


class _PostgresSchema:
    """The upgrade's view of a PostgreSQL database, inside its transaction."""

    def __init__(self, conn: psycopg.Connection) -> None:
        self.conn = conn

    def has_table(self, name: str) -> bool:
        found = self.conn.execute("SELECT to_regclass(%s)", (name,)).fetchone()
        return found is not None and found[0] is not None

    def recorded_version(self) -> int:
        row = self.conn.execute("SELECT max(version) FROM store_schema").fetchone()
        return int(row[0] or 0) if row else 0

    def execute(self, statement: str) -> None:
        self.conn.execute(statement)

    def record(self, version: int, summary: str) -> None:
        self.conn.execute(
            "INSERT INTO store_schema (version, summary, release) VALUES (%s, %s, %s)",
            (version, summary, __version__),
        )


class PostgresConnections:
    """Connections to one PostgreSQL database, one per thread, transactions on them, and the
    process's one writer for the database: every write goes through `run`, which commits the
    work of concurrent calls together (`riskd.store.writer`). `group_wait` is how long a
    group waits for more work to join it, in seconds."""

    def __init__(self, url: str, *, group_wait: float = DEFAULT_WAIT) -> None:
        self.url = url
        self._local = threading.local()
        self._opened: list[psycopg.Connection] = []
        self._opened_lock = threading.Lock()
        self.writer = GroupCommit(self.transaction, self.savepoint, wait=group_wait)

    def get(self) -> psycopg.Connection:
        conn: psycopg.Connection | None = getattr(self._local, "conn", None)
        if conn is None or conn.closed:
            conn = psycopg.connect(self.url, autocommit=False)
            self._local.conn = conn
            with self._opened_lock:
                self._opened.append(conn)
        return conn

    def run(self, work: Callable[[psycopg.Connection], T]) -> T:
        """Run `work` in the writer's next group transaction; its value once committed."""
        return self.writer.run(work)

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
            raise StoreUnavailable(f"store {redacted_url(self.url)}: {exc}") from exc

    @contextmanager
    def savepoint(self, conn: psycopg.Connection) -> Iterator[None]:
        """One call's work inside a group transaction: rolled back alone when it raises."""
        try:
            with conn.transaction():
                yield
        except (psycopg.OperationalError, psycopg.InterfaceError) as exc:
            raise StoreUnavailable(f"store {redacted_url(self.url)}: {exc}") from exc

    def prepare(self, *, create: bool) -> None:
        """Bring the database's schema up to date, in one transaction, once even when several
        replicas start together; `create=False` refuses a database without a store."""
        with self.transaction() as conn:
            conn.execute("SELECT pg_advisory_xact_lock(%s)", (_SCHEMA_LOCK,))
            upgrade(
                _PostgresSchema(conn),
                where=redacted_url(self.url),
                create=SCHEMA,
                migrations=MIGRATIONS,
                may_create=create,
            )

    def close(self) -> None:
        with self._opened_lock:
            for conn in self._opened:
                conn.close()
            self._opened.clear()
        self._local = threading.local()


class PostgresStore:
    def __init__(self, url: str, *, create: bool = True, group_wait: float = DEFAULT_WAIT) -> None:
        self.url = url
        self._db = PostgresConnections(url, group_wait=group_wait)
        self._db.prepare(create=create)

    @property
    def connections(self) -> PostgresConnections:
        """The database's connections and writer, which its profiles share."""
        return self._db

    def _transaction(self) -> AbstractContextManager[psycopg.Connection]:
        return self._db.transaction()

    def save_decisions(
        self,
        decided: Sequence[tuple[Declaration, Assessment]],
        counted: Sequence[DeclarationCounts] = (),
        cases: Sequence[Case] = (),
    ) -> None:
        rows = [decision_row(d, a) for d, a in decided]
        opened = [(c, case_row(c)) for c in cases]

        def save(conn: psycopg.Connection) -> None:
            with conn.cursor() as cursor:
                cursor.executemany(
                    "INSERT INTO decisions VALUES"
                    " (%s,%s,%s,%s,%s,%s,%s,%s::json,%s::json,%s::json)",
                    rows,
                )
            _count_declarations(conn, counted)
            if opened:
                _open_cases(conn, opened)

        self._db.run(save)

    def get_decision(self, decision_id: str) -> StoredDecision:
        with self._transaction() as conn:
            row = conn.execute(
                "SELECT declaration_json::text, assessment_json::text FROM decisions"
                " WHERE decision_id = %s",
                (decision_id,),
            ).fetchone()
            if row is None:
                raise NotFound(f"no decision {decision_id!r}")
            outcomes = conn.execute(
                "SELECT outcome_json::text FROM outcomes WHERE decision_id = %s"
                " ORDER BY recorded_at, seq",
                (decision_id,),
            ).fetchall()
        return stored_decision(row[0], row[1], [o[0] for o in outcomes])

    def record_outcome(self, outcome: Outcome) -> OutcomeRecorded:
        def record(conn: psycopg.Connection) -> OutcomeRecorded:
            known = conn.execute(
                "SELECT 1 FROM decisions WHERE decision_id = %s", (outcome.decision_id,)
            ).fetchone()
            if known is None:
                raise NotFound(f"no decision {outcome.decision_id!r}")
            inserted = conn.execute(
                "INSERT INTO outcomes (outcome_id, decision_id, result, control, recorded_at,"
                " seized_value, seized_currency, recordation_ids, officer, notes, outcome_json)"
                " VALUES (%s,%s,%s,%s,%s,%s,%s,%s,%s,%s,%s::json)"
                " ON CONFLICT (outcome_id) DO NOTHING RETURNING outcome_id",
                outcome_row(outcome),
            ).fetchone()
            if inserted is not None:
                return OutcomeRecorded(outcome, already_recorded=False)
            existing = conn.execute(
                "SELECT decision_id, outcome_json::text FROM outcomes WHERE outcome_id = %s",
                (outcome.outcome_id,),
            ).fetchone()
            assert existing is not None
            return repeated_outcome(outcome, existing[0], existing[1])

        return self._db.run(record)

    def check(self) -> None:
        self._db.run(
            lambda conn: conn.execute(
                "INSERT INTO store_health VALUES (1, now())"
                " ON CONFLICT (id) DO UPDATE SET checked_at = excluded.checked_at"
            )
        )

    def counts(self) -> tuple[int, int]:
        with self._transaction() as conn:
            decisions = conn.execute("SELECT count(*) FROM decisions").fetchone()
            outcomes = conn.execute("SELECT count(*) FROM outcomes").fetchone()
        return int(decisions[0] if decisions else 0), int(outcomes[0] if outcomes else 0)

    def decisions(
        self, since: datetime | None = None, until: datetime | None = None
    ) -> Iterator[StoredDecision]:
        window = {"since": in_utc(since, "since"), "until": in_utc(until, "until")}
        # a server-side cursor: the rows stream, however many decisions the store holds
        with self._transaction() as conn, conn.cursor(name="riskd_decisions") as cursor:
            cursor.itersize = 2000
            cursor.execute(_DECISIONS, window)
            rows: Iterator[DecisionRow] = iter(cursor)
            yield from grouped_decisions(rows)

    def open_cases(self, cases: Iterable[Case]) -> int:
        rows = [(c, case_row(c)) for c in cases]
        return self._db.run(lambda conn: _open_cases(conn, rows))

    def get_case(self, case_id: str) -> Case:
        with self._transaction() as conn:
            row = conn.execute(
                "SELECT case_json::text FROM cases WHERE case_id = %s", (case_id,)
            ).fetchone()
        if row is None:
            raise NotFound(f"no case {case_id!r}")
        return decode(row[0], Case)

    def save_case(self, case: Case, expected: CaseState) -> None:
        row = case_row(case)

        def save(conn: psycopg.Connection) -> None:
            moved = conn.execute(
                "UPDATE cases SET kind = %s, state = %s, decision_id = %s, deadline = %s,"
                " opened_at = %s, case_json = %s::json WHERE case_id = %s AND state = %s",
                (*row[1:], case.case_id, expected.value),
            ).rowcount
            if not moved:
                found = conn.execute(
                    "SELECT state FROM cases WHERE case_id = %s FOR UPDATE", (case.case_id,)
                ).fetchone()
                raise refused_move(case, expected, found[0] if found else None)

        self._db.run(save)

    def cases(
        self,
        *,
        state: CaseState | None = None,
        decision_id: str | None = None,
        due_before: datetime | None = None,
    ) -> Iterator[Case]:
        wanted = {
            "state": state.value if state else None,
            "decision": decision_id,
            "before": in_utc(due_before, "due_before"),
        }
        with self._transaction() as conn, conn.cursor(name="riskd_cases") as cursor:
            cursor.itersize = 2000
            cursor.execute(_CASES_QUERY, wanted)
            for (case_json,) in cursor:
                yield decode(case_json, Case)

    def close(self) -> None:
        self._db.close()


def case_row(case: Case) -> tuple[object, ...]:
    """The `cases` row of a case, in column order."""
    return (
        case.case_id,
        case.kind.value,
        case.state.value,
        case.decision_id,
        case.deadline,
        case.opened_at,
        encode(case).decode(),
    )


def _open_cases(conn: psycopg.Connection, rows: Sequence[tuple[Case, tuple[object, ...]]]) -> int:
    """As in the SQLite store: new cases inserted, repeats skipped, another case under a
    stored id a Conflict. ON CONFLICT DO NOTHING: two replicas opening the same case store
    it once."""
    opened = 0
    for case, row in rows:
        inserted = conn.execute(
            "INSERT INTO cases VALUES (%s,%s,%s,%s,%s,%s,%s::json)"
            " ON CONFLICT (case_id) DO NOTHING RETURNING case_id",
            row,
        ).fetchone()
        if inserted is not None:
            opened += 1
            continue
        stored = conn.execute(
            "SELECT case_json::text FROM cases WHERE case_id = %s", (case.case_id,)
        ).fetchone()
        assert stored is not None
        repeated_case(case, stored[0])
    return opened


_CASES_QUERY = """
SELECT case_json::text FROM cases
WHERE (%(state)s::text IS NULL OR state = %(state)s)
  AND (%(decision)s::text IS NULL OR decision_id = %(decision)s)
  AND (%(before)s::timestamptz IS NULL OR deadline < %(before)s)
ORDER BY deadline NULLS LAST, case_id
"""


_DECISIONS = """
SELECT d.decision_id, d.declaration_json::text, d.assessment_json::text, o.outcome_json::text
FROM decisions AS d LEFT JOIN outcomes AS o ON o.decision_id = d.decision_id
WHERE (%(since)s::timestamptz IS NULL OR d.decided_at >= %(since)s)
  AND (%(until)s::timestamptz IS NULL OR d.decided_at < %(until)s)
ORDER BY d.decided_at, d.decision_id, o.recorded_at, o.seq
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


def _apply(conn: psycopg.Connection, increments: Iterable[Increment]) -> None:
    rows = count_rows(increments)
    if rows:
        with conn.cursor() as cursor:
            cursor.executemany(_PROFILE_UPSERT, rows)


def _count_declarations(conn: psycopg.Connection, counted: Sequence[DeclarationCounts]) -> None:
    """As in the SQLite store: each declaration id counted once."""
    fresh = [
        c
        for c in counted
        if conn.execute(
            "INSERT INTO entity_profile_declarations VALUES (%s) ON CONFLICT DO NOTHING",
            (c.declaration_id,),
        ).rowcount
    ]
    _apply(conn, (i for c in fresh for i in c.increments))


class PostgresProfiles:
    """Entity profiles shared by every replica, in the PostgreSQL store's database. Updates
    are additive upserts, so replicas counting at the same time never lose an increment.
    Beside a store (`connections`), they share its connections and writer."""

    def __init__(
        self,
        url: str,
        rates_to_usd: Mapping[str, float] | None = None,
        *,
        create: bool = True,
        connections: PostgresConnections | None = None,
    ) -> None:
        self.rates_to_usd = rates_to_usd
        if connections is None:
            connections = PostgresConnections(url)
            connections.prepare(create=create)
        self._db = connections

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

    def record_declarations(self, declarations: Sequence[Declaration]) -> None:
        """As SqliteProfiles.record_declarations: each declaration id counted once."""
        counted = [declaration_counts(d, self.rates_to_usd) for d in declarations]
        self._db.run(lambda conn: _count_declarations(conn, counted))

    def record_outcome(
        self, decision_id: str, declaration: Declaration, result: OutcomeResult
    ) -> None:
        infringing = result is OutcomeResult.SEIZED

        def record(conn: psycopg.Connection) -> None:
            row = conn.execute(
                "SELECT infringing FROM entity_profile_outcomes WHERE decision_id = %s FOR UPDATE",
                (decision_id,),
            ).fetchone()
            before = None if row is None else bool(row[0])
            _apply(conn, outcome_change(declaration, infringing, before))
            conn.execute(
                "INSERT INTO entity_profile_outcomes VALUES (%s, %s) ON CONFLICT (decision_id)"
                " DO UPDATE SET infringing = excluded.infringing",
                (decision_id, infringing),
            )

        self._db.run(record)

    def close(self) -> None:
        self._db.close()
