"""`riskd rules`: check, test and backtest officers' rule sets."""

from __future__ import annotations

import click


@click.group()
def rules() -> None:
    """Check, test and backtest rule sets."""
