"""Declarations written inside rule tests, converted to `riskd.domain` types.

Tests use the canonical snake_case shape of a Declaration, with shortcuts so that a test
states only what matters to the rule: enum values by short name (`POSTAL`, or the full
`TRANSPORT_MODE_POSTAL`), a party as its bare id, an item's value as `"12.50 USD"`, and
defaults for everything else (IMPORT, SEA, STANDARD, office TEST, line numbers 1, 2, ...).
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from datetime import UTC, date, datetime, time
from typing import TypeVar

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
from riskd.rules.errors import Pos
from riskd.rules.yamlpos import Node, unknown_keys

DECLARATION_KEYS = (
    "declaration_id",
    "declared_at",
    "direction",
    "customs_office",
    "transport_mode",
    "procedure",
    "declarant",
    "importer",
    "exporter",
    "consignee",
    "origin_country",
    "departure_country",
    "destination_country",
    "items",
)
ITEM_KEYS = (
    "line_no",
    "hs_code",
    "description",
    "brand",
    "model",
    "quantity",
    "unit",
    "net_mass_kg",
    "value",
    "origin_country",
)
MATCH_KEYS = (
    "line_no",
    "recordation_id",
    "mark",
    "holder",
    "matched_text",
    "score",
    "right_type",
    "authorised",
    "raises_risk",
)
E = TypeVar("E", bound=enum.StrEnum)


@dataclass(frozen=True, slots=True)
class TestInput:
    declaration: Declaration
    items: tuple[ItemAssessment, ...]
    features: dict[str, FeatureValue]


def enum_value(node: Node, kind: type[E], prefix: str) -> E | None:
    """Short (`POSTAL`) or full proto (`TRANSPORT_MODE_POSTAL`) enum names."""
    text = node.text(f"one of {', '.join(m.value for m in kind)}")
    if text is None:
        return None
    name = text.upper().removeprefix(prefix)
    try:
        return kind(name)
    except ValueError:
        node.fail("E-VALUE", f"expected one of {', '.join(m.value for m in kind)}, not {text!r}")
        return None


def convert_test_input(
    declaration: Node, matches: Node | None, features: Node | None, *, test_id: str, on: date
) -> TestInput | None:
    """The test's declaration, simulated matcher results and history features, or None."""
    before = len(declaration.problems)
    parsed = _declaration(declaration, test_id, on)
    items = _matches(matches, parsed) if matches is not None and parsed is not None else None
    feats = _features(features) if features is not None else {}
    if parsed is None or len(declaration.problems) > before:
        return None
    if items is None:
        items = tuple(ItemAssessment(i.line_no) for i in parsed.items)
    return TestInput(parsed, items, feats)


def _declaration(node: Node, test_id: str, on: date) -> Declaration | None:
    spec = node.mapping("a declaration")
    if spec is None:
        return None
    node.problems.extend(unknown_keys(spec, DECLARATION_KEYS, "a declaration"))

    def text(key: str, default: str = "") -> str:
        return (spec[key][1].text() or default) if key in spec else default

    declared_at = datetime.combine(on, time(12, 0), UTC)
    if "declared_at" in spec:
        at = spec["declared_at"][1]
        if isinstance(at.value, datetime):
            declared_at = at.value if at.value.tzinfo else at.value.replace(tzinfo=UTC)
        else:
            day = at.day("a date or a date-time")
            declared_at = datetime.combine(day, time(12, 0), UTC) if day else declared_at
    direction = (
        enum_value(spec["direction"][1], Direction, "DIRECTION_")
        if "direction" in spec
        else Direction.IMPORT
    )
    mode = (
        enum_value(spec["transport_mode"][1], TransportMode, "TRANSPORT_MODE_")
        if "transport_mode" in spec
        else TransportMode.SEA
    )
    procedure = (
        enum_value(spec["procedure"][1], Procedure, "PROCEDURE_")
        if "procedure" in spec
        else Procedure.STANDARD
    )
    items: list[Item] = []
    if "items" in spec:
        for index, item_node in enumerate(spec["items"][1].sequence("a list of items") or [], 1):
            item = _item(item_node, index)
            if item is not None:
                items.append(item)
    if direction is None or mode is None or procedure is None:
        return None
    return Declaration(
        declaration_id=text("declaration_id", test_id),
        declared_at=declared_at,
        direction=direction,
        customs_office=text("customs_office", "TEST"),
        transport_mode=mode,
        items=tuple(items),
        procedure=procedure,
        declarant=_party(spec, "declarant"),
        importer=_party(spec, "importer"),
        exporter=_party(spec, "exporter"),
        consignee=_party(spec, "consignee"),
        origin_country=text("origin_country"),
        departure_country=text("departure_country"),
        destination_country=text("destination_country"),
    )


