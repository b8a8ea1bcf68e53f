"""`riskd rules`: check, test and backtest officers' rule sets.

Thin commands over `riskd.rules`: they parse options, call the library, pick a reporter and
set the exit code (0 fine, 1 problems found).
"""

from __future__ import annotations

import json
import sys
from datetime import UTC, date, datetime
from pathlib import Path

import click

from riskd.rules.errors import Severity, errors_of, warnings_of

DIRECTORY = click.Path(exists=True, file_okay=False, path_type=Path)
TODAY_HELP = "judge expiry and validity as of this day (default: today, UTC)"


def _today(value: str | None) -> date:
    return date.fromisoformat(value) if value else datetime.now(UTC).date()


@click.group()
def rules() -> None:
    """Check, test and backtest rule sets."""


@rules.command()
@click.argument("directory", type=DIRECTORY)
@click.option("--today", help=TODAY_HELP)
@click.option(
    "--format", "fmt", type=click.Choice(["pretty", "json"]), default="pretty", show_default=True
)
@click.option("--strict", is_flag=True, help="treat warnings as errors")
def check(directory: Path, today: str | None, fmt: str, strict: bool) -> None:
    """Validate every file of DIRECTORY: rules, watchlists, policy, currencies.

    Each problem names file:line:column and what was expected; warnings cover duplicate ids,
    expired rules and list entries, rules that can never fire and undocumented fields."""
    from riskd.rules.loader import compile_directory

    compiled = compile_directory(directory, today=_today(today))
    problems = list(compiled.problems)
    if fmt == "json":
        json.dump(
            {
                "ok": not errors_of(problems) and not (strict and warnings_of(problems)),
                "version": compiled.version,
                "rules": len(compiled.rules),
                "lists": len(compiled.lists),
                "problems": [
                    {
                        "code": p.code,
                        "severity": p.severity.value,
                        "file": p.pos.file,
                        "line": p.pos.line,
                        "column": p.pos.column,
                        "message": p.message,
                    }
                    for p in problems
                ],
            },
            sys.stdout,
            indent=2,
        )
        sys.stdout.write("\n")
    else:
        for problem in problems:
            colour = "red" if problem.severity is Severity.ERROR else "yellow"
            click.secho(str(problem), fg=colour)
        click.echo(
            f"{len(compiled.rules)} rules, {len(compiled.lists)} watchlists, "
            f"{len(errors_of(problems))} errors, {len(warnings_of(problems))} warnings "
            f"(rule set {compiled.version}, {compiled.policy.version})"
        )
    if errors_of(problems) or (strict and warnings_of(problems)):
        sys.exit(1)


@rules.command()
@click.argument("directory", type=DIRECTORY)
@click.option("--today", help=TODAY_HELP)
@click.option(
    "--format", "fmt", type=click.Choice(["pretty", "json"]), default="pretty", show_default=True
)
@click.option("-v", "--verbose", is_flag=True, help="list passing tests too")
def test(directory: Path, today: str | None, fmt: str, verbose: bool) -> None:
    """Run the tests embedded in the rules of DIRECTORY.

    A failure shows the rule's condition tree with the value of each field, so the part that
    did not hold is plain; the summary lists the rules that have no test."""
    from riskd.rules.loader import compile_directory
    from riskd.rules.testing import JsonReporter, PrettyReporter, run_tests

    day = _today(today)
    compiled = compile_directory(directory, today=day)
    if not compiled.ok:
        for problem in errors_of(compiled.problems):
            click.secho(str(problem), fg="red", err=True)
        raise click.ClickException("the rule set does not compile; run `riskd rules check`")
    report = run_tests(compiled, today=day)
    reporter = JsonReporter(sys.stdout) if fmt == "json" else PrettyReporter(sys.stdout, verbose)
    reporter.report(report)
    if not report.ok:
        sys.exit(1)
