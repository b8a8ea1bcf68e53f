"""Every command given its likely mistakes fails with one line naming what is wrong and exit
status 2, never a traceback.

The files are written here by hand, as a newcomer would get them wrong: a CSV that is some
other table, an empty file, a directory, a truncated Parquet file, a date that is no date.
"""

from __future__ import annotations

import os
import socket
from collections.abc import Iterator
from pathlib import Path

import click
import pytest
from click.testing import CliRunner

from riskd.cli.main import cli as riskd
from training.cli import cli as riskd_train

SAMPLE = Path(__file__).parent.parent / "fixtures" / "sample"

FILES = {
    "other.csv": "a,b\n1,2\n",
    "empty.csv": "",
    "bad_date.csv": "declaration_id,declared_at,hs_code\nD-1,2024-01-02T03:04:05Z,6403\n"
    "D-2,2024-13-01,6403\n",
    "store.db": "this is no database\n",
    "bad.toml": 'threads = "many"\n',
    "unknown.toml": "thread = 4\n",
    "broken.toml": "threads = \n",
    "declaration.json": '{\n  "declaration_id": "D-1",\n  "items": [{"hs_code": "6403", '
    '"colour": "red"}]\n}\n',
    "dated.json": '{"declaration_id": "D-1",\n "declared_at": "2025-13-01T10:00:00Z"}\n',
    "lines.jsonl": '{"declaration_id": "D-1"}\n{"declaration_id": "D-2", "direction": "IN"}\n',
    "not_json.json": "declaration_id: D-1\n",
    "evaluation.json": "{not json",
    "broken.yaml": "id: Declaration ID\ncolumns: [\n  hs_code: HS6\n",
}
KCS_MAPPING = Path(__file__).parent.parent / "training" / "mappings" / "kcs.yaml"


@pytest.fixture(scope="module")
def workdir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("mistakes")
    for name, text in FILES.items():
        (root / name).write_text(text, encoding="utf-8")
    (root / "binary.json").write_bytes(b"\xff\xfe\x00{")
    (root / "truncated.parquet").write_bytes((SAMPLE / "history.parquet").read_bytes()[:300])
    (root / "folder").mkdir()
    (root / "models" / "v1").mkdir(parents=True)
    return root


@pytest.fixture
def busy_port() -> Iterator[int]:
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen()
        yield listener.getsockname()[1]


SAMPLE_DECLARATION = str(SAMPLE / "declaration.json")

