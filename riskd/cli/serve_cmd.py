"""`riskd serve`: run the screening daemon."""

from __future__ import annotations

import socket
from pathlib import Path

import click

from riskd.cli.errors import CommandError
from riskd.domain import ReloadRefused, StoreUnavailable
from riskd.settings import SettingsError, load_settings


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
    from riskd.cases.calendar import CalendarError
    from riskd.cases.notices import UnknownJurisdiction
    from riskd.server.app import serve as run
    from riskd.store import StoreSchemaError

    try:
        settings = load_settings(config, **flags)
    except SettingsError as exc:
        raise CommandError(f"bad settings: {exc}") from exc
    check_listen(settings.listen)
    try:
        run(settings)
    except StoreSchemaError as exc:  # a store of a newer release: never written by this one
        raise CommandError(str(exc)) from exc
    except ReloadRefused as exc:  # with degrade = "unavailable", a part that fails stops the start
        raise CommandError(f"not started: {exc} (setting degrade, RISKD_DEGRADE)") from exc
    except CalendarError as exc:  # every mistake of the file, on one line
        problems = "; ".join(str(p) for p in exc.problems)
        raise CommandError(f"not started: {problems} (setting cases_calendar)") from exc
    except UnknownJurisdiction as exc:
        raise CommandError(f"not started: {exc} (environment RISKD_CASES_JURISDICTION)") from exc
    except StoreUnavailable as exc:  # the store cannot be opened at all
        raise CommandError(f"not started: {exc} (setting store, RISKD_STORE, --store)") from exc


def check_listen(listen: str) -> None:
    """Refuse an address the daemon cannot listen on before the snapshot is loaded (which
    takes a while), with the reason gRPC would only log."""
    host, _, port = listen.rpartition(":")
    named = f"cannot listen on {listen} (setting listen, RISKD_LISTEN, --listen)"
    if not port.isdigit() or not 0 <= int(port) <= 65535:
        raise CommandError(f"{named}: expected HOST:PORT with a port from 0 to 65535")
    host = host.strip("[]") or "0.0.0.0"
    try:
        family, kind, proto, _, address = socket.getaddrinfo(
            host, int(port), type=socket.SOCK_STREAM
        )[0]
    except socket.gaierror as exc:
        raise CommandError(f"{named}: unknown host {host!r} ({exc.strerror})") from exc
    with socket.socket(family, kind, proto) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind(address)
        except OSError as exc:
            raise CommandError(f"{named}: {exc.strerror}") from exc
