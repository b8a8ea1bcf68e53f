"""The `--store` option of the commands that read the store, and opening it for them.

The value is the daemon's `store` setting — a SQLite path, `sqlite:///PATH` or a
`postgresql://USER@HOST/DB` URL — and defaults, as the setting does, to `RISKD_STORE` or
`var/riskd.db`, so a command run beside the daemon reads the daemon's store.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import TypeVar

import click

from riskd.domain import StoreUnavailable
from riskd.settings import Settings
from riskd.store import Store, StoreSchemaError, open_store

F = TypeVar("F", bound=Callable[..., object])

DEFAULT_STORE: str = Settings.model_fields["store"].default


def store_option(func: F) -> F:
    """`--store URL`, passed to the command as `store_url`."""
    return click.option(
        "--store",
        "store_url",
        envvar="RISKD_STORE",
        default=DEFAULT_STORE,
        show_default=True,
        metavar="PATH|URL",
        help="The decision store: a SQLite path, sqlite:///PATH or postgresql://USER@HOST/DB "
        "(env RISKD_STORE).",
    )(func)


@contextmanager
def reading(store_url: str) -> Iterator[Store]:
    """The store, opened for a command that reads it (never created); a store that is
    missing, unreachable or of a newer schema is a clear error, not a traceback."""
    try:
        store = open_store(store_url, create=False)
    except (StoreSchemaError, StoreUnavailable) as exc:
        raise click.ClickException(str(exc)) from exc
    try:
        yield store
    except StoreUnavailable as exc:
        raise click.ClickException(str(exc)) from exc
    finally:
        store.close()


def moment(value: str | None, name: str) -> datetime | None:
    """An ISO 8601 date or time; one without a zone is UTC, the zone decisions are kept in."""
    if value is None:
        return None
    try:
        moment = datetime.fromisoformat(value)
    except ValueError as exc:
        raise click.BadParameter(
            f"not an ISO 8601 date or time: {value!r}", param_hint=name
        ) from exc
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)
