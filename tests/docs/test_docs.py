"""The shell and Python blocks of README.md and docs/*.md run as written against the demo world.

Each block is a test named by file and line. The blocks of one file run in order, in a sandbox
copy of the checkout with the demo world and a real `riskd serve` on a free port standing for
`make run`; the documented address 127.0.0.1:50051 is replaced by the server's. A block that
cannot run as written carries `<!-- docs-test: skip (reason) -->` on the line before it.
Relative links between the documents must name files and anchors that exist.
"""

from __future__ import annotations

import os
import re
import shutil
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.net import free_port

ROOT = Path(__file__).resolve().parents[2]
DOCUMENTS = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
SHELLS = {"sh", "bash", "shell"}
DOCUMENTED_ADDRESS = "127.0.0.1:50051"
# A guard against a block that hangs, not a timing target: the training guide's block fits
# and evaluates a model, which on two loaded cores takes minutes.
BLOCK_TIMEOUT_S = 300
SKIP = re.compile(r"<!--\s*docs-test:\s*skip\s*\((?P<reason>[^)]+)\)\s*-->")
FENCE = re.compile(r"^(?P<indent>\s*)```(?P<lang>[\w-]*)\s*$")
LINK = re.compile(r"(?<!!)\[[^\]]*\]\((?P<target>[^)\s]+)\)")


@dataclass(frozen=True)
class Block:
    """One fenced block of a document: where it is, its language, its text, a skip reason."""

    path: Path
    line: int
    lang: str
    text: str
    skip: str | None

    @property
    def name(self) -> str:
        return f"{self.path.relative_to(ROOT)}:{self.line}"


def blocks(path: Path) -> list[Block]:
    """The fenced blocks of a Markdown file, in order (the line is the opening fence's)."""
    lines = path.read_text(encoding="utf-8").splitlines()
    found: list[Block] = []
    index = 0
    while index < len(lines):
        opening = FENCE.match(lines[index])
        if opening is None:
            index += 1
            continue
        end = index + 1
        while end < len(lines) and lines[end].strip() != "```":
            end += 1
        indent = len(opening["indent"])
        text = "\n".join(line[indent:] for line in lines[index + 1 : end]) + "\n"
        skipped = SKIP.search(lines[index - 1]) if index > 0 else None
        reason = skipped["reason"] if skipped else None
        found.append(Block(path, index + 1, opening["lang"], text, reason))
        index = end + 1
    return found


ALL_BLOCKS = [block for path in DOCUMENTS for block in blocks(path)]
RUNNABLE = [block for block in ALL_BLOCKS if block.lang in SHELLS | {"python"}]


def _tracked_files() -> list[str]:
    listed = subprocess.run(
        ["git", "ls-files", "--cached", "--others", "--exclude-standard", "-z"],
        cwd=ROOT,
        check=True,
        capture_output=True,
    ).stdout.decode()
    return [name for name in listed.split("\0") if name and (ROOT / name).is_file()]


def _build_demo(sandbox: Path) -> None:
    """The demo world: copied from the checkout's var/demo, or built by the Makefile's target.

    The shared virtual environment is taken as installed (`--old-file`), never reinstalled.
    """
    demo = ROOT / "var" / "demo"
    if (demo / "models" / "PRODUCTION").is_file():
        shutil.copytree(demo, sandbox / "var" / "demo")
        if (demo / "store.loaded").is_file():
            return
    subprocess.run(  # the world, or only its store where the world predates the loaded store
        [
            "make",
            "--no-print-directory",
            "--old-file=.venv/.installed",
            "var/demo/store.loaded",
        ],
        cwd=sandbox,
        check=True,
        capture_output=True,
        timeout=600,
    )


