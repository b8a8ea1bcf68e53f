"""The register store: validated register versions side by side, and which one is current.

    <dir>/<version>.parquet   one validated register version (columns as imported)
    <dir>/<version>.json      its manifest: source file, import time, counts
    <dir>/CURRENT             the name of the version in force

`riskd register import` writes a version, then points CURRENT at it. Each file is written to
a temporary name and renamed into place (atomic on POSIX), so a reader never sees a half
written version, and a failed import leaves the previous version in force. The daemon's
ReloadRegister calls `current_register(dir)`.
"""

from __future__ import annotations

import json
import os
import tempfile
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass
from datetime import UTC, date, datetime
from pathlib import Path

from riskd.register.load import load_register, read_frame, validated
from riskd.register.model import Register

CURRENT = "CURRENT"


class RegisterStoreError(Exception):
    """The store has no current version, or the current version is missing."""


@dataclass(frozen=True, slots=True)
class StoredVersion:
    """What `riskd register show` prints about one version."""

    version: str
    source: str
    imported_at: str
    recordations: int
    active: int
    by_right: dict[str, int]
    current: bool = False
    without_classes: int = 0  # recordations naming no goods classes (manifests before: 0)


def import_register(source: Path, store: Path, *, progress: bool = False) -> StoredVersion:
    """Validate a register file and store it as a new version, made current. Raises
    RegisterFileError (nothing is written) when the file has problems."""
    register = load_register(source, progress=progress)
    store.mkdir(parents=True, exist_ok=True)
    frame = validated(read_frame(source), source).drop("row", "from_date", "until_date")
    with _replacing(store / f"{register.version}.parquet") as temporary:
        frame.write_parquet(temporary)
    stored = StoredVersion(
        version=register.version,
        source=source.name,
        imported_at=datetime.now(UTC).isoformat(timespec="seconds"),
        recordations=len(register),
        active=register.active_count(date.today()),
        by_right=dict(Counter(r.right_type.value for r in register.recordations)),
        current=True,
        without_classes=sum(1 for r in register.recordations if not r.has_classes),
    )
    manifest = asdict(stored)
    del manifest["current"]
    with _replacing(store / f"{register.version}.json") as temporary:
        temporary.write_text(json.dumps(manifest, indent=2, ensure_ascii=False) + "\n")
    with _replacing(store / CURRENT) as temporary:
        temporary.write_text(register.version + "\n")
    return stored


def current_version(store: Path) -> str:
    """The version CURRENT points at."""
    try:
        version = (store / CURRENT).read_text().strip()
    except FileNotFoundError as exc:
        raise RegisterStoreError(f"{store}: no register imported yet") from exc
    if not version or not (store / f"{version}.parquet").is_file():
        raise RegisterStoreError(f"{store}: current version {version!r} is missing")
    return version


def current_register(store: Path) -> Register:
    """The register in force in a store, under the version it was imported as."""
    version = current_version(store)
    return load_register(store / f"{version}.parquet", version=version)


def versions(store: Path) -> list[StoredVersion]:
    """Every stored version, oldest first, the current one marked."""
    try:
        current = current_version(store)
    except RegisterStoreError:
        current = ""
    found = []
    for manifest in store.glob("*.json"):
        data = json.loads(manifest.read_text())
        found.append(StoredVersion(**data, current=data["version"] == current))
    return sorted(found, key=lambda v: v.imported_at)


@contextmanager
def _replacing(target: Path) -> Iterator[Path]:
    """A temporary path beside `target`, renamed onto it when the block succeeds."""
    handle, name = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.")
    os.close(handle)
    temporary = Path(name)
    try:
        yield temporary
        temporary.chmod(0o644)
        os.replace(temporary, target)
    finally:
        temporary.unlink(missing_ok=True)
