"""The backtest frame: the history table with one column per rule field, and conversions
between history rows and `riskd.domain` declarations.

`prepare_frame` derives every catalogue field from the history columns (one row per item) the
same way the serving evaluator derives it from a Declaration: empty texts are unknown, values
are converted to USD by the rule set's currency table (`riskd.history.usd_expr`), the
`match_*` fields come from the optional item match columns of `riskd.history` (`match_score`,
else the declaration's `best_match_score`; `match_recordation_id`, `match_right_type`,
`match_authorised`, `match_raises_risk`), history features from their own columns or 0.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass

import polars as pl

from riskd.domain import (
    Declaration,
    ItemAssessment,
    Match,
    MatchMethod,
    RightType,
)
from riskd.features import FeatureValue
from riskd.history import (
    BUILTIN_RATES_TO_USD,
    declaration_groups,
    declaration_rows,
    history_table,
    usd_expr,
)
from riskd.rules.fields import FIELDS, ROLES, FieldType, Level

DECLARATION_TEXTS = (
    "direction",
    "transport_mode",
    "procedure",
    "customs_office",
    "origin_country",
    "departure_country",
    "destination_country",
)
PARTY_COLUMNS = tuple(f"{role}_id" for role in ROLES)
ITEM_TEXTS = ("hs_code", "description", "brand", "model", "unit", "item_origin_country")
MATCH_COLUMNS = (
    "match_recordation_id",
    "match_right_type",
    "match_authorised",
    "match_raises_risk",
)


def _text(column: str, columns: Sequence[str]) -> pl.Expr:
    """A text column with empty texts (and absent columns) as unknown."""
    if column not in columns:
        return pl.lit(None, dtype=pl.String).alias(column)
    value = pl.col(column).cast(pl.String)
    return pl.when(value == "").then(None).otherwise(value).alias(column)


def _number(column: str, columns: Sequence[str]) -> pl.Expr:
    if column not in columns:
        return pl.lit(None, dtype=pl.Float64).alias(column)
    return pl.col(column).cast(pl.Float64).alias(column)


def _value_usd(columns: Sequence[str], rates: Mapping[str, float]) -> pl.Expr:
    """By the rule set's currency table where amount and currency are given (`usd_expr`,
    the conversion serving uses), else the table's own `value_usd`."""
    if "value_amount" in columns and "value_currency" in columns:
        return usd_expr(pl.col("value_amount"), pl.col("value_currency"), rates).alias("value_usd")
    return _number("value_usd", columns)


def prepare_frame(
    history: pl.LazyFrame | pl.DataFrame,
    rates: Mapping[str, float],
    extra_fields: Iterable[str] = (),
) -> pl.LazyFrame:
    """Every rule field as a column, plus `declaration_id`, `line_no`, `declared_date` and the
    outcome columns if present. `extra_fields` are undocumented fields (features) the rules
    name: their own columns, or unknown."""
    lazy = history.lazy()
    columns = lazy.collect_schema().names()
    texts = [_text(c, columns) for c in (*DECLARATION_TEXTS, *PARTY_COLUMNS, *ITEM_TEXTS)]
    numbers = [_number(c, columns) for c in ("quantity", "net_mass_kg", "value_amount")]
    # the item's own best match (`match_score`), else the declaration's best match
    match_score = next((c for c in ("match_score", "best_match_score") if c in columns), None)
    matches = [
        (pl.col(match_score).cast(pl.Float64).fill_null(0.0) if match_score else pl.lit(0.0)).alias(
            "match_score"
        ),
        *(_text(c, columns) for c in ("match_recordation_id", "match_right_type")),
        *(
            (pl.col(c).cast(pl.Boolean) if c in columns else pl.lit(None, pl.Boolean)).alias(c)
            for c in ("match_authorised", "match_raises_risk")
        ),
    ]
    history_fields = [f.name for f in FIELDS.values() if f.level is Level.HISTORY]
    features = [
        (pl.col(n).cast(pl.Float64).fill_null(0.0) if n in columns else pl.lit(0.0)).alias(n)
        for n in history_fields
    ]
    extras = [
        pl.col(n) if n in columns else pl.lit(None).alias(n)
        for n in extra_fields
        if n not in FIELDS
    ]
    n_items = (
        pl.col("n_items").cast(pl.Float64)
        if "n_items" in columns
        else pl.len().over("declaration_id").cast(pl.Float64)
    )
    outcome = [
        pl.col(c) for c in ("inspected", "random_selection", "infringing", "result") if c in columns
    ]
    base = lazy.select(
        pl.col("declaration_id").cast(pl.String),
        pl.col("declared_at"),
        (
            pl.col("line_no").cast(pl.Int64)
            if "line_no" in columns
            else pl.int_range(pl.len()).over("declaration_id").add(1)
        ).alias("line_no"),
        *texts,
        *numbers,
        (
            pl.col("value_currency").cast(pl.String).str.to_uppercase()
            if "value_currency" in columns
            else pl.lit(None, pl.String)
        ).alias("value_currency"),
        _value_usd(columns, rates),
        n_items.alias("n_items"),
        *matches,
        *features,
        *extras,
        *outcome,
    )
    return base.with_columns(
        pl.col("declared_at").dt.convert_time_zone("UTC").dt.date().alias("declared_date")
        if _has_zone(lazy)
        else pl.col("declared_at").dt.date().alias("declared_date"),
        pl.col("hs_code").str.slice(0, 2).alias("hs_chapter"),
        pl.col("hs_code").str.slice(0, 4).alias("hs_heading"),
        pl.when(pl.col("quantity") > 0)
        .then(pl.col("value_usd") / pl.col("quantity"))
        .otherwise(None)
        .alias("unit_value_usd"),
        pl.col("value_usd").fill_null(0.0).sum().over("declaration_id").alias("total_value_usd"),
    )