@dataclass(frozen=True)
class World:
    """The sandbox checkout, the environment its blocks run with and the server's address."""

    root: Path
    env: dict[str, str]
    address: str


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> Iterator[World]:
    sandbox = tmp_path_factory.mktemp("checkout")
    for name in _tracked_files():
        (sandbox / name).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(ROOT / name, sandbox / name)
    for generated in ("riskd/v1", "riskd/reflection/v1"):
        for stub in (ROOT / generated).iterdir():
            if (
                stub.name.endswith((".py", ".pyi", ".typed"))
                and not (sandbox / generated / stub.name).exists()
            ):
                shutil.copy2(stub, sandbox / generated / stub.name)
    for link in (".venv", "node_modules"):
        if (ROOT / link).exists():
            (sandbox / link).symlink_to((ROOT / link).resolve())
    _build_demo(sandbox)
    address = f"127.0.0.1:{free_port()}"
    env = dict(os.environ)
    env["PYTHONPATH"] = str(sandbox)
    server_env = dict(env)
    env["RISKD_SERVER"] = address
    env["PATH"] = os.pathsep.join(
        [str(sandbox / ".venv" / "bin"), str(sandbox / "node_modules" / ".bin"), env["PATH"]]
    )
    server = subprocess.Popen(
        [
            str(Path(sys.executable).parent / "riskd"),
            "serve",
            "--config",
            "fixtures/demo.toml",
            "--listen",
            address,
        ],
        cwd=sandbox,
        env=server_env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    try:
        _wait_for(address, server)
        yield World(sandbox, env, address)
    finally:
        server.terminate()
        try:
            server.wait(timeout=15)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()


def _wait_for(address: str, server: subprocess.Popen[bytes]) -> None:
    host, port = address.rsplit(":", 1)
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise RuntimeError(
                f"riskd serve exited: {server.stderr.read().decode() if server.stderr else ''}"
            )
        try:
            with socket.create_connection((host, int(port)), timeout=1):
                return
        except OSError:
            time.sleep(0.2)
    raise RuntimeError(f"riskd serve did not listen on {address} within 120 s")


# one document's blocks run in order on one worker (`make test` runs `--dist loadgroup`)
@pytest.mark.parametrize(
    "block",
    [
        pytest.param(block, id=block.name, marks=pytest.mark.xdist_group(block.path.name))
        for block in RUNNABLE
    ],
)
def test_block_runs_as_written(block: Block, world: World) -> None:
    if block.skip is not None:
        pytest.skip(block.skip)
    text = block.text.replace(DOCUMENTED_ADDRESS, world.address)
    if block.lang == "python":
        command = [sys.executable, "-c", text]
    else:
        command = ["bash", "-euo", "pipefail", "-c", text]
    try:
        done = subprocess.run(
            command,
            cwd=world.root,
            env=world.env,
            capture_output=True,
            text=True,
            timeout=BLOCK_TIMEOUT_S,
        )
    except subprocess.TimeoutExpired as expired:
        pytest.fail(
            f"{block.name}: did not finish in {BLOCK_TIMEOUT_S} s\n{text}\n{expired.stdout or ''}"
        )
    assert done.returncode == 0, (
        f"{block.name}: exit status {done.returncode}\n--- block\n{text}"
        f"--- output\n{done.stdout}{done.stderr}"
    )


def test_every_block_says_its_language() -> None:
    """An untagged block would escape this test unseen: outputs are ```text or ```console."""
    untagged = [block.name for block in ALL_BLOCKS if not block.lang]
    assert untagged == []


def _anchors(path: Path) -> set[str]:
    """GitHub's anchors of the headings: lower case, punctuation dropped, - for spaces."""
    anchors: set[str] = set()
    inside = False
    for line in path.read_text(encoding="utf-8").splitlines():
        if line.lstrip().startswith("```"):
            inside = not inside
        elif not inside and line.startswith("#"):
            title = line.lstrip("#").strip().lower()
            anchors.add(re.sub(r"[^\w\- ]", "", title).replace(" ", "-"))
    return anchors


def _links(path: Path) -> Iterator[tuple[int, str]]:
    inside = False
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if line.lstrip().startswith("```"):
            inside = not inside
        elif not inside:
            for link in LINK.finditer(re.sub(r"`[^`]*`", "", line)):
                yield number, link["target"]


@pytest.mark.parametrize("path", DOCUMENTS, ids=[str(path.relative_to(ROOT)) for path in DOCUMENTS])
def test_relative_links_resolve(path: Path) -> None:
    broken = []
    for number, target in _links(path):
        if re.match(r"^[a-z]+:", target):
            continue
        file_part, _, anchor = target.partition("#")
        linked = (path.parent / file_part).resolve() if file_part else path
        if not linked.exists():
            broken.append(f"{path.name}:{number}: {target}: no such file")
        elif anchor and linked.suffix == ".md" and anchor not in _anchors(linked):
            broken.append(f"{path.name}:{number}: {target}: no heading #{anchor}")
    assert broken == []
