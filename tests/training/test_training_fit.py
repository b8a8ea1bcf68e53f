"""Training on a small planted world: reproducible, time-split, finds the pattern."""

from __future__ import annotations

from pathlib import Path

import polars as pl
import pytest

from riskd.features import FEATURE_NAMES
from riskd.model import load_model_dir
from tests.training.small_world import small_history
from training.dataset import TrainingTable, build_table
from training.fit import FitConfig, fit, split_by_time
from training.metrics import rate_key

FAST = FitConfig(max_rounds=80, early_stopping_rounds=20, num_threads=1)


@pytest.fixture(scope="module")
def table() -> TrainingTable:
    return build_table(small_history(), source={"kind": "test"})


def test_table_keeps_random_selections_apart(table: TrainingTable) -> None:
    labelled, random_rows = table.labelled(), table.random_sample()
    assert random_rows.height > 0
    assert random_rows["random_selection"].all()
    assert not labelled["random_selection"].any()
    assert labelled["label"].is_not_null().all()
    # uninspected declarations have no label and are in neither
    unlabelled = table.frame.filter(pl.col("label").is_null()).height
    assert labelled.height + random_rows.height + unlabelled == table.frame.height


def test_split_is_by_time(table: TrainingTable) -> None:
    split = split_by_time(table.labelled(), FAST)
    last_train = split.train.select(pl.col("declared_at").max()).item()
    first_valid = split.valid.select(pl.col("declared_at").min()).item()
    assert last_train < first_valid
    assert split.valid.height == pytest.approx(0.2 * table.labelled().height, rel=0.05)


def test_fit_is_reproducible_and_learns_the_pattern(table: TrainingTable, tmp_path: Path) -> None:
    first = fit(table, FAST, progress=False)
    second = fit(table, FAST, progress=False)
    assert first.model_text() == second.model_text()
    valid = first.metadata["metrics"]["valid"]
    # planted risk: base rate of the later period is far below what the model selects
    base_rate = valid["positives"] / valid["n"]
    assert valid["precision_at"][rate_key(0.1)] > base_rate + 0.2
    assert valid["auc"] > 0.6
    assert first.metadata["features"] == list(FEATURE_NAMES)
    assert first.metadata["serving_compatible"] is True
    thresholds = first.metadata["thresholds"]
    assert thresholds[rate_key(0.01)] >= thresholds[rate_key(0.1)]
    path = first.save(tmp_path, "v1")
    assert {p.name for p in path.iterdir()} == {"model.txt", "metadata.json"}
    assert load_model_dir(path).version == "v1"
