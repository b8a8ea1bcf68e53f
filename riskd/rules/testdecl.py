"""Declarations written inside rule tests, converted to `riskd.domain` types.

Tests use the canonical snake_case shape of a Declaration, with shortcuts so that a test
states only what matters to the rule (see `riskd.rules.definition.DeclarationSpec`): enum
values by short name, a party as its bare id, an item's value as `"12.50 USD"`, and defaults
for everything else (IMPORT, SEA, STANDARD, office TEST, line numbers 1, 2, ...).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time

from riskd.domain import Declaration, Item, ItemAssessment, Match, MatchMethod, Money, Party
from riskd.features import FeatureValue
from riskd.rules.ast import RuleTest
from riskd.rules.definition import DeclarationSpec, ItemSpec, PartySpec


@dataclass(frozen=True, slots=True)
class TestInput:
    declaration: Declaration
    items: tuple[ItemAssessment, ...]
    features: dict[str, FeatureValue]


def convert_test_input(test: RuleTest, *, test_id: str, on: date) -> TestInput:
    """The test's declaration, simulated matcher results and history features; the
    declaration is lodged `on` that day unless it says when."""
    declaration = _declaration(test.declaration, test_id, on)
    by_line: dict[int, list[Match]] = {i.line_no: [] for i in declaration.items}
    for m in test.matches:
        by_line[m.line_no].append(
            Match(
                recordation_id=m.recordation_id,
                mark=m.mark,
                holder=m.holder,
                matched_text=m.matched_text or m.mark,
                score=m.score,
                method=MatchMethod.EXACT,
                right_type=m.right_type,
                authorised=m.authorised,
                raises_risk=not m.authorised if m.raises_risk is None else m.raises_risk,
            )
        )
    items = tuple(ItemAssessment(line, tuple(found)) for line, found in by_line.items())
    return TestInput(declaration, items, dict(test.features))


def _declaration(spec: DeclarationSpec, test_id: str, on: date) -> Declaration:
    return Declaration(
        declaration_id=spec.declaration_id or test_id,
        declared_at=spec.declared_at or datetime.combine(on, time(12, 0), UTC),
        direction=spec.direction,
        customs_office=spec.customs_office,
        transport_mode=spec.transport_mode,
        items=tuple(_item(i, n) for n, i in enumerate(spec.items, 1)),
        procedure=spec.procedure,
        declarant=_party(spec.declarant),
        importer=_party(spec.importer),
        exporter=_party(spec.exporter),
        consignee=_party(spec.consignee),
        origin_country=spec.origin_country,
        departure_country=spec.departure_country,
        destination_country=spec.destination_country,
    )


def _party(spec: PartySpec | None) -> Party | None:
    if spec is None or not (spec.id or spec.name or spec.country):
        return None
    return Party(spec.id, spec.name, spec.country)


def _item(spec: ItemSpec, line_no: int) -> Item:
    value = spec.value
    return Item(
        line_no=spec.line_no or line_no,
        hs_code=spec.hs_code,
        description=spec.description,
        brand=spec.brand,
        model=spec.model,
        quantity=spec.quantity,
        unit=spec.unit,
        net_mass_kg=spec.net_mass_kg,
        value=Money(value.amount, value.currency.upper()) if value is not None else None,
        origin_country=spec.origin_country,
    )
