"""Watching a rule directory for officers' edits (watchfiles, run by the daemon in a thread).

`on_change` is called once per burst of changes to rule, list, policy or currency files
(editors write several files, or one file several times, in quick succession); it is the
caller's business to load (`load_rule_directory`) and swap. A failing `on_change` is logged
and watching goes on, so a broken edit never stops the watcher.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from pathlib import Path

import structlog
from watchfiles import Change, watch

log = structlog.get_logger("riskd.rules.watch")

WATCHED_SUFFIXES = (".yaml", ".yml", ".csv")


def is_rule_file(change: Change, path: str) -> bool:
    """Rule, list, policy and currency files; not hidden files or editors' temporary copies."""
    name = Path(path).name
    return name.endswith(WATCHED_SUFFIXES) and not name.startswith((".", "~", "#"))


def watch_rule_directory(
    path: Path,
    on_change: Callable[[], object],
    stop_event: threading.Event,
    *,
    debounce_ms: int = 500,
) -> None:
    """Block until `stop_event` is set, calling `on_change` after each burst of edits."""
    for changes in watch(
        path,
        watch_filter=is_rule_file,
        stop_event=stop_event,
        debounce=debounce_ms,
        recursive=True,
        raise_interrupt=False,
    ):
        log.info("rule directory changed", path=str(path), files=sorted({p for _, p in changes}))
        try:
            on_change()
        except Exception as exc:  # the watcher outlives any failed reload
            log.warning("reload after change failed", path=str(path), error=str(exc))


def start_watching(
    path: Path, on_change: Callable[[], object]
) -> tuple[threading.Thread, threading.Event]:
    """Watch in a daemon thread; set the returned event to stop it."""
    stop = threading.Event()
    thread = threading.Thread(
        target=watch_rule_directory,
        args=(path, on_change, stop),
        name="riskd-rules-watch",
        daemon=True,
    )
    thread.start()
    return thread, stop
