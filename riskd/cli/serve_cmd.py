"""`riskd serve`: run the screening daemon."""

from __future__ import annotations

from pathlib import Path

import click
from pydantic import ValidationError

from riskd.settings import load_settings


@click.command()
@click.option(
    "--config", type=click.Path(path_type=Path, dir_okay=False), help="TOML settings file."
)
@click.option("--listen", help="host:port to serve on (default 127.0.0.1:50051).")
@click.option(
    "--store", help="Decision store: a path, sqlite:///PATH or postgresql://USER@HOST/DB."
)
@click.option("--register", "register_file", type=click.Path(path_type=Path), help="Register file.")
@click.option("--rules", "rules_dir", type=click.Path(path_type=Path), help="Rule set directory.")
@click.option("--models", "model_registry", type=click.Path(path_type=Path), help="Model registry.")
@click.option("--threads", type=int, help="Worker threads per process.")
@click.option("--processes", type=int, help="Server processes sharing the port.")
@click.option("--log-level", type=click.Choice(["DEBUG", "INFO", "WARNING", "ERROR"]))
def serve(config: Path | None, **flags: object) -> None:
    """Serve ScreeningService and AdminService over gRPC (with health and reflection).

    Settings come from --config, then RISKD_* environment variables, then these flags.
    SIGTERM drains: health turns NOT_SERVING, new calls are refused and calls in flight get
    the grace period to finish.
    """
    from riskd.server.app import serve as run
    from riskd.store import StoreSchemaError

    try:
        settings = load_settings(config, **flags)
    except (ValidationError, FileNotFoundError, ValueError) as exc:
        raise click.ClickException(f"bad settings: {exc}") from exc
    try:
        run(settings)
    except StoreSchemaError as exc:  # a store of a newer release: never written by this one
        raise click.ClickException(str(exc)) from exc
