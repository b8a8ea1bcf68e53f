"""`riskd register`: import and inspect the recordation register."""

from __future__ import annotations

import click


@click.group()
def register() -> None:
    """Import and inspect the register of recorded IP rights."""
