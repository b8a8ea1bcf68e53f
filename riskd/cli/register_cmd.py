"""`riskd register`: import and inspect the recordation register."""

from __future__ import annotations

import sys
from pathlib import Path

import click
from rich.table import Table

from riskd.cli.console import make_console
from riskd.cli.progress import quiet_option, shows_progress, stage
from riskd.register.load import RegisterFileError, load_register
from riskd.register.store import RegisterStoreError, import_register, versions

_STORE = click.option(
    "--store",
    "store",
    type=click.Path(file_okay=False, path_type=Path),
    default=Path("var/register"),
    show_default=True,
    envvar="RISKD_REGISTER_DIR",
    help="Register store directory (environment: RISKD_REGISTER_DIR).",
)


@click.group()
def register() -> None:
    """Import and inspect the register of recorded IP rights."""


@register.command("import")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@_STORE
@click.option("--check", is_flag=True, help="Only validate the file; store nothing.")
@quiet_option
def import_(file: Path, store: Path, check: bool, quiet: bool) -> None:
    """Validate a register FILE (CSV or Parquet) and store it as the current version.

    Every problem is printed as FILE:LINE:COLUMN: message (the line as an editor counts it:
    the header is line 1) and the command exits with status 1; the version in force stays
    in force."""
    try:
        shown = shows_progress(quiet)
        if check:
            with stage(f"checking {file.name}", shown):
                loaded = load_register(file, progress=shown)
            unclassed = sum(1 for r in loaded.recordations if not r.has_classes)
            click.echo(f"{file}: {len(loaded)} recordations, no problems ({loaded.version})")
            click.echo(_without_classes(unclassed))
            return
        with stage(f"importing {file.name}", shown):
            stored = import_register(file, store, progress=shown)
    except RegisterFileError as exc:
        for problem in exc.problems:
            click.echo(problem.render(file), err=True)
        click.echo(f"{file}: {len(exc.problems)} problem(s); nothing imported", err=True)
        sys.exit(1)
    rights = ", ".join(f"{n} {right.lower()}" for right, n in sorted(stored.by_right.items()))
    click.echo(
        f"imported {stored.version}: {stored.recordations} recordations ({rights}), "
        f"{stored.active} in force today; now current in {store}"
    )
    click.echo(_without_classes(stored.without_classes))


def _without_classes(count: int) -> str:
    return (
        f"{count} recordation(s) name no goods classes: they are matched on all goods, but a "
        "match only in a description needs corroboration (brand field, known infringer, "
        "price far below the genuine) to raise risk"
    )


@register.command("show")
@_STORE
def show(store: Path) -> None:
    """List the stored register versions with their counts; * marks the current one."""
    stored = versions(store) if store.is_dir() else []
    if not stored:
        raise click.ClickException(str(RegisterStoreError(f"{store}: no register imported yet")))
    table = Table("", "version", "imported at", "source", "recordations", "in force", "rights")
    for version in stored:
        rights = ", ".join(f"{right.lower()} {n}" for right, n in sorted(version.by_right.items()))
        table.add_row(
            "*" if version.current else "",
            version.version,
            version.imported_at,
            version.source,
            str(version.recordations),
            str(version.active),
            rights,
        )
    make_console().print(table)
