"""The fields a rule condition may name: one catalogue for serving, backtests, docs and schema.

Each field has a type, a level (declaration, item, match of the item, party history) and a
docstring-like description. The serving evaluator reads a field through `Field.read`; the
backtest frame carries one column per field under the same name (see `riskd.rules.frame`).
Party history (profile) features are read from the `features` mapping the pipeline passes to
`evaluate`, under the names `riskd.features` gives them; a missing one reads as 0.
"""

from __future__ import annotations

import enum
from collections.abc import Callable, Mapping
from dataclasses import dataclass

from riskd.domain import Declaration, Direction, Item, Match, Party, Procedure, RightType
from riskd.domain import TransportMode as Mode
from riskd.features import Features
from riskd.features.profiles import PROFILES, profile_feature_names
from riskd.history import to_usd

Value = str | float | bool | None


class FieldType(enum.StrEnum):
    STRING = "string"
    NUMBER = "number"
    BOOLEAN = "boolean"


class Level(enum.StrEnum):
    DECLARATION = "declaration"
    ITEM = "item"
    MATCH = "match"
    HISTORY = "history"


@dataclass(frozen=True, slots=True)
class ItemContext:
    """What one item's evaluation sees: the declaration, the item, its best match, features."""

    declaration: Declaration
    item: Item | None
    best_match: Match | None
    features: Features
    rates_to_usd: Mapping[str, float]


Reader = Callable[[ItemContext], Value]


@dataclass(frozen=True, slots=True)
class Field:
    name: str
    type: FieldType
    level: Level
    doc: str
    read: Reader
    values: tuple[str, ...] = ()  # the allowed values of an enumerated string field


def _party_id(party: Party | None) -> str | None:
    return party.id if party is not None and party.id else None


def _text(value: str) -> str | None:
    return value or None


def value_usd(item: Item, rates: Mapping[str, float]) -> float | None:
    """The item's value in US dollars by the rule set's currency table; None if unknown."""
    return to_usd(item.value, rates)


def unit_value_usd(item: Item, rates: Mapping[str, float]) -> float | None:
    """Value per declared unit in US dollars: the officers' undervaluation signal."""
    usd = value_usd(item, rates)
    if usd is None or item.quantity <= 0:
        return None
    return usd / item.quantity


def _item(getter: Callable[[Item], Value]) -> Reader:
    return lambda c: None if c.item is None else getter(c.item)


def _item_rates(getter: Callable[[Item, Mapping[str, float]], Value]) -> Reader:
    return lambda c: None if c.item is None else getter(c.item, c.rates_to_usd)


def _match(getter: Callable[[Match], Value]) -> Reader:
    return lambda c: None if c.best_match is None else getter(c.best_match)


def _total_value_usd(c: ItemContext) -> float:
    values = (value_usd(i, c.rates_to_usd) for i in c.declaration.items)
    return sum((v for v in values if v is not None), 0.0)


def _history(key: str) -> Reader:
    def read(c: ItemContext) -> float:
        value = c.features.get(key)
        return float(value) if isinstance(value, int | float) else 0.0

    return read


ROLES = ("declarant", "importer", "exporter", "consignee")
_HISTORY_DOCS = (
    "earlier declarations of this {what}",
    "of those, inspections whose outcome was known",
    "seizure rate of those inspections, smoothed towards the overall rate (0..1)",
)


def _history_fields() -> list[tuple[str, str]]:
    """The profile features of `riskd.features` (the names training and serving share)."""
    fields = []
    for spec in PROFILES:
        what = spec.name.replace("_", " and ") + f" ({', '.join(spec.fields)})"
        for name, doc in zip(profile_feature_names(spec), _HISTORY_DOCS, strict=True):
            fields.append((name, doc.format(what=what)))
    return fields


def _enum_values(kind: type[enum.StrEnum]) -> tuple[str, ...]:
    return tuple(m.value for m in kind)


