"""Golden cases: how counterfeiters write marks, and ordinary words that are not marks."""

from __future__ import annotations

import pytest

from riskd.domain import MatchMethod, NoRiskReason, RightType
from riskd.matching import build_matcher

from .factory import GOLDEN_REGISTER, OEM, declaration, item

MATCHER = build_matcher(GOLDEN_REGISTER)
M = MatchMethod
R = NoRiskReason

# (field, text, hs code, recordation expected first, method, raises risk, reason)
FOUND = [
    ("brand", "NIKE", "640411", "T-NIKE", M.EXACT, True, None),
    ("brand", "NIKEE", "640411", "T-NIKE", M.FUZZY, True, None),
    ("brand", "N1KE", "640411", "T-NIKE", M.SKELETON, True, None),
    ("brand", "NlKE", "640411", "T-NIKE", M.SKELETON, True, None),
    ("brand", "ΝΙΚΕ", "640411", "T-NIKE", M.SKELETON, True, None),  # Greek capitals
    ("brand", "N I K E", "640411", "T-NIKE", M.COMPACT, True, None),
    ("brand", "N.I.K.E", "640411", "T-NIKE", M.COMPACT, True, None),
    ("brand", "NKIE", "640411", "T-NIKE", M.FUZZY, False, R.LOW_SCORE),  # swapped: listed
    ("description", "耐克运动鞋", "640411", "T-NIKE", M.EXACT, True, None),
    ("description", "naike sports shoes", "640411", "T-NIKE", M.TRANSLITERATION, True, None),
    ("description", "naikee sneakers", "640411", "T-NIKE", M.PHONETIC, False, R.LOW_SCORE),
    ("description", "mens running shoes air max style nke", "640411", "T-NIKE", M.FUZZY, True,
     None),
    ("brand", "АDIDAS", "640411", "T-ADIDAS", M.SKELETON, True, None),  # Cyrillic А
    ("brand", "@DIDAS", "640411", "T-ADIDAS", M.SKELETON, True, None),
    ("brand", "ADIDA$", "640411", "T-ADIDAS", M.SKELETON, True, None),
    ("brand", "Адидас", "640411", "T-ADIDAS", M.EXACT, True, None),  # recorded alias
    ("brand", "ADIDSA", "640411", "T-ADIDAS", M.FUZZY, True, None),
    ("brand", "ADDIDAS", "640411", "T-ADIDAS", M.FUZZY, True, None),
    ("description", "阿迪达斯 running shoe", "640411", "T-ADIDAS", M.EXACT, True, None),
    ("brand", "REEBBOK", "640411", "T-REEBOK", M.FUZZY, True, None),
    ("brand", "SAMSOMITE", "420212", "T-SAMSONITE", M.FUZZY, True, None),
    ("brand", "SANSOMITE", "420212", "T-SAMSONITE", M.FUZZY, False, R.LOW_SCORE),  # two typos
    # two typos in a six-letter mark: beyond its edit budget, found only by its sound
    ("brand", "REEBBOKK", "640411", "T-REEBOK", M.PHONETIC, False, R.LOW_SCORE),
    ("brand", "R0LEX", "910211", "T-ROLEX", M.SKELETON, True, None),
    ("brand", "ADIDASORIGINALS", "640411", "T-ADIDAS", M.COMPACT, False, R.WEAK_EVIDENCE),
    ("description", "christian louboutin red sole pumps", "640299", "T-LOUBOUTIN", M.EXACT, True,
     None),
    ("description", "christianlouboutin pumps", "640299", "T-LOUBOUTIN", M.COMPACT, True, None),
    # a copyright recorded without classes, in everyday words: corroborated by the brand field
    ("description", "DVD windows server 2019", "852349", "C-WIN", M.EXACT, False,
     R.WEAK_EVIDENCE),
    ("brand", "Windows Server", "852349", "C-WIN", M.EXACT, True, None),
    ("model", "XPS 13", "847130", "P-XPS", M.EXACT, True, None),
    # ordinary words: listed, but not risk unless the evidence is strong
    ("description", "apple juice concentrate", "200971", "T-APPLE", M.EXACT, False,
     R.OUTSIDE_CLASSES),
    ("brand", "APPLE", "851713", "T-APPLE", M.EXACT, True, None),
    ("description", "apple smartphone 128gb", "851713", "T-APPLE", M.EXACT, False,
     R.WEAK_EVIDENCE),
    ("description", "polo shirt cotton", "610510", "T-POLO", M.EXACT, False, R.WEAK_EVIDENCE),
    ("brand", "POLO", "610510", "T-POLO", M.EXACT, True, None),
    ("description", "polo ralph lauren shirt", "610510", "T-POLO", M.EXACT, True, None),
    ("description", "shell fish frozen", "030617", "T-SHELL", M.EXACT, False, R.OUTSIDE_CLASSES),
    ("description", "dove grey cotton shirt", "610510", "T-DOVE", M.EXACT, False,
     R.OUTSIDE_CLASSES),
    ("description", "jaguar print leggings", "610463", "T-JAGUAR", M.EXACT, False,
     R.OUTSIDE_CLASSES),
    ("brand", "KODAK", "900661", "T-OLD", M.EXACT, False, R.INACTIVE),
]  # fmt: skip

