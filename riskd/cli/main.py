"""Entry point of the `riskd` command: wires the sub-commands together, nothing else."""

from __future__ import annotations

import click

from riskd import __version__
from riskd.cli.register_cmd import register
from riskd.cli.report_cmd import report
from riskd.cli.rules_cmd import rules
from riskd.cli.screen_cmd import screen
from riskd.cli.serve_cmd import serve


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="riskd")
def cli() -> None:
    """riskd: customs border-risk screening for intellectual-property infringement."""


cli.add_command(serve)
cli.add_command(screen)
cli.add_command(register)
cli.add_command(rules)
cli.add_command(report)


def main() -> None:
    cli()
