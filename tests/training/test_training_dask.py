"""The Dask path: lightgbm.dask on a LocalCluster gives a model saved like any other."""

from __future__ import annotations

from pathlib import Path

from riskd.model import load_model_dir
from tests.training.small_world import small_history
from training.dask_fit import fit_dask
from training.dataset import build_table
from training.fit import FitConfig


def test_dask_fit_trains_a_servable_model(tmp_path: Path) -> None:
    table = build_table(small_history(2000, seed=4))
    result = fit_dask(table, FitConfig(max_rounds=50, num_threads=1), workers=2)
    assert result.metadata["trainer"] == "lightgbm.dask"
    valid = result.metadata["metrics"]["valid"]
    assert valid["auc"] > 0.6
    assert 25 <= result.metadata["best_iteration"] <= 50
    model = load_model_dir(result.save(tmp_path, "dask-v1"))
    assert 0.0 < model.score({"importer_seizure_rate": 0.9}).probability < 1.0
