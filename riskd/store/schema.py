"""Versions of the store's schema, and the upgrade of an older store when it is opened.

Both engines number their schema the same way: version N of a SQLite store and of a
PostgreSQL store hold the same tables with the same meaning, each in its engine's types.
Version 0 is a store written before versions existed (release 0.1.0): its tables are there
but no `store_schema` table says so. Each engine lists, for every version, the statements
that take a store from the version before to it; `upgrade` runs the missing ones, all in
the one transaction the engine opened, so a failure leaves the store as it was. A store of a
newer version than this code knows is refused: an older release must not write tables it
does not understand.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol

from riskd import __version__

# The schema version this code writes and reads.
SCHEMA_VERSION = 2


class StoreSchemaError(Exception):
    """The store cannot be used by this release: its schema is newer than this code knows,
    or there is no store where one was expected."""


@dataclass(frozen=True, slots=True)
class Migration:
    """The statements that take a store from version `version - 1` to `version`."""

    version: int
    summary: str
    statements: tuple[str, ...]


class SchemaSession(Protocol):
    """An engine's view of its store inside the upgrade's transaction."""

    def has_table(self, name: str) -> bool: ...

    def recorded_version(self) -> int:
        """The highest version in `store_schema` (which exists)."""

    def execute(self, statement: str) -> None: ...

    def record(self, version: int, summary: str) -> None:
        """Add a row to `store_schema` saying this version was reached, and by which release."""


def statements(script: str) -> tuple[str, ...]:
    """The statements of a DDL script (its statements hold no semicolon of their own)."""
    return tuple(s.strip() for s in script.split(";") if s.strip())


def found_version(session: SchemaSession) -> int | None:
    """The version of the store: None when it is empty, 0 when it predates versions."""
    if session.has_table("store_schema"):
        return session.recorded_version()
    return 0 if session.has_table("decisions") else None


def upgrade(
    session: SchemaSession,
    *,
    where: str,
    create: str,
    migrations: Sequence[Migration],
    may_create: bool = True,
) -> list[Migration]:
    """Bring the store to SCHEMA_VERSION: create it when empty (`create`, the current
    schema), else run the migrations it lacks; returns the migrations run."""
    if [m.version for m in migrations] != list(range(1, SCHEMA_VERSION + 1)):
        raise AssertionError("an engine must list one migration per schema version")
    found = found_version(session)
    if found is None:
        if not may_create:
            raise StoreSchemaError(f"no riskd store at {where}")
        for statement in statements(create):
            session.execute(statement)
        session.record(SCHEMA_VERSION, "created")
        return []
    if found > SCHEMA_VERSION:
        raise StoreSchemaError(
            f"the store at {where} has schema version {found}, newer than riskd {__version__}"
            f" knows (up to {SCHEMA_VERSION}): use the riskd release that wrote it, or a later one"
        )
    pending = list(migrations[found:])
    for migration in pending:
        for statement in migration.statements:
            session.execute(statement)
        session.record(migration.version, migration.summary)
    return pending
