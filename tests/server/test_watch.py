"""A changed register file is picked up by the watcher; a broken one is refused and the
snapshot in service stays."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from riskd import loading
from riskd.domain import ReloadRefused
from riskd.register.store import current_version
from riskd.server.watch import fingerprint
from tests.server.conftest import start_server

ROOT = Path(__file__).resolve().parents[2]

HEADER = (
    "recordation_id,right_type,mark,aliases,holder,holder_contact,nice_classes,hs_prefixes,"
    "licensees,valid_from,valid_until\n"
)


def _write(path: Path, text: str, bump: int) -> None:
    path.write_text(text, encoding="utf-8")
    stat = path.stat()
    os.utime(path, ns=(stat.st_atime_ns, stat.st_mtime_ns + bump * 1_000_000_000))


def test_changed_register_is_reloaded_and_broken_one_refused(tmp_path: Path) -> None:
    register = tmp_path / "register.csv"
    _write(register, HEADER + "T1,TRADEMARK,KALORA,,Kalora SpA,,,,,2020-01-01,\n", 0)
    riskd_server = start_server(tmp_path, register_file=register, reload_poll_seconds=0)
    try:
        holder = riskd_server.runtime.holder
        assert riskd_server.watcher.poll_once() == []
        _write(register, HEADER + "T2,TRADEMARK,VORTELLI,,Vortelli AG,,,,,2020-01-01,\n", 1)
        assert riskd_server.watcher.poll_once() == ["register"]
        reloaded = holder.current().register
        assert [r.mark for r in reloaded.recordations] == ["VORTELLI"]
        _write(register, HEADER + "T3,TRADEMARK,,,,,,,,not-a-date,\n", 2)
        assert riskd_server.watcher.poll_once() == []
        assert holder.current().register.version == reloaded.version
    finally:
        riskd_server.close()


def test_fingerprint_of_directory_sees_new_and_changed_files(tmp_path: Path) -> None:
    assert fingerprint(tmp_path / "absent") == ()
    (tmp_path / "a.yaml").write_text("x", encoding="utf-8")
    before = fingerprint(tmp_path)
    (tmp_path / "sub").mkdir()
    (tmp_path / "sub" / "b.yaml").write_text("y", encoding="utf-8")
    assert fingerprint(tmp_path) != before
    assert len(fingerprint(tmp_path)) == 2


def test_reload_with_a_register_store_imports_and_keeps_versions(tmp_path: Path) -> None:
    store = tmp_path / "register-store"
    riskd_server = start_server(tmp_path, register_dir=store, reload_poll_seconds=0)
    try:
        first = tmp_path / "first.csv"
        _write(first, HEADER + "T1,TRADEMARK,KALORA,,Kalora SpA,,,,,2020-01-01,\n", 0)
        snapshot = loading.reload_register(
            riskd_server.runtime.holder, riskd_server.runtime.settings, first
        )
        assert snapshot.register.version == current_version(store)
        broken = tmp_path / "broken.csv"
        _write(broken, HEADER + "T2,TRADEMARK,,,,,,,,2020-01-01,\n", 0)
        with pytest.raises(ReloadRefused) as refused:
            loading.reload_register(
                riskd_server.runtime.holder, riskd_server.runtime.settings, broken
            )
        assert any("broken.csv" in p for p in refused.value.problems)
        assert current_version(store) == snapshot.register.version
        again = loading.reload_register(
            riskd_server.runtime.holder, riskd_server.runtime.settings, None
        )
        assert again.register.version == snapshot.register.version
    finally:
        riskd_server.close()


def test_an_emptied_register_is_refused_unless_asked_for(tmp_path: Path) -> None:
    register = tmp_path / "register.csv"
    _write(register, HEADER + "T1,TRADEMARK,KALORA,,Kalora SpA,,,,,2020-01-01,\n", 0)
    riskd_server = start_server(tmp_path, register_file=register, reload_poll_seconds=0)
    try:
        holder = riskd_server.runtime.holder
        serving = holder.current().register.version
        _write(register, HEADER, 1)  # header only: a slip, not an intent
        assert riskd_server.watcher.poll_once() == []
        assert holder.current().register.version == serving
        (refused,) = riskd_server.runtime.refusals.current()
        assert refused.part == "register" and "allow_empty" in refused.problems[0]
        settings = riskd_server.runtime.settings
        loading.reload_register(holder, settings, None, allow_empty=True)
        assert len(holder.current().register) == 0
    finally:
        riskd_server.close()


def test_the_watcher_survives_a_failing_reload_and_tries_again(tmp_path: Path) -> None:
    register = tmp_path / "register.csv"
    _write(register, HEADER + "T1,TRADEMARK,KALORA,,Kalora SpA,,,,,2020-01-01,\n", 0)
    riskd_server = start_server(tmp_path, register_file=register, reload_poll_seconds=0)
    try:
        (source,) = riskd_server.watcher._sources
        real = source.reload
        failures = iter([OSError("disk went away")])

        def flaky() -> object:
            failure = next(failures, None)
            if failure is not None:
                raise failure
            return real()

        source.reload = flaky
        _write(register, HEADER + "T2,TRADEMARK,VORTELLI,,Vortelli AG,,,,,2020-01-01,\n", 1)
        assert riskd_server.watcher.poll_once() == []  # failed: logged, not given up
        assert riskd_server.watcher.poll_once() == ["register"]  # tried again, loaded
        marks = [r.mark for r in riskd_server.runtime.holder.current().register.recordations]
        assert marks == ["VORTELLI"]
    finally:
        riskd_server.close()


def test_a_rule_directory_deleted_and_created_again_is_picked_up(tmp_path: Path) -> None:
    """Deployment tools replace a directory by deleting and recreating it: while it is gone
    the rule set in service stays, and the new one is loaded once it is back."""
    rules = tmp_path / "rules"
    ignore = shutil.ignore_patterns("*.py", "__pycache__")
    shutil.copytree(ROOT / "rules", rules, ignore=ignore)
    riskd_server = start_server(tmp_path, rules_dir=rules, reload_poll_seconds=0)
    try:
        holder = riskd_server.runtime.holder
        serving = holder.current().rules.version
        shutil.rmtree(rules)
        assert riskd_server.watcher.poll_once() == []  # gone: nothing to load, nothing lost
        assert riskd_server.watcher.poll_once() == []
        assert holder.current().rules.version == serving
        shutil.copytree(ROOT / "rules", rules, ignore=ignore)
        media = rules / "media.yaml"
        media.write_text(
            media.read_text(encoding="utf-8").replace("title:", "title: (v2)", 1),
            encoding="utf-8",
        )
        assert riskd_server.watcher.poll_once() == ["rules"]
        assert holder.current().rules.version != serving
    finally:
        riskd_server.close()
