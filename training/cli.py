"""`riskd-train`: build training tables, fit, evaluate and promote models.

Each command imports what it needs when it runs (LightGBM and polars take seconds to import),
so that `riskd-train --help` and a mistyped option answer at once.

Every command reads the same sources (`--data` with optional `--mapping` and `--history`):
a training table written by `dataset`, a SQLite store (a .db file), a history table (Parquet or
CSV with the history columns) or an external CSV/Parquet with a mapping file.
"""

from __future__ import annotations

import json
import sys
import time
from collections.abc import Callable, Sequence
from datetime import datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

import click

from riskd import __version__
from riskd.cli.errors import CommandError, OneLineErrors
from riskd.cli.progress import quiet_option, shows_progress, stage
from riskd.cli.tables import STORE_SUFFIXES, require_columns, require_history, require_store

if TYPE_CHECKING:
    from riskd.history import RatesToUsd
    from training.dataset import TrainingTable

DEFAULT_REGISTRY = Path("var/models")
F = TypeVar("F", bound=Callable[..., Any])


def _say(message: str) -> None:
    click.echo(message, err=True)


def _version_name(ctx: click.Context, param: click.Parameter, value: str | None) -> str | None:
    from riskd.model.registry import check_version_name

    try:
        return None if value is None else check_version_name(value)
    except ValueError as exc:
        raise click.BadParameter(str(exc), ctx, param) from exc


def source_options(func: F) -> F:
    """--data, --mapping, --history, --register and --quiet, shared by the commands that
    read declarations."""
    func = quiet_option(func)
    func = click.option(
        "--register",
        "register_file",
        type=click.Path(exists=True, dir_okay=False, path_type=Path),
        help="Register (CSV/Parquet) to compute trademark-match features of a history table.",
    )(func)
    func = click.option(
        "--history",
        "history",
        multiple=True,
        type=click.Path(exists=True, dir_okay=False, path_type=Path),
        help="Earlier data (same format) that gives the profiles their past; repeatable.",
    )(func)
    func = click.option(
        "--mapping",
        type=click.Path(exists=True, dir_okay=False, path_type=Path),
        help="Column mapping (YAML) for an external CSV/Parquet file.",
    )(func)
    return click.option(
        "--data",
        required=True,
        type=click.Path(exists=True, dir_okay=False, path_type=Path),
        help="Training table, store (.db), history table, or external file (with --mapping).",
    )(func)


def currencies_option(func: F) -> F:
    """--currencies: the currency table item values are converted with."""
    return click.option(
        "--currencies",
        "currency_file",
        type=click.Path(exists=True, dir_okay=False, path_type=Path),
        help="Currency table (currency,usd_per_unit) of the rule set serving uses "
        "[default: the built-in table, that of the shipped rules/currencies.csv].",
    )(func)


def _rates(currency_file: Path | None) -> RatesToUsd:
    """The rates of a currency file, read as the rule loader reads it; bad rows are fatal."""
    from riskd.history import BUILTIN_RATES_TO_USD
    from riskd.rules.errors import Problem
    from riskd.rules.policy_file import parse_currencies

    if currency_file is None:
        return BUILTIN_RATES_TO_USD
    problems: list[Problem] = []
    rates = parse_currencies(currency_file, currency_file.name, problems)
    if problems:
        raise CommandError("; ".join(str(p) for p in problems[:5]))
    return rates


def require_mapped_columns(mapping_file: Path, files: Sequence[Path]) -> None:
    """Refuse a mapping file that cannot be read, or data files without the columns it maps."""
    from training.mapping import MappingError, load_mapping

    try:
        mapping = load_mapping(mapping_file)
    except MappingError as exc:
        raise CommandError(str(exc)) from exc
    named = [mapping.id, mapping.timestamp, mapping.label, *mapping.columns.values()]
    named += [*mapping.parties.values(), *mapping.categorical, *mapping.numeric]
    optional = (mapping.value, mapping.inspected, mapping.random_selection)
    needed = list(dict.fromkeys([*named, *(c for c in optional if c)]))
    for path in files:
        require_columns(path, needed, f"a table {mapping_file.name} maps")


