"""The matching rules chosen on the real-name evaluation's tuning part, each on a small
hand-written register: how real marks are misspelt (a word and fragments, several words,
digits, a possessive "s"), which description words are no typo of a mark without classes,
and that the listing cap never hides a match that raises risk."""

from __future__ import annotations

from dataclasses import replace

import pytest

from riskd.domain import Item, Match, MatchMethod, NoRiskReason
from riskd.matching import MatchingConfig, build_matcher
from riskd.register.model import Recordation, Register
from tests import factory


def _recordation(number: int, mark: str, hs: tuple[str, ...] = ()) -> Recordation:
    return factory.trademark(number, mark, hs, nice="25")


MARKS = {
    1: ("Jack's", ("64",)),
    2: ("Big W", ("61",)),
    3: ("JTB", ()),  # no classes
    4: ("Ross", ()),
    5: ("Gross", ()),
    6: ("Tea Land", ()),
    7: ("home24", ()),
    8: ("10-11", ("61",)),
    9: ("An3", ("19",)),
    10: ("The Children's Place", ()),
    11: ("Petro", ("2710",)),
    12: ("Petron", ("2710",)),
    13: ("Ultramar", ()),
    14: ("Sport 2000", ("61",)),
    15: ("Sorb", ("61",)),
    16: ("Tesla", ()),
    17: ("Cotton On", ()),
    18: ("EB Games", ()),
}
REGISTER = Register("test", tuple(_recordation(n, m, hs) for n, (m, hs) in MARKS.items()))
MATCHER = build_matcher(REGISTER)


def _found(hs: str, description: str = "", brand: str = "") -> dict[str, Match]:
    item = Item(1, hs, description, brand=brand)
    matches = MATCHER.match_item(item, factory.declaration(item))
    return {m.recordation_id: m for m in matches}


@pytest.mark.parametrize(
    ("hs", "description", "brand", "expected"),
    [
        ("640399", "shoes", "jcks", "R1"),  # JACK'S: a word and a fragment, one letter dropped
        ("610910", "bigww t-shirts", "", "R2"),  # BIG W written as one word, a letter doubled
        ("940161", "jytb chairs", "", "R3"),  # no word of English: a typo of JTB
        ("940161", "gorss chairs", "", "R5"),
        ("940161", "tea lnd kettles", "", "R6"),  # the mark's own words, one misspelt
        ("940161", "tables", "home4", "R7"),  # a digit dropped
        ("610910", "shirts", "1q011", "R8"),  # a number in the brand field may be a typo
        ("610910", "the children s lace t-shirts", "", "R10"),  # the "s" of "children's"
        ("610910", "sport0200 jerseys", "", "R14"),  # two digits swapped
        ("870380", "tsla cars", "", "R16"),  # in a frequency list, in no dictionary
        ("950450", "sb games consoles", "", "R18"),  # "sb" is no function word
    ],
)
def test_real_misspellings_are_listed(hs: str, description: str, brand: str, expected: str) -> None:
    found = _found(hs, description, brand)
    assert expected in found, sorted(found)
    assert found[expected].method is MatchMethod.FUZZY


@pytest.mark.parametrize(
    ("hs", "description", "absent"),
    [
        ("030391", "fish; frozen, livers, roes and milt", "R4"),  # "roes" is a word, not ROSS
        ("261900", "slag, dross", "R5"),  # "dross" is a word, not GROSS
        ("110510", "flour, meal and powder", "R6"),  # "meal and" is not TEA LAND misspelt
        ("190590", "bakers' wares n.e.c. in heading 1905", "R9"),  # "n.e" is not AN3 minus 3
        ("320641", "colouring matter; ultramarine", "R13"),  # a word, not ULTRAMAR inside one
        ("610910", "men's or boys' shirts", "R15"),  # "s or": a piece of "men's", not SORB misspelt
        ("610910", "sport 2001 jerseys", "R14"),  # another digit is another name
        ("620469", "of textile (other than cotton or wool)", "R17"),  # "or", not COTTON ON
        ("950450", "to be games consoles", "R18"),  # "be" is the word, not EB
    ],
)
def test_words_of_a_description_are_no_typos(hs: str, description: str, absent: str) -> None:
    assert absent not in _found(hs, description)


def test_two_typos_of_a_short_mark_in_the_brand_field_are_listed_without_risk() -> None:
    matcher = build_matcher(REGISTER, replace(MatchingConfig(), brand_two_edits_from=5))

    def found(description: str, brand: str = "") -> dict[str, Match]:
        item = Item(1, "640399", description, brand=brand)
        return {m.recordation_id: m for m in matcher.match_item(item, factory.declaration(item))}

    match = found("shoes", brand="jaackks")["R1"]  # two letters added to JACK'S
    assert match.method is MatchMethod.FUZZY
    assert match.no_risk_reason is NoRiskReason.LOW_SCORE
    assert "R1" not in found("jaackks shoes")  # one edit at most in a description
    assert "R1" not in _found("640399", "shoes", brand="jaackks")  # off by default


def test_a_recorded_name_in_the_brand_field_is_also_listed_as_a_typo_of_another() -> None:
    found = _found("271012", "motor fuel", brand="petro")
    assert found["R11"].method is MatchMethod.EXACT and found["R11"].raises_risk
    assert found["R12"].method is MatchMethod.FUZZY
    assert found["R12"].no_risk_reason is NoRiskReason.WEAK_EVIDENCE  # PETRO as written


# Twelve marks recorded for clothing (HS 61) and a description naming them all: with a cap
# of three, every one that raises risk is still listed, risk first.
CLOTHING_MARKS = (
    "Zorvex", "Quintal", "Marbeck", "Velloni", "Tarsune", "Obrelli",
    "Kestrano", "Lumivo", "Dravena", "Sorbanti", "Feltrix", "Gimbaro",
)  # fmt: skip
CLOTHING = Register(
    "cap",
    (
        *(_recordation(n, mark, ("61",)) for n, mark in enumerate(CLOTHING_MARKS, start=1)),
        _recordation(20, "Plinkett", ("95",)),  # toys: outside the goods below
    ),
)


def test_the_listing_cap_never_hides_a_match_that_raises_risk() -> None:
    config = replace(MatchingConfig(), max_matches=3)
    matcher = build_matcher(CLOTHING, config)
    text = (
        "plinkett zorvex quintal marbeck velloni tarsune obrelli kestrano lumivo dravena "
        "sorbanti feltrix gimbaro t-shirts"
    )
    item = Item(1, "610910", text)
    matches = matcher.match_item(item, factory.declaration(item))
    assert {m.recordation_id for m in matches} == {f"R{n}" for n in range(1, 13)}
    assert all(m.raises_risk for m in matches)


def test_a_match_that_raises_risk_ranks_above_a_stronger_one_that_does_not() -> None:
    config = replace(MatchingConfig(), max_matches=1)
    matcher = build_matcher(CLOTHING, config)
    item = Item(1, "610910", "plinkett t-shirts by zorvx")  # PLINKETT exact, ZORVEX a typo
    matches = matcher.match_item(item, factory.declaration(item))
    assert [(m.recordation_id, m.method, m.raises_risk) for m in matches] == [
        ("R1", MatchMethod.FUZZY, True)
    ]
