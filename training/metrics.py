"""Selection metrics of the field: what an inspection budget catches when spent by score.

An inspection rate r means the top r share of declarations by score is inspected
(k = round(r·n), at least one). Ties are broken by order in the data, so results are
reproducible.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

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
    """Precision, recall and value caught per inspection rate, AUC and calibration."""

    n: int
    positives: int
    precision_at: dict[str, float]
    recall_at: dict[str, float]
    value_at: dict[str, float]
    value_share_at: dict[str, float]
    auc: float | None
    brier: float
    calibration: list[dict[str, float]]

    def as_json(self) -> dict[str, object]:
        return {
            "n": self.n,
            "positives": self.positives,
            "precision_at": self.precision_at,
            "recall_at": self.recall_at,
            "value_at": self.value_at,
            "value_share_at": self.value_share_at,
            "auc": self.auc,
            "brier": self.brier,
            "calibration": self.calibration,
        }


def auc(labels: npt.NDArray[np.bool_], scores: FloatArray) -> float | None:
    """Area under the ROC curve (Mann-Whitney, ties counted half); None for one class."""
    positives = int(labels.sum())
    negatives = len(labels) - positives
    if positives == 0 or negatives == 0:
        return None
    order = np.argsort(scores, kind="mergesort")
    ranks = np.empty(len(scores), dtype=np.float64)
    sorted_scores = scores[order]
    # average ranks over ties
    _, first, counts = np.unique(sorted_scores, return_index=True, return_counts=True)
    average = first + (counts - 1) / 2.0 + 1.0
    ranks[order] = np.repeat(average, counts)
    rank_sum = float(ranks[labels].sum())
    return (rank_sum - positives * (positives + 1) / 2.0) / (positives * negatives)


def calibration_bins(
    labels: npt.NDArray[np.bool_], scores: FloatArray, bins: int = 10
) -> list[dict[str, float]]:
    """Mean predicted against observed rate in score deciles (equal-count bins)."""
    if len(scores) == 0:
        return []
    order = np.argsort(scores, kind="stable")
    out = []
    for chunk in np.array_split(order, min(bins, len(scores))):
        out.append(
            {
                "predicted": float(scores[chunk].mean()),
                "observed": float(labels[chunk].mean()),
                "n": float(len(chunk)),
            }
        )
    return out


def selection_metrics(
    labels: npt.NDArray[np.bool_],
    scores: FloatArray,
    values: FloatArray | None = None,
    rates: tuple[float, ...] = RATES,
) -> SelectionMetrics:
    """All selection metrics of scores against known outcomes."""
    labels = labels.astype(bool)
    values = np.zeros(len(labels)) if values is None else np.nan_to_num(values)
    positives = int(labels.sum())
    seized_value = float(values[labels].sum())
    precision, recall, value, share = {}, {}, {}, {}
    for rate in rates:
        top = _top(scores, rate)
        caught = labels[top]
        key = rate_key(rate)
        precision[key] = float(caught.mean()) if len(top) else 0.0
        recall[key] = float(caught.sum() / positives) if positives else 0.0
        value[key] = float(values[top][caught].sum())
        share[key] = value[key] / seized_value if seized_value > 0 else 0.0
    return SelectionMetrics(
        n=len(labels),
        positives=positives,
        precision_at=precision,
        recall_at=recall,
        value_at=value,
        value_share_at=share,
        auc=auc(labels, scores),
        brier=float(np.mean((scores - labels) ** 2)) if len(labels) else 0.0,
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
