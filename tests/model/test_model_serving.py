"""Loading, checking and scoring the production model as the daemon does."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import numpy as np
import polars as pl
import pytest

from riskd.domain import ReloadRefused
from riskd.features import FEATURE_NAMES
from riskd.model import load_production_model
from riskd.model.registry import set_production
from training.dataset import TrainingTable


def _copy_registry(source: Path, tmp_path: Path) -> Path:
    target = tmp_path / "registry"
    shutil.copytree(source, target)
    return target


def test_no_production_model_is_none(tmp_path: Path) -> None:
    assert load_production_model(tmp_path) is None


def test_score_equals_batch_prediction_and_explains_itself(
    trained_registry: Path, small_table: TrainingTable
) -> None:
    model = load_production_model(trained_registry)
    assert model is not None and model.version == "v1"
    rows = small_table.frame.tail(50)
    batch = model.booster.predict(model.encoder.encode_frame(rows))
    for i, row in enumerate(rows.iter_rows(named=True)):
        features = {name: row[name] for name in FEATURE_NAMES}
        scored = model.score(features)
        assert scored.probability == pytest.approx(float(batch[i]), abs=1e-9)
        contributions = scored.contributions
        assert 0 < len(contributions) <= 5
        magnitudes = [abs(c.contribution) for c in contributions]
        assert magnitudes == sorted(magnitudes, reverse=True)
        assert all(c.feature in FEATURE_NAMES for c in contributions)
    # the largest contribution of the last row equals LightGBM's own for that feature
    contrib = model.booster.predict(model.encoder.encode_frame(rows.tail(1)), pred_contrib=True)[0]
    top = int(np.argmax(np.abs(contrib[:-1])))
    assert contributions[0].feature == FEATURE_NAMES[top]
    assert contributions[0].contribution == pytest.approx(contrib[top], abs=1e-6)


def test_scores_of_many_equal_each_scored_alone(
    trained_registry: Path, small_table: TrainingTable
) -> None:
    """One matrix call (a batch) gives every row the score and contributions it gets alone
    through the single-row path, LightGBM's own probability for it."""
    model = load_production_model(trained_registry)
    assert model is not None
    rows = small_table.frame.tail(40)
    features = [{name: row[name] for name in FEATURE_NAMES} for row in rows.iter_rows(named=True)]
    expected = model.booster.predict(model.encoder.encode_frame(rows))
    many = model.score_many(features)
    assert [s.probability for s in many] == pytest.approx(list(expected), abs=1e-9)
    assert many == [model.score(f) for f in features]
    assert model.score_many(features[:1]) == [model.score(features[0])]
    assert model.score_many([]) == []


def test_unknown_categories_and_missing_values_score(trained_registry: Path) -> None:
    model = load_production_model(trained_registry)
    assert model is not None
    scored = model.score({"customs_office": "NEVER-SEEN", "total_value_usd": None})
    assert 0.0 < scored.probability < 1.0


def test_corrupt_model_is_refused(trained_registry: Path, tmp_path: Path) -> None:
    registry = _copy_registry(trained_registry, tmp_path)
    (registry / "v1" / "model.txt").write_text("tree\nnot a model\n")
    with pytest.raises(ReloadRefused) as refused:
        load_production_model(registry)
    assert refused.value.what == "model"


def test_schema_incompatible_model_is_refused(trained_registry: Path, tmp_path: Path) -> None:
    registry = _copy_registry(trained_registry, tmp_path)
    meta_path = registry / "v1" / "metadata.json"
    meta = json.loads(meta_path.read_text())
    meta["schema_hash"] = "0000000000000000"
    meta_path.write_text(json.dumps(meta))
    with pytest.raises(ReloadRefused, match="schema hash"):
        load_production_model(registry)


def test_feature_list_mismatch_is_refused(trained_registry: Path, tmp_path: Path) -> None:
    registry = _copy_registry(trained_registry, tmp_path)
    meta_path = registry / "v1" / "metadata.json"
    meta = json.loads(meta_path.read_text())
    meta["features"] = [*meta["features"][:-1], "x_tax_type"]
    meta_path.write_text(json.dumps(meta))
    with pytest.raises(ReloadRefused, match="x_tax_type"):
        load_production_model(registry)


def test_production_pointing_nowhere_is_refused(trained_registry: Path, tmp_path: Path) -> None:
    registry = _copy_registry(trained_registry, tmp_path)
    set_production(registry, "v9")
    with pytest.raises(ReloadRefused, match="v9"):
        load_production_model(registry)


def test_pointer_swap_is_atomic_rename(trained_registry: Path, tmp_path: Path) -> None:
    registry = _copy_registry(trained_registry, tmp_path)
    shutil.copytree(registry / "v1", registry / "v2")
    set_production(registry, "v2")
    assert (registry / "PRODUCTION").read_text() == "v2\n"
    assert not [p for p in registry.iterdir() if p.name.startswith(".PRODUCTION")]
    model = load_production_model(registry)
    assert model is not None and model.version == "v2"


def test_encoder_row_equals_frame_encoding(
    trained_registry: Path, small_table: TrainingTable
) -> None:
    model = load_production_model(trained_registry)
    assert model is not None
    rows = small_table.frame.sample(40, seed=3)
    matrix = model.encoder.encode_frame(rows)
    for i, row in enumerate(rows.iter_rows(named=True)):
        np.testing.assert_array_equal(model.encoder.encode_row(row)[0], matrix[i])
    assert np.isnan(model.encoder.encode_frame(pl.DataFrame({"x": [1]}))).all()
