"""`riskd history export`: the store's decisions and outcomes as a history table file."""

from __future__ import annotations

from pathlib import Path

import click

from riskd.cli.store_option import moment, reading, store_option
from riskd.store.export import EmptyStore, history_table
from riskd.store.factory import store_label


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
def history() -> None:
    """The history table: the store's decisions and outcomes, one row per declared item."""


@history.command()
@store_option
@click.option(
    "--out",
    required=True,
    type=click.Path(dir_okay=False, path_type=Path),
    help="The file to write: .parquet (or .csv).",
)
@click.option(
    "--since", help="Only decisions made at or after this ISO 8601 time (UTC if no zone)."
)
@click.option("--until", help="Only decisions made before this ISO 8601 time (UTC if no zone).")
def export(store_url: str, out: Path, since: str | None, until: str | None) -> None:
    """Write the store's decisions as a history table: each declared item with its match
    and rule features, labelled by the decision's latest outcome. The same table on
    SQLite and PostgreSQL; `riskd-train dataset --data` reads it."""
    if out.suffix.lower() not in (".parquet", ".csv"):
        raise click.BadParameter("write .parquet or .csv", param_hint="--out")
    window = (moment(since, "--since"), moment(until, "--until"))
    with reading(store_url) as store:
        try:
            table = history_table(store.decisions(*window), where=store_label(store_url))
        except EmptyStore as exc:
            raise click.ClickException(str(exc)) from exc
    out.parent.mkdir(parents=True, exist_ok=True)
    if out.suffix.lower() == ".csv":
        table.write_csv(out)
    else:
        table.write_parquet(out)
    declarations = table["declaration_id"].n_unique()
    click.echo(f"wrote {out}: {declarations:,} declarations, {table.height:,} items", err=True)
