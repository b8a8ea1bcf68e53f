"""`riskd report`: statistics of decisions and outcomes."""

from __future__ import annotations

import click


@click.command()
def report() -> None:
    """Statistics of decisions and outcomes per office, channel and right."""
    raise click.ClickException("not available yet")
