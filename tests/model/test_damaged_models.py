"""A damaged model file is refused, never loaded into the serving process: each damage here
crashed LightGBM inside the daemon (SIGSEGV, SIGABRT) or served non-finite scores."""

from __future__ import annotations

import re
import shutil
from collections.abc import Callable
from pathlib import Path

import pytest

from riskd.domain import ReloadRefused
from riskd.model.lightgbm_model import MODEL_FILE, load_model_dir
from riskd.model.probe import probe_model_file


def _truncated(text: str) -> str:
    return text[: len(text) // 2]


def _nan_leaves(text: str) -> str:
    return re.sub(r"^leaf_value=.*$", lambda m: "leaf_value=" + " ".join(
        ["nan"] * len(m.group().split())), text, count=2, flags=re.MULTILINE)  # fmt: skip


def _garbage(text: str) -> str:
    return "tree\nversion=v4\nnum_class=1\n\x00\x01\x02" + text[40:200]


def _header_only(text: str) -> str:
    return text.split("Tree=0", 1)[0]


@pytest.mark.parametrize("damage", [_truncated, _nan_leaves, _garbage, _header_only])
def test_a_damaged_model_is_refused_without_harm(
    trained_registry: Path, tmp_path: Path, damage: Callable[[str], str]
) -> None:
    damaged = tmp_path / "v-damaged"
    shutil.copytree(trained_registry / "v1", damaged)
    model = damaged / MODEL_FILE
    model.write_text(damage(model.read_text(encoding="utf-8")), encoding="utf-8")
    with pytest.raises(ReloadRefused) as refused:
        load_model_dir(damaged, probe_seconds=5)
    # named, and this process is still here to say so (the damages here crash LightGBM
    # with SIGABRT, or make it loop for ever)
    assert any(model.name in p for p in refused.value.problems), refused.value.problems


def test_an_intact_model_passes_the_probe(trained_registry: Path) -> None:
    model = load_model_dir(trained_registry / "v1")
    assert probe_model_file(trained_registry / "v1" / MODEL_FILE, len(model.encoder.names)) == []
