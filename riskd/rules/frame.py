"""The backtest frame: the history table with one column per rule field, and conversions
between history rows and `riskd.domain` declarations.

`prepare_frame` derives every catalogue field from the history columns (one row per item) the
same way the serving evaluator derives it from a Declaration: empty texts are unknown, values
are converted to USD by the rule set's currency table, the `match_*` fields come from optional
match columns (`best_match_score` or `match_score`, `match_recordation_id`, `match_right_type`,
`match_authorised`, `match_raises_risk`), history features from their own columns or 0.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime

import polars as pl

from riskd.domain import (
    Declaration,
    Direction,
    Item,
    ItemAssessment,
    Match,
    MatchMethod,
    Money,
    Party,
    Procedure,
    RightType,
    TransportMode,
)
from riskd.features import FeatureValue
from riskd.rules.evaluator import best_match
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
    if "value_amount" in columns and "value_currency" in columns:
        rate = (
            pl.col("value_currency")
            .cast(pl.String)
            .str.to_uppercase()
            .replace_strict(dict(rates), default=None, return_dtype=pl.Float64)
        )
        return (pl.col("value_amount").cast(pl.Float64) * rate).alias("value_usd")
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
    match_score = next((c for c in ("best_match_score", "match_score") if c in columns), None)
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


def rows_of(screened: Screened) -> list[dict[str, object]]:
    """History rows (one per item) for a declaration, with its best match and features."""
    d = screened.declaration
    matches = {i.line_no: i.matches for i in screened.items}
    declaration_columns: dict[str, object] = {
        "declaration_id": d.declaration_id,
        "declared_at": d.declared_at,
        "direction": d.direction.value,
        "customs_office": d.customs_office,
        "transport_mode": d.transport_mode.value,
        "procedure": d.procedure.value,
        "origin_country": d.origin_country,
        "departure_country": d.departure_country,
        "destination_country": d.destination_country,
        "n_items": len(d.items),
        **{f"{role}_id": getattr(d, role).id if getattr(d, role) else None for role in ROLES},
        **{k: v for k, v in screened.features.items() if isinstance(v, float | int)},
    }
    rows = []
    for item in d.items:
        best = best_match(matches.get(item.line_no, ()))
        rows.append(
            {
                **declaration_columns,
                "line_no": item.line_no,
                "hs_code": item.hs_code,
                "description": item.description,
                "brand": item.brand,
                "model": item.model,
                "quantity": item.quantity,
                "unit": item.unit,
                "net_mass_kg": item.net_mass_kg,
                "value_amount": item.value.amount if item.value else None,
                "value_currency": item.value.currency if item.value else None,
                "item_origin_country": item.origin_country,
                "best_match_score": best.score if best else None,
                "match_recordation_id": best.recordation_id if best else None,
                "match_right_type": best.right_type.value if best else None,
                "match_authorised": best.authorised if best else None,
                "match_raises_risk": best.raises_risk if best else None,
            }
        )
    return rows


def frame_of(screened: Iterable[Screened]) -> pl.DataFrame:
    """A history table built from declarations (for agreement tests and benchmarks)."""
    rows = [row for s in screened for row in rows_of(s)]
    schema: dict[str, pl.DataType | type[pl.DataType]] = {
        "declared_at": pl.Datetime("us", "UTC"),
        "quantity": pl.Float64,
        "net_mass_kg": pl.Float64,
        "value_amount": pl.Float64,
        "best_match_score": pl.Float64,
        "match_authorised": pl.Boolean,
        "match_raises_risk": pl.Boolean,
        "n_items": pl.Int64,
        "line_no": pl.Int64,
    }
    return pl.DataFrame(rows, schema_overrides=schema, infer_schema_length=None)


def declarations_of(history: pl.DataFrame) -> Iterator[Screened]:
    """Declarations rebuilt from history rows (one per item, a declaration's rows next to
    each other), in order; a row's match columns become a single match of its item."""
    columns = set(history.columns)
    feature_names = [
        f.name
        for f in FIELDS.values()
        if f.level is Level.HISTORY and f.name in columns and f.type is FieldType.NUMBER
    ]
    current: list[dict[str, object]] = []
    for row in history.iter_rows(named=True):
        if current and row["declaration_id"] != current[0]["declaration_id"]:
            yield _screened(current, feature_names)
            current = []
        current.append(row)
    if current:
        yield _screened(current, feature_names)


def _s(row: Mapping[str, object], key: str) -> str:
    value = row.get(key)
    return "" if value is None else str(value)


def _f(row: Mapping[str, object], key: str) -> float:
    value = row.get(key)
    return float(value) if isinstance(value, int | float) else 0.0


def _screened(rows: list[dict[str, object]], feature_names: list[str]) -> Screened:
    first = rows[0]
    declared_at = first["declared_at"]
    if not isinstance(declared_at, datetime):
        raise ValueError(f"declared_at of {first['declaration_id']} is not a date-time")
    parties = {
        role: Party(_s(first, f"{role}_id")) if first.get(f"{role}_id") else None for role in ROLES
    }
    items = []
    assessed = []
    for index, row in enumerate(rows, 1):
        given_line = row.get("line_no")
        line_no = given_line if isinstance(given_line, int) else index
        amount, currency = row.get("value_amount"), row.get("value_currency")
        value = (
            Money(float(amount), str(currency))
            if isinstance(amount, int | float) and currency
            else None
        )
        if value is None and isinstance(row.get("value_usd"), int | float):
            value = Money(_f(row, "value_usd"), "USD")
        items.append(
            Item(
                line_no=line_no,
                hs_code=_s(row, "hs_code"),
                description=_s(row, "description"),
                brand=_s(row, "brand"),
                model=_s(row, "model"),
                quantity=_f(row, "quantity"),
                unit=_s(row, "unit"),
                net_mass_kg=_f(row, "net_mass_kg"),
                value=value,
                origin_country=_s(row, "item_origin_country"),
            )
        )
        assessed.append(ItemAssessment(line_no, _row_matches(row)))
    declaration = Declaration(
        declaration_id=_s(first, "declaration_id"),
        declared_at=declared_at,
        direction=Direction(_s(first, "direction") or "IMPORT"),
        customs_office=_s(first, "customs_office"),
        transport_mode=TransportMode(_s(first, "transport_mode") or "SEA"),
        items=tuple(items),
        procedure=Procedure(_s(first, "procedure") or "STANDARD"),
        origin_country=_s(first, "origin_country"),
        departure_country=_s(first, "departure_country"),
        destination_country=_s(first, "destination_country"),
        **parties,
    )
    features: dict[str, FeatureValue] = {n: _f(first, n) for n in feature_names}
    return Screened(declaration, tuple(assessed), features)


def _row_matches(row: Mapping[str, object]) -> tuple[Match, ...]:
    score = row.get("best_match_score", row.get("match_score"))
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
