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


def _outcomes(min_size: int = 1) -> st.SearchStrategy[list[tuple[bool, float, float]]]:
    """(infringing, score, value) per declaration; scores from a few levels so ties occur."""
    return st.lists(
        st.tuples(
            st.booleans(),
            st.sampled_from([0.0, 0.05, 0.1, 0.3, 0.5, 0.8, 1.0]) | st.floats(0.0, 1.0),
            st.floats(0.0, 1e6),
        ),
        min_size=min_size,
        max_size=60,
    )


@settings(max_examples=80, deadline=None)
@given(_outcomes())
def test_selection_metrics_equal_a_plain_python_count(
    rows: list[tuple[bool, float, float]],
) -> None:
    """Every figure against its definition, counted in plain Python over the rows."""
    labels = np.array([r[0] for r in rows])
    scores = np.array([r[1] for r in rows])
    values = np.array([r[2] for r in rows])
    m = selection_metrics(labels, scores, values)
    positives = sum(r[0] for r in rows)
    # the inspected: best score first, ties in the order of the rows
    ranking = sorted(range(len(rows)), key=lambda i: (-rows[i][1], i))
    for rate in (0.01, 0.02, 0.05, 0.1):
        k = max(1, round(len(rows) * rate))
        caught = [rows[i] for i in ranking[:k] if rows[i][0]]
        key = rate_key(rate)
        assert (m.inspected_at[key], m.caught_at[key]) == (k, len(caught))
        assert m.precision_at[key] == pytest.approx(len(caught) / k)
        assert m.recall_at[key] == pytest.approx(len(caught) / positives if positives else 0.0)
        assert m.value_at[key] == pytest.approx(sum(r[2] for r in caught))
    assert m.brier == pytest.approx(sum((r[1] - r[0]) ** 2 for r in rows) / len(rows))
    if 0 < positives < len(rows):
        # average precision: precision at each distinct score threshold, weighted by the
        # recall it adds (ties enter together)
        expected, seen_recall = 0.0, 0.0
        for threshold in sorted({r[1] for r in rows}, reverse=True):
            chosen = [r for r in rows if r[1] >= threshold]
            hits = sum(r[0] for r in chosen)
            expected += (hits / positives - seen_recall) * hits / len(chosen)
            seen_recall = hits / positives
        assert m.average_precision == pytest.approx(expected)
    else:
        assert m.auc is None
    if positives == 0:
        assert m.average_precision is None


@settings(max_examples=80, deadline=None)
@given(_outcomes())
def test_calibration_bins_account_for_every_declaration(
    rows: list[tuple[bool, float, float]],
) -> None:
    """The bins partition the declarations in score order: sizes add up, each bin's means
    are the means of its own declarations, and the bins follow the scores upwards."""
    labels = np.array([r[0] for r in rows])
    scores = np.array([r[1] for r in rows])
    bins = selection_metrics(labels, scores).calibration
    assert 1 <= len(bins) <= 10
    assert sum(b["n"] for b in bins) == len(rows)
    assert sum(b["n"] * b["predicted"] for b in bins) == pytest.approx(sum(scores))
    assert sum(b["n"] * b["observed"] for b in bins) == pytest.approx(sum(labels))
    predicted = [b["predicted"] for b in bins]
    assert predicted == sorted(predicted)
    # tied scores never straddle two bins, so a single score level gives a single bin
    if len(set(scores.tolist())) == 1:
        assert len(bins) == 1


def test_calibration_of_distinct_scores_is_equal_count_deciles() -> None:
    """With 100 distinct scores each decile holds ten declarations, counted by hand."""
    scores = np.arange(100) / 100.0
    labels = np.arange(100) % 10 < np.arange(100) // 10  # decile d holds d infringing
    bins = selection_metrics(labels, scores).calibration
    assert [b["n"] for b in bins] == [10.0] * 10
    assert [b["observed"] for b in bins] == pytest.approx([d / 10 for d in range(10)])
    assert [b["predicted"] for b in bins] == pytest.approx([d / 10 + 0.045 for d in range(10)])
