"""Watches the sources of the serving snapshot and reloads the part that changed.

Every server process polls the fingerprints (modification times and sizes) of the register
file, the rule directory and the model registry, so that a change reaches all processes and
all replicas on a shared volume without an admin call. A reload that fails is logged with its
problems and the snapshot in service stays.

Why polling and not file-system events (watchfiles, Rust `notify` over inotify), evaluated
against the behaviour the reload tests pin:
- a rule directory deleted and created again (how deployment tools often replace one) is no
  longer seen: after the delete event the watch is gone and nothing later is reported, while
  the watcher thread lives on, deaf; a directory swapped in by rename is likewise missed;
- a path absent at start-up (a model registry not yet populated) cannot be watched at all
  (`FileNotFoundError`), where polling picks it up when it appears;
- inotify does not report changes another host makes on a shared volume (NFS, SMB), which is
  how replicas share one register, rule set and registry; watchfiles' own remedy there is
  polling;
- a reload that failed for a passing reason is tried again at the next poll; events would
  need a timer beside them to do the same.
An atomic pointer swap (write, then rename over PRODUCTION) is seen either way. Statting a few
files every `reload_poll_seconds` (2 s by default) costs little, so polling stays.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import structlog

from riskd import loading
from riskd.domain import ReloadRefused
from riskd.pipeline import SnapshotHolder
from riskd.settings import Settings

log = structlog.get_logger("riskd.watch")

Fingerprint = tuple[tuple[str, int, int], ...]


def fingerprint(path: Path | None) -> Fingerprint:
    """(name, mtime_ns, size) of a file, or of every file below a directory; () if absent."""
    if path is None or not path.exists():
        return ()
    files = [path] if path.is_file() else sorted(p for p in path.rglob("*") if p.is_file())
    out = []
    for file in files:
        try:
            stat = file.stat()
        except OSError:
            continue
        out.append((str(file), stat.st_mtime_ns, stat.st_size))
    return tuple(out)


@dataclass
class _Source:
    name: str
    path: Path | None
    reload: Callable[[], object]
    seen: Fingerprint


class SourceWatcher:
    def __init__(
        self, holder: SnapshotHolder, settings: Settings, refusals: loading.Refusals | None = None
    ) -> None:
        self._refusals = refusals or loading.Refusals()
        self._stop = threading.Event()
        self._interval = settings.reload_poll_seconds
        candidates = [
            _Source(
                "register",
                settings.register_dir or settings.register_file,
                lambda: loading.reload_register(holder, settings, None),
                (),
            ),
            _Source(
                "rules", settings.rules_dir, lambda: loading.reload_rules(holder, settings), ()
            ),
            _Source(
                "model",
                settings.model_registry,
                lambda: loading.reload_model(holder, settings),
                (),
            ),
        ]
        self._sources = [s for s in candidates if s.path is not None]
        for source in self._sources:
            source.seen = fingerprint(source.path)
        self._thread = threading.Thread(target=self._run, name="riskd-watch", daemon=True)

    def start(self) -> None:
        if self._interval > 0 and self._sources:
            self._thread.start()

    def stop(self) -> None:
        self._stop.set()

    def poll_once(self) -> list[str]:
        """Reload every source whose fingerprint changed; the names of those reloaded.

        A change refused by its checks is not tried again until the source changes again; a
        reload that failed in any other way (a file half written, a disk error) is tried
        again at the next poll."""
        reloaded = []
        for source in self._sources:
            try:
                now = fingerprint(source.path)
                if now == source.seen:
                    continue
                source.reload()
            except ReloadRefused as refused:
                source.seen = now
                self._refusals.refused(refused)
                log.warning("reload refused", what=refused.what, problems=list(refused.problems))
                continue
            except Exception:
                log.exception("reload failed; trying again at the next poll", what=source.name)
                continue
            source.seen = now
            self._refusals.accepted(source.name)
            log.info("reloaded after change", what=source.name)
            reloaded.append(source.name)
        return reloaded

    def _run(self) -> None:
        """Polls until stopped; nothing a poll raises ends the thread."""
        while not self._stop.wait(self._interval):
            try:
                self.poll_once()
            except Exception:  # pragma: no cover - poll_once catches per source already
                log.exception("watcher poll failed")
