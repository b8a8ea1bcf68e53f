"""Evaluation of a model on a period: beside production and a rules-only baseline.

Every score is measured on the same declarations (the labelled ones of the period; random
selections apart, as the unbiased sample). The baseline is what selection does without the
model: the rule hits and risky trademark matches recorded with each decision, or, for data
without rule hits (external tables), the classic commodity × origin risk profile alone.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import numpy as np
import numpy.typing as npt
import polars as pl

from riskd.model import LightGBMRiskModel
from training.dataset import TrainingTable
from training.fit import labels_of, predict_scores
from training.metrics import (
    FloatArray,
    SelectionMetrics,
    selection_metrics,
)

# Rows whose contributions are summarised (a sample keeps the report quick).
CONTRIBUTION_SAMPLE = 5000


def training_window(model: LightGBMRiskModel) -> tuple[datetime, datetime] | None:
    """The first and last declaration time the model was fitted on (UTC, without zone), from
    its metadata; None for a model that does not say."""
    window = model.metadata.get("data", {}).get("train_window")
    if not isinstance(window, list) or len(window) != 2:
        return None
    try:
        start, end = (datetime.fromisoformat(str(t)) for t in window)
    except ValueError:
        return None
    return _naive_utc(start), _naive_utc(end)


def _naive_utc(t: datetime) -> datetime:
    return t if t.tzinfo is None else t.astimezone(UTC).replace(tzinfo=None)


def _times(frame: pl.DataFrame) -> pl.Expr:
    dtype = frame.schema["declared_at"]
    if isinstance(dtype, pl.Datetime) and dtype.time_zone is not None:
        return pl.col("declared_at").dt.convert_time_zone("UTC").dt.replace_time_zone(None)
    return pl.col("declared_at")


def inside_training_window(table: TrainingTable, window: tuple[datetime, datetime]) -> int:
    """How many of the labelled declarations to evaluate the model was fitted on (or could
    have been: they lie inside its training window). Scores on them say nothing of the
    future: the demo model scores AUC 0.991 on the demo history, 0.953 on its later period."""
    frame = table.labelled()
    times = _times(frame)
    return frame.filter((times >= window[0]) & (times <= window[1])).height


def missing_history(table: TrainingTable, window: tuple[datetime, datetime]) -> str | None:
    """Why the table's profile features start empty, if they do: it begins after the model's
    training window and was built without the earlier data (`--history`), so every party
    and commodity looks new at first (the KCS model: P@5 % 0.735 instead of 0.983)."""
    if table.source.get("kind") == "store" or table.source.get("history"):
        return None
    if table.frame.height == 0:
        return None
    first = table.frame.select(_times(table.frame).min()).item()
    if first is None or first <= window[1]:
        return None
    return (
        f"{table.source.get('data', 'the data')} begins after the model's training window "
        f"(which ends {window[1]:%Y-%m-%d %H:%M}) and no --history was given: its profiles "
        "start empty, so these figures understate the model; pass the earlier data with "
        "--history"
    )


@dataclass(frozen=True, slots=True)
class Scored:
    """One scorer's results on the evaluation period."""

    name: str
    scores: FloatArray
    metrics: SelectionMetrics


@dataclass(slots=True)
class Evaluation:
    model_version: str
    period: tuple[str, str]
    labels: npt.NDArray[np.bool_]
    candidate: Scored
    production: Scored | None
    production_note: str | None
    baseline: Scored
    random_sample: SelectionMetrics | None
    importance: dict[str, float]
    contributions: dict[str, float] = field(default_factory=dict)
    contribution_examples: list[dict[str, Any]] = field(default_factory=list)

    def as_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "model_version": self.model_version,
            "period": list(self.period),
            **self.candidate.metrics.as_json(),
            "production": (
                {"model_version": self.production.name, **self.production.metrics.as_json()}
                if self.production
                else None
            ),
            "production_note": self.production_note,
            "rules_baseline": {"score": self.baseline.name, **self.baseline.metrics.as_json()},
            "random_selection": self.random_sample.as_json() if self.random_sample else None,
            "feature_importance": self.importance,
            "contribution_summary": self.contributions,
        }
        return out


