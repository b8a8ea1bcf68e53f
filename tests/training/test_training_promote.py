"""Promotion checks: serving schema always, metrics unless forced."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from riskd.model.registry import production_version
from tests.training.small_world import small_history
from training.dataset import build_table
from training.fit import FitConfig, fit
from training.promote import promote


@pytest.fixture(scope="module")
def base_registry(tmp_path_factory: pytest.TempPathFactory) -> Path:
    registry = tmp_path_factory.mktemp("models")
    table = build_table(small_history(1500, seed=5))
    fit(table, FitConfig(max_rounds=30, num_threads=1), progress=False).save(registry, "v1")
    return registry


def _registry(base: Path, tmp_path: Path) -> Path:
    target = tmp_path / "models"
    shutil.copytree(base, target)
    shutil.copytree(target / "v1", target / "v2")
    return target


def _edit_metadata(path: Path, **changes: object) -> None:
    meta = json.loads((path / "metadata.json").read_text())
    for dotted, value in changes.items():
        node = meta
        *parents, leaf = dotted.split("__")
        for p in parents:
            node = node[p]
        node[leaf] = value
    (path / "metadata.json").write_text(json.dumps(meta))


def test_first_promotion_and_equal_metrics_pass(base_registry: Path, tmp_path: Path) -> None:
    registry = _registry(base_registry, tmp_path)
    assert promote(registry, "v1").promoted
    assert promote(registry, "v2").promoted
    assert production_version(registry) == "v2"


def test_worse_model_is_refused_unless_forced(base_registry: Path, tmp_path: Path) -> None:
    registry = _registry(base_registry, tmp_path)
    promote(registry, "v1")
    _edit_metadata(registry / "v2", metrics__valid__auc=0.1)
    refused = promote(registry, "v2", margin=0.02)
    assert not refused.promoted
    assert any("auc" in p for p in refused.problems)
    assert production_version(registry) == "v1"
    forced = promote(registry, "v2", force=True)
    assert forced.promoted and production_version(registry) == "v2"


def test_schema_incompatible_model_is_refused_even_forced(
    base_registry: Path, tmp_path: Path
) -> None:
    registry = _registry(base_registry, tmp_path)
    _edit_metadata(registry / "v2", schema_hash="dataset-0123")
    result = promote(registry, "v2", force=True)
    assert not result.promoted
    assert any("schema" in p for p in result.problems)
    assert production_version(registry) is None
