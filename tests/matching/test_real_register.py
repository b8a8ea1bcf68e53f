"""Behaviour the real-name evaluation asked for, pinned on small hand-made registers:
everyday-word marks, recordations without classes, recorded genuine-goods evidence, typos
of several-word marks written as one word, and short marks' typos only in context."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest

from riskd.domain import Corroboration, Item, Money, NoRiskReason, Party
from riskd.matching import MatchingConfig, build_matcher
from riskd.pipeline import assess, build_snapshot
from riskd.register.load import RegisterFileError, load_register
from riskd.register.model import GenuineGoods, Recordation, Register
from tests import factory


def _recordation(number: int, mark: str, hs: tuple[str, ...] = (), **more: Any) -> Recordation:
    return factory.trademark(number, mark, hs, nice="29", **more)


FRESH = _recordation(1, "Fresh", ("02", "04", "16"))  # a supermarket's own goods
NORTH_FACE = _recordation(2, "The North Face", ("61", "62", "64"))
FIFA = _recordation(3, "FIFA", ("61", "95"))
BALL = _recordation(4, "Ball")  # recorded without classes
SAMSONITE = _recordation(
    5,
    "Samsonite",
    ("4202",),
    genuine=GenuineGoods(
        exporters=frozenset({"EXP-GENUINE"}),
        origins=frozenset({"BE", "IN"}),
        price_min=40.0,
        price_currency="USD",
        known_infringers=frozenset({"EXP-BAD"}),
    ),
)
MATCHER = build_matcher(Register("test", (FRESH, NORTH_FACE, FIFA, BALL, SAMSONITE)))


def _matches(hs: str, description: str = "", brand: str = "", **declared: object) -> dict:
    item = Item(1, hs, description, brand=brand, quantity=10, value=declared.pop("value", None))  # type: ignore[arg-type]
    declaration = factory.declaration(items=(item,), **declared)
    return {m.recordation_id: m for m in MATCHER.match_item(item, declaration, _usd)}


def _usd(money: Money) -> float | None:
    return money.amount if money.currency == "USD" else None


def test_an_everyday_word_mark_in_its_everyday_sense_does_not_raise_risk() -> None:
    found = _matches("020311", "Meat; of swine, carcasses, fresh or chilled")
    assert found["R1"].no_risk_reason is NoRiskReason.WEAK_EVIDENCE


def test_an_everyday_word_mark_in_the_brand_field_raises_risk() -> None:
    found = _matches("020311", "pork carcasses", brand="FRESH")
    assert found["R1"].raises_risk
    assert Corroboration.BRAND_FIELD in found["R1"].corroboration


def test_a_recordation_without_classes_needs_corroboration_in_a_description() -> None:
    assert _matches("960810", "ball point pens, pack of 10")["R4"].no_risk_reason is (
        NoRiskReason.WEAK_EVIDENCE
    )
    assert _matches("960810", "pens", brand="Ball")["R4"].raises_risk


def test_a_several_word_mark_written_as_one_word_with_a_typo_is_found() -> None:
    found = _matches("610910", "thenorthfoce t-shirts")
    assert "R2" in found
    assert found["R2"].method.value == "FUZZY"


def test_a_short_marks_typo_is_listed_only_where_the_context_supports_it() -> None:
    assert "R3" in _matches("610910", "football shirts", brand="ffa")  # brand field
    assert "R3" in _matches("610910", "fiffa football shirts")  # goods in its classes
    assert "R3" not in _matches("847130", "fiffa laptop computers")  # neither


def test_a_known_infringer_corroborates_and_is_told() -> None:
    found = _matches("420212", "samsonite suitcases", exporter=Party("EXP-BAD", "X", "CN"))
    match = found["R5"]
    assert match.raises_risk
    assert Corroboration.KNOWN_INFRINGER in match.corroboration
    assert "EXP-BAD is a known infringer" in match.explanation


def test_a_unit_value_far_below_the_genuine_price_is_evidence() -> None:
    cheap = _matches("420212", "samsonite suitcases", value=Money(50.0, "USD"))  # 5 a unit
    assert Corroboration.BELOW_GENUINE_PRICE in cheap["R5"].corroboration
    fair = _matches("420212", "samsonite suitcases", value=Money(600.0, "USD"))  # 60 a unit
    assert Corroboration.BELOW_GENUINE_PRICE not in fair["R5"].corroboration


def test_goods_from_a_recorded_genuine_exporter_are_released() -> None:
    found = _matches("420212", "samsonite suitcases", exporter=Party("EXP-GENUINE", "G", "BE"))
    assert found["R5"].no_risk_reason is NoRiskReason.GENUINE_SOURCE
    snapshot = build_snapshot(register=Register("test", (SAMSONITE,)))
    item = Item(1, "420212", "samsonite suitcases")
    declaration = factory.declaration(
        items=(item,), exporter=Party("EXP-GENUINE", "G", "BE"), origin_country="BE"
    )
    assert assess(snapshot, declaration).recommendation.value == "RELEASE"


def test_origin_outside_the_genuine_origins_is_told() -> None:
    found = _matches("420212", "samsonite suitcases", origin_country="CN")
    assert Corroboration.NOT_GENUINE_ORIGIN in found["R5"].corroboration


def test_detained_goods_carry_each_piece_of_recorded_evidence_as_a_reason() -> None:
    snapshot = build_snapshot(register=Register("test", (SAMSONITE,)))
    item = Item(1, "420212", "samsonite suitcases", quantity=10, value=Money(50.0, "USD"))
    declaration = factory.declaration(items=(item,), exporter=Party("EXP-BAD", "X", "CN"))
    assessment = assess(snapshot, declaration)
    codes = {r.code for r in assessment.reasons}
    assert assessment.recommendation.value == "DETAIN"
    assert {"KNOWN_INFRINGER", "BELOW_GENUINE_PRICE", "NOT_GENUINE_ORIGIN"} <= codes


def test_a_register_column_overrides_the_everyday_word_decision() -> None:
    distinctive = replace(FRESH, everyday_word=False)
    matcher = build_matcher(Register("test", (distinctive,)))
    item = Item(1, "020311", "fresh pork carcasses")
    (match,) = matcher.match_item(item, factory.declaration(items=(item,)))
    assert match.raises_risk


@pytest.mark.parametrize(
    ("word", "everyday"),
    [("fresh", True), ("boots", True), ("shell", True), ("nike", False), ("adidas", False)],
)
def test_everyday_words_come_from_word_frequencies(word: str, everyday: bool) -> None:
    assert MatchingConfig().is_everyday([word]) is everyday


REGISTER_HEADER = (
    "recordation_id,right_type,mark,holder,valid_from,everyday_word,exporters,"
    "genuine_origins,price_min,price_max,price_currency,known_infringers\n"
)


def test_register_columns_of_the_genuine_goods_are_read(tmp_path: Path) -> None:
    path = tmp_path / "register.csv"
    path.write_text(
        REGISTER_HEADER
        + "R1,TRADEMARK,Samsonite,S,2020-01-01,false,EXP-1|EXP-2,be|in,40,900,usd,BAD-1\n",
        encoding="utf-8",
    )
    (recordation,) = load_register(path).recordations
    assert recordation.everyday_word is False
    assert recordation.genuine == GenuineGoods(
        exporters=frozenset({"EXP-1", "EXP-2"}),
        origins=frozenset({"BE", "IN"}),
        price_min=40.0,
        price_max=900.0,
        price_currency="USD",
        known_infringers=frozenset({"BAD-1"}),
    )


def test_bad_genuine_goods_cells_are_named(tmp_path: Path) -> None:
    path = tmp_path / "register.csv"
    path.write_text(
        REGISTER_HEADER + "R1,TRADEMARK,Samsonite,S,2020-01-01,perhaps,,B3,-4,2,dollars,\n",
        encoding="utf-8",
    )
    with pytest.raises(RegisterFileError) as caught:
        load_register(path)
    columns = sorted(p.column for p in caught.value.problems)
    assert columns == [
        "everyday_word",
        "genuine_origins",
        "price_currency",
        "price_min",
    ]
