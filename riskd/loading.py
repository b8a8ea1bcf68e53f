"""Builds the parts of a serving snapshot from the settings, and reloads them one at a time.

Each reload takes the holder's swap lock, builds the next snapshot from the current one off
the serving path, and swaps it in only when every check passed; on failure the exception
(ReloadRefused, naming every problem) propagates and the current snapshot keeps serving.
"""

from __future__ import annotations

import gc
import threading
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import TypeVar

import structlog

from riskd.domain import ReloadRefused
from riskd.model import RiskModel, ShadowedModel, load_production_model, load_shadow_model
from riskd.pipeline import Snapshot, SnapshotHolder, build_snapshot
from riskd.register import RegisterFileError, load_register
from riskd.register.model import EMPTY_REGISTER, Register
from riskd.register.store import CURRENT, RegisterStoreError, current_register, import_register
from riskd.rules import NO_RULES
from riskd.rules.accept import load_rule_directory
from riskd.rules.loader import LoadedRules
from riskd.settings import Settings

log = structlog.get_logger("riskd.loading")
T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class Refusal:
    """A reload that was refused: which part, every problem, when."""

    part: str
    problems: tuple[str, ...]
    refused_at: datetime


class Refusals:
    """The last refused reload of each part since its last accepted one, whoever asked for
    it (an admin call or the watcher), for GetStatus; shared by the threads of a process."""

    def __init__(self, on_result: Callable[[str, str], None] | None = None) -> None:
        self._last: dict[str, Refusal] = {}
        self._lock = threading.Lock()
        self._on_result = on_result  # (part, "accepted" or "refused"), e.g. for metrics

    def refused(self, error: ReloadRefused) -> None:
        refusal = Refusal(error.what, tuple(error.problems), datetime.now(UTC))
        with self._lock:
            self._last[error.what] = refusal
        if self._on_result is not None:
            self._on_result(error.what, "refused")

    def accepted(self, part: str) -> None:
        with self._lock:
            self._last.pop(part, None)
        if self._on_result is not None:
            self._on_result(part, "accepted")

    def current(self) -> list[Refusal]:
        with self._lock:
            return sorted(self._last.values(), key=lambda r: r.part)


def load_register_from(path: Path | None) -> Register:
    if path is None:
        return EMPTY_REGISTER
    try:
        return load_register(path)
    except RegisterFileError as exc:
        raise ReloadRefused("register", [p.render(path) for p in exc.problems]) from exc
    except OSError as exc:
        raise ReloadRefused("register", [f"{path}: {exc.strerror or exc}"]) from exc


def install(holder: SnapshotHolder, snapshot: Snapshot) -> Snapshot:
    """Swap the snapshot in, then exempt what exists now from cyclic garbage collection: a
    large matching index would otherwise be walked by every full collection (freed objects
    are still released by reference counting)."""
    holder.swap(snapshot)
    gc.freeze()
    return snapshot


def configured_register(settings: Settings, path: Path | None = None) -> Register:
    """The register to serve: `path` if given (imported into the register store first when
    one is configured), else the store's current version, else the configured file."""
    store = settings.register_dir
    try:
        if store is not None and path is not None:
            import_register(path, store)
            return current_register(store)
        if store is not None and (store / CURRENT).exists():
            return current_register(store)
    except RegisterFileError as exc:
        source = path or store or Path("register")
        raise ReloadRefused("register", [p.render(source) for p in exc.problems]) from exc
    except (RegisterStoreError, OSError) as exc:
        raise ReloadRefused("register", [str(exc)]) from exc
    return load_register_from(path or settings.register_file)


def load_rules_from(path: Path) -> LoadedRules:
    """Check, compile and run the tests of a rule directory (RuleSetRefused on any error)."""
    return load_rule_directory(path, today=datetime.now(UTC).date())


def load_model_from(registry: Path) -> RiskModel | None:
    """The production model of the registry, with its shadow model alongside if one is set."""
    production = load_production_model(registry)
    shadow = load_shadow_model(registry)
    if production is not None and shadow is not None:
        return ShadowedModel(production=production, shadow=shadow)
    return production


def initial_snapshot(settings: Settings) -> Snapshot:
    """The snapshot the daemon starts with. A part that fails its checks stops the start,
    or, with `degrade = "document_check"`, is served empty and marks the snapshot degraded
    (every decision at least a document check) until a reload of it is accepted."""
    degraded: set[str] = set()

    def part(name: str, load: Callable[[], T], empty: T) -> T:
        try:
            return load()
        except ReloadRefused as refused:
            if settings.degrade != "document_check":
                raise
            log.error("part refused at start; serving it empty, degraded", part=name,
                      problems=list(refused.problems))  # fmt: skip
            degraded.add(name)
            return empty

    rules_dir, registry = settings.rules_dir, settings.model_registry
    rules = part("rules", lambda: load_rules_from(rules_dir), None) if rules_dir else None
    snapshot = build_snapshot(
        register=part("register", lambda: configured_register(settings), EMPTY_REGISTER),
        rules=rules.ruleset if rules else NO_RULES,
        policy=rules.policy if rules else None,
        model=part("model", lambda: load_model_from(registry), None) if registry else None,
    )
    return replace(snapshot, degraded=frozenset(degraded))


def reload_register(
    holder: SnapshotHolder, settings: Settings, path: Path | None, *, allow_empty: bool = False
) -> Snapshot:
    """Swap in the register; one of no recordations replaces recordations in service only
    when asked for (a header-only file is more often a slip than an intent)."""
    with holder.swap_lock:
        register = configured_register(settings, path)
        serving = len(holder.current().register)
        if not len(register) and serving and not allow_empty:
            raise ReloadRefused(
                "register",
                [
                    f"the register holds no recordations while {serving} are in service; "
                    "reload with allow_empty to serve it anyway"
                ],
            )
        return install(holder, holder.current().with_register(register))


def reload_rules(holder: SnapshotHolder, settings: Settings) -> tuple[Snapshot, list[str]]:
    """Swap in the rule set and policy of the rule directory once it passed check and tests."""
    with holder.swap_lock:
        if settings.rules_dir is None:
            raise ReloadRefused("rules", ["no rules_dir is configured"])
        rules = load_rules_from(settings.rules_dir)
        snapshot = install(holder, holder.current().with_rules(rules.ruleset, rules.policy))
        return snapshot, rules.warnings


def reload_model(
    holder: SnapshotHolder, settings: Settings, *, allow_empty: bool = False
) -> Snapshot:
    """Swap in the registry's production model once it loaded and fits the serving schema.
    A registry naming no production model replaces the model in service only when asked
    for: a deleted pointer would otherwise silently switch the model off."""
    with holder.swap_lock:
        if settings.model_registry is None:
            raise ReloadRefused("model", ["no model_registry is configured"])
        model = load_model_from(settings.model_registry)
        serving = holder.current().model
        if model is None and serving is not None and not allow_empty:
            raise ReloadRefused(
                "model",
                [
                    f"the registry names no production model while {serving.version} is in "
                    "service; reload with allow_empty to serve without a model"
                ],
            )
        return install(holder, holder.current().with_model(model))
