"""Entry point of the `riskd` command: wires the sub-commands together, nothing else.

Each sub-command's module is imported only when that command runs: `riskd serve` needs
LightGBM, polars and the matcher, `riskd screen` only a gRPC client, and `riskd --help`
neither, so that a short command starts in a fraction of a second.
"""

from __future__ import annotations

import importlib

import click

from riskd import __version__
from riskd.cli.errors import OneLineErrors

# name -> (module, attribute, one line of help shown by `riskd --help`)
COMMANDS: dict[str, tuple[str, str, str]] = {
    "serve": ("riskd.cli.serve_cmd", "serve", "Serve the gRPC API."),
    "screen": ("riskd.cli.screen_cmd", "screen", "Send declarations to a daemon, print answers."),
    "register": ("riskd.cli.register_cmd", "register", "Import and inspect the register."),
    "rules": ("riskd.cli.rules_cmd", "rules", "Check, test and backtest a rule set."),
    "report": ("riskd.cli.report_cmd", "report", "Statistics of decisions and outcomes."),
    "bench": ("riskd.cli.load_cmd", "bench", "Measure a deployment: load from outside."),
    "history": ("riskd.cli.history_cmd", "history", "Export the store as a history table."),
    "outcomes": ("riskd.cli.outcomes_cmd", "outcomes", "Import outcomes from a CSV file."),
    "cases": (
        "riskd.cli.cases_cmd",
        "cases",
        "Detention notices and referrals: list, show, answer.",
    ),
}


class LazyGroup(OneLineErrors):
    """A group whose commands are imported when they are run, not when it is built."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted(COMMANDS)

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        if cmd_name not in COMMANDS:
            return None
        module, attribute, _ = COMMANDS[cmd_name]
        command: click.Command = getattr(importlib.import_module(module), attribute)
        return command

    def format_commands(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        rows = [(name, COMMANDS[name][2]) for name in self.list_commands(ctx)]
        with formatter.section("Commands"):
            formatter.write_dl(rows)


@click.group(cls=LazyGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="riskd")
def cli() -> None:
    """riskd: customs border-risk screening for intellectual-property infringement."""


def main() -> None:
    cli()
