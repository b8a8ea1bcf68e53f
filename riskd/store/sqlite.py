"""The embedded store: SQLite in WAL mode, one connection per thread.

Every decision is committed (synchronous=FULL by default) before the server answers, so an
acknowledged decision survives a crash or power loss. WAL lets readers (GetDecision, reports,
training exports) run while a writer commits. The file holds the decisions, their outcomes
and the entity profiles, in one versioned schema (`riskd.store.schema`) that is brought up to
date when the file is opened.
"""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import TypeVar

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
from riskd.features import ProfileCounts, outcome_increments, profile_increments
from riskd.store.base import (
    DecisionRow,
    OutcomeRecorded,
    grouped_decisions,
    in_utc,
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
from riskd.store.schema import Migration, StoreSchemaError, statements, upgrade
from riskd.store.writer import DEFAULT_WAIT, GroupCommit

T = TypeVar("T")

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


_VERSIONS = """
CREATE TABLE store_schema (
    version    INTEGER PRIMARY KEY,
    summary    TEXT NOT NULL,
    applied_at TEXT NOT NULL,
    release    TEXT NOT NULL
)
"""

# IF NOT EXISTS: release 0.1.0 created these only when profiles were on.
_PROFILES = """
CREATE TABLE IF NOT EXISTS entity_profiles (
    profile            TEXT NOT NULL,
    key                TEXT NOT NULL,
    declarations       REAL NOT NULL DEFAULT 0,
    inspections        REAL NOT NULL DEFAULT 0,
    seizures           REAL NOT NULL DEFAULT 0,
    log_unit_value_sum REAL NOT NULL DEFAULT 0,
    log_unit_value_n   REAL NOT NULL DEFAULT 0,
    PRIMARY KEY (profile, key)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS entity_profile_outcomes (
    decision_id TEXT PRIMARY KEY,
    infringing  INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS entity_profile_declarations (
    declaration_id TEXT PRIMARY KEY
) WITHOUT ROWID
"""

# Version 2: the cases that follow decisions (`riskd.store.base.CaseStore`). A case is kept
# whole as JSON; the columns beside it serve the queues' filters and order. No foreign key to
# `decisions`: a tip-off follows no decision.
_CASES = """
CREATE TABLE cases (
    case_id     TEXT PRIMARY KEY,
    kind        TEXT NOT NULL,
    state       TEXT NOT NULL,
    decision_id TEXT NOT NULL,
    deadline    TEXT,
    opened_at   TEXT NOT NULL,
    case_json   TEXT NOT NULL
);
CREATE INDEX cases_deadline ON cases (deadline, case_id);
CREATE INDEX cases_decision ON cases (decision_id);
CREATE INDEX cases_state ON cases (state)
"""

# The current schema (version 2), created in an empty file. Times are ISO 8601 text in UTC
# (they sort as they compare), flags 0/1, JSON columns the codec's text.
SCHEMA = (
    _VERSIONS
    + """;
CREATE TABLE decisions (
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
CREATE INDEX decisions_declaration ON decisions (declaration_id);
CREATE INDEX decisions_decided_at ON decisions (decided_at);
CREATE TABLE outcomes (
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
CREATE INDEX outcomes_decision ON outcomes (decision_id);
CREATE TABLE store_health (
    id         INTEGER PRIMARY KEY,
    checked_at TEXT NOT NULL
);
"""
    + _PROFILES
    + ";"
    + _CASES
)

# Upgrades of older stores; the first starts from release 0.1.0's tables, which had no version.
MIGRATIONS = (
    Migration(
        1,
        "schema versions; entity profile tables in every store",
        statements(_VERSIONS + ";" + _PROFILES),
    ),
    Migration(2, "cases: detention notices, referrals", statements(_CASES)),
)


def decision_row(d: Declaration, a: Assessment) -> tuple[object, ...]:
    """The `decisions` row of a decision, in column order."""
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


class _SqliteSchema:
    """The upgrade's view of a SQLite file, inside its write transaction."""

    def __init__(self, conn: sqlite3.Connection) -> None:
        self.conn = conn

    def has_table(self, name: str) -> bool:
        found = self.conn.execute(
            "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?", (name,)
        ).fetchone()
        return found is not None

    def recorded_version(self) -> int:
        return int(self.conn.execute("SELECT max(version) FROM store_schema").fetchone()[0] or 0)

    def execute(self, statement: str) -> None:
        self.conn.execute(statement)

    def record(self, version: int, summary: str) -> None:
        self.conn.execute(
            "INSERT INTO store_schema VALUES (?, ?, ?, ?)",
            (version, summary, datetime.now(UTC).isoformat(), __version__),
        )


class SqliteConnections:
    """Connections to one SQLite file in WAL mode, one per thread, and its one writer: every
    write goes through `run`, which commits the work of concurrent calls together
    (`riskd.store.writer`; SQLite's busy timeout serialises writers between processes).
    Opening brings the file's schema up to date, in one transaction; `create=False` refuses
    a file that holds no store instead of creating one. `group_wait` is how long a group
    waits for more work to join it, in seconds."""

    def __init__(
        self,
        path: Path,
        *,
        synchronous: str,
        create: bool = True,
        group_wait: float = DEFAULT_WAIT,
    ) -> None:
        self.path = path
        self._synchronous = synchronous
        self._local = threading.local()
        self._write_lock = threading.Lock()
        self._opened_lock = threading.Lock()
        self._opened: list[sqlite3.Connection] = []
        self.writer = GroupCommit(self.write, self.savepoint, wait=group_wait)
        if not create and not path.is_file():
            raise StoreSchemaError(f"no riskd store at {path}")
        path.parent.mkdir(parents=True, exist_ok=True)
        with self.write() as conn:
            upgrade(
                _SqliteSchema(conn),
                where=str(path),
                create=SCHEMA,
                migrations=MIGRATIONS,
                may_create=create,
            )

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

    def run(self, work: Callable[[sqlite3.Connection], T]) -> T:
        """Run `work` in the writer's next group transaction; its value once committed."""
        return self.writer.run(work)

    @contextmanager
    def write(self) -> Iterator[sqlite3.Connection]:
        """A write transaction on this thread's connection, committed when the block ends,
        rolled back when it raises. A store fault (disk full, read-only, gone) is raised as
        StoreUnavailable. The writer's groups run in these; other code writes through `run`."""
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

    @contextmanager
    def savepoint(self, conn: sqlite3.Connection) -> Iterator[None]:
        """One call's work inside a group transaction: rolled back alone when it raises.
        Some faults (a full disk) make SQLite roll back the whole transaction: then there is
        no savepoint left to roll back to, and the fault fails the group."""
        with sqlite_faults(self.path):
            conn.execute("SAVEPOINT work")
            try:
                yield
            except BaseException:
                if conn.in_transaction:
                    conn.execute("ROLLBACK TO work")
                    conn.execute("RELEASE work")
                raise
            conn.execute("RELEASE work")

    def close(self) -> None:
        """Close every thread's connection (at shutdown, when no call is in flight); closing
        twice is harmless (a store and its profiles share one set)."""
        with self._opened_lock:
            for conn in self._opened:
                conn.close()
            self._opened.clear()
        self._local = threading.local()


class SqliteStore:
    def __init__(
        self,
        path: Path,
        *,
        synchronous: str = "FULL",
        create: bool = True,
        group_wait: float = DEFAULT_WAIT,
    ) -> None:
        self.path = path
        self._db = SqliteConnections(
            path, synchronous=synchronous, create=create, group_wait=group_wait
        )

    @property
    def connections(self) -> SqliteConnections:
        """The file's connections and writer, which its profiles share (`SqliteProfiles`)."""
        return self._db

    def _connection(self) -> sqlite3.Connection:
        return self._db.get()

    def save_decisions(
        self,
        decided: Sequence[tuple[Declaration, Assessment]],
        counted: Sequence[DeclarationCounts] = (),
        cases: Sequence[Case] = (),
    ) -> None:
        rows = [decision_row(d, a) for d, a in decided]
        opened = [(c, case_row(c)) for c in cases]

        def save(conn: sqlite3.Connection) -> None:
            conn.executemany("INSERT INTO decisions VALUES (?,?,?,?,?,?,?,?,?,?)", rows)
            _count_declarations(conn, counted)
            if opened:
                _open_cases(conn, opened)

        self._db.run(save)

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
        def record(conn: sqlite3.Connection) -> OutcomeRecorded:
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

        return self._db.run(record)

    def check(self) -> None:
        checked_at = datetime.now(UTC).isoformat()
        self._db.run(
            lambda conn: conn.execute(
                "INSERT OR REPLACE INTO store_health VALUES (1, ?)", (checked_at,)
            )
        )

    def counts(self) -> tuple[int, int]:
        conn = self._connection()
        decisions = conn.execute("SELECT count(*) FROM decisions").fetchone()[0]
        outcomes = conn.execute("SELECT count(*) FROM outcomes").fetchone()[0]
        return int(decisions), int(outcomes)

    def decisions(
        self, since: datetime | None = None, until: datetime | None = None
    ) -> Iterator[StoredDecision]:
        low, high = in_utc(since, "since"), in_utc(until, "until")
        window = (low.isoformat() if low else None, high.isoformat() if high else None)
        with sqlite_faults(self.path):
            rows: Iterable[DecisionRow] = self._connection().execute(_DECISIONS, window)
            yield from grouped_decisions(rows)

    def open_cases(self, cases: Iterable[Case]) -> int:
        rows = [(c, case_row(c)) for c in cases]
        return self._db.run(lambda conn: _open_cases(conn, rows))

    def get_case(self, case_id: str) -> Case:
        row = (
            self._connection()
            .execute("SELECT case_json FROM cases WHERE case_id = ?", (case_id,))
            .fetchone()
        )
        if row is None:
            raise NotFound(f"no case {case_id!r}")
        return decode(row[0], Case)

    def save_case(self, case: Case, expected: CaseState) -> None:
        row = case_row(case)

        def save(conn: sqlite3.Connection) -> None:
            moved = conn.execute(
                "UPDATE cases SET kind = ?2, state = ?3, decision_id = ?4, deadline = ?5,"
                " opened_at = ?6, case_json = ?7 WHERE case_id = ?1 AND state = ?8",
                (*row, expected.value),
            ).rowcount
            if not moved:
                found = conn.execute(
                    "SELECT state FROM cases WHERE case_id = ?", (case.case_id,)
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
        before = in_utc(due_before, "due_before")
        wanted = (
            state.value if state else None,
            decision_id,
            before.isoformat() if before else None,
        )
        with sqlite_faults(self.path):
            for (case_json,) in self._connection().execute(_CASES_QUERY, wanted):
                yield decode(case_json, Case)

    def close(self) -> None:
        self._db.close()


def case_row(case: Case) -> tuple[object, ...]:
    """The `cases` row of a case, in column order (times as UTC text, which sorts)."""
    return (
        case.case_id,
        case.kind.value,
        case.state.value,
        case.decision_id,
        case.deadline.astimezone(UTC).isoformat() if case.deadline else None,
        case.opened_at.astimezone(UTC).isoformat(),
        encode(case).decode(),
    )


def _open_cases(conn: sqlite3.Connection, rows: Sequence[tuple[Case, tuple[object, ...]]]) -> int:
    """Insert new cases (each with its row); a repeat of a stored case is skipped, another
    case under a stored id is a Conflict (which rolls back the caller's whole work)."""
    opened = 0
    for case, row in rows:
        if conn.execute("INSERT OR IGNORE INTO cases VALUES (?,?,?,?,?,?,?)", row).rowcount:
            opened += 1
            continue
        stored = conn.execute("SELECT case_json FROM cases WHERE case_id = ?", row[:1]).fetchone()
        repeated_case(case, stored[0])
    return opened


_CASES_QUERY = """
SELECT case_json FROM cases
WHERE (?1 IS NULL OR state = ?1) AND (?2 IS NULL OR decision_id = ?2)
  AND (?3 IS NULL OR deadline < ?3)
ORDER BY deadline IS NULL, deadline, case_id
"""


_DECISIONS = """
SELECT d.decision_id, d.declaration_json, d.assessment_json, o.outcome_json
FROM decisions AS d LEFT JOIN outcomes AS o ON o.decision_id = d.decision_id
WHERE (?1 IS NULL OR d.decided_at >= ?1) AND (?2 IS NULL OR d.decided_at < ?2)
ORDER BY d.decided_at, d.decision_id, o.recorded_at, o.rowid
"""


_UPSERT = """
INSERT INTO entity_profiles VALUES (?, ?, ?, ?, ?, ?, ?)
ON CONFLICT (profile, key) DO UPDATE SET
    declarations = declarations + excluded.declarations,
    inspections = inspections + excluded.inspections,
    seizures = seizures + excluded.seizures,
    log_unit_value_sum = log_unit_value_sum + excluded.log_unit_value_sum,
    log_unit_value_n = log_unit_value_n + excluded.log_unit_value_n
"""

_FIRST_SIGHT = "INSERT OR IGNORE INTO entity_profile_declarations VALUES (?)"

_LOOKUP = (
    "WITH wanted(profile, key) AS (VALUES {wanted})"
    " SELECT p.profile, p.key, declarations, inspections, seizures, log_unit_value_sum,"
    " log_unit_value_n FROM wanted JOIN entity_profiles p"
    " ON p.profile = wanted.profile AND p.key = wanted.key"
)
_LOOKUP_CHUNK = 400  # pairs per statement: 800 variables, well under SQLite's limit


def _count_declarations(conn: sqlite3.Connection, counted: Sequence[DeclarationCounts]) -> None:
    """Add screened declarations to their profiles, each declaration id once: a client's
    retry of a declaration is not counted again."""
    fresh = [c for c in counted if conn.execute(_FIRST_SIGHT, (c.declaration_id,)).rowcount]
    conn.executemany(_UPSERT, count_rows(i for c in fresh for i in c.increments))


class SqliteProfiles:
    """Profile counts in the store's SQLite file (WAL), one connection per thread. Beside a
    store (`connections`), the profiles share its connections and writer, so a decision and
    its profile counts commit together; opened alone (seeding, rebuilding), they write
    without an fsync per commit: profiles can be rebuilt from the decisions (`rebuild`)."""

    def __init__(
        self,
        path: Path,
        rates_to_usd: Mapping[str, float] | None = None,
        *,
        create: bool = True,
        connections: SqliteConnections | None = None,
    ) -> None:
        self.path = path
        self.rates_to_usd = rates_to_usd
        self._db = connections or SqliteConnections(path, synchronous="NORMAL", create=create)

    def _connection(self) -> sqlite3.Connection:
        return self._db.get()

    def lookup(self, keys: Sequence[tuple[str, str]]) -> Mapping[tuple[str, str], ProfileCounts]:
        """Counts of the (profile, key) pairs that have any; the HistoryProvider method.

        One statement per `_LOOKUP_CHUNK` pairs, each pair a primary-key search: under
        concurrent calls a statement per pair cost more in handing the GIL back and forth
        (each SQLite call releases it) than in SQLite itself."""
        found: dict[tuple[str, str], ProfileCounts] = {}
        conn = self._connection()
        for start in range(0, len(keys), _LOOKUP_CHUNK):
            chunk = keys[start : start + _LOOKUP_CHUNK]
            wanted = ", ".join(["(?, ?)"] * len(chunk))
            flat = [part for pair in chunk for part in pair]
            for profile, key, *counts in conn.execute(_LOOKUP.format(wanted=wanted), flat):
                found[(profile, key)] = ProfileCounts(*counts)
        return found

    def record_declarations(self, declarations: Sequence[Declaration]) -> None:
        """Adds screened declarations to their profiles (after their features were computed),
        each declaration id once. The server counts its declarations with their decisions
        instead (`SqliteStore.save_decisions`)."""
        counted = [declaration_counts(d, self.rates_to_usd) for d in declarations]
        self._db.run(lambda conn: _count_declarations(conn, counted))

    def record_outcome(
        self,
        decision_id: str,
        declaration: Declaration,
        result: OutcomeResult,
    ) -> None:
        """Adds an inspection outcome; a repeated outcome of a decision only corrects it."""
        infringing = result is OutcomeResult.SEIZED

        def record(conn: sqlite3.Connection) -> None:
            row = conn.execute(
                "SELECT infringing FROM entity_profile_outcomes WHERE decision_id = ?",
                (decision_id,),
            ).fetchone()
            before = None if row is None else bool(row[0])
            conn.executemany(_UPSERT, count_rows(outcome_change(declaration, infringing, before)))
            conn.execute(
                "INSERT OR REPLACE INTO entity_profile_outcomes VALUES (?, ?)",
                (decision_id, int(infringing)),
            )

        self._db.run(record)

    def rebuild(self) -> int:
        """Recomputes every profile from the store's decisions and outcomes (e.g. after the
        profile definitions changed); returns the number of decisions read."""
        conn = self._connection()
        rows = conn.execute(
            "SELECT d.decision_id, d.declaration_json,"
            " (SELECT o.result FROM outcomes o WHERE o.decision_id = d.decision_id"
            "  ORDER BY o.recorded_at DESC, o.rowid DESC LIMIT 1)"
            " FROM decisions d ORDER BY d.decided_at"
        ).fetchall()
        increments: list[Increment] = []
        outcomes: list[tuple[str, int]] = []
        counted: dict[str, None] = {}
        for decision_id, declaration_json, result in rows:
            declaration = decode(declaration_json, Declaration)
            if declaration.declaration_id not in counted:
                counted[declaration.declaration_id] = None
                increments += profile_increments(declaration, self.rates_to_usd)
            if result is not None:
                infringing = result == OutcomeResult.SEIZED.value
                increments += outcome_increments(declaration, infringing)
                outcomes.append((decision_id, int(infringing)))

        def replace_all(write: sqlite3.Connection) -> None:
            write.execute("DELETE FROM entity_profiles")
            write.execute("DELETE FROM entity_profile_outcomes")
            write.execute("DELETE FROM entity_profile_declarations")
            write.executemany(_FIRST_SIGHT, ((d,) for d in counted))
            write.executemany(_UPSERT, count_rows(increments))
            write.executemany("INSERT INTO entity_profile_outcomes VALUES (?, ?)", outcomes)

        self._db.run(replace_all)
        return len(rows)

    def close(self) -> None:
        self._db.close()