def _catalogue() -> dict[str, Field]:
    S, N, B = FieldType.STRING, FieldType.NUMBER, FieldType.BOOLEAN
    D, IT, M, H = Level.DECLARATION, Level.ITEM, Level.MATCH, Level.HISTORY
    fields = [
        Field(
            "direction",
            S,
            D,
            "direction of the goods",
            lambda c: c.declaration.direction.value,
            _enum_values(Direction),
        ),
        Field(
            "transport_mode",
            S,
            D,
            "the channel (transport mode)",
            lambda c: c.declaration.transport_mode.value,
            _enum_values(Mode),
        ),
        Field(
            "procedure",
            S,
            D,
            "customs procedure",
            lambda c: c.declaration.procedure.value,
            _enum_values(Procedure),
        ),
        Field(
            "customs_office",
            S,
            D,
            "code of the office the declaration is lodged at",
            lambda c: _text(c.declaration.customs_office),
        ),
        Field(
            "origin_country",
            S,
            D,
            "ISO country of origin of the consignment",
            lambda c: _text(c.declaration.origin_country),
        ),
        Field(
            "departure_country",
            S,
            D,
            "ISO country the goods left from",
            lambda c: _text(c.declaration.departure_country),
        ),
        Field(
            "destination_country",
            S,
            D,
            "ISO country of destination",
            lambda c: _text(c.declaration.destination_country),
        ),
        Field(
            "declarant_id",
            S,
            D,
            "id of the declarant (customs broker)",
            lambda c: _party_id(c.declaration.declarant),
        ),
        Field(
            "importer_id", S, D, "id of the importer", lambda c: _party_id(c.declaration.importer)
        ),
        Field(
            "exporter_id", S, D, "id of the exporter", lambda c: _party_id(c.declaration.exporter)
        ),
        Field(
            "consignee_id",
            S,
            D,
            "id of the consignee",
            lambda c: _party_id(c.declaration.consignee),
        ),
        Field(
            "n_items",
            N,
            D,
            "number of items on the declaration",
            lambda c: float(len(c.declaration.items)),
        ),
        Field(
            "total_value_usd",
            N,
            D,
            "sum of the items' values in USD (unknown currencies count 0)",
            _total_value_usd,
        ),
        Field(
            "hs_code", S, IT, "the item's HS code as declared", _item(lambda i: _text(i.hs_code))
        ),
        Field(
            "hs_chapter",
            S,
            IT,
            "first 2 digits of the HS code, e.g. 64 (footwear)",
            _item(lambda i: _text(i.hs_code[:2])),
        ),
        Field(
            "hs_heading",
            S,
            IT,
            "first 4 digits of the HS code, e.g. 8523 (discs, media)",
            _item(lambda i: _text(i.hs_code[:4])),
        ),
        Field(
            "description",
            S,
            IT,
            "the goods description as declared",
            _item(lambda i: _text(i.description)),
        ),
        Field("brand", S, IT, "the declared brand", _item(lambda i: _text(i.brand))),
        Field("model", S, IT, "the declared model", _item(lambda i: _text(i.model))),
        Field("unit", S, IT, "unit of the declared quantity", _item(lambda i: _text(i.unit))),
        Field(
            "item_origin_country",
            S,
            IT,
            "ISO country of origin of the item",
            _item(lambda i: _text(i.origin_country)),
        ),
        Field("quantity", N, IT, "declared quantity", _item(lambda i: i.quantity)),
        Field("net_mass_kg", N, IT, "net mass in kilograms", _item(lambda i: i.net_mass_kg)),
        Field(
            "value_amount",
            N,
            IT,
            "declared value in the declared currency",
            _item(lambda i: None if i.value is None else i.value.amount),
        ),
        Field(
            "value_currency",
            S,
            IT,
            "ISO currency of the declared value",
            _item(lambda i: None if i.value is None else i.value.currency.upper()),
        ),
        Field(
            "value_usd",
            N,
            IT,
            "declared value in USD by the rule set's currency table",
            _item_rates(value_usd),
        ),
        Field(
            "unit_value_usd",
            N,
            IT,
            "value per unit in USD; unknown when quantity is 0",
            _item_rates(unit_value_usd),
        ),
        Field(
            "match_score",
            N,
            M,
            "score (0-100) of the item's best match with a recorded right; 0 without a match",
            lambda c: 0.0 if c.best_match is None else c.best_match.score,
        ),
        Field(
            "match_recordation_id",
            S,
            M,
            "recordation of the item's best match",
            _match(lambda m: m.recordation_id),
        ),
        Field(
            "match_right_type",
            S,
            M,
            "kind of right of the best match",
            _match(lambda m: m.right_type.value),
            _enum_values(RightType),
        ),
        Field(
            "match_authorised",
            B,
            M,
            "a party on the declaration is a licensee of the best match's holder",
            _match(lambda m: m.authorised),
        ),
        Field(
            "match_raises_risk",
            B,
            M,
            "the best match is in force, in its goods classes and not authorised",
            _match(lambda m: m.raises_risk),
        ),
    ]
    for key, doc in _history_fields():
        fields.append(Field(key, N, H, doc, _history(key)))
    return {f.name: f for f in fields}


FIELDS: Mapping[str, Field] = _catalogue()
