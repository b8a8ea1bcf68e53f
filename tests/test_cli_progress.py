"""Long commands show progress on a terminal only: none when standard error is piped, none
with --quiet. Run through a pseudo-terminal, as a user at a shell would."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
REGISTER = ROOT / "fixtures" / "sample" / "register.csv"


def _stderr_of(args: list[str], *, terminal: bool) -> str:
    """Standard error of `riskd ARGS`, written to a pseudo-terminal or to a pipe."""
    command = [sys.executable, "-m", "riskd", *args]
    env = {**os.environ, "PYTHONPATH": str(ROOT), "COLUMNS": "100", "TERM": "xterm"}
    if not terminal:
        done = subprocess.run(command, capture_output=True, text=True, env=env, timeout=120)
        assert done.returncode == 0, done.stderr
        return done.stderr
    leader, follower = os.openpty()
    try:
        process = subprocess.Popen(
            command, stdout=subprocess.DEVNULL, stderr=follower, env=env, cwd=ROOT
        )
        os.close(follower)
        chunks = []
        while True:
            try:
                chunk = os.read(leader, 4096)
            except OSError:  # the terminal closed with the process
                break
            if not chunk:
                break
            chunks.append(chunk)
        assert process.wait(timeout=120) == 0
    finally:
        os.close(leader)
    return b"".join(chunks).decode("utf-8", "replace")


@pytest.mark.parametrize("quiet", [False, True])
def test_register_check_shows_progress_on_a_terminal_unless_quiet(quiet: bool) -> None:
    args = ["register", "import", str(REGISTER), "--check", *(["--quiet"] if quiet else [])]
    shown = _stderr_of(args, terminal=True)
    assert ("checking register.csv" in shown) is not quiet, shown
    assert ("validating" in shown) is not quiet, shown


def test_register_check_shows_no_progress_when_piped() -> None:
    shown = _stderr_of(["register", "import", str(REGISTER), "--check"], terminal=False)
    assert shown == "", shown