def _load(
    data: Path,
    mapping: Path | None,
    history: tuple[Path, ...],
    register_file: Path | None,
    progress: bool,
) -> TrainingTable:
    from riskd.domain import StoreUnavailable
    from riskd.register.load import RegisterFileError, load_register
    from riskd.store import StoreSchemaError
    from training.dataset import is_training_table, load_table
    from training.mapping import MappingError

    if mapping is not None:
        require_mapped_columns(mapping, (*history, data))
    else:
        for path in (*history, data):
            if path.suffix in STORE_SUFFIXES:
                require_store(path)
            elif not is_training_table(path):
                require_history(path)
    started = time.perf_counter()
    try:
        register = load_register(register_file, progress=progress) if register_file else None
        _say(f"computing point-in-time features of {data.name} …")
        with stage(f"features of {data.name}", progress and register is None):
            table = load_table(data, mapping, history, register, progress=progress)
    except (
        MappingError,
        RegisterFileError,
        StoreSchemaError,
        StoreUnavailable,
        ValueError,
    ) as exc:
        raise CommandError(str(exc)) from exc
    labelled = table.labelled().height
    _say(
        f"{table.frame.height} declarations ({labelled} labelled, "
        f"{table.random_sample().height} random selections), {len(table.features)} features "
        f"in {time.perf_counter() - started:.1f}s"
    )
    return table


@click.group(cls=OneLineErrors, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="riskd-train")
def cli() -> None:
    """Train, evaluate and promote riskd's infringement-risk model."""


@cli.command()
@click.option(
    "--store",
    metavar="PATH|URL",
    help="The riskd store, as the daemon's `store` setting names it: a SQLite path, "
    "sqlite:///PATH or postgresql://USER@HOST/DB; its decisions and their outcomes.",
)
@click.option(
    "--data",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="A history table or an external file (with --mapping) instead of the store.",
)
@click.option(
    "--mapping",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="Column mapping (YAML) for an external file.",
)
@click.option(
    "--history",
    multiple=True,
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="Earlier data giving the profiles their past; repeatable.",
)
@click.option(
    "--register",
    "register_file",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="Register to compute trademark-match features of a history table.",
)
@click.option(
    "--out",
    required=True,
    type=click.Path(dir_okay=False, path_type=Path),
    help="Where to write the training table (Parquet, with a .features.json).",
)
@click.option(
    "--from",
    "start",
    type=click.DateTime(),
    help="Keep only declarations from this time on (their features still see the past).",
)
@click.option(
    "--until", "end", type=click.DateTime(), help="Keep only declarations before this time."
)
@currencies_option
@quiet_option
def dataset(
    store: str | None,
    data: Path | None,
    mapping: Path | None,
    history: tuple[Path, ...],
    register_file: Path | None,
    out: Path,
    start: datetime | None,
    end: datetime | None,
    currency_file: Path | None,
    quiet: bool,
) -> None:
    """Build a training table: features as known at each declaration, and its label.

    --from and --until cut a period out of the table after the features are computed, so
    that a later period can be held out for `evaluate` with its profiles intact."""
    from training.dataset import build_store_table

    if (store is None) == (data is None):
        raise click.UsageError("give exactly one of --store and --data")
    if start is not None and end is not None and start >= end:
        raise CommandError(
            f"--from {start:%Y-%m-%d %H:%M:%S} is not before --until {end:%Y-%m-%d %H:%M:%S}"
        )
    if store is not None:
        from riskd.domain import StoreUnavailable
        from riskd.store import StoreSchemaError
        from riskd.store.export import EmptyStore
        from riskd.store.factory import store_label

        try:
            with stage(f"reading {store_label(store)}", shows_progress(quiet)):
                table = build_store_table(store, _rates(currency_file))
        except (StoreSchemaError, StoreUnavailable, EmptyStore) as exc:
            raise CommandError(str(exc)) from exc
    else:
        assert data is not None
        table = _load(data, mapping, history, register_file, shows_progress(quiet))
    if start is not None or end is not None:
        table = table.between(start, end)
    table.save(out)
    _say(f"wrote {out} ({table.frame.height} declarations)")


