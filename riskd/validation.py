"""Checks of a declaration against the input limits, naming every bad field.

Run on domain objects, so the gRPC edge, the CLI and rule tests refuse the same things.
"""

from __future__ import annotations

import math
import re
from datetime import UTC, datetime

from riskd.domain import Declaration, FieldViolation, Item, Party
from riskd.settings import Limits

_COUNTRY = re.compile(r"^[A-Z]{2}$")
_CURRENCY = re.compile(r"^[A-Z]{3}$")
_HS_CODE = re.compile(r"^[0-9]{6,10}$")
_EARLIEST = datetime(1990, 1, 1, tzinfo=UTC)
_LATEST = datetime(2200, 1, 1, tzinfo=UTC)


def validate_declaration(
    declaration: Declaration, limits: Limits, prefix: str = ""
) -> list[FieldViolation]:
    """Every violation of the declaration, with field paths like `items[2].hs_code`."""
    out: list[FieldViolation] = []

    def bad(field: str, description: str) -> None:
        out.append(FieldViolation(prefix + field, description))

    def text(field: str, value: str, *, required: bool = False, limit: int | None = None) -> None:
        size = len(value.encode("utf-8"))
        if required and not value.strip():
            bad(field, "is required")
        elif size > (limit or limits.max_text_bytes):
            bad(field, f"is {size} bytes; at most {limit or limits.max_text_bytes} allowed")
        elif any(ord(c) < 32 and c not in "\t\n\r" for c in value):
            bad(field, "contains control characters")

    def country(field: str, value: str) -> None:
        if value and not _COUNTRY.match(value):
            bad(field, f"{value[:16]!r} is not an ISO 3166-1 alpha-2 code (two capital letters)")

    text("declaration_id", declaration.declaration_id, required=True, limit=64)
    if not (_EARLIEST <= declaration.declared_at < _LATEST):
        bad("declared_at", "must be between 1990 and 2200")
    text("customs_office", declaration.customs_office, required=True, limit=32)
    for name in ("declarant", "importer", "exporter", "consignee"):
        party: Party | None = getattr(declaration, name)
        if party is not None:
            text(f"{name}.id", party.id, required=True, limit=64)
            text(f"{name}.name", party.name)
            country(f"{name}.country", party.country)
    for name in ("origin_country", "departure_country", "destination_country"):
        country(name, getattr(declaration, name))
    if not declaration.items:
        bad("items", "at least one item is required")
    elif len(declaration.items) > limits.max_items:
        bad("items", f"has {len(declaration.items)} items; at most {limits.max_items} allowed")
    else:
        seen: set[int] = set()
        for index, item in enumerate(declaration.items):
            out.extend(_validate_item(item, limits, f"{prefix}items[{index}].", seen))
    return out


def _validate_item(item: Item, limits: Limits, prefix: str, seen: set[int]) -> list[FieldViolation]:
    out: list[FieldViolation] = []
    if item.line_no < 1:
        out.append(FieldViolation(prefix + "line_no", "must be at least 1"))
    elif item.line_no in seen:
        out.append(FieldViolation(prefix + "line_no", f"line {item.line_no} appears twice"))
    seen.add(item.line_no)
    if not _HS_CODE.match(item.hs_code):
        out.append(FieldViolation(prefix + "hs_code", "must be 6 to 10 digits"))
    size = len(item.description.encode("utf-8"))
    if not item.description.strip():
        out.append(FieldViolation(prefix + "description", "is required"))
    elif size > limits.max_description_bytes:
        out.append(
            FieldViolation(
                prefix + "description",
                f"is {size} bytes; at most {limits.max_description_bytes} allowed",
            )
        )
    for name in ("brand", "model", "unit"):
        value: str = getattr(item, name)
        if len(value.encode("utf-8")) > limits.max_text_bytes:
            out.append(
                FieldViolation(prefix + name, f"at most {limits.max_text_bytes} bytes allowed")
            )
    for name in ("quantity", "net_mass_kg"):
        value_f: float = getattr(item, name)
        if not math.isfinite(value_f) or value_f < 0:
            out.append(FieldViolation(prefix + name, "must be a finite, non-negative number"))
    if item.value is not None:
        if not math.isfinite(item.value.amount) or item.value.amount < 0:
            out.append(
                FieldViolation(prefix + "value.amount", "must be a finite, non-negative number")
            )
        if not _CURRENCY.match(item.value.currency):
            out.append(
                FieldViolation(prefix + "value.currency", "must be an ISO 4217 code (e.g. USD)")
            )
    if item.origin_country and not _COUNTRY.match(item.origin_country):
        out.append(FieldViolation(prefix + "origin_country", "must be an ISO 3166-1 alpha-2 code"))
    return out
