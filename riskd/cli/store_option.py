"""The `--store` option of the commands that read the store, and opening it for them.

The value is the daemon's `store` setting — a SQLite path, `sqlite:///PATH` or a
`postgresql://USER@HOST/DB` URL — and defaults, as the setting does, to `RISKD_STORE` or
`var/riskd.db`, so a command run beside the daemon reads the daemon's store.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import TypeVar

import click

from riskd.domain import StoreUnavailable
from riskd.settings import Settings
from riskd.store import DecisionStore, StoreSchemaError, open_store

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
def reading(store_url: str) -> Iterator[DecisionStore]:
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