def _has_zone(lazy: pl.LazyFrame) -> bool:
    dtype = lazy.collect_schema()["declared_at"]
    return isinstance(dtype, pl.Datetime) and dtype.time_zone is not None


# --- domain <-> rows ---------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Screened:
    """A declaration as the evaluator sees it: with its item matches and features."""

    declaration: Declaration
    items: tuple[ItemAssessment, ...]
    features: Mapping[str, FeatureValue]


def rows_of(
    screened: Screened, rates: Mapping[str, float] = BUILTIN_RATES_TO_USD
) -> list[dict[str, object]]:
    """History rows (one per item, by `riskd.history`) for a declaration, with its item
    matches and numeric features as columns."""
    features = {k: v for k, v in screened.features.items() if isinstance(v, float | int)}
    rows = declaration_rows(screened.declaration, screened.items, rates=rates)
    return [{**row, **features} for row in rows]


def frame_of(
    screened: Iterable[Screened], rates: Mapping[str, float] = BUILTIN_RATES_TO_USD
) -> pl.DataFrame:
    """A history table built from declarations (for agreement tests and benchmarks)."""
    rows = [row for s in screened for row in rows_of(s, rates)]
    table = history_table(rows)
    extra = sorted({k for row in rows for k in row} - set(table.columns))
    if not extra:
        return table
    return pl.concat(
        [table, pl.DataFrame([{k: row.get(k) for k in extra} for row in rows])],
        how="horizontal",
    )


def declarations_of(history: pl.DataFrame, source: str = "history") -> Iterator[Screened]:
    """Declarations rebuilt from history rows by `riskd.history`, in order; a row's item
    match columns become a single match of its item, its history features the features."""
    columns = set(history.columns)
    feature_names = [
        f.name
        for f in FIELDS.values()
        if f.level is Level.HISTORY and f.name in columns and f.type is FieldType.NUMBER
    ]
    for declaration, rows in declaration_groups(history, source):
        assessed = tuple(
            ItemAssessment(item.line_no, _row_matches(row))
            for item, row in zip(declaration.items, rows, strict=True)
        )
        features: dict[str, FeatureValue] = {n: _f(rows[0], n) for n in feature_names}
        yield Screened(declaration, assessed, features)


def _s(row: Mapping[str, object], key: str) -> str:
    value = row.get(key)
    return "" if value is None else str(value)


def _f(row: Mapping[str, object], key: str) -> float:
    value = row.get(key)
    return float(value) if isinstance(value, int | float) else 0.0


def _row_matches(row: Mapping[str, object]) -> tuple[Match, ...]:
    score = row.get("match_score")
    if score is None:
        score = row.get("best_match_score")
    if not isinstance(score, int | float) or score <= 0:
        return ()
    right = _s(row, "match_right_type")
    return (
        Match(
            recordation_id=_s(row, "match_recordation_id"),
            mark="",
            holder="",
            matched_text="",
            score=float(score),
            method=MatchMethod.EXACT,
            right_type=RightType(right) if right else RightType.TRADEMARK,
            authorised=bool(row.get("match_authorised")),
            raises_risk=bool(row.get("match_raises_risk", True)),
        ),
    )
