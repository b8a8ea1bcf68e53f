"""The history table: declarations, their items and outcomes as rows, with one owner.

The history table is the second wire format of riskd (after the gRPC contract): the fixtures
write it, the store's decisions become it, the training features, the rules backtest and the
profile seeding read it. This module holds, once:

- the column schema (`HISTORY_SCHEMA`, every history file; `EVIDENCE_SCHEMA`, the optional
  columns of what was known and found: outcome time, matches, rule hits), each column
  documented in `COLUMNS`;
- the one currency conversion (`to_usd`, `usd_expr`) and the built-in rates
  (`BUILTIN_RATES_TO_USD`, the shipped `rules/currencies.csv`);
- the writer (`declaration_rows`, `decision_rows`, `history_table`): a declaration, its
  matches, rule hits and outcome to rows, labelled as `RecordOutcome` records outcomes;
- the reader (`read_history`, `check_history`, `declarations_of`): one policy for bad
  values, an error naming file, row and column;
- the one pass that adds the match columns (`with_match_columns`).

Labels: an outcome is recorded per declaration (RecordOutcome names the decision, not its
lines), so every item of a declaration carries the declaration's label. A history file may be
finer (the fixtures know which item was seized); the features read the declaration's label
for every item all the same, as serving does.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from enum import StrEnum
from pathlib import Path
from typing import Any

import polars as pl

from riskd.domain import (
    Declaration,
    Direction,
    Item,
    ItemAssessment,
    Match,
    Money,
    NoRiskReason,
    Outcome,
    OutcomeResult,
    Party,
    Procedure,
    RuleHit,
    StoredDecision,
    TransportMode,
)

RatesToUsd = Mapping[str, float]

BASE_CURRENCY = "USD"

# Approximate US dollars per unit; the same table as the shipped `rules/currencies.csv`
# (a test keeps the two equal). A rule directory's currency table replaces it at serving.
BUILTIN_RATES_TO_USD: RatesToUsd = {
    "USD": 1.0,
    "EUR": 1.08,
    "GBP": 1.27,
    "CNY": 0.138,
    "HKD": 0.128,
    "JPY": 0.0066,
    "KRW": 0.00072,
    "VND": 0.000039,
    "INR": 0.012,
    "TRY": 0.029,
    "AED": 0.272,
    "RUB": 0.011,
    "BRL": 0.18,
    "NGN": 0.00065,
    "SAR": 0.266,
}


def rate_to_usd(currency: str, rates: RatesToUsd) -> float | None:
    """US dollars per unit of a currency (any case); USD is always 1, unknown ones None."""
    code = currency.strip().upper()
    if code == BASE_CURRENCY:
        return 1.0
    return rates.get(code)


def to_usd(money: Money | None, rates: RatesToUsd) -> float | None:
    """An amount in US dollars, or None when there is none or its currency has no rate."""
    if money is None:
        return None
    rate = rate_to_usd(money.currency, rates)
    return None if rate is None else money.amount * rate


def usd_expr(amount: pl.Expr, currency: pl.Expr, rates: RatesToUsd) -> pl.Expr:
    """`to_usd` over columns: the same rates, the same case rule, USD always 1."""
    table = {k.upper(): v for k, v in rates.items()} | {BASE_CURRENCY: 1.0}
    rate = (
        currency.cast(pl.String)
        .str.strip_chars()
        .str.to_uppercase()
        .replace_strict(table, default=None, return_dtype=pl.Float64)
    )
    return amount.cast(pl.Float64) * rate


# --- the schema ------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Column:
    name: str
    dtype: pl.DataType
    doc: str


_TIME = pl.Datetime("us", "UTC")

COLUMNS: tuple[Column, ...] = (
    Column("declaration_id", pl.String(), "the declaration's id; its rows are contiguous"),
    Column("declared_at", _TIME, "when it was declared (UTC)"),
    Column("direction", pl.String(), "IMPORT, EXPORT or TRANSIT"),
    Column("customs_office", pl.String(), "office of declaration"),
    Column("transport_mode", pl.String(), "SEA, AIR, ROAD, RAIL, POSTAL or COURIER"),
    Column("procedure", pl.String(), "customs procedure, e.g. STANDARD, EXHIBITION"),
    Column("declarant_id", pl.String(), "party ids; empty when the party is not named"),
    Column("importer_id", pl.String(), ""),
    Column("exporter_id", pl.String(), ""),
    Column("consignee_id", pl.String(), ""),
    Column("origin_country", pl.String(), "ISO country codes of the declaration"),
    Column("departure_country", pl.String(), ""),
    Column("destination_country", pl.String(), ""),
    Column("n_items", pl.Int64(), "items of the declaration (repeated on each row)"),
    Column("line_no", pl.Int64(), "the item's line"),
    Column("hs_code", pl.String(), "as declared, with or without dots"),
    Column("description", pl.String(), "goods description"),
    Column("brand", pl.String(), ""),
    Column("model", pl.String(), ""),
    Column("quantity", pl.Float64(), "in `unit`"),
    Column("unit", pl.String(), ""),
    Column("net_mass_kg", pl.Float64(), ""),
    Column("value_amount", pl.Float64(), "declared value in `value_currency`"),
    Column("value_currency", pl.String(), "ISO currency code"),
    Column("value_usd", pl.Float64(), "the value by `to_usd` at the rates of the snapshot"),
    Column("item_origin_country", pl.String(), "the item's origin; empty: the declaration's"),
    Column("inspected", pl.Boolean(), "an outcome was recorded"),
    Column("random_selection", pl.Boolean(), "picked by the random compliance selection"),
    Column("result", pl.String(), "the latest outcome's result; null when none"),
    Column("infringing", pl.Boolean(), "the label: the outcome was a seizure; null if none"),
)
EVIDENCE: tuple[Column, ...] = (
    Column("known_at", _TIME, "when the outcome was recorded; null: at declared_at"),
    Column("first_known_at", _TIME, "when a since-corrected first outcome was; null: known_at"),
    Column("first_infringing", pl.Boolean(), "that first outcome's label; null: infringing"),
    Column("best_match_method", pl.String(), "declaration's best match: its method"),
    Column("best_match_score", pl.Float64(), "… its score (0..100)"),
    Column("n_risky_matches", pl.Float64(), "matches of the declaration that raise risk"),
    Column("best_match_class_fit", pl.Float64(), "1 when the best match fits its classes"),
    Column("best_match_authorised", pl.Float64(), "1 when a party is a licensee of it"),
    Column("n_rule_hits", pl.Float64(), "live (not shadow) rule hits"),
    Column("max_rule_score", pl.Float64(), "their highest score"),
    Column("match_score", pl.Float64(), "this item's best match: its score"),
    Column("match_recordation_id", pl.String(), "… its recordation"),
    Column("match_right_type", pl.String(), "… TRADEMARK, COPYRIGHT or PATENT"),
    Column("match_authorised", pl.Boolean(), "… whether a party is a licensee"),
    Column("match_raises_risk", pl.Boolean(), "… whether it raises risk"),
)

HISTORY_SCHEMA: dict[str, pl.DataType] = {c.name: c.dtype for c in COLUMNS}
"""The columns every history file has (the fixtures' `history.parquet`)."""

EVIDENCE_SCHEMA: dict[str, pl.DataType] = {c.name: c.dtype for c in EVIDENCE}
"""Optional columns: when an outcome became known, and the matches and rule hits found."""

FULL_SCHEMA: dict[str, pl.DataType] = {**HISTORY_SCHEMA, **EVIDENCE_SCHEMA}

DECLARATION_MATCH_COLUMNS = (
    "best_match_method",
    "best_match_score",
    "n_risky_matches",
    "best_match_class_fit",
    "best_match_authorised",
)
ITEM_MATCH_COLUMNS = (
    "match_score",
    "match_recordation_id",
    "match_right_type",
    "match_authorised",
    "match_raises_risk",
)

# Columns holding a domain enumeration: a value outside it is an error, an empty one the
# domain's default (what a declaration without the field would mean).
ENUM_COLUMNS: dict[str, tuple[type[StrEnum], StrEnum | None]] = {
    "direction": (Direction, Direction.IMPORT),
    "transport_mode": (TransportMode, TransportMode.SEA),
    "procedure": (Procedure, Procedure.STANDARD),
    "result": (OutcomeResult, None),
}


# --- the writer ------------------------------------------------------------------------------


def match_columns(matches: Sequence[Match]) -> dict[str, float | str | None]:
    """The declaration-level match columns (the model's match features) of all its matches."""
    if not matches:
        return {
            "best_match_method": None,
            "best_match_score": None,
            "n_risky_matches": 0.0,
            "best_match_class_fit": None,
            "best_match_authorised": None,
        }
    best = max(matches, key=lambda m: m.score)
    return {
        "best_match_method": best.method.value,
        "best_match_score": best.score,
        "n_risky_matches": float(sum(m.raises_risk for m in matches)),
        "best_match_class_fit": float(best.no_risk_reason is not NoRiskReason.OUTSIDE_CLASSES),
        "best_match_authorised": float(best.authorised),
    }


def best_match(matches: Sequence[Match]) -> Match | None:
    """An item's highest-scoring match (the first of equals); what `match_*` fields read."""
    return max(matches, key=lambda m: m.score) if matches else None


def item_match_columns(matches: Sequence[Match]) -> dict[str, object]:
    """The item-level match columns: the item's best match, for the rules' `match_*` fields."""
    best = best_match(matches)
    if best is None:
        return dict.fromkeys(ITEM_MATCH_COLUMNS)
    return {
        "match_score": best.score,
        "match_recordation_id": best.recordation_id,
        "match_right_type": best.right_type.value,
        "match_authorised": best.authorised,
        "match_raises_risk": best.raises_risk,
    }


def rule_hit_columns(rule_hits: Sequence[RuleHit]) -> dict[str, float]:
    """The rule-hit columns (the model's rule features); shadow rules do not count."""
    live = [h for h in rule_hits if not h.shadow]
    return {
        "n_rule_hits": float(len(live)),
        "max_rule_score": max((h.score for h in live), default=0.0),
    }


def latest_outcome(outcomes: Sequence[Outcome]) -> Outcome | None:
    """The outcome that labels a decision: the latest recorded (by time, then id)."""
    return max(outcomes, key=lambda o: (o.recorded_at, o.outcome_id), default=None)


def corrected_outcome(outcomes: Sequence[Outcome]) -> Outcome | None:
    """The first outcome of a decision whose outcome was later corrected (None: never was).
    Serving counted the control from it and its seizure until the correction, so training
    must too (`riskd.features.frame`)."""
    if len(outcomes) < 2:
        return None
    return min(outcomes, key=lambda o: (o.recorded_at, o.outcome_id))


def _party_id(party: Party | None) -> str:
    return party.id if party is not None else ""


def declaration_rows(
    declaration: Declaration,
    items: Sequence[ItemAssessment] = (),
    rule_hits: Sequence[RuleHit] | None = None,
    outcome: Outcome | None = None,
    *,
    rates: RatesToUsd,
    random_selection: bool = False,
    first_outcome: Outcome | None = None,
) -> list[dict[str, object]]:
    """A declaration as history rows, one per item, every column of `FULL_SCHEMA`.

    `items` are its matches (none computed: no match columns), `rule_hits` the rules' (None:
    the rules did not run), `outcome` what followed (None: not inspected), `rates` the
    snapshot's currency table, `first_outcome` the one `outcome` corrected, if any. The label
    is the outcome's, on every item (see the module)."""
    matches = {a.line_no: a.matches for a in items}
    evidence: dict[str, object] = dict.fromkeys(DECLARATION_MATCH_COLUMNS)
    if items:
        evidence.update(match_columns([m for a in items for m in a.matches]))
    rules: dict[str, object] = (
        dict(rule_hit_columns(rule_hits))
        if rule_hits is not None
        else {"n_rule_hits": None, "max_rule_score": None}
    )
    declared: dict[str, object] = {
        "declaration_id": declaration.declaration_id,
        "declared_at": declaration.declared_at,
        "direction": declaration.direction.value,
        "customs_office": declaration.customs_office,
        "transport_mode": declaration.transport_mode.value,
        "procedure": declaration.procedure.value,
        "declarant_id": _party_id(declaration.declarant),
        "importer_id": _party_id(declaration.importer),
        "exporter_id": _party_id(declaration.exporter),
        "consignee_id": _party_id(declaration.consignee),
        "origin_country": declaration.origin_country,
        "departure_country": declaration.departure_country,
        "destination_country": declaration.destination_country,
        "n_items": len(declaration.items),
    }
    known: dict[str, object] = {
        "inspected": outcome is not None,
        "random_selection": random_selection,
        "result": outcome.result.value if outcome is not None else None,
        "infringing": outcome.infringing if outcome is not None else None,
        "known_at": outcome.recorded_at if outcome is not None else None,
        "first_known_at": first_outcome.recorded_at if first_outcome is not None else None,
        "first_infringing": first_outcome.infringing if first_outcome is not None else None,
    }
    return [
        {
            **declared,
            "line_no": item.line_no,
            "hs_code": item.hs_code,
            "description": item.description,
            "brand": item.brand,
            "model": item.model,
            "quantity": item.quantity,
            "unit": item.unit,
            "net_mass_kg": item.net_mass_kg,
            "value_amount": item.value.amount if item.value is not None else None,
            "value_currency": item.value.currency if item.value is not None else None,
            "value_usd": to_usd(item.value, rates),
            "item_origin_country": item.origin_country,
            **known,
            **evidence,
            **rules,
            **item_match_columns(matches.get(item.line_no, ())),
        }
        for item in declaration.items
    ]


def decision_rows(decision: StoredDecision, rates: RatesToUsd) -> list[dict[str, object]]:
    """A stored decision as history rows: its matches, rule hits and latest outcome."""
    assessment = decision.assessment
    return declaration_rows(
        decision.declaration,
        assessment.items,
        assessment.rule_hits,
        latest_outcome(decision.outcomes),
        rates=rates,
        random_selection=assessment.random_selection,
        first_outcome=corrected_outcome(decision.outcomes),
    )


def history_table(rows: Sequence[Mapping[str, object]]) -> pl.DataFrame:
    """Rows of the writer as a history table with the full schema, in their order."""
    return pl.DataFrame(
        [[row.get(name) for name in FULL_SCHEMA] for row in rows],
        schema=FULL_SCHEMA,
        orient="row",
    )


# --- the reader ------------------------------------------------------------------------------


class HistoryError(ValueError):
    """A history table that cannot be read: where (file, row, column) and why."""

    def __init__(self, source: str, row: int | None, column: str | None, message: str) -> None:
        self.source, self.row, self.column = source, row, column
        where = source
        if row is not None:
            where += f", row {row}"
        if column is not None:
            where += f", column {column}"
        super().__init__(f"{where}: {message}")


REQUIRED_COLUMNS = ("declaration_id", "declared_at", "hs_code")


def _first_bad_row(mask: pl.Series) -> int | None:
    found = mask.fill_null(False).arg_true()
    return None if found.is_empty() else int(found[0]) + 1


def check_history(frame: pl.DataFrame, source: str) -> pl.DataFrame:
    """The frame with the schema's types, or a `HistoryError` at the first bad value.

    Rows count from 1 (a CSV file's first data row is row 1, on line 2). Columns beyond the
    schema are kept as they are; missing optional ones stay missing."""
    missing = [c for c in REQUIRED_COLUMNS if c not in frame.columns]
    if missing:
        raise HistoryError(source, None, missing[0], "required column is missing")
    casts = []
    for name, dtype in FULL_SCHEMA.items():
        if name not in frame.columns:
            continue
        column = frame[name]
        if isinstance(dtype, pl.Datetime):
            converted = _as_time(column)
        elif column.dtype == pl.String and dtype == pl.Boolean():
            converted = _as_boolean(column)
        else:
            converted = column.cast(dtype, strict=False)
        given = column.is_not_null()
        if column.dtype == pl.String:
            given &= column.str.strip_chars() != ""
        bad = _first_bad_row(given & converted.is_null())
        if bad is not None:
            value = column[bad - 1]
            raise HistoryError(source, bad, name, f"{value!r} is not a {_kind(dtype)}")
        casts.append(converted.alias(name))
    typed = frame.with_columns(casts)
    if typed["declared_at"].is_null().any():
        raise HistoryError(
            source, _first_bad_row(typed["declared_at"].is_null()), "declared_at", "is missing"
        )
    for name, (kind, _) in ENUM_COLUMNS.items():
        if name not in typed.columns:
            continue
        column = typed[name]
        allowed = [m.value for m in kind]
        bad = _first_bad_row(
            column.is_not_null() & (column.str.strip_chars() != "") & ~column.is_in(allowed)
        )
        if bad is not None:
            raise HistoryError(
                source,
                bad,
                name,
                f"{column[bad - 1]!r} is not one of {', '.join(allowed)}",
            )
    return typed


def _as_boolean(column: pl.Series) -> pl.Series:
    """true/false (or 1/0, any case) as booleans; anything else missing."""
    lowered = column.str.strip_chars().str.to_lowercase()
    words = {"true": True, "1": True, "false": False, "0": False}
    return lowered.replace_strict(words, default=None, return_dtype=pl.Boolean)


def _kind(dtype: pl.DataType) -> str:
    if isinstance(dtype, pl.Datetime):
        return "date-time (ISO 8601)"
    if dtype == pl.Boolean():
        return "boolean (true/false)"
    if dtype.is_numeric():
        return "number"
    return "text"


def _as_time(column: pl.Series) -> pl.Series:
    """A timestamp column in UTC (naive input is taken as UTC; text is ISO 8601)."""
    if column.dtype == pl.String:
        text = column.str.strip_chars()
        parsed = text.str.to_datetime(time_unit="us", time_zone="UTC", strict=False)
        return parsed
    if isinstance(column.dtype, pl.Datetime):
        if column.dtype.time_zone is None:
            return column.cast(pl.Datetime("us")).dt.replace_time_zone("UTC")
        return column.dt.convert_time_zone("UTC").cast(pl.Datetime("us", "UTC"))
    if column.dtype == pl.Date:
        return column.cast(pl.Datetime("us")).dt.replace_time_zone("UTC")
    return pl.Series(column.name, [None] * len(column), dtype=pl.Datetime("us", "UTC"))


def read_history(path: Path) -> pl.DataFrame:
    """A history file (Parquet, or CSV with a header), checked and typed by the schema."""
    if path.suffix.lower() in (".parquet", ".pq"):
        try:
            frame = pl.read_parquet(path)
        except (OSError, pl.exceptions.PolarsError) as exc:
            raise HistoryError(
                path.name, None, None, f"not a readable Parquet file: {exc}"
            ) from exc
        return check_history(frame, path.name)
    try:
        # the schema's columns as text, checked below; any others (features) inferred
        text = dict.fromkeys(FULL_SCHEMA, pl.String())
        frame = pl.read_csv(path, infer_schema_length=10_000, schema_overrides=text)
    except (OSError, pl.exceptions.PolarsError) as exc:
        raise HistoryError(path.name, None, None, f"not a readable CSV file: {exc}") from exc
    return check_history(frame, path.name)


def _text(row: Mapping[str, Any], key: str) -> str:
    value = row.get(key)
    return "" if value is None else str(value)


def _number(row: Mapping[str, Any], key: str) -> float:
    value = row.get(key)
    return float(value) if isinstance(value, int | float) and math.isfinite(value) else 0.0


def _enum(row: Mapping[str, Any], key: str) -> Any:
    kind, default = ENUM_COLUMNS[key]
    value = _text(row, key).strip()
    return kind(value) if value else default


def _utc(value: datetime) -> datetime:
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def money_of(row: Mapping[str, Any]) -> Money | None:
    """An item's value: amount and currency, else the US dollars of `value_usd`."""
    amount, currency = row.get("value_amount"), row.get("value_currency")
    if isinstance(amount, int | float) and currency:
        return Money(float(amount), str(currency))
    usd = row.get("value_usd")
    if isinstance(usd, int | float):
        return Money(float(usd), BASE_CURRENCY)
    return None


def _party(row: Mapping[str, Any], key: str) -> Party | None:
    value = _text(row, key).strip()
    return Party(value) if value else None


def declaration_of(rows: Sequence[Mapping[str, Any]]) -> Declaration:
    """One declaration from its rows (already checked by `check_history`)."""
    first = rows[0]
    return Declaration(
        declaration_id=_text(first, "declaration_id"),
        declared_at=_utc(first["declared_at"]),
        direction=_enum(first, "direction"),
        customs_office=_text(first, "customs_office"),
        transport_mode=_enum(first, "transport_mode"),
        procedure=_enum(first, "procedure"),
        declarant=_party(first, "declarant_id"),
        importer=_party(first, "importer_id"),
        exporter=_party(first, "exporter_id"),
        consignee=_party(first, "consignee_id"),
        origin_country=_text(first, "origin_country"),
        departure_country=_text(first, "departure_country"),
        destination_country=_text(first, "destination_country"),
        items=tuple(
            Item(
                line_no=int(r["line_no"]) if isinstance(r.get("line_no"), int) else n,
                hs_code=_text(r, "hs_code"),
                description=_text(r, "description"),
                brand=_text(r, "brand"),
                model=_text(r, "model"),
                quantity=_number(r, "quantity"),
                unit=_text(r, "unit"),
                net_mass_kg=_number(r, "net_mass_kg"),
                value=money_of(r),
                origin_country=_text(r, "item_origin_country"),
            )
            for n, r in enumerate(rows, 1)
        ),
    )


def declaration_groups(
    history: pl.DataFrame, source: str = "history"
) -> Iterator[tuple[Declaration, list[dict[str, Any]]]]:
    """Each declaration of the table with its rows, in the table's order (a declaration's
    rows need not be contiguous)."""
    checked = check_history(history, source)
    for part in checked.partition_by("declaration_id", maintain_order=True):
        rows = list(part.iter_rows(named=True))
        yield declaration_of(rows), rows


def declarations_of(history: pl.DataFrame, source: str = "history") -> Iterator[Declaration]:
    """The declarations of a history table, in the table's order."""
    for declaration, _ in declaration_groups(history, source):
        yield declaration


def outcomes_of(history: pl.DataFrame) -> dict[str, OutcomeResult]:
    """The recorded result of each inspected declaration (its first row that has one)."""
    if "result" not in history.columns:
        return {}
    found = (
        history.filter(pl.col("result").is_not_null() & (pl.col("result") != ""))
        .group_by("declaration_id", maintain_order=True)
        .agg(pl.col("result").first())
    )
    return {str(d): OutcomeResult(r) for d, r in found.iter_rows()}


# --- the pass that adds match columns -----------------------------------------------------

MatchItem = Callable[[Item, Declaration], Sequence[Match]]


def with_match_columns(
    history: pl.DataFrame,
    match_item: MatchItem,
    *,
    source: str = "history",
    progress: Callable[[int], None] | None = None,
) -> pl.DataFrame:
    """The history with the match columns (declaration- and item-level) that `match_item`
    (the serving matcher) finds, replacing any it had; `progress` hears of each declaration."""
    rows: list[dict[str, object]] = []
    for declaration in declarations_of(history, source):
        found = {item.line_no: tuple(match_item(item, declaration)) for item in declaration.items}
        overall = match_columns([m for ms in found.values() for m in ms])
        for line_no, matches in found.items():
            rows.append(
                {
                    "declaration_id": declaration.declaration_id,
                    "line_no": line_no,
                    **overall,
                    **item_match_columns(matches),
                }
            )
        if progress is not None:
            progress(1)
    names = ("declaration_id", "line_no", *DECLARATION_MATCH_COLUMNS, *ITEM_MATCH_COLUMNS)
    schema = {n: FULL_SCHEMA[n] for n in names}
    found_columns = pl.DataFrame(rows, schema=schema, orient="row")
    keyed = history.with_columns(
        pl.col("declaration_id").cast(pl.String),
        (
            pl.col("line_no").cast(pl.Int64)
            if "line_no" in history.columns
            else pl.int_range(1, pl.len() + 1).over("declaration_id")
        ).alias("line_no"),
    )
    keep = [c for c in keyed.columns if c not in names[2:]]
    return keyed.select(keep).join(found_columns, on=["declaration_id", "line_no"], how="left")
