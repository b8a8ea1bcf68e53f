"""Entity profiles kept in the store: the serving side of the history features.

The counts of each profile key (see `riskd.features.profiles`) are kept in SQLite and
updated as decisions and outcomes arrive; `SqliteProfiles.lookup` is the `HistoryProvider`
the pipeline reads. Updates come from `riskd.features` (`profile_increments`,
`outcome_increments`), the same definitions that compute the training table, so a profile
read here equals what training computed for a declaration at the same moment.

Call order matters: a declaration's features are computed (assess) before the declaration
is added to its profiles (`record_declarations`), so it never counts itself. An outcome
updates the profiles once per decision; a later, different outcome of the same decision
corrects the seizure count (training, too, labels a decision by its latest outcome).
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Protocol

from riskd.domain import Declaration, OutcomeResult
from riskd.features import ProfileCounts, outcome_increments, profile_increments
from riskd.features.declaration import add_counts
from riskd.store.codec import decode
from riskd.store.sqlite import SqliteConnections

SCHEMA = """
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
) WITHOUT ROWID;
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

Increment = tuple[tuple[str, str], ProfileCounts]

_FIRST_SIGHT = "INSERT OR IGNORE INTO entity_profile_declarations VALUES (?)"

_LOOKUP = (
    "SELECT declarations, inspections, seizures, log_unit_value_sum, log_unit_value_n"
    " FROM entity_profiles WHERE profile = ? AND key = ?"
)


def _merge(increments: Iterable[Increment]) -> dict[tuple[str, str], ProfileCounts]:
    merged: dict[tuple[str, str], ProfileCounts] = {}
    for key, delta in increments:
        merged[key] = add_counts(merged.get(key, ProfileCounts()), delta)
    return merged


def count_rows(
    increments: Iterable[Increment],
) -> list[tuple[str, str, float, float, float, float, float]]:
    """The upsert rows of a batch of increments, one per (profile, key)."""
    return [
        (p, k, c.declarations, c.inspections, c.seizures, c.log_unit_value_sum, c.log_unit_value_n)
        for (p, k), c in _merge(increments).items()
    ]


def outcome_change(
    declaration: Declaration, infringing: bool, before: bool | None
) -> list[Increment]:
    """What an outcome adds to the profiles, given what the decision's earlier outcome said
    (None: it had none). A repeated outcome that says the same adds nothing; one that turns
    a seizure into a clearance (or back) only corrects the seizure counts."""
    if before is None:
        return list(outcome_increments(declaration, infringing))
    if before == infringing:
        return []
    sign = 1.0 if infringing else -1.0
    return [
        (key, ProfileCounts(seizures=sign * c.seizures))
        for key, c in outcome_increments(declaration, True)
    ]


class ProfileStore(Protocol):
    """Where serving keeps the entity profiles: SQLite beside the SQLite store, or PostgreSQL."""

    def lookup(
        self, keys: Sequence[tuple[str, str]]
    ) -> Mapping[tuple[str, str], ProfileCounts]: ...

    def record_declarations(self, declarations: Sequence[Declaration]) -> None: ...

    def record_outcome(
        self, decision_id: str, declaration: Declaration, result: OutcomeResult
    ) -> None: ...

    def close(self) -> None: ...


class SqliteProfiles:
    """Profile counts in the store's SQLite file (WAL), one connection per thread."""

    def __init__(self, path: Path, rates_to_usd: Mapping[str, float] | None = None) -> None:
        self.path = path
        self.rates_to_usd = rates_to_usd
        # profiles can be rebuilt from the decisions (`rebuild`): no fsync per update
        self._db = SqliteConnections(path, synchronous="NORMAL", schema=SCHEMA)

    def _connection(self) -> sqlite3.Connection:
        return self._db.get()

    def lookup(self, keys: Sequence[tuple[str, str]]) -> Mapping[tuple[str, str], ProfileCounts]:
        """Counts of the (profile, key) pairs that have any; the HistoryProvider method.

        One primary-key lookup per pair: a declaration has a few dozen keys, and point
        lookups through a cached statement beat any set-based query over the table."""
        found: dict[tuple[str, str], ProfileCounts] = {}
        conn = self._connection()
        for pair in keys:
            row = conn.execute(_LOOKUP, pair).fetchone()
            if row is not None:
                found[pair] = ProfileCounts(*row)
        return found

    def _apply(self, increments: Iterable[Increment], conn: sqlite3.Connection) -> None:
        conn.executemany(_UPSERT, count_rows(increments))

    def record_declarations(self, declarations: Sequence[Declaration]) -> None:
        """Adds screened declarations to their profiles (after their features were computed),
        each declaration id once: a client's retry of a declaration is not counted again."""
        with self._db.write() as conn:
            fresh = [
                d for d in declarations if conn.execute(_FIRST_SIGHT, (d.declaration_id,)).rowcount
            ]
            self._apply((i for d in fresh for i in profile_increments(d, self.rates_to_usd)), conn)

    def record_outcome(
        self,
        decision_id: str,
        declaration: Declaration,
        result: OutcomeResult,
    ) -> None:
        """Adds an inspection outcome; a repeated outcome of a decision only corrects it."""
        infringing = result is OutcomeResult.SEIZED
        with self._db.write() as conn:
            row = conn.execute(
                "SELECT infringing FROM entity_profile_outcomes WHERE decision_id = ?",
                (decision_id,),
            ).fetchone()
            before = None if row is None else bool(row[0])
            self._apply(outcome_change(declaration, infringing, before), conn)
            conn.execute(
                "INSERT OR REPLACE INTO entity_profile_outcomes VALUES (?, ?)",
                (decision_id, int(infringing)),
            )

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
        with self._db.write() as write:
            write.execute("DELETE FROM entity_profiles")
            write.execute("DELETE FROM entity_profile_outcomes")
            write.execute("DELETE FROM entity_profile_declarations")
            write.executemany(_FIRST_SIGHT, ((d,) for d in counted))
            self._apply(increments, write)
            write.executemany("INSERT INTO entity_profile_outcomes VALUES (?, ?)", outcomes)
        return len(rows)

    def close(self) -> None:
        self._db.close()