@cli.command(name="fit")
@source_options
@click.option(
    "--registry",
    type=click.Path(file_okay=False, path_type=Path),
    default=DEFAULT_REGISTRY,
    show_default=True,
    help="Model registry directory.",
)
@click.option(
    "--version",
    "version",
    callback=_version_name,
    help="Model version name (default: time and hash).",
)
@click.option("--valid-from", type=click.DateTime(), help="Start of the later (stopping) period.")
@click.option(
    "--valid-fraction",
    type=float,
    default=0.2,
    show_default=True,
    help="Latest share of labelled declarations held out, without --valid-from.",
)
@click.option("--seed", type=int, default=7, show_default=True)
@click.option("--learning-rate", type=float, default=0.1, show_default=True)
@click.option("--num-leaves", type=int, default=8, show_default=True)
@click.option(
    "--max-depth",
    type=int,
    default=3,
    show_default=True,
    help="Deeper trees explain (pred_contrib) more slowly at serving.",
)
@click.option("--max-rounds", type=int, default=1000, show_default=True)
@click.option("--threads", type=int, default=2, show_default=True)
@click.option("--dask", "use_dask", is_flag=True, help="Train with lightgbm.dask.")
@click.option("--workers", type=int, default=2, show_default=True, help="Dask workers.")
@click.option("--scheduler", help="Address of a Dask scheduler (default: a LocalCluster).")
def fit_cmd(
    data: Path,
    mapping: Path | None,
    history: tuple[Path, ...],
    register_file: Path | None,
    registry: Path,
    version: str | None,
    valid_from: datetime | None,
    valid_fraction: float,
    seed: int,
    learning_rate: float,
    num_leaves: int,
    max_depth: int,
    max_rounds: int,
    threads: int,
    use_dask: bool,
    workers: int,
    scheduler: str | None,
    quiet: bool,
) -> None:
    """Fit a model on the earlier period, stop early on the later one, save it."""
    from training.fit import FitConfig, fit

    table = _load(data, mapping, history, register_file, shows_progress(quiet))
    config = FitConfig(
        valid_from=valid_from,
        valid_fraction=valid_fraction,
        seed=seed,
        learning_rate=learning_rate,
        num_leaves=num_leaves,
        max_depth=max_depth,
        max_rounds=max_rounds,
        num_threads=threads,
    )
    started = time.perf_counter()
    try:
        if use_dask:
            from training.dask_fit import fit_dask

            _say(f"training on Dask ({scheduler or f'{workers} local workers'}) …")
            result = fit_dask(table, config, workers=workers, scheduler=scheduler)
        else:
            result = fit(table, config, progress=shows_progress(quiet))
    except ValueError as exc:
        raise CommandError(f"{data}: {exc}") from exc
    path = result.save(registry, version)
    meta = result.metadata
    valid = meta["metrics"]["valid"]
    _say(f"trained in {time.perf_counter() - started:.1f}s, {meta['best_iteration']} trees")
    _say(
        "later period "
        + " ".join(f"P@{k}={v:.3f}" for k, v in valid["precision_at"].items())
        + f" AUC={valid['auc']:.3f}"
    )
    if not meta["serving_compatible"]:
        _say("note: this model's features are not serving's; it can be evaluated, not served")
    click.echo(json.dumps({"model_version": meta["model_version"], "path": str(path)}))


@cli.command()
@click.option(
    "--model",
    "model_path",
    type=click.Path(exists=True, file_okay=False, path_type=Path),
    help="A model version directory.",
)
@click.option(
    "--registry",
    type=click.Path(file_okay=False, path_type=Path),
    default=DEFAULT_REGISTRY,
    show_default=True,
    help="Registry: its production model is compared (and --version read from it).",
)
@click.option(
    "--version",
    "version",
    callback=_version_name,
    help="Model version in the registry (instead of --model).",
)
@source_options
@click.option(
    "--from", "start", type=click.DateTime(), help="Evaluate only declarations from this time on."
)
@click.option(
    "--format", "fmt", type=click.Choice(["json", "html"]), default="json", show_default=True
)
@click.option(
    "--out",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Write the result here instead of standard output.",
)
@click.option(
    "--force",
    is_flag=True,
    help="Evaluate even declarations inside the model's own training window.",
)
def evaluate(
    model_path: Path | None,
    registry: Path,
    version: str | None,
    data: Path,
    mapping: Path | None,
    history: tuple[Path, ...],
    register_file: Path | None,
    start: datetime | None,
    fmt: str,
    out: Path | None,
    force: bool,
    quiet: bool,
) -> None:
    """Precision, recall and value caught at 1/2/5/10 % inspection rates, AUC and
    calibration, beside the production model and a rules-only baseline.

    Refuses declarations inside the model's own training window (exit 2) unless --force,
    and warns when the period's profiles start empty for want of --history."""
    from riskd.domain import ReloadRefused
    from riskd.model import load_model_dir
    from riskd.model.registry import model_dir, production_version
    from training.evaluate import evaluate as run_evaluation
    from training.evaluate import inside_training_window, missing_history, training_window
    from training.report import render_html

    if (model_path is None) == (version is None):
        raise click.UsageError("give exactly one of --model and --version")
    directory = model_path or model_dir(registry, str(version))
    try:
        model = load_model_dir(directory, for_serving=False)
        production = None
        current = production_version(registry)
        if current is not None and current != model.version:
            production = load_model_dir(model_dir(registry, current), for_serving=False)
    except ReloadRefused as exc:
        raise CommandError(str(exc)) from exc
    table = _load(data, mapping, history, register_file, shows_progress(quiet))
    window = training_window(model)
    if window is not None:
        note = missing_history(table, window)
        if note is not None:
            _say(f"warning: {note}")
    if start is not None:
        table = table.between(start, None)
    if window is not None:
        inside = inside_training_window(table, window)
        later = window[1] + timedelta(seconds=1)
        if inside and not force:
            raise CommandError(
                f"{inside} of the {table.labelled().height} labelled declarations to evaluate "
                f"lie inside the model's training window ({window[0]:%Y-%m-%d} to "
                f"{window[1]:%Y-%m-%d %H:%M}), where its figures say nothing of new data; "
                f"evaluate a later period (--from {later:%Y-%m-%dT%H:%M:%S}) or pass --force"
            )
        if inside:
            _say(f"warning: forced: {inside} declarations lie inside the training window")
    try:
        with stage("scoring and comparing", shows_progress(quiet)):
            evaluation = run_evaluation(model, table, production)
    except ValueError as exc:
        raise CommandError(str(exc)) from exc
    text = (
        render_html(evaluation)
        if fmt == "html"
        else json.dumps(evaluation.as_json(), indent=2, ensure_ascii=False)
    )
    if out is None:
        click.echo(text)
    else:
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_text(text, encoding="utf-8")
        _say(f"wrote {out}")