def _party(spec: dict[str, tuple[Pos, Node]], role: str) -> Party | None:
    if role not in spec:
        return None
    node = spec[role][1]
    if node.is_map():
        fields = node.mapping("a party") or {}
        node.problems.extend(unknown_keys(fields, ("id", "name", "country"), "a party"))
        values = {k: fields[k][1].text() or "" for k in ("id", "name", "country") if k in fields}
        return Party(values.get("id", ""), values.get("name", ""), values.get("country", ""))
    party_id = node.text("a party id or a mapping with id, name, country")
    return Party(party_id) if party_id else None


def _item(node: Node, index: int) -> Item | None:
    spec = node.mapping("an item")
    if spec is None:
        return None
    node.problems.extend(unknown_keys(spec, ITEM_KEYS, "an item"))

    def text(key: str) -> str:
        return (spec[key][1].text() or "") if key in spec else ""

    def number(key: str, default: float = 0.0) -> float:
        return (spec[key][1].number() or 0.0) if key in spec else default

    value = _money(spec["value"][1]) if "value" in spec else None
    return Item(
        line_no=int(number("line_no", float(index))),
        hs_code=text("hs_code"),
        description=text("description"),
        brand=text("brand"),
        model=text("model"),
        quantity=number("quantity"),
        unit=text("unit"),
        net_mass_kg=number("net_mass_kg"),
        value=value,
        origin_country=text("origin_country"),
    )


def _money(node: Node) -> Money | None:
    if node.is_map():
        spec = node.mapping("a value") or {}
        node.problems.extend(unknown_keys(spec, ("amount", "currency"), "a value"))
        amount = spec["amount"][1].number() if "amount" in spec else None
        currency = spec["currency"][1].text() if "currency" in spec else None
        if amount is None or currency is None:
            node.fail("E-VALUE", "a value needs amount and currency")
            return None
        return Money(amount, currency.upper())
    text = node.text("a value like '12.50 USD' or {amount: 12.5, currency: USD}")
    parts = (text or "").split()
    try:
        return Money(float(parts[0]), parts[1].upper()) if len(parts) == 2 else _bad_money(node)
    except ValueError:
        return _bad_money(node)


def _bad_money(node: Node) -> Money | None:
    node.fail("E-VALUE", "write a value as '12.50 USD' or {amount: 12.5, currency: USD}")
    return None


def _matches(node: Node, declaration: Declaration) -> tuple[ItemAssessment, ...] | None:
    """Simulated matcher results, so a rule on matches is testable without a register."""
    by_line: dict[int, list[Match]] = {i.line_no: [] for i in declaration.items}
    for match_node in node.sequence("a list of matches") or []:
        spec = match_node.mapping("a match") or {}
        match_node.problems.extend(unknown_keys(spec, MATCH_KEYS, "a match"))
        line_no = int(spec["line_no"][1].number() or 1) if "line_no" in spec else 1
        if line_no not in by_line:
            match_node.fail("E-VALUE", f"no item with line_no {line_no} in the declaration")
            continue

        def text(key: str, default: str, spec: dict[str, tuple[Pos, Node]] = spec) -> str:
            return (spec[key][1].text() or default) if key in spec else default

        right = (
            enum_value(spec["right_type"][1], RightType, "RIGHT_TYPE_")
            if "right_type" in spec
            else RightType.TRADEMARK
        )
        authorised = bool(spec["authorised"][1].boolean()) if "authorised" in spec else False
        raises = spec["raises_risk"][1].boolean() if "raises_risk" in spec else not authorised
        mark = text("mark", "MARK")
        by_line[line_no].append(
            Match(
                recordation_id=text("recordation_id", "TEST-RECORDATION"),
                mark=mark,
                holder=text("holder", "holder"),
                matched_text=text("matched_text", mark),
                score=spec["score"][1].number() or 0.0 if "score" in spec else 100.0,
                method=MatchMethod.EXACT,
                right_type=right or RightType.TRADEMARK,
                authorised=authorised,
                raises_risk=bool(raises),
            )
        )
    return tuple(ItemAssessment(line, tuple(found)) for line, found in by_line.items())


def _features(node: Node) -> dict[str, FeatureValue]:
    out: dict[str, FeatureValue] = {}
    for key, _, value in node.items():
        if isinstance(value.value, bool) or not isinstance(value.value, int | float | str):
            value.expected("a number or a text")
            continue
        out[key] = float(value.value) if isinstance(value.value, int | float) else value.value
    if not node.is_map():
        node.expected("a mapping of feature names to values")
    return out
