"""The directory watcher calls back after an edit and survives a failing callback."""

from __future__ import annotations

import threading
from pathlib import Path

from watchfiles import Change

from riskd.rules.watch import is_rule_file, start_watching


def test_only_rule_files_count() -> None:
    assert is_rule_file(Change.modified, "/r/media.yaml")
    assert is_rule_file(Change.added, "/r/currencies.csv")
    assert not is_rule_file(Change.modified, "/r/.media.yaml.swp")
    assert not is_rule_file(Change.modified, "/r/notes.txt")


def test_an_edit_triggers_the_callback_even_after_a_failure(tmp_path: Path) -> None:
    calls: list[int] = []
    called = threading.Event()

    def on_change() -> None:
        calls.append(1)
        called.set()
        if len(calls) == 1:
            raise RuntimeError("broken rule set")

    thread, stop = start_watching(tmp_path, on_change)
    try:
        for attempt in range(2):
            called.clear()
            # watchfiles may start after the first write; keep writing until it reports
            for n in range(20):
                (tmp_path / "rules.yaml").write_text(f"rules: []  # {attempt} {n}\n")
                if called.wait(0.5):
                    break
            assert called.is_set()
    finally:
        stop.set()
        thread.join(5)
    assert len(calls) >= 2 and not thread.is_alive()
