"""The store's decisions as a history table: one row per declared item, labelled by the
decision's latest outcome, the table training reads (`riskd.features.frame` columns).

`riskd history export` writes it to a file and `riskd-train dataset --store` builds features
from it; both read the store through `DecisionStore.decisions`, so either engine gives the
same table. The rows of one declaration come from the history table's writer, called here
and nowhere else in the store.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

import polars as pl

from riskd.domain import OutcomeResult, StoredDecision
from riskd.features.declaration import history_rows
from riskd.policy import DEFAULT_RATES_TO_USD


class EmptyStore(ValueError):
    """The store (or the time window asked for) holds no decisions."""


def decision_rows(
    decision: StoredDecision, rates_to_usd: Mapping[str, float]
) -> list[dict[str, object]]:
    """A stored decision's rows: inspected when an outcome was recorded for it, infringing
    when the latest outcome is a seizure, known from the time that outcome was recorded."""
    latest = decision.outcomes[-1] if decision.outcomes else None
    assessment = decision.assessment
    rows = history_rows(decision.declaration, assessment.items, assessment.rule_hits, rates_to_usd)
    for row in rows:
        row["inspected"] = latest is not None
        row["random_selection"] = assessment.random_selection
        row["infringing"] = latest.result is OutcomeResult.SEIZED if latest else None
        row["known_at"] = latest.recorded_at if latest else None
    return rows


def history_table(
    decisions: Iterable[StoredDecision],
    rates_to_usd: Mapping[str, float] = DEFAULT_RATES_TO_USD,
    *,
    where: str = "the store",
) -> pl.DataFrame:
    """The history table of decisions; values in US dollars at `rates_to_usd` (by default
    the built-in policy rates, which training uses)."""
    rows = [row for decision in decisions for row in decision_rows(decision, rates_to_usd)]
    if not rows:
        raise EmptyStore(f"{where} holds no decisions")
    return pl.DataFrame(rows, infer_schema_length=None)
