"""Figures no one should trust come with a refusal or a warning: `evaluate` inside the
model's own training window, a later period without its history, `promote` of a model
fitted on few labels or few trees."""

from __future__ import annotations

import json
import shutil
from datetime import UTC, datetime, timedelta
from pathlib import Path

import polars as pl
import pytest
from click.testing import CliRunner

from tests.training.small_world import START, small_history
from training.cli import cli
from training.dataset import build_table
from training.fit import FitConfig, fit
from training.promote import MIN_LABELLED, MIN_SEIZURES, MIN_TREES, promote

SPLIT = START + timedelta(days=150)


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """An earlier and a later history file, and a registry with a model fitted on the earlier."""
    root = tmp_path_factory.mktemp("guards")
    history = small_history(3000, seed=3, days=300)
    earlier, later = root / "earlier.parquet", root / "later.parquet"
    history.filter(pl.col("declared_at") < SPLIT).write_parquet(earlier)
    history.filter(pl.col("declared_at") >= SPLIT).write_parquet(later)
    registry = root / "models"
    table = build_table(pl.read_parquet(earlier), source={"kind": "history", "data": "e"})
    fit(table, FitConfig(max_rounds=30, num_threads=1), progress=False).save(registry, "v1")
    return {"earlier": earlier, "later": later, "registry": registry}


def _evaluate(world: dict[str, Path], *args: str) -> tuple[int, str]:
    result = CliRunner().invoke(
        cli, ["evaluate", "--registry", str(world["registry"]), "--version", "v1", *args]
    )
    return result.exit_code, result.stderr


def test_evaluate_refuses_the_training_window_in_one_line(world: dict[str, Path]) -> None:
    code, err = _evaluate(world, "--data", str(world["earlier"]))
    assert code == 2
    (line,) = [x for x in err.splitlines() if x.startswith("Error:")]
    assert "inside the model's training window" in line and "--force" in line
    assert "Traceback" not in err


def test_evaluate_forced_inside_the_window_runs_and_says_so(world: dict[str, Path]) -> None:
    code, err = _evaluate(world, "--data", str(world["earlier"]), "--force")
    assert code == 0, err
    assert "warning: forced" in err


def test_evaluate_after_the_window_on_the_same_file_is_accepted(
    world: dict[str, Path], tmp_path: Path
) -> None:
    window = json.loads((world["registry"] / "v1" / "metadata.json").read_text())["data"]
    end = datetime.fromisoformat(window["train_window"][1]).replace(tzinfo=UTC)
    combined = tmp_path / "all.parquet"
    pl.concat([pl.read_parquet(world["earlier"]), pl.read_parquet(world["later"])]).write_parquet(
        combined
    )
    later = (end + timedelta(seconds=1)).strftime("%Y-%m-%dT%H:%M:%S")
    code, err = _evaluate(world, "--data", str(combined), "--from", later)
    assert code == 0, err
    assert "warning" not in err  # the earlier rows of the file give the profiles their past


def test_evaluate_warns_when_a_later_period_has_no_history(world: dict[str, Path]) -> None:
    code, err = _evaluate(world, "--data", str(world["later"]))
    assert code == 0, err
    assert "warning: later.parquet begins after the model's training window" in err
    assert "--history" in err
    code, err = _evaluate(world, "--data", str(world["later"]), "--history", str(world["earlier"]))
    assert code == 0, err
    assert "warning" not in err


def _edit(path: Path, **data: object) -> None:
    meta = json.loads((path / "metadata.json").read_text())
    for key, value in data.items():
        if key == "best_iteration":
            meta[key] = value
        else:
            meta["data"][key] = value
    (path / "metadata.json").write_text(json.dumps(meta))


def test_promote_warns_on_few_labels_few_seizures_few_trees(
    world: dict[str, Path], tmp_path: Path
) -> None:
    registry = tmp_path / "models"
    shutil.copytree(world["registry"], registry)
    _edit(
        registry / "v1",
        labelled=MIN_LABELLED - 1,
        train_positives=MIN_SEIZURES - 11,
        valid_positives=10,
        best_iteration=MIN_TREES - 1,
    )
    result = CliRunner().invoke(cli, ["promote", "--registry", str(registry), "--version", "v1"])
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    assert report["promoted"] is True  # a warning, not a refusal
    assert report["warnings"] == [
        f"fitted on {MIN_LABELLED - 1} labelled declarations (fewer than {MIN_LABELLED}): "
        "its figures are noisy",
        f"fitted on {MIN_SEIZURES - 1} seizures (fewer than {MIN_SEIZURES}): its figures are noisy",
        f"{MIN_TREES - 1} trees (fewer than {MIN_TREES}): it learnt little beyond the base rate",
    ]
    assert result.stderr.count("warning: ") == 3


def test_promote_is_quiet_at_the_thresholds(world: dict[str, Path], tmp_path: Path) -> None:
    registry = tmp_path / "models"
    shutil.copytree(world["registry"], registry)
    _edit(
        registry / "v1",
        labelled=MIN_LABELLED,
        train_positives=MIN_SEIZURES - 10,
        valid_positives=10,
        best_iteration=MIN_TREES,
    )
    assert promote(registry, "v1").warnings == []
