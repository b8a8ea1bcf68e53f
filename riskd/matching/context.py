"""Context against false positives: whether a listed match raises risk, and if not, why not.

A similarity alone never detains goods. The match must concern a recordation in force, for
goods in the mark's protected classes, from a party that is neither a licensee nor a
recorded genuine supplier, with a score above its method's risk threshold. Two kinds of
match need corroboration besides: a mark that is an everyday word (FRESH, BOOTS, "Blue
Cross") found in a description, and any mark of a recordation that names no goods classes
found only in a description ("fresh or chilled" is not the FRESH supermarket's mark, nor
"ball point pens" BALL's). Corroboration is the brand or model field, or the recordation's
own evidence: a known infringer on the declaration, or a unit value far below the genuine
goods' price. A mark found glued inside a longer word is listed, never detains on its own.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import NamedTuple

from riskd.domain import Corroboration, Declaration, Item, MatchMethod, Money, NoRiskReason
from riskd.matching.methods import Evidence
from riskd.matching.tuning import MatchingConfig
from riskd.register.model import Recordation

# Fields where a declarant names the brand of the goods, as opposed to describing them.
BRAND_FIELDS = frozenset({"brand", "model"})
STRONG_METHODS = frozenset(
    {MatchMethod.EXACT, MatchMethod.COMPACT, MatchMethod.SKELETON, MatchMethod.TRANSLITERATION}
)
# Corroboration that lets a weak match raise risk; the others are told, not decisive.
DECISIVE = frozenset(
    {Corroboration.BRAND_FIELD, Corroboration.KNOWN_INFRINGER, Corroboration.BELOW_GENUINE_PRICE}
)

WHY_NOT = {
    NoRiskReason.INACTIVE: "recordation not in force on the declaration date",
    NoRiskReason.AUTHORISED_PARTY: "a party on the declaration is authorised by the holder",
    NoRiskReason.GENUINE_SOURCE: "the goods come from a supplier the holder recorded as genuine",
    NoRiskReason.OUTSIDE_CLASSES: "goods outside the mark's protected classes",
    NoRiskReason.LOW_SCORE: "similarity below the risk threshold (or more than one typo)",
    NoRiskReason.WEAK_EVIDENCE: (
        "an everyday-word mark, or a recordation without classes, found in the description "
        "without corroboration (brand field, known infringer, price far below the genuine)"
    ),
}

ToBase = Callable[[Money], float | None]


def _no_rates(money: Money) -> float | None:
    return None


class ItemContext(NamedTuple):
    """What the context checks read of an item and its declaration, taken once per item."""

    hs_code: str
    on: date
    party_ids: frozenset[str]
    exporter: str
    importer: str
    origin: str
    office: str
    value: Money | None
    quantity: float
    to_base: ToBase

    @classmethod
    def of(cls, item: Item, declaration: Declaration, to_base: ToBase | None = None) -> ItemContext:
        return cls(
            item.hs_code,
            declaration.declared_at.date(),
            declaration.party_ids(),
            declaration.exporter.id if declaration.exporter else "",
            declaration.importer.id if declaration.importer else "",
            (item.origin_country or declaration.origin_country).upper(),
            declaration.customs_office,
            item.value,
            item.quantity,
            to_base or _no_rates,
        )


def corroboration(
    recordation: Recordation, field: str, context: ItemContext, config: MatchingConfig
) -> tuple[tuple[Corroboration, str], ...]:
    """Every piece of corroborating evidence for a match of this recordation, with a
    sentence for the officer."""
    found: list[tuple[Corroboration, str]] = []
    if field in BRAND_FIELDS:
        found.append((Corroboration.BRAND_FIELD, f"written in the {field} field"))
    genuine = recordation.genuine
    if genuine.known_infringers:
        for party in sorted(context.party_ids & genuine.known_infringers):
            found.append((Corroboration.KNOWN_INFRINGER, f"party {party} is a known infringer"))
    if genuine.price_min is not None and context.value is not None and context.quantity > 0:
        unit = context.to_base(context.value)
        floor = context.to_base(Money(genuine.price_min, genuine.price_currency))
        if unit is not None and floor is not None and floor > 0:
            unit /= context.quantity
            if unit < floor * config.below_price_share:
                found.append(
                    (
                        Corroboration.BELOW_GENUINE_PRICE,
                        f"unit value {unit:.2f} is {unit / floor:.0%} of the genuine goods' "
                        f"lowest price {floor:.2f} (in the base currency)",
                    )
                )
    if genuine.origins and context.origin and context.origin not in genuine.origins:
        origins = ", ".join(sorted(genuine.origins))
        found.append(
            (
                Corroboration.NOT_GENUINE_ORIGIN,
                f"origin {context.origin}; the genuine goods come from {origins}",
            )
        )
    if genuine.ports and context.office and context.office not in genuine.ports:
        found.append((Corroboration.UNUSUAL_PORT, f"office {context.office} is not a usual port"))
    return tuple(found)


def no_risk_reason(
    recordation: Recordation,
    evidence: Evidence,
    *,
    field: str,
    context: ItemContext,
    everyday_word: bool,
    corroborated: bool,
    config: MatchingConfig,
) -> NoRiskReason | None:
    """The first reason why a listed match does not raise risk, or None when it does."""
    if not recordation.is_active(context.on):
        return NoRiskReason.INACTIVE
    if recordation.authorises(context.party_ids):
        return NoRiskReason.AUTHORISED_PARTY
    if recordation.genuine.supplier(context.exporter, context.importer):
        return NoRiskReason.GENUINE_SOURCE
    if not recordation.covers_goods(context.hs_code):
        return NoRiskReason.OUTSIDE_CLASSES
    if evidence.score < config.risk_from.get(evidence.method, 101.0):
        return NoRiskReason.LOW_SCORE
    if evidence.edits > config.risk_edits:
        return NoRiskReason.LOW_SCORE
    if everyday_word and not (corroborated and evidence.method in STRONG_METHODS):
        return NoRiskReason.WEAK_EVIDENCE
    if not recordation.has_classes and not corroborated:
        return NoRiskReason.WEAK_EVIDENCE
    if evidence.inner:  # "ronte" inside "raikronter" may be chance: listed, never detains
        return NoRiskReason.WEAK_EVIDENCE
    return None
