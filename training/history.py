"""History tables back to domain declarations, and trademark-match features for them.

A history table (one row per item) carries no match results. To train on them, the
declarations are rebuilt from their rows and run through the same matcher the daemon uses,
against a register given for the purpose; the match features are then those serving would
have computed with that register. Matching today's register against older declarations is a
mild look-ahead (a recordation filed later may match); a recordation not yet in force on
the declaration's date matches without raising risk, as at serving.
"""

from __future__ import annotations

import sys
from collections.abc import Iterator
from datetime import UTC, datetime
from enum import Enum
from typing import Any, TypeVar

import polars as pl
from tqdm import tqdm

from riskd.domain import (
    Declaration,
    Direction,
    Item,
    ItemAssessment,
    Money,
    Party,
    Procedure,
    TransportMode,
)
from riskd.features.declaration import match_features
from riskd.matching import build_matcher
from riskd.register.model import Register

E = TypeVar("E", bound=Enum)


def _enum(kind: type[E], value: Any, default: E) -> E:
    try:
        return kind(value)
    except ValueError:
        return default


def _party(value: Any) -> Party | None:
    return Party(str(value)) if value else None


def _utc(value: datetime) -> datetime:
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def _money(row: dict[str, Any]) -> Money | None:
    if row.get("value_amount") is not None and row.get("value_currency"):
        return Money(float(row["value_amount"]), str(row["value_currency"]))
    if row.get("value_usd") is not None:
        return Money(float(row["value_usd"]), "USD")
    return None


def declarations_from_history(history: pl.DataFrame) -> Iterator[Declaration]:
    """The declarations of a history table, in the table's order."""
    for rows in history.partition_by("declaration_id", maintain_order=True):
        items = list(rows.iter_rows(named=True))
        first = items[0]
        yield Declaration(
            declaration_id=str(first["declaration_id"]),
            declared_at=_utc(first["declared_at"]),
            direction=_enum(Direction, first.get("direction"), Direction.IMPORT),
            customs_office=first.get("customs_office") or "",
            transport_mode=_enum(TransportMode, first.get("transport_mode"), TransportMode.SEA),
            procedure=_enum(Procedure, first.get("procedure"), Procedure.STANDARD),
            declarant=_party(first.get("declarant_id")),
            importer=_party(first.get("importer_id")),
            exporter=_party(first.get("exporter_id")),
            consignee=_party(first.get("consignee_id")),
            origin_country=first.get("origin_country") or "",
            departure_country=first.get("departure_country") or "",
            destination_country=first.get("destination_country") or "",
            items=tuple(
                Item(
                    line_no=int(r.get("line_no") or n + 1),
                    hs_code=str(r["hs_code"]),
                    description=r.get("description") or "",
                    brand=r.get("brand") or "",
                    model=r.get("model") or "",
                    quantity=float(r.get("quantity") or 0.0),
                    unit=r.get("unit") or "",
                    net_mass_kg=float(r.get("net_mass_kg") or 0.0),
                    value=_money(r),
                    origin_country=r.get("item_origin_country") or "",
                )
                for n, r in enumerate(items)
            ),
        )


def with_match_features(
    history: pl.DataFrame, register: Register, *, progress: bool = False
) -> pl.DataFrame:
    """The history table with the match features of each declaration on its item rows."""
    matcher = build_matcher(register)
    n = history["declaration_id"].n_unique()
    rows = []
    bar = tqdm(total=n, desc="matching", unit="decl", file=sys.stderr, disable=not progress)
    with bar:
        for declaration in declarations_from_history(history):
            assessed = [
                ItemAssessment(item.line_no, matcher.match_item(item, declaration))
                for item in declaration.items
            ]
            found = match_features([m for a in assessed for m in a.matches])
            rows.append({"declaration_id": declaration.declaration_id, **found})
            bar.update(1)
    columns = list(rows[0]) if rows else ["declaration_id"]
    matches = pl.DataFrame(rows, schema={c: _MATCH_SCHEMA.get(c, pl.String) for c in columns})
    present = [c for c in matches.columns if c != "declaration_id"]
    return history.drop([c for c in present if c in history.columns]).join(
        matches.with_columns(pl.col("declaration_id").cast(history["declaration_id"].dtype)),
        on="declaration_id",
        how="left",
    )


_MATCH_SCHEMA: dict[str, Any] = {
    "declaration_id": pl.String,
    "best_match_method": pl.String,
    "best_match_score": pl.Float64,
    "n_risky_matches": pl.Float64,
    "best_match_class_fit": pl.Float64,
    "best_match_authorised": pl.Float64,
}
