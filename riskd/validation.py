"""Checks of a declaration against the input limits, naming every bad field.

Run on domain objects, so the gRPC edge, the CLI and rule tests refuse the same things.
"""

from __future__ import annotations

import math
import re
from datetime import UTC, datetime
from functools import cache

from riskd.domain import Declaration, FieldViolation, Item, Party
from riskd.settings import Limits

_HS_CODE = re.compile(r"^[0-9]{6,10}$")
_EARLIEST = datetime(1990, 1, 1, tzinfo=UTC)
_LATEST = datetime(2200, 1, 1, tzinfo=UTC)

# Bounds of the numbers of a goods line. A number is 0 (not declared) or between the two:
# beyond them it is a slip or an attack, never a consignment, and would make unit values
# (value per kilogram) overflow or vanish in the profiles every later score reads.
AMOUNT_RANGE = (1e-6, 1e15)  # value, in any currency (1e15 IDR is some 60 million USD)
QUANTITY_RANGE = (1e-6, 1e10)
MASS_RANGE_KG = (1e-6, 1e9)  # a milligram to a million tonnes
# User-assigned codes that customs use beside ISO 3166-1 (Kosovo, Ceuta, Melilla, Serbia's
# former code), accepted as countries.
CUSTOMS_COUNTRIES = frozenset({"XK", "XC", "XL", "XS"})


@cache
def countries() -> frozenset[str]:
    """ISO 3166-1 alpha-2 codes (pycountry) and the customs user-assigned ones."""
    import pycountry

    return frozenset(c.alpha_2 for c in pycountry.countries) | CUSTOMS_COUNTRIES


@cache
def currencies() -> frozenset[str]:
    """ISO 4217 alphabetic codes (pycountry)."""
    import pycountry

    return frozenset(c.alpha_3 for c in pycountry.currencies)


def _bounded(value: float, bounds: tuple[float, float]) -> bool:
    low, high = bounds
    return math.isfinite(value) and (value == 0 or low <= value <= high)


def _range(bounds: tuple[float, float]) -> str:
    return f"must be 0 or a number from {bounds[0]:g} to {bounds[1]:g}"


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
        if value and value not in countries():
            bad(field, f"{value[:16]!r} is not an ISO 3166-1 alpha-2 country code (e.g. CN)")

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
    for name, bounds in (("quantity", QUANTITY_RANGE), ("net_mass_kg", MASS_RANGE_KG)):
        if not _bounded(getattr(item, name), bounds):
            out.append(FieldViolation(prefix + name, _range(bounds)))
    if item.value is not None:
        if not _bounded(item.value.amount, AMOUNT_RANGE):
            out.append(FieldViolation(prefix + "value.amount", _range(AMOUNT_RANGE)))
        if item.value.currency not in currencies():
            out.append(
                FieldViolation(prefix + "value.currency", "must be an ISO 4217 code (e.g. USD)")
            )
    if item.origin_country and item.origin_country not in countries():
        out.append(
            FieldViolation(prefix + "origin_country", "must be an ISO 3166-1 alpha-2 country code")
        )
    return out