@cli.command(name="promote")
@click.option(
    "--registry",
    type=click.Path(exists=True, file_okay=False, path_type=Path),
    default=DEFAULT_REGISTRY,
    show_default=True,
)
@click.option(
    "--version",
    "version",
    required=True,
    callback=_version_name,
    help="The model version to promote.",
)
@click.option(
    "--margin",
    type=float,
    default=0.02,
    show_default=True,
    help="How much worse than production (precision@5%, AUC) is still accepted.",
)
@click.option(
    "--evaluation",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="An `evaluate --format json` of this model beside production.",
)
@click.option("--force", is_flag=True, help="Promote even if metrics are worse (not schema).")
def promote_cmd(
    registry: Path, version: str, margin: float, evaluation: Path | None, force: bool
) -> None:
    """Make a model the production one, after its checks."""
    from riskd.model.registry import model_dir
    from training.promote import promote

    if not model_dir(registry, version).is_dir():
        known = ", ".join(sorted(p.name for p in registry.iterdir() if p.is_dir())) or "none"
        raise CommandError(f"{registry}: no model version {version!r} (versions: {known})")
    try:
        report = json.loads(evaluation.read_text(encoding="utf-8")) if evaluation else None
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        where = f":{exc.lineno}:{exc.colno}" if isinstance(exc, json.JSONDecodeError) else ""
        raise CommandError(f"{evaluation}{where}: not an evaluation (JSON): {exc}") from exc
    result = promote(registry, version, margin=margin, force=force, evaluation=report)
    for problem in result.problems:
        _say(problem)
    for warning in result.warnings:
        _say(f"warning: {warning}")
    click.echo(
        json.dumps(
            {
                "version": result.version,
                "previous": result.previous,
                "promoted": result.promoted,
                "problems": result.problems,
                "warnings": result.warnings,
                "comparison": result.comparison,
            },
            indent=2,
        )
    )
    if not result.promoted:
        sys.exit(1)


@cli.command(name="seed-profiles")
@click.option(
    "--history",
    "history_file",
    required=True,
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="History table (Parquet or CSV, one row per item) with its outcomes.",
)
@click.option(
    "--store", required=True, help="The riskd store: a SQLite path or postgresql://... URL."
)
@currencies_option
@quiet_option
def seed_profiles_cmd(
    history_file: Path, store: str, currency_file: Path | None, quiet: bool
) -> None:
    """Count a history's declarations and outcomes into the store's entity profiles, so that
    a new store serves with the history its model was trained on."""
    from riskd.domain import StoreUnavailable
    from riskd.history import read_history
    from riskd.store import open_profiles
    from training.seed import seed_profiles

    rates = _rates(currency_file)
    try:
        history = read_history(history_file)
    except ValueError as exc:  # a HistoryError names file, row and column
        raise CommandError(str(exc)) from exc
    try:
        profiles = open_profiles(store, rates)
        try:
            count = seed_profiles(history, profiles, progress=shows_progress(quiet))
        finally:
            profiles.close()
    except StoreUnavailable as exc:  # the store cannot be opened or written: named, one line
        raise CommandError(f"{exc} (--store)") from exc
    _say(f"counted {count} declarations into the profiles of {store}")


def main() -> None:
    cli()
