"""riskd-train end to end on a small history file: fit, evaluate (JSON and HTML), promote."""

from __future__ import annotations

import json
import re
from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner

from riskd.model import load_production_model
from tests.training.small_world import small_history
from training.cli import cli


@pytest.fixture(scope="module")
def history_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("data") / "history.parquet"
    small_history().write_parquet(path)
    return path


def _run(*args: str) -> str:
    result = CliRunner().invoke(cli, list(args), catch_exceptions=False)
    assert result.exit_code == 0, result.output
    return result.stdout


def test_fit_evaluate_promote(history_file: Path, tmp_path: Path) -> None:
    registry = tmp_path / "models"
    fitted = json.loads(
        _run(
            "fit",
            "--data",
            str(history_file),
            "--registry",
            str(registry),
            "--version",
            "v1",
            "--max-rounds",
            "40",
            "--threads",
            "1",
        )
    )
    assert fitted["model_version"] == "v1"
    report = json.loads(
        _run(
            "evaluate",
            "--registry",
            str(registry),
            "--version",
            "v1",
            "--data",
            str(history_file),
            "--force",  # the model's own data: only the report's shape is checked here
        )
    )
    for key in ("precision_at", "recall_at", "value_at"):
        assert set(report[key]) == {"0.01", "0.02", "0.05", "0.1"}
    assert report["rules_baseline"]["score"] == "commodity × origin profile"
    assert report["random_selection"]["n"] > 0
    assert report["production"] is None  # nothing in production yet
    promoted = json.loads(_run("promote", "--registry", str(registry), "--version", "v1"))
    assert promoted["promoted"] is True
    production = load_production_model(registry)
    assert production is not None and production.version == "v1"
    html_path = tmp_path / "report.html"
    _run(
        "evaluate",
        "--registry",
        str(registry),
        "--version",
        "v1",
        "--data",
        str(history_file),
        "--force",
        "--format",
        "html",
        "--out",
        str(html_path),
    )
    html = html_path.read_text()
    assert "Precision by inspection rate" in html and "Calibration" in html
    assert "Plotly" in html
    assert not re.search(r"<script[^>]+src=", html)  # self-contained


def test_evaluation_precision_matches_its_own_ranking(history_file: Path, tmp_path: Path) -> None:
    from riskd.model import load_model_dir
    from training.dataset import load_table
    from training.evaluate import evaluate
    from training.fit import FitConfig, fit

    table = load_table(history_file)
    fit(table, FitConfig(max_rounds=30, num_threads=1), progress=False).save(tmp_path, "m")
    evaluation = evaluate(load_model_dir(tmp_path / "m"), table)
    scores, labels = evaluation.candidate.scores, evaluation.labels
    k = round(len(scores) * 0.05)
    top = np.argsort(-scores, kind="stable")[:k]
    assert evaluation.candidate.metrics.precision_at["0.05"] == pytest.approx(labels[top].mean())


def test_dataset_command_writes_a_reloadable_table(history_file: Path, tmp_path: Path) -> None:
    out = tmp_path / "table.parquet"
    _run("dataset", "--data", str(history_file), "--out", str(out))
    from training.dataset import TrainingTable, is_training_table

    assert is_training_table(out)
    table = TrainingTable.load(out)
    assert table.serving_features
    assert table.frame.height == small_history()["declaration_id"].n_unique()


def test_every_command_has_help() -> None:
    for command in ("dataset", "fit", "evaluate", "promote"):
        assert "Usage" in _run(command, "--help")


def test_dataset_periods_split_the_table_and_the_later_keeps_its_past(
    history_file: Path, tmp_path: Path
) -> None:
    import polars as pl

    from training.dataset import TrainingTable
    from training.evaluate import missing_history

    history = small_history()
    times = history.group_by("declaration_id").agg(pl.col("declared_at").min())["declared_at"]
    cut = times.sort()[len(times) // 2]
    cut_text = f"{cut:%Y-%m-%dT%H:%M:%S}"
    earlier, later = tmp_path / "earlier.parquet", tmp_path / "later.parquet"
    _run("dataset", "--data", str(history_file), "--until", cut_text, "--out", str(earlier))
    _run("dataset", "--data", str(history_file), "--from", cut_text, "--out", str(later))
    whole = history["declaration_id"].n_unique()
    before = TrainingTable.load(earlier).frame
    after = TrainingTable.load(later).frame
    assert before.height + after.height == whole
    assert before["declared_at"].max() < after["declared_at"].min()
    # the later period's features are those of the whole table: its profiles saw the past
    full = tmp_path / "full.parquet"
    _run("dataset", "--data", str(history_file), "--out", str(full))
    naive_cut = cut.replace(tzinfo=None)
    whole_later = TrainingTable.load(full).frame.filter(pl.col("declared_at") >= naive_cut)
    assert after.sort("declaration_id").equals(whole_later.sort("declaration_id"))
    window = (before["declared_at"].min(), before["declared_at"].max())
    assert missing_history(TrainingTable.load(later), window) is None


def test_dataset_refuses_an_empty_period(history_file: Path, tmp_path: Path) -> None:
    result = CliRunner().invoke(
        cli,
        [
            "dataset",
            "--data",
            str(history_file),
            "--from",
            "2025-04-01",
            "--until",
            "2025-01-01",
            "--out",
            str(tmp_path / "x.parquet"),
        ],
    )
    assert result.exit_code == 2
    assert "--from 2025-04-01 00:00:00 is not before --until 2025-01-01 00:00:00" in result.output
    assert not (tmp_path / "x.parquet").exists()
