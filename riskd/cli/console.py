"""The rich console the commands print tables with."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from rich.console import Console

# Piped into a file or `grep`, rich would wrap and cut tables at 80 columns; lines that long
# are never cut.
PIPED_WIDTH = 10_000


def make_console() -> Console:
    """A console as wide as the terminal, or, when the output is not a terminal, one that
    keeps every row of a table on one line. (rich is imported here, not where commands
    are defined: output as JSON needs none of it.)"""
    from rich.console import Console

    terminal = Console()
    return terminal if terminal.is_terminal else Console(width=PIPED_WIDTH)