def baseline_scores(frame: pl.DataFrame) -> tuple[str, FloatArray]:
    """The rules-only score of each declaration (see the module docstring)."""
    has_rules = frame["n_rule_hits"].is_not_null().any() if "n_rule_hits" in frame else False
    if has_rules:
        score = pl.max_horizontal(
            pl.col("max_rule_score").fill_null(0.0),
            (pl.col("n_risky_matches").fill_null(0.0) > 0).cast(pl.Float64),
        )
        name = "rule hits and risky matches"
    else:
        score = pl.col("commodity_origin_seizure_rate").fill_null(0.0)
        name = "commodity × origin profile"
    return name, frame.select(score.cast(pl.Float64)).to_series().to_numpy()


def _scored(
    name: str, labels: npt.NDArray[np.bool_], scores: FloatArray, values: FloatArray
) -> Scored:
    return Scored(name, scores, selection_metrics(labels, scores, values))


def _contributions(
    model: LightGBMRiskModel, matrix: npt.NDArray[np.float64], frame: pl.DataFrame
) -> tuple[dict[str, float], list[dict[str, Any]]]:
    """Mean absolute contribution per feature, and the top reasons of the riskiest rows."""
    rows = matrix[:CONTRIBUTION_SAMPLE]
    contrib = np.asarray(
        model.booster.predict(
            rows, pred_contrib=True, num_iteration=model.booster.best_iteration or None
        ),
        dtype=np.float64,
    )[:, :-1]
    mean_abs = np.abs(contrib).mean(axis=0)
    summary = {
        n: round(float(v), 5)
        for n, v in sorted(zip(model.encoder.names, mean_abs, strict=True), key=lambda x: -x[1])
        if v > 0
    }
    raw = contrib.sum(axis=1)
    examples = []
    for i in np.argsort(-raw, kind="stable")[:10]:
        top = np.argsort(-np.abs(contrib[i]), kind="stable")[:5]
        examples.append(
            {
                "declaration_id": frame["declaration_id"][int(i)],
                "reasons": [
                    {
                        "feature": model.encoder.names[j],
                        "value": model.encoder.display(int(j), rows[i : i + 1]),
                        "contribution": round(float(contrib[i, j]), 4),
                    }
                    for j in top
                ],
            }
        )
    return summary, examples


def evaluate(
    model: LightGBMRiskModel,
    table: TrainingTable,
    production: LightGBMRiskModel | None = None,
) -> Evaluation:
    """Scores the table's labelled declarations with the model, production and the baseline."""
    frame = table.labelled().sort("declared_at", "declaration_id")
    if frame.height == 0:
        raise ValueError("no labelled declarations to evaluate on")
    labels = labels_of(frame)
    values = frame["total_value_usd"].fill_null(0.0).to_numpy()
    matrix = model.encoder.encode_frame(frame)
    candidate = _scored(model.version, labels, predict_scores(model.booster, matrix), values)
    scored_production, note = None, None
    if production is not None:
        absent = [n for n in production.encoder.names if n not in frame.columns]
        if absent:
            note = f"production model {production.version} needs features this data lacks: " + (
                ", ".join(absent[:5])
            )
        else:
            scores = predict_scores(production.booster, production.encoder.encode_frame(frame))
            scored_production = _scored(production.version, labels, scores, values)
    baseline_name, baseline = baseline_scores(frame)
    random_rows = table.random_sample()
    random_metrics = None
    if random_rows.height:
        scores = predict_scores(model.booster, model.encoder.encode_frame(random_rows))
        random_metrics = selection_metrics(
            labels_of(random_rows), scores, random_rows["total_value_usd"].to_numpy()
        )
    importance = model.booster.feature_importance("gain")
    contributions, examples = _contributions(model, matrix, frame)
    times = frame["declared_at"]
    return Evaluation(
        model_version=model.version,
        period=(str(times.min()), str(times.max())),
        labels=labels,
        candidate=candidate,
        production=scored_production,
        production_note=note,
        baseline=_scored(baseline_name, labels, baseline, values),
        random_sample=random_metrics,
        importance={
            n: round(float(g), 3)
            for n, g in sorted(
                zip(model.encoder.names, importance, strict=True), key=lambda x: -x[1]
            )
            if g > 0
        },
        contributions=contributions,
        contribution_examples=examples,
    )
