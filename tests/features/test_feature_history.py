"""Point-in-time history features: no leakage, and serving agrees with training."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import replace
from datetime import timedelta

import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from riskd.domain import Money, Outcome, OutcomeResult
from riskd.features import (
    ProfileCounts,
    declaration_features,
    history_features,
    outcome_increments,
    profile_increments,
    profile_keys,
)
from riskd.features.declaration import add_counts
from riskd.features.profiles import read_once
from riskd.history import BUILTIN_RATES_TO_USD, declaration_rows, history_table
from tests.features.history_factory import (
    HISTORY_FEATURES,
    Declared,
    Row,
    build,
    declared_strategy,
    history_rows,
    same_feature_value,
)

SETTINGS = settings(max_examples=40, deadline=None)


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


def _served(
    target: Declared, declared: list[Declared], rates: Mapping[str, float] | None = None
) -> dict[str, object]:
    """The target's features as serving computes them, from profiles fed as production
    feeds them: every earlier declaration, and each outcome as RecordOutcome records it
    (one result for the declaration, no lines)."""
    t = target.declaration.declared_at
    history = DictHistory()
    for d in declared:
        if d.declaration.declared_at < t:
            history.add(profile_increments(d.declaration, rates))
            if d.infringing_lines is not None:
                history.add(outcome_increments(d.declaration, bool(d.infringing_lines)))
    return dict(declaration_features(target.declaration, (), history, rates))


@SETTINGS
@given(st.lists(declared_strategy, min_size=1, max_size=12))
def test_serving_features_equal_training_features(rows: list[Row]) -> None:
    """The history rows say which item was seized (as the fixtures do); the features read
    the declaration's outcome for every item, as serving does."""
    declared = build(rows)
    frame = {r["declaration_id"]: r for r in _frame(declared).iter_rows(named=True)}
    for target in declared:
        served = _served(target, declared)
        trained = frame[target.declaration.declaration_id]
        for name in HISTORY_FEATURES:
            assert same_feature_value(served[name], trained[name]), (
                name,
                served[name],
                trained[name],
            )


def _in_currency(d: Declared, currency: str) -> Declared:
    items = tuple(
        replace(i, value=Money(i.value.amount, currency) if i.value else None)
        for i in d.declaration.items
    )
    return Declared(replace(d.declaration, items=items), d.infringing_lines)


@SETTINGS
@given(
    st.lists(declared_strategy, min_size=1, max_size=12),
    st.lists(st.sampled_from(["USD", "EUR", "brl", "NGN", "XXX"]), min_size=12, max_size=12),
)
def test_serving_equals_training_on_the_history_the_writer_exports(
    rows: list[Row], currencies: list[str]
) -> None:
    """The history as the store exports it (`riskd.history`, outcomes as recorded, values at
    the snapshot's rates) gives the training features serving computed."""
    declared = [_in_currency(d, c) for d, c in zip(build(rows), currencies, strict=False)]
    exported = [
        row
        for d in declared
        for row in declaration_rows(
            d.declaration,
            outcome=None
            if d.infringing_lines is None
            else Outcome(
                f"O-{d.declaration.declaration_id}",
                d.declaration.declaration_id,
                OutcomeResult.SEIZED if d.infringing_lines else OutcomeResult.NO_INFRINGEMENT,
                d.declaration.declared_at,
            ),
            rates=BUILTIN_RATES_TO_USD,
        )
    ]
    frame = history_features(history_table(exported))
    trained_rows = {r["declaration_id"]: r for r in frame.iter_rows(named=True)}
    for target in declared:
        served = _served(target, declared, BUILTIN_RATES_TO_USD)
        trained = trained_rows[target.declaration.declaration_id]
        for name in HISTORY_FEATURES:
            assert same_feature_value(served[name], trained[name]), (
                name,
                served[name],
                trained[name],
            )


def test_a_seizure_counts_for_every_item_of_the_declaration() -> None:
    """By hand: D0 (shoes, bags) seized with only line 1 marked in the history table; D1 later
    declares bags. Overall 1 seizure in 1 inspection: prior (1+1)/(1+2) = 2/3. Bags: 1 of 1,
    as the outcome counts for both lines: (1 + 2/3) / (1 + 1) = 5/6 (1/3 if only line 1)."""
    declared = build(
        [
            (0, "IMP1", "DCL1", "EXP1", "KRPUS", [("640399", "CN", 100.0, 3.0),
                                                  ("420221", "CN", 100.0, 3.0)], "seized_first"),
            (1, "IMP2", "DCL2", "EXP2", "KRICN", [("420221", "VN", 100.0, 3.0)], "none"),
        ]
    )  # fmt: skip
    trained = _frame(declared).filter(pl.col("declaration_id") == "D0001").row(0, named=True)
    served = _served(declared[1], declared)
    assert trained["commodity_seizure_rate"] == pytest.approx(5 / 6)
    assert served["commodity_seizure_rate"] == pytest.approx(5 / 6)


@SETTINGS
@given(
    st.lists(declared_strategy, min_size=1, max_size=8),
    st.lists(declared_strategy, min_size=1, max_size=6),
)
def test_one_read_for_a_call_gives_each_declaration_its_own_features(
    seen_rows: list[Row], call_rows: list[Row]
) -> None:
    """A call's declarations read the profiles once (the union of their keys): each gets the
    features it gets reading on its own."""
    history = DictHistory()
    for d in build(seen_rows):
        history.add(profile_increments(d.declaration))
    call = [d.declaration for d in build(call_rows)]
    keys = [profile_keys(d) for d in call]
    known = read_once(history, [pair for k in keys for pair in k.all_pairs()])
    for declaration in call:
        assert declaration_features(declaration, (), known) == declaration_features(
            declaration, (), history
        )
