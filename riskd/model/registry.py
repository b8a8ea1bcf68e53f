"""The model registry: one directory per model version and a pointer to the production one.

    <registry>/<model_version>/model.txt       LightGBM text format
    <registry>/<model_version>/metadata.json   features, schema hash, window, metrics, thresholds
    <registry>/PRODUCTION                      the production model's version (one line)
    <registry>/SHADOW                          optional: a model scored alongside, for comparison

Pointers are written to a temporary file and renamed over the old one, so a reader sees the
old or the new version, never half a name. A model version directory is complete before it
appears under its name (written aside, then renamed).
"""

from __future__ import annotations

import json
import os
import re
import shutil
import tempfile
from pathlib import Path
from typing import Any

from riskd.domain import ReloadRefused
from riskd.model.lightgbm_model import METADATA_FILE, MODEL_FILE, LightGBMRiskModel, load_model_dir

PRODUCTION = "PRODUCTION"
SHADOW = "SHADOW"
_VERSION = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$")


def check_version_name(version: str) -> str:
    if not _VERSION.match(version):
        raise ValueError(f"invalid model version {version!r}: letters, digits, '.', '_', '-'")
    return version


def model_dir(registry: Path, version: str) -> Path:
    return registry / check_version_name(version)


def save_model_version(
    registry: Path, version: str, model_text: str, metadata: dict[str, Any]
) -> Path:
    """Writes a new model version; refuses to overwrite an existing one."""
    target = model_dir(registry, version)
    if target.exists():
        raise FileExistsError(f"model version {version} already exists in the registry")
    registry.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{version}.", dir=registry))
    try:
        (staging / MODEL_FILE).write_text(model_text, encoding="utf-8")
        (staging / METADATA_FILE).write_text(
            json.dumps(metadata, indent=2, sort_keys=True) + "\n", encoding="utf-8"
        )
        os.replace(staging, target)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    return target


def _read_pointer(registry: Path, name: str) -> str | None:
    try:
        text = (registry / name).read_text(encoding="utf-8").strip()
    except FileNotFoundError:
        return None
    except (OSError, UnicodeDecodeError) as exc:
        raise ReloadRefused("model", [f"{registry / name} is not readable: {exc}"]) from exc
    return text or None


def _write_pointer(registry: Path, name: str, version: str | None) -> None:
    registry.mkdir(parents=True, exist_ok=True)
    if version is None:
        (registry / name).unlink(missing_ok=True)
        return
    fd, tmp = tempfile.mkstemp(prefix=f".{name}.", dir=registry)
    with os.fdopen(fd, "w", encoding="utf-8") as out:
        out.write(check_version_name(version) + "\n")
    os.replace(tmp, registry / name)


def production_version(registry: Path) -> str | None:
    return _read_pointer(registry, PRODUCTION)


def shadow_version(registry: Path) -> str | None:
    return _read_pointer(registry, SHADOW)


def set_production(registry: Path, version: str) -> None:
    _write_pointer(registry, PRODUCTION, version)


def set_shadow(registry: Path, version: str | None) -> None:
    _write_pointer(registry, SHADOW, version)


def list_versions(registry: Path) -> list[str]:
    if not registry.is_dir():
        return []
    return sorted(p.name for p in registry.iterdir() if p.is_dir() and not p.name.startswith("."))


def _load_pointed(registry: Path, version: str | None) -> LightGBMRiskModel | None:
    if version is None:
        return None
    try:
        directory = model_dir(registry, version)
    except ValueError as exc:
        raise ReloadRefused("model", [str(exc)]) from exc
    if not directory.is_dir():
        raise ReloadRefused("model", [f"model version {version} is not in the registry"])
    return load_model_dir(directory)


def load_production_model(registry: Path) -> LightGBMRiskModel | None:
    """The production model, checked for serving; None when there is none.

    Raises ReloadRefused("model", problems) for a missing, corrupt or schema-incompatible
    model: the caller keeps serving the model it has.
    """
    return _load_pointed(registry, production_version(registry))


def load_shadow_model(registry: Path) -> LightGBMRiskModel | None:
    """The shadow model (scored alongside, never decides), or None."""
    return _load_pointed(registry, shadow_version(registry))
