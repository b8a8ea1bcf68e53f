"""The context checks of `riskd.matching.context` one by one, on hand-made recordations.

Each case says what the holder recorded about the genuine goods and what the declaration
says, and which corroboration or reason not to raise risk follows; unit values are worked
out in the comments.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import date

import pytest

from riskd.domain import Corroboration, MatchMethod, Money, NoRiskReason, RightType
from riskd.matching.context import ItemContext, corroboration, no_risk_reason
from riskd.matching.methods import Evidence
from riskd.matching.tuning import MatchingConfig
from riskd.register.model import GenuineGoods, Recordation

CONFIG = MatchingConfig(everyday=None, plain_words=frozenset())
GENUINE = GenuineGoods(
    exporters=frozenset({"EXP-GENUINE"}),
    importers=frozenset({"IMP-GENUINE"}),
    origins=frozenset({"VN", "ID"}),
    ports=frozenset({"DEHAM01"}),
    price_min=40.0,  # USD a pair
    price_currency="USD",
    known_infringers=frozenset({"EXP-BAD", "IMP-BAD"}),
)
SHOES = Recordation(
    recordation_id="T-SHOES",
    right_type=RightType.TRADEMARK,
    mark="KAVOLI",
    holder="Kavoli SpA",
    valid_from=date(2020, 1, 1),
    valid_until=date(2030, 1, 1),
    hs_prefixes=("6404",),
    licensees=frozenset({"LICENSEE-1"}),
    genuine=GENUINE,
)
RATES = {"USD": 1.0, "EUR": 1.08}
AT_GENUINE_PRICE = Money(4000.0, "USD")  # for 100 pairs: 40 USD a pair


def to_base(money: Money) -> float | None:
    rate = RATES.get(money.currency)
    return None if rate is None else money.amount * rate


def context(
    *,
    parties: frozenset[str] = frozenset({"EXP-1", "IMP-1"}),
    exporter: str = "EXP-1",
    importer: str = "IMP-1",
    origin: str = "VN",
    office: str = "DEHAM01",
    value: Money | None = AT_GENUINE_PRICE,
    quantity: float = 100.0,
    hs_code: str = "640411",
    on: date = date(2025, 3, 1),
) -> ItemContext:
    return ItemContext(
        hs_code, on, parties, exporter, importer, origin, office, value, quantity, to_base
    )


def kinds(found: tuple[tuple[Corroboration, str], ...]) -> list[Corroboration]:
    return [kind for kind, _ in found]


def test_goods_as_the_holder_records_them_have_no_corroboration() -> None:
    # 4,000 USD / 100 pairs = 40 USD a pair: the genuine price; from VN through DEHAM01
    assert corroboration(SHOES, "description", context(), CONFIG) == ()


def test_the_brand_and_model_fields_corroborate_and_say_which() -> None:
    assert corroboration(SHOES, "brand", context(), CONFIG) == (
        (Corroboration.BRAND_FIELD, "written in the brand field"),
    )
    assert kinds(corroboration(SHOES, "model", context(), CONFIG)) == [Corroboration.BRAND_FIELD]


def test_each_known_infringer_on_the_declaration_is_named_and_no_other_party() -> None:
    parties = frozenset({"IMP-BAD", "EXP-BAD", "EXP-1"})
    assert corroboration(SHOES, "description", context(parties=parties), CONFIG) == (
        (Corroboration.KNOWN_INFRINGER, "party EXP-BAD is a known infringer"),
        (Corroboration.KNOWN_INFRINGER, "party IMP-BAD is a known infringer"),
    )


def test_a_unit_value_below_half_the_genuine_price_corroborates() -> None:
    # 1,800 EUR = 1,944 USD for 100 pairs: 19.44 USD a pair, 49 % of 40 USD
    cheap = context(value=Money(1800.0, "EUR"))
    assert corroboration(SHOES, "description", cheap, CONFIG) == (
        (
            Corroboration.BELOW_GENUINE_PRICE,
            "unit value 19.44 is 49% of the genuine goods' lowest price 40.00 (in the base "
            "currency)",
        ),
    )


@pytest.mark.parametrize(
    ("amount", "quantity", "below"),
    [
        (1999.0, 100.0, True),  # 19.99 a pair, under 20 (half of 40)
        (2000.0, 100.0, False),  # exactly half is not below half
        (19.0, 1.0, True),  # one pair
        (19.0, 0.5, False),  # half a pair at 19: 38 a pair
        (1.0, 0.0, False),  # no quantity declared: no unit value
    ],
)
def test_the_price_check_divides_by_the_quantity(
    amount: float, quantity: float, below: bool
) -> None:
    found = corroboration(
        SHOES, "description", context(value=Money(amount, "USD"), quantity=quantity), CONFIG
    )
    assert (Corroboration.BELOW_GENUINE_PRICE in kinds(found)) is below


def test_the_price_check_needs_a_value_a_rate_and_a_positive_price() -> None:
    for value in (None, Money(1.0, "XXX")):  # no value; a currency without a rate
        assert corroboration(SHOES, "description", context(value=value), CONFIG) == ()
    free = replace(SHOES, genuine=GenuineGoods(price_min=0.0))
    assert corroboration(free, "description", context(value=Money(1.0, "USD")), CONFIG) == ()
    cheap = replace(SHOES, genuine=GenuineGoods(price_min=0.8, price_currency="USD"))
    # a genuine price under one dollar is still a price: 10 pairs at 3 USD is 0.30 a pair
    found = corroboration(
        cheap, "description", context(value=Money(3.0, "USD"), quantity=10), CONFIG
    )
    assert kinds(found) == [Corroboration.BELOW_GENUINE_PRICE]
    unpriced = replace(SHOES, genuine=GenuineGoods(price_min=10.0))
    # price_currency "" has no rate: the genuine price cannot be compared
    assert corroboration(unpriced, "description", context(value=Money(1.0, "USD")), CONFIG) == ()


def test_another_origin_and_an_unusual_port_are_told() -> None:
    found = corroboration(SHOES, "description", context(origin="CN", office="NLRTM01"), CONFIG)
    assert found == (
        (Corroboration.NOT_GENUINE_ORIGIN, "origin CN; the genuine goods come from ID, VN"),
        (Corroboration.UNUSUAL_PORT, "office NLRTM01 is not a usual port"),
    )
    assert corroboration(SHOES, "description", context(origin="", office=""), CONFIG) == ()


EXACT = Evidence(MatchMethod.EXACT, 100.0, "exact")


def reason(
    recordation: Recordation = SHOES,
    evidence: Evidence = EXACT,
    *,
    everyday_word: bool = False,
    corroborated: bool = False,
    **changes: object,
) -> NoRiskReason | None:
    return no_risk_reason(
        recordation,
        evidence,
        field="description",
        context=context(**changes),  # type: ignore[arg-type]
        everyday_word=everyday_word,
        corroborated=corroborated,
        config=CONFIG,
    )


def test_a_match_on_counterfeit_goods_raises_risk() -> None:
    assert reason() is None
    assert reason(on=date(2030, 1, 1)) is None  # the last day in force


@pytest.mark.parametrize(
    ("changes", "expected"),
    [
        ({"on": date(2019, 12, 31)}, NoRiskReason.INACTIVE),
        ({"on": date(2030, 1, 2)}, NoRiskReason.INACTIVE),
        ({"parties": frozenset({"LICENSEE-1"})}, NoRiskReason.AUTHORISED_PARTY),
        ({"exporter": "EXP-GENUINE"}, NoRiskReason.GENUINE_SOURCE),
        ({"importer": "IMP-GENUINE"}, NoRiskReason.GENUINE_SOURCE),
        ({"hs_code": "420292"}, NoRiskReason.OUTSIDE_CLASSES),
        # the first reason wins: out of force and outside the classes is INACTIVE
        ({"on": date(2019, 1, 1), "hs_code": "420292"}, NoRiskReason.INACTIVE),
    ],
)
def test_each_reason_not_to_raise_risk(changes: dict[str, object], expected: NoRiskReason) -> None:
    assert reason(**changes) is expected


def test_a_typo_raises_risk_only_close_and_similar_enough() -> None:
    one = Evidence(MatchMethod.FUZZY, CONFIG.risk_from[MatchMethod.FUZZY], "one typo", edits=1)
    assert reason(evidence=one) is None
    low = one._replace(score=CONFIG.risk_from[MatchMethod.FUZZY] - 0.1)
    assert reason(evidence=low) is NoRiskReason.LOW_SCORE
    two = one._replace(edits=CONFIG.risk_edits + 1)
    assert reason(evidence=two) is NoRiskReason.LOW_SCORE
    sounds = Evidence(MatchMethod.PHONETIC, 100.0, "sounds alike")
    assert reason(evidence=sounds) is NoRiskReason.LOW_SCORE  # sound alone never detains


def test_weak_evidence_needs_corroboration() -> None:
    assert reason(everyday_word=True) is NoRiskReason.WEAK_EVIDENCE
    assert reason(everyday_word=True, corroborated=True) is None
    fuzzy = Evidence(MatchMethod.FUZZY, 100.0, "typo", edits=1)
    # an everyday word found by a typo stays weak even when corroborated
    assert reason(evidence=fuzzy, everyday_word=True, corroborated=True) is (
        NoRiskReason.WEAK_EVIDENCE
    )
    unclassed = replace(SHOES, hs_prefixes=())
    assert reason(unclassed) is NoRiskReason.WEAK_EVIDENCE
    assert reason(unclassed, corroborated=True) is None
    glued = EXACT._replace(inner=True)
    assert reason(evidence=glued, corroborated=True) is NoRiskReason.WEAK_EVIDENCE


def test_item_context_reads_the_item_and_its_declaration() -> None:
    from tests import factory

    declared = factory.declaration()
    got = ItemContext.of(declared.items[0], declared)
    assert got[:8] == (
        "640411",
        date(2025, 3, 1),
        frozenset({"IMP-1", "EXP-1"}),
        "EXP-1",
        "IMP-1",
        "CN",
        "CNSHA01",
        Money(2500.0, "USD"),
    )
    assert got.quantity == 100 and got.to_base(Money(1.0, "USD")) is None  # no rates given
    lower = factory.item(origin_country="vn")
    assert ItemContext.of(lower, declared).origin == "VN"
    bare = factory.declaration(
        importer=None, exporter=None, items=(factory.item(origin_country=""),)
    )
    got = ItemContext.of(bare.items[0], bare, to_base)
    assert (got.exporter, got.importer, got.origin) == ("", "", "CN")
    assert got.to_base(Money(2.0, "EUR")) == pytest.approx(2.16)