# (command, arguments with {dir} for the files above, what the one line must name)
MISTAKES: list[tuple[str, str, str]] = [
    ("riskd", "no-such-command", "No such command 'no-such-command'"),
    ("riskd", "--no-such-flag", "--no-such-flag"),
    ("riskd", "screen {dir}/missing.json", "missing.json' does not exist"),
    ("riskd", "screen {dir}/folder", "is a directory"),
    ("riskd", "screen {dir}/empty.csv", "empty.csv:1:1: the file is empty"),
    ("riskd", "screen {dir}/not_json.json", "not_json.json:1:1: Expecting value"),
    ("riskd", "screen {dir}/binary.json", "binary.json: not UTF-8"),
    ("riskd", "screen {dir}/declaration.json", "declaration.json:3:33: items[0].colour: no such"),
    ("riskd", "screen {dir}/dated.json", "dated.json:2:2: declared_at: '2025-13-01T10:00:00Z'"),
    ("riskd", "screen {dir}/lines.jsonl", "lines.jsonl:2:27: direction: 'IN' is not one of"),
    ("riskd", f"screen {SAMPLE_DECLARATION} --server 127.0.0.1:99999", "from 1 to 65535"),
    ("riskd", f"screen {SAMPLE_DECLARATION} --timeout soon", "'--timeout'"),
    ("riskd", f"screen {SAMPLE_DECLARATION} --server 127.0.0.1:1", "is `riskd serve` running"),
    ("riskd", "register import {dir}/missing.csv", "missing.csv' does not exist"),
    ("riskd", "register import {dir}/folder", "is a directory"),
    ("riskd", "register show --store {dir}/folder", "folder: no register imported yet"),
    ("riskd", "rules check {dir}/missing", "missing' does not exist"),
    ("riskd", "rules check rules --today 2025-13-01", "'2025-13-01': month must be in 1..12"),
    ("riskd", "rules backtest rules --history {dir}/other.csv", "other.csv: not a history table"),
    ("riskd", "rules backtest rules --history {dir}/empty.csv", "empty.csv: not a readable CSV"),
    ("riskd", "rules backtest rules --history {dir}/bad_date.csv", "bad_date.csv: row 2 (line 3)"),
    ("riskd", "rules backtest rules --history {dir}/truncated.parquet", "truncated.parquet: not a"),
    ("riskd", "report --store {dir}/store.db", "store.db: file is not a database"),
    ("riskd", "report --store {dir}/missing.db", "missing.db"),
    ("riskd", "serve --config {dir}/missing.toml", "missing.toml does not exist"),
    ("riskd", "serve --config {dir}/bad.toml", "threads (environment RISKD_THREADS)"),
    ("riskd", "serve --config {dir}/unknown.toml", "thread: no such setting"),
    ("riskd", "serve --config {dir}/broken.toml", "broken.toml:1:11: not valid TOML"),
    ("riskd", "serve --threads 0", "threads (environment RISKD_THREADS)"),
    ("riskd", "serve --listen 127.0.0.1:{busy}", "127.0.0.1:{busy} (setting listen, RISKD_LISTEN"),
    ("riskd", "serve --listen nowhere", "cannot listen on nowhere"),
    ("riskd", "serve --listen 127.0.0.1:0 --store {dir}/folder", "folder: unable to open"),
    ("riskd-train", "--no-such-flag", "--no-such-flag"),
    ("riskd-train", "fit --data {dir}/other.csv", "other.csv: not a history table"),
    ("riskd-train", "fit --data {dir}/empty.csv", "empty.csv: not a readable CSV"),
    ("riskd-train", "fit --data {dir}/truncated.parquet", "truncated.parquet: not a readable"),
    ("riskd-train", "fit --data {dir}/bad_date.csv", "bad_date.csv: row 2 (line 3): declared_at"),
    ("riskd-train", "fit --data {dir}/store.db", "store.db: not a SQLite database"),
    ("riskd-train", "fit --data {dir}/folder", "is a directory"),
    ("riskd-train", "fit --data {dir}/other.csv --version a/b", "invalid model version 'a/b'"),
    ("riskd-train", "dataset --store {dir}/store.db --out {dir}/t.parquet", "store.db: file is"),
    ("riskd-train", "dataset --out {dir}/t.parquet", "exactly one of --store and --data"),
    ("riskd-train", "evaluate --model {dir}/models/v1 --data {dir}/other.csv", "model.txt"),
    ("riskd-train", "promote --registry {dir}/models --version v2", "no model version 'v2'"),
    (
        "riskd-train",
        "promote --registry {dir}/models --version v1 --evaluation {dir}/evaluation.json",
        "evaluation.json:1:2: not an evaluation",
    ),
    ("riskd-train", "fit --data {dir}/other.csv --mapping {dir}/broken.yaml", "broken.yaml:4:1:"),
    (
        "riskd-train",
        f"fit --data {{dir}}/other.csv --mapping {KCS_MAPPING}",
        "other.csv: not a table kcs.yaml maps: no column Declaration ID, Date",
    ),
    ("riskd-train", "seed-profiles --history {dir}/other.csv --store s.db", "declaration_id"),
    (
        "riskd-train",
        f"seed-profiles --history {SAMPLE}/history.parquet --store {{dir}}/folder",
        "folder: unable to open database file (--store)",
    ),
]

COMMANDS: dict[str, click.Command] = {"riskd": riskd, "riskd-train": riskd_train}


@pytest.mark.parametrize(("command", "arguments", "named"), MISTAKES)
def test_a_mistake_is_one_line_naming_it_and_status_2(
    command: str,
    arguments: str,
    named: str,
    workdir: Path,
    busy_port: int,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.chdir(Path(__file__).parent.parent)  # `rules` is the shipped rule set
    for key in [k for k in os.environ if k.startswith("RISKD_")]:
        monkeypatch.delenv(key)
    argv = [a.format(dir=workdir, busy=busy_port) for a in arguments.split()]
    result = CliRunner().invoke(COMMANDS[command], argv, prog_name=command)
    lines = result.stderr.splitlines()
    assert result.exit_code == 2, result.output
    assert "Traceback" not in result.output
    assert len(lines) == 1 and lines[0].startswith("Error: "), result.stderr
    assert named.format(busy=busy_port) in lines[0]


def test_an_unknown_environment_setting_is_named(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("RISKD_THREAD", "4")
    result = CliRunner().invoke(riskd, ["serve"], prog_name="riskd")
    assert result.exit_code == 2
    assert result.stderr.strip() == (
        "Error: bad settings: unknown setting in the environment: RISKD_THREAD"
    )


def test_a_bad_environment_value_names_the_variable(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("RISKD_LIMITS__MAX_ITEMS", "none")
    result = CliRunner().invoke(riskd, ["serve"], prog_name="riskd")
    assert result.exit_code == 2
    assert "limits.max_items (environment RISKD_LIMITS__MAX_ITEMS)" in result.stderr
    assert "got 'none'" in result.stderr


def test_a_bug_is_not_taken_for_a_mistake(monkeypatch: pytest.MonkeyPatch) -> None:
    """An unexpected exception keeps its traceback (and is not exit status 2)."""

    def broken(*args: object, **kwargs: object) -> None:
        raise KeyError("a bug")

    monkeypatch.setattr("riskd.cli.rules_cmd.json.dump", broken)
    result = CliRunner().invoke(riskd, ["rules", "check", "rules", "--format", "json"])
    assert result.exit_code == 1
    assert isinstance(result.exception, KeyError)
