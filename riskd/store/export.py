"""The store's decisions as a history table: one row per declared item, labelled by the
decision's latest outcome, the table training reads (`riskd.history`'s columns).

`riskd history export` writes it to a file and `riskd-train dataset --store` builds features
from it; both read the store through `DecisionStore.decisions`, so either engine gives the
same table. The rows of one declaration come from the history table's writer, called here
and nowhere else in the store.
"""

from __future__ import annotations

from collections.abc import Iterable

import polars as pl

from riskd.domain import StoredDecision
from riskd.history import BUILTIN_RATES_TO_USD, RatesToUsd, decision_rows
from riskd.history import history_table as table_of_rows


class EmptyStore(ValueError):
    """The store (or the time window asked for) holds no decisions."""


def history_table(
    decisions: Iterable[StoredDecision],
    rates_to_usd: RatesToUsd = BUILTIN_RATES_TO_USD,
    *,
    where: str = "the store",
) -> pl.DataFrame:
    """The history table of decisions, written by `riskd.history.decision_rows`; values in
    US dollars at `rates_to_usd` (by default the built-in rates, equal to the shipped
    currency table)."""
    rows = [row for decision in decisions for row in decision_rows(decision, rates_to_usd)]
    if not rows:
        raise EmptyStore(f"{where} holds no decisions")
    return table_of_rows(rows)
