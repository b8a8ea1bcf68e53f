"""The backtest's overlap counts against a plain count over declarations."""

from __future__ import annotations

import numpy as np
import polars as pl
from hypothesis import given
from hypothesis import strategies as st

from riskd.rules.backtest import _overlap_counts


def plain_counts(rows: list[list[bool]], k: int) -> list[list[int]]:
    """[i][j]: declarations hit by both i and j; [i][k]: hit by i and by no other rule."""
    counts = [[0] * (k + 1) for _ in range(k)]
    for row in rows:
        fired = [i for i in range(k) if row[i]]
        for i in fired:
            for j in fired:
                counts[i][j] += 1
        if len(fired) == 1:
            counts[fired[0]][k] += 1
    return counts


@st.composite
def hit_tables(draw: st.DrawFn) -> tuple[list[list[bool]], int]:
    k = draw(st.integers(0, 8))
    rows = draw(st.lists(st.lists(st.booleans(), min_size=k, max_size=k), max_size=60))
    return rows, k


@given(hit_tables())
def test_overlap_counts_equal_a_plain_count(table: tuple[list[list[bool]], int]) -> None:
    rows, k = table
    columns = [f"r{i}" for i in range(k)]
    hits = pl.DataFrame(
        {c: [row[i] for row in rows] for i, c in enumerate(columns)},
        schema=dict.fromkeys(columns, pl.Boolean),
    )
    counts = _overlap_counts(hits, columns)
    assert counts.shape == (k, k + 1)
    assert counts.tolist() == plain_counts(rows, k)


def test_a_null_hit_counts_as_no_hit() -> None:
    hits = pl.DataFrame({"r0": [True, None, True], "r1": [True, True, None]})
    assert _overlap_counts(hits, ["r0", "r1"]).tolist() == [[2, 1, 1], [1, 2, 1]]


def test_many_rules_on_many_declarations_match_the_dense_product() -> None:
    rng = np.random.default_rng(5)
    dense = rng.random((5_000, 300)) < 0.02
    columns = [f"r{i}" for i in range(300)]
    hits = pl.DataFrame({c: dense[:, i] for i, c in enumerate(columns)})
    counts = _overlap_counts(hits, columns)
    as_int = dense.astype(np.int64)
    assert (counts[:, :300] == as_int.T @ as_int).all()
    assert (counts[:, 300] == as_int[as_int.sum(axis=1) == 1].sum(axis=0)).all()
