"""Selection metrics against brute-force definitions."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from training.metrics import auc, rate_key, selection_metrics, thresholds_at


@settings(max_examples=60, deadline=None)
@given(
    st.lists(
        st.tuples(st.booleans(), st.sampled_from([0.1, 0.2, 0.5, 0.7, 0.9])),
        min_size=2,
        max_size=40,
    )
)
def test_auc_is_the_share_of_correctly_ordered_pairs(pairs: list[tuple[bool, float]]) -> None:
    labels = np.array([p[0] for p in pairs])
    scores = np.array([p[1] for p in pairs])
    positives = scores[labels]
    negatives = scores[~labels]
    if len(positives) == 0 or len(negatives) == 0:
        assert auc(labels, scores) is None
        return
    wins = sum((p > n) + 0.5 * (p == n) for p in positives for n in negatives)
    assert auc(labels, scores) == pytest.approx(wins / (len(positives) * len(negatives)))


def test_precision_recall_and_value_at_inspection_rates() -> None:
    # 200 declarations; the 10 best-scored hold 7 infringing ones
    scores = np.linspace(1.0, 0.0, 200)
    labels = np.zeros(200, dtype=bool)
    labels[[0, 1, 2, 3, 5, 7, 9, 50, 120, 199]] = True
    values = np.full(200, 10.0)
    values[0] = 1000.0
    m = selection_metrics(labels, scores, values)
    assert set(m.precision_at) == {"0.01", "0.02", "0.05", "0.1"}
    assert m.precision_at["0.01"] == 1.0  # top 2
    assert m.precision_at["0.05"] == pytest.approx(7 / 10)
    assert m.recall_at["0.05"] == pytest.approx(7 / 10)
    assert m.precision_at["0.1"] == pytest.approx(7 / 20)
    assert m.value_at["0.01"] == pytest.approx(1010.0)
    assert m.value_share_at["0.1"] == pytest.approx(1060.0 / 1090.0)


def test_thresholds_select_the_rate() -> None:
    scores = np.random.default_rng(3).random(1000)
    for rate, threshold in thresholds_at(scores).items():
        assert (scores >= threshold).sum() == round(1000 * float(rate))
    assert rate_key(0.1) == "0.1"
