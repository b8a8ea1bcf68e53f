"""Builds the parts of a serving snapshot from the settings, and reloads them one at a time.

Each reload takes the holder's swap lock, builds the next snapshot from the current one off
the serving path, and swaps it in only when every check passed; on failure the exception
(ReloadRefused, naming every problem) propagates and the current snapshot keeps serving.
"""

from __future__ import annotations

from pathlib import Path

from riskd.domain import ReloadRefused
from riskd.pipeline import Snapshot, SnapshotHolder, build_snapshot
from riskd.register import RegisterFileError, load_register
from riskd.register.model import EMPTY_REGISTER, Register
from riskd.settings import Settings


def load_register_from(path: Path | None) -> Register:
    if path is None:
        return EMPTY_REGISTER
    try:
        return load_register(path)
    except RegisterFileError as exc:
        raise ReloadRefused("register", [p.render(path) for p in exc.problems]) from exc
    except OSError as exc:
        raise ReloadRefused("register", [f"{path}: {exc.strerror or exc}"]) from exc


def initial_snapshot(settings: Settings) -> Snapshot:
    """The snapshot the daemon starts with; any failure here stops the start-up."""
    return build_snapshot(register=load_register_from(settings.register_file))


def reload_register(holder: SnapshotHolder, settings: Settings, path: Path | None) -> Snapshot:
    with holder.swap_lock:
        register = load_register_from(path or settings.register_file)
        snapshot = holder.current().with_register(register)
        holder.swap(snapshot)
        return snapshot


def reload_rules(holder: SnapshotHolder, settings: Settings) -> tuple[Snapshot, list[str]]:
    with holder.swap_lock:
        if settings.rules_dir is None:
            raise ReloadRefused("rules", ["no rules_dir is configured"])
        raise ReloadRefused("rules", ["rule sets are not supported by this build yet"])


def reload_model(holder: SnapshotHolder, settings: Settings) -> Snapshot:
    with holder.swap_lock:
        if settings.model_registry is None:
            raise ReloadRefused("model", ["no model_registry is configured"])
        raise ReloadRefused("model", ["models are not supported by this build yet"])
