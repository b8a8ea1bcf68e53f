"""Progress of the commands that can run for more than a few seconds (fitting, building
datasets, backtests, large register and outcome imports, seeding profiles, evaluations).

Progress goes to standard error and only to a terminal: piped or redirected output, logs and
tests see none of it, and `--quiet` turns it off on a terminal too.
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any, TypeVar

import click

F = TypeVar("F", bound=Callable[..., Any])


def quiet_option(func: F) -> F:
    """The `--quiet` flag of a long-running command."""
    return click.option(
        "-q", "--quiet", is_flag=True, help="No progress on standard error (none when piped)."
    )(func)


def shows_progress(quiet: bool) -> bool:
    """Whether to draw progress: on a terminal, unless asked to be quiet."""
    return not quiet and sys.stderr.isatty()


@contextmanager
def stage(description: str, enabled: bool) -> Iterator[None]:
    """A spinner with the time elapsed while a stage of unknown length runs (a polars
    computation cannot report how far it is), gone once the stage is over."""
    if not enabled:
        yield
        return
    from rich.console import Console
    from rich.progress import Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

    columns = (SpinnerColumn(), TextColumn("{task.description}"), TimeElapsedColumn())
    with Progress(*columns, console=Console(stderr=True), transient=True) as progress:
        progress.add_task(description, total=None)
        yield


@contextmanager
def counting(description: str, total: int, enabled: bool) -> Iterator[Callable[[], None]]:
    """A bar of `total` steps with the time left, gone once done; yields the function that
    counts one step (which does nothing when progress is off)."""
    if not enabled:
        yield lambda: None
        return
    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TimeRemainingColumn

    columns = (BarColumn(), MofNCompleteColumn(), TimeRemainingColumn())
    with Progress(*columns, console=Console(stderr=True), transient=True) as progress:
        task = progress.add_task(description, total=total)
        yield lambda: progress.advance(task)
