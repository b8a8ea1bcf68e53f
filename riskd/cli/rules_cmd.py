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

from riskd.cli.progress import quiet_option, shows_progress
from riskd.rules.errors import Severity, errors_of, warnings_of

DIRECTORY = click.Path(exists=True, file_okay=False, path_type=Path)
TODAY_HELP = "judge expiry and validity as of this day (default: today, UTC)"


def _day(ctx: click.Context, param: click.Parameter, value: str | None) -> date | None:
    """--today as a date, refused with what is wrong and the format expected."""
    if value is None:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError as exc:
        raise click.BadParameter(f"{value!r}: {exc}; expected YYYY-MM-DD", ctx, param) from exc


def _today(value: date | None) -> date:
    return value or datetime.now(UTC).date()


@click.group()
def rules() -> None:
    """Check, test and backtest rule sets."""


@rules.command()
@click.argument("directory", type=DIRECTORY)
@click.option("--today", callback=_day, help=TODAY_HELP)
@click.option(
    "--format", "fmt", type=click.Choice(["pretty", "json"]), default="pretty", show_default=True
)
@click.option("--strict", is_flag=True, help="treat warnings as errors")
def check(directory: Path, today: date | None, fmt: str, strict: bool) -> None:
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
@click.option("--today", callback=_day, help=TODAY_HELP)
@click.option(
    "--format", "fmt", type=click.Choice(["pretty", "json"]), default="pretty", show_default=True
)
@click.option("-v", "--verbose", is_flag=True, help="list passing tests too")
def test(directory: Path, today: date | None, fmt: str, verbose: bool) -> None:
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


@rules.command()
@click.argument("directory", type=DIRECTORY)
@click.option(
    "--history",
    "history_path",
    required=True,
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="history of declarations with outcomes (Parquet or CSV, one row per item)",
)
@click.option(
    "--baseline",
    type=DIRECTORY,
    help="the rule set in force, to report what the change catches and misses",
)
@click.option(
    "--register",
    "register_path",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="compute the match_* fields with the matcher over this register when the "
    "history has no match columns (slow on large histories)",
)
@click.option(
    "--html",
    "html_path",
    type=click.Path(dir_okay=False, path_type=Path),
    default=Path("backtest.html"),
    show_default=True,
    help="where to write the report",
)
@click.option(
    "--json",
    "json_path",
    type=click.Path(dir_okay=False, path_type=Path),
    help="also write the figures as JSON",
)
@click.option("--today", callback=_day, help=TODAY_HELP)
@quiet_option
def backtest(
    directory: Path,
    history_path: Path,
    baseline: Path | None,
    register_path: Path | None,
    html_path: Path,
    json_path: Path | None,
    today: date | None,
    quiet: bool,
) -> None:
    """Replay a history through the rules of DIRECTORY: hits, precision, recall, overlap and
    inspection load per office, as a terminal table and an HTML report with charts."""
    from dataclasses import asdict

    from tqdm import tqdm

    from riskd.cli.tables import require_history
    from riskd.rules.backtest import MATCH_FIELDS, add_matches, fields_used, read_history
    from riskd.rules.backtest import run_backtest as run
    from riskd.rules.loader import compile_directory
    from riskd.rules.report import html_report, print_report

    require_history(history_path)
    day = _today(today)
    candidate = compile_directory(directory, today=day)
    base = compile_directory(baseline, today=day) if baseline else None
    for compiled in (candidate, base):
        if compiled is not None and not compiled.ok:
            for problem in errors_of(compiled.problems):
                click.secho(str(problem), fg="red", err=True)
            raise click.ClickException(f"{compiled.path} does not compile")
    shown = shows_progress(quiet)
    stages = tqdm(
        total=5, desc="backtest", unit="step", file=sys.stderr, leave=False, disable=not shown
    )

    def progress(stage: str) -> None:
        stages.set_postfix_str(stage)
        if stage != "matching":
            stages.update(1)

    stages.set_postfix_str("reading history")
    try:
        history = read_history(history_path)
    except ValueError as exc:  # a HistoryError names file, row and column
        raise click.ClickException(str(exc)) from exc
    stages.update(1)
    rule_list = list(candidate.rules) + list(base.rules if base else [])
    has_matches = {"best_match_score", "match_score"} & set(history.columns)
    if register_path is not None and fields_used(rule_list) & MATCH_FIELDS and not has_matches:
        n = history["declaration_id"].n_unique()
        with tqdm(
            total=n, desc="matching", unit="decl", file=sys.stderr, leave=False, disable=not shown
        ) as bar:
            history = add_matches(history, register_path, lambda _: bar.update(1))
    result, _ = run(candidate, history, baseline=base, progress=progress, today=day)
    stages.close()
    print_report(result, sys.stdout)
    html_path.write_text(html_report(result), encoding="utf-8")
    click.echo(f"report: {html_path}")
    if json_path is not None:
        json_path.write_text(json.dumps(asdict(result), indent=2, default=str) + "\n")


@rules.command()
@click.option(
    "--out",
    type=click.Path(dir_okay=False, path_type=Path),
    help="write to this file instead of standard output",
)
def schema(out: Path | None) -> None:
    """Print the JSON Schema of rule, watchlist and policy files (docs/rules.schema.json)."""
    from riskd.rules.definition import schema_text

    if out is None:
        click.echo(schema_text(), nl=False)
    else:
        out.write_text(schema_text(), encoding="utf-8")


@rules.command()
def fields() -> None:
    """List the fields rule conditions may name, with their types and meaning: the catalogue,
    then the model's other features."""
    from riskd.rules.definition import field_types
    from riskd.rules.fields import FIELDS

    for field in FIELDS.values():
        values = f" ({', '.join(field.values)})" if field.values else ""
        click.echo(
            f"{field.name:38} {field.type.value:8} {field.level.value:12} {field.doc}{values}"
        )
    for name, kind in field_types().items():
        if name not in FIELDS:
            click.echo(f"{name:38} {kind.value:8} {'feature':12} a model feature")
