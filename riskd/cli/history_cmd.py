"""`riskd history export`: the store's decisions and outcomes as a history table file."""

from __future__ import annotations

from pathlib import Path

import click

from riskd.cli.errors import CommandError
from riskd.cli.progress import quiet_option
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


@history.command("load")
@click.argument("history_file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option(
    "--outcomes",
    "outcomes_file",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="Outcomes keyed by declaration_id (outcome_id, declaration_id, result, recorded_at; "
    "optionally control, recordation_ids, seized_value_usd), as fixtures.generate writes them.",
)
@click.option(
    "--config",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="The daemon's TOML settings: store, register, rules, model, cases_jurisdiction.",
)
@click.option("--store", "store_url", help="The store to fill (default: the settings' store).")
@quiet_option
def load(
    history_file: Path,
    outcomes_file: Path | None,
    config: Path | None,
    store_url: str | None,
    quiet: bool,
) -> None:
    """Fill an empty store from a history table: every declaration screened as of its time
    with the settings' register, rules and model, stored with its profile counts and
    notification cases; every outcome recorded when the replay reaches its time (referrals
    opened, holders' cases answered as the outcome says)."""
    from riskd.cli.history_load import load_history, read_history_outcomes
    from riskd.cli.progress import counting, shows_progress
    from riskd.history import declarations_of, read_history
    from riskd.loading import initial_snapshot
    from riskd.log import configure_logging
    from riskd.server.app import detention_notices
    from riskd.settings import SettingsError, load_settings
    from riskd.store import open_store
    from riskd.store.factory import profiles_beside

    try:
        settings = load_settings(config, store=store_url)
    except SettingsError as exc:
        raise CommandError(f"bad settings: {exc}") from exc
    try:
        history = read_history(history_file).sort("declared_at", maintain_order=True)
    except ValueError as exc:  # a HistoryError names file, row and column
        raise CommandError(str(exc)) from exc
    outcomes = read_history_outcomes(outcomes_file) if outcomes_file else []
    configure_logging("WARNING")  # not a line per shadow rule hit of 20,000 declarations
    snapshot = initial_snapshot(settings)
    notices = detention_notices(settings)
    # one writer, this one: no other write to wait for, and a crash loses only a reload
    store = open_store(settings.store, synchronous="NORMAL", group_wait=0)
    profiles = profiles_beside(store, snapshot.policy.rates_to_base) if settings.profiles else None
    total = history["declaration_id"].n_unique()
    try:
        with counting("screening the history", total, shows_progress(quiet)) as step:
            done = load_history(
                declarations_of(history, str(history_file)),
                outcomes,
                snapshot=snapshot,
                store=store,
                profiles=profiles,
                notices=notices,
                step=step,
            )
    finally:
        if profiles is not None:
            profiles.close()
        store.close()
    click.echo(f"{store_label(settings.store)}: {done.summary()}")
