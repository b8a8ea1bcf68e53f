"""Selection metrics of the field: what an inspection budget catches when spent by score.

An inspection rate r means the top r share of declarations by score is inspected
(k = round(r·n), at least one). Ties are broken by order in the data, so results are
reproducible.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
from sklearn.calibration import calibration_curve
from sklearn.metrics import (
    average_precision_score,
    brier_score_loss,
    precision_score,
    recall_score,
    roc_auc_score,
)

RATES: tuple[float, ...] = (0.01, 0.02, 0.05, 0.1)

FloatArray = npt.NDArray[np.float64]


def rate_key(rate: float) -> str:
    """The JSON key of an inspection rate: "0.01", "0.02", "0.05", "0.1"."""
    return repr(float(rate))


def _top(scores: FloatArray, rate: float) -> npt.NDArray[np.intp]:
    k = max(1, round(len(scores) * rate))
    return np.argsort(-scores, kind="stable")[:k]


@dataclass(frozen=True, slots=True)
class SelectionMetrics:
    """Precision, recall and value caught per inspection rate, AUC, average precision and
    calibration."""

    n: int
    positives: int
    inspected_at: dict[str, int]
    caught_at: dict[str, int]
    precision_at: dict[str, float]
    recall_at: dict[str, float]
    value_at: dict[str, float]
    value_share_at: dict[str, float]
    auc: float | None
    average_precision: float | None
    brier: float
    calibration: list[dict[str, float]]

    def as_json(self) -> dict[str, object]:
        return {
            "n": self.n,
            "positives": self.positives,
            "inspected_at": self.inspected_at,
            "caught_at": self.caught_at,
            "precision_at": self.precision_at,
            "recall_at": self.recall_at,
            "value_at": self.value_at,
            "value_share_at": self.value_share_at,
            "auc": self.auc,
            "average_precision": self.average_precision,
            "brier": self.brier,
            "calibration": self.calibration,
        }


def auc(labels: npt.NDArray[np.bool_], scores: FloatArray) -> float | None:
    """Area under the ROC curve (ties counted half); None for one class, where it is
    undefined (scikit-learn would raise)."""
    positives = int(labels.sum())
    if positives == 0 or positives == len(labels):
        return None
    return float(roc_auc_score(labels, scores))


def average_precision(labels: npt.NDArray[np.bool_], scores: FloatArray) -> float | None:
    """Precision averaged over the recall steps of the ranking; None without a positive."""
    if not labels.any():
        return None
    return float(average_precision_score(labels, scores))


def calibration_bins(
    labels: npt.NDArray[np.bool_], scores: FloatArray, bins: int = 10
) -> list[dict[str, float]]:
    """Mean predicted against observed rate in score deciles, with the size of each bin.

    The bins are scikit-learn's quantile bins: declarations tied on a score stay in one bin,
    so tied scores give fewer, larger bins. scikit-learn does not return the sizes; they are
    counted on the same quantile edges so the report can show what each point stands on."""
    if len(scores) == 0:
        return []
    observed, predicted = calibration_curve(labels, scores, n_bins=bins, strategy="quantile")
    edges = np.percentile(scores, np.linspace(0, 100, bins + 1))
    sizes = np.bincount(np.searchsorted(edges[1:-1], scores), minlength=bins)
    return [
        {"predicted": float(p), "observed": float(o), "n": float(n)}
        for p, o, n in zip(predicted, observed, sizes[sizes > 0], strict=True)
    ]


def selection_metrics(
    labels: npt.NDArray[np.bool_],
    scores: FloatArray,
    values: FloatArray | None = None,
    rates: tuple[float, ...] = RATES,
) -> SelectionMetrics:
    """All selection metrics of scores against known outcomes.

    Which declarations an inspection rate selects is this module's own rule (the top k by
    score, ties in data order, see `_top`); precision and recall of that selection, AUC,
    average precision, Brier score and calibration are scikit-learn's."""
    labels = labels.astype(bool)
    values = np.zeros(len(labels)) if values is None else np.nan_to_num(values)
    positives = int(labels.sum())
    seized_value = float(values[labels].sum())
    precision, recall, value, share = {}, {}, {}, {}
    inspected, caught = {}, {}
    for rate in rates:
        key = rate_key(rate)
        if len(labels) == 0:
            precision[key] = recall[key] = value[key] = share[key] = 0.0
            inspected[key] = caught[key] = 0
            continue
        top = _top(scores, rate)
        selected = np.zeros(len(labels), dtype=bool)
        selected[top] = True
        inspected[key] = len(top)
        caught[key] = int((selected & labels).sum())
        precision[key] = float(precision_score(labels, selected, zero_division=0.0))
        recall[key] = float(recall_score(labels, selected, zero_division=0.0))
        value[key] = float(values[selected & labels].sum())
        share[key] = value[key] / seized_value if seized_value > 0 else 0.0
    return SelectionMetrics(
        n=len(labels),
        positives=positives,
        inspected_at=inspected,
        caught_at=caught,
        precision_at=precision,
        recall_at=recall,
        value_at=value,
        value_share_at=share,
        auc=auc(labels, scores),
        average_precision=average_precision(labels, scores),
        brier=float(brier_score_loss(labels, scores)) if len(labels) else 0.0,
        calibration=calibration_bins(labels, scores),
    )


def precision_curve(
    labels: npt.NDArray[np.bool_], scores: FloatArray, points: int = 100
) -> tuple[FloatArray, FloatArray, FloatArray]:
    """Inspection rate, precision and recall along the ranking (for the report's plots)."""
    order = np.argsort(-scores, kind="stable")
    hits = np.cumsum(labels[order].astype(np.float64))
    n = len(scores)
    ks = np.unique(np.linspace(1, n, min(points * 5, n)).astype(int))
    positives = max(float(labels.sum()), 1.0)
    return ks / n, hits[ks - 1] / ks, hits[ks - 1] / positives


def thresholds_at(scores: FloatArray, rates: tuple[float, ...] = RATES) -> dict[str, float]:
    """The score from which a declaration is in the top `rate` of this population."""
    if len(scores) == 0:
        return {}
    ranked = np.sort(scores)[::-1]
    return {rate_key(r): float(ranked[max(1, round(len(scores) * r)) - 1]) for r in rates}
