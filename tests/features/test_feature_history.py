"""Point-in-time history features: no leakage, and serving agrees with training."""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import replace
from datetime import timedelta

import polars as pl
from hypothesis import given, settings
from hypothesis import strategies as st

from riskd.features import (
    FEATURE_NAMES,
    ProfileCounts,
    declaration_features,
    history_features,
    outcome_increments,
    profile_increments,
)
from riskd.features.declaration import add_counts
from riskd.features.schema import MATCH_NUMERIC, RULE_NUMERIC
from tests.features.history_factory import Declared, Row, build, declared_strategy, history_rows

SETTINGS = settings(max_examples=40, deadline=None)
HISTORY_FEATURES = [
    f for f in FEATURE_NAMES if f not in MATCH_NUMERIC + RULE_NUMERIC + ("best_match_method",)
]


class DictHistory:
    """Profiles kept in a dict, fed by the same increments the store applies."""

    def __init__(self) -> None:
        self.counts: dict[tuple[str, str], ProfileCounts] = {}

    def add(self, increments: list[tuple[tuple[str, str], ProfileCounts]]) -> None:
        for key, delta in increments:
            self.counts[key] = add_counts(self.counts.get(key, ProfileCounts()), delta)

    def lookup(self, keys: Sequence[tuple[str, str]]) -> Mapping[tuple[str, str], ProfileCounts]:
        return {k: self.counts[k] for k in keys if k in self.counts}


def _frame(declared: list[Declared]) -> pl.DataFrame:
    return history_features(pl.DataFrame(history_rows(declared)))


def _same(a: object, b: object) -> bool:
    if a is None or b is None:
        return a is None and b is None
    if isinstance(a, float) and isinstance(b, float):
        return math.isclose(a, b, rel_tol=1e-9, abs_tol=1e-9)
    return a == b


@SETTINGS
@given(
    st.lists(declared_strategy, min_size=1, max_size=12), st.lists(declared_strategy, max_size=6)
)
def test_later_declarations_and_outcomes_never_change_earlier_features(
    earlier_rows: list[Row],
    later_rows: list[Row],
) -> None:
    earlier = build(earlier_rows)
    cutoff = max(d.declaration.declared_at for d in earlier)
    # later declarations come strictly after every earlier one, with any outcome
    later = [
        Declared(
            replace(
                d.declaration,
                declaration_id=f"L{i:04d}",
                declared_at=cutoff + timedelta(hours=1 + i),
            ),
            d.infringing_lines,
        )
        for i, d in enumerate(build(later_rows))
    ]
    alone = _frame(earlier)
    together = _frame(earlier + later).filter(
        pl.col("declaration_id").is_in(alone["declaration_id"].implode())
    )
    key = ["declaration_id"]
    assert (
        alone.sort(key).select(HISTORY_FEATURES).equals(together.sort(key).select(HISTORY_FEATURES))
    )


@SETTINGS
@given(st.lists(declared_strategy, min_size=1, max_size=12))
def test_a_declaration_never_sees_its_own_outcome(rows: list[Row]) -> None:
    declared = build(rows)
    flipped = [
        Declared(
            d.declaration,
            None if d.infringing_lines is not None else frozenset({1}),
        )
        if i == len(declared) - 1
        else d
        for i, d in enumerate(declared)
    ]
    last = declared[-1].declaration.declaration_id
    a = _frame(declared).filter(pl.col("declaration_id") == last).select(HISTORY_FEATURES)
    b = _frame(flipped).filter(pl.col("declaration_id") == last).select(HISTORY_FEATURES)
    assert a.equals(b)


@SETTINGS
@given(st.lists(declared_strategy, min_size=1, max_size=12))
def test_serving_features_equal_training_features(rows: list[Row]) -> None:
    declared = build(rows)
    frame = {r["declaration_id"]: r for r in _frame(declared).iter_rows(named=True)}
    for target in declared:
        t = target.declaration.declared_at
        history = DictHistory()
        for d in declared:
            if d.declaration.declared_at < t:
                history.add(profile_increments(d.declaration))
                if d.infringing_lines is not None:
                    infringing = bool(d.infringing_lines)
                    history.add(outcome_increments(d.declaration, infringing, d.infringing_lines))
        served = declaration_features(target.declaration, (), history)
        trained = frame[target.declaration.declaration_id]
        for name in HISTORY_FEATURES:
            assert _same(served[name], trained[name]), (name, served[name], trained[name])
