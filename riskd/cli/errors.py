"""How the commands fail: one line on standard error, exit status 2, never a traceback for
a mistake of the user or the environment.

A mistake is an exception the code raises on purpose (`click.ClickException`, which the
commands raise for bad input, bad settings and unusable files) or a file the system refuses
(`OSError`: missing, a directory, unreadable). Anything else is a bug and keeps its
traceback, so that it is reported rather than taken for bad input.
"""

from __future__ import annotations

import errno
import sys
from collections.abc import Sequence
from typing import Any, NoReturn

import click

USER_ERROR = 2


class CommandError(click.ClickException):
    """A mistake in what the command was given; shown as one line, exit status 2."""

    exit_code = USER_ERROR


def file_problem(exc: OSError) -> str:
    """`PATH: reason` of a file the system refused."""
    reason = exc.strerror or str(exc)
    if exc.errno == errno.EISDIR:
        reason = "is a directory, not a file"
    return f"{exc.filename}: {reason}" if exc.filename else reason


def _fail(message: str) -> NoReturn:
    click.echo(f"Error: {' '.join(message.split())}", err=True)
    sys.exit(USER_ERROR)


class OneLineErrors(click.Group):
    """A command group whose expected failures print one line and exit with status 2."""

    def main(  # type: ignore[override]
        self,
        args: Sequence[str] | None = None,
        prog_name: str | None = None,
        complete_var: str | None = None,
        standalone_mode: bool = True,
        **extra: Any,
    ) -> Any:
        if not standalone_mode:
            return super().main(args, prog_name, complete_var, False, **extra)
        try:
            result = super().main(args, prog_name, complete_var, False, **extra)
        except click.UsageError as exc:
            hint = f" (see '{exc.ctx.command_path} --help')" if exc.ctx is not None else ""
            _fail(exc.format_message() + hint)
        except click.ClickException as exc:
            _fail(exc.format_message())
        except click.Abort:
            click.echo("Aborted!", err=True)
            sys.exit(1)
        except OSError as exc:
            _fail(file_problem(exc))
        sys.exit(result if isinstance(result, int) else 0)