NOT_FOUND = [
    ("description", "nice shoes for men"),  # one letter from NIKE, but another word
    ("description", "mike bike like"),
    ("description", "mens leather shoes rubber sole"),
    ("description", "cotton t-shirts, knitted, for women"),
    ("model", "XPS 15"),  # another model number is another product
    ("description", "ample supply of plastic toys"),
    ("description", "frozen shrimp"),
    ("description", "pineapple juice and alike drinks"),  # APPLE inside a common word
]


@pytest.mark.parametrize(("field", "text", "hs", "expected", "method", "risk", "reason"), FOUND)
def test_marks_are_found_as_counterfeiters_write_them(
    field: str,
    text: str,
    hs: str,
    expected: str,
    method: MatchMethod,
    risk: bool,
    reason: NoRiskReason | None,
) -> None:
    matches = MATCHER.match_item(item(hs, **{field: text}), declaration())
    assert matches, f"{text!r} found nothing"
    best = matches[0]
    assert (best.recordation_id, best.method, best.raises_risk, best.no_risk_reason) == (
        expected,
        method,
        risk,
        reason,
    ), best.explanation
    assert best.field == field
    assert 0 < best.score <= 100
    assert best.explanation


@pytest.mark.parametrize(("field", "text"), NOT_FOUND)
def test_ordinary_text_lists_nothing(field: str, text: str) -> None:
    assert MATCHER.match_item(item("640411", **{field: text}), declaration()) == ()


def test_span_points_at_the_mark_inside_a_long_description() -> None:
    text = "mens running shoes air max style N1KE size 42"
    (match,) = MATCHER.match_item(item("640411", description=text), declaration())
    assert text[match.span_start : match.span_end] == "N1KE" == match.matched_text
    assert "homoglyph" in match.explanation and "NIKE" in match.explanation


def test_authorised_licensee_is_listed_without_risk() -> None:
    goods = item("640411", brand="NIKE")
    (match,) = MATCHER.match_item(goods, declaration(goods, exporter=OEM))
    assert match.authorised and not match.raises_risk
    assert match.no_risk_reason is NoRiskReason.AUTHORISED_PARTY


def test_one_listing_per_recordation_with_the_strongest_evidence() -> None:
    goods = item("640411", brand="NIKE", description="nike shoes N1KE nkie")
    matches = MATCHER.match_item(goods, declaration(goods))
    assert [m.recordation_id for m in matches] == ["T-NIKE"]
    assert matches[0].method is MatchMethod.EXACT and matches[0].field == "brand"


def test_several_marks_in_one_item_are_listed_best_first() -> None:
    goods = item("640411", description="adidas and n1ke shoes, apple logo")
    matches = MATCHER.match_item(goods, declaration(goods))
    ids = [m.recordation_id for m in matches]
    assert set(ids) == {"T-ADIDAS", "T-NIKE", "T-APPLE"}
    ranks = [(m.raises_risk, m.score) for m in matches]
    assert ranks == sorted(ranks, reverse=True)  # risky first, then by score
    assert not next(m for m in matches if m.recordation_id == "T-APPLE").raises_risk


def test_a_listed_match_carries_each_fact_in_its_own_field() -> None:
    """The matcher builds a Match positionally, for speed: every fact must land in the field
    of its name (this fails if Match's fields are reordered)."""
    (match,) = MATCHER.match_item(
        item("640411", brand="N1KE"), declaration(item("640411"), exporter="CN-X")
    )[:1]
    assert (match.recordation_id, match.mark, match.holder) == ("T-NIKE", "NIKE", "holder of NIKE")
    assert (match.matched_text, match.field, match.span_start, match.span_end) == (
        "N1KE", "brand", 0, 4,
    )  # fmt: skip
    assert (match.method, match.score, match.right_type) == (M.SKELETON, 95.0, RightType.TRADEMARK)
    assert (match.authorised, match.raises_risk, match.no_risk_reason) == (False, True, None)
    assert match.explanation == "matched NIKE by homoglyph skeleton in 'N1KE' (brand)"
