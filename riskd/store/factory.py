"""The one place that turns the `store` setting into a store: `postgresql://…` (or
`postgres://…`) names a PostgreSQL database, `sqlite:///PATH` or a bare path a SQLite file.

The server, `riskd report`, `riskd history export` and `riskd-train` all open their store
here, so every command takes the same value and reads either engine the same way.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

from riskd.store.base import DecisionStore, Store, redacted_url
from riskd.store.profiles import ProfileStore
from riskd.store.sqlite import SqliteProfiles, SqliteStore
from riskd.store.writer import DEFAULT_WAIT

_POSTGRES = ("postgresql://", "postgres://")


def is_postgres(url: str) -> bool:
    return url.startswith(_POSTGRES)


def sqlite_path(url: str) -> Path:
    """The file of a SQLite store setting."""
    return Path(url.removeprefix("sqlite:///"))


def store_label(url: str) -> str:
    """The store as messages and table sources name it: the file name, or the URL without
    its password."""
    return redacted_url(url) if is_postgres(url) else sqlite_path(url).name


def open_store(
    url: str,
    *,
    synchronous: str = "FULL",
    create: bool = True,
    group_wait: float = DEFAULT_WAIT,
) -> Store:
    """The store the setting names, its schema brought up to date. `create=False` (for
    commands that only read) refuses a place that holds no store rather than making one.
    `group_wait` is how long, in seconds, its writer waits for concurrent writes to commit
    with (`riskd.store.writer`)."""
    if is_postgres(url):
        from riskd.store.postgres import PostgresStore

        return PostgresStore(url, create=create, group_wait=group_wait)
    return SqliteStore(
        sqlite_path(url), synchronous=synchronous, create=create, group_wait=group_wait
    )


def open_profiles(
    url: str, rates_to_usd: Mapping[str, float] | None = None, *, create: bool = True
) -> ProfileStore:
    """The entity profiles of the store the setting names."""
    if is_postgres(url):
        from riskd.store.postgres import PostgresProfiles

        return PostgresProfiles(url, rates_to_usd, create=create)
    return SqliteProfiles(sqlite_path(url), rates_to_usd, create=create)


def profiles_beside(
    store: DecisionStore, rates_to_usd: Mapping[str, float] | None = None
) -> ProfileStore | None:
    """The entity profiles in the same database as an open store, sharing its connections
    and its writer (one writer per store); None for a store of neither engine (one a test
    made up), which keeps no profiles."""
    if isinstance(store, SqliteStore):
        return SqliteProfiles(store.path, rates_to_usd, connections=store.connections)
    from riskd.store.postgres import PostgresProfiles, PostgresStore

    if isinstance(store, PostgresStore):
        return PostgresProfiles(store.url, rates_to_usd, connections=store.connections)
    return None
