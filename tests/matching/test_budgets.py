"""Edit budgets: how far a typo may stray from a mark and still be found.

These hold for any sensible tuning of `riskd.matching.tuning`: a long, rare mark is found
two edits away; a short mark one edit away where the context supports it (the brand field,
goods in the mark's classes). The budget function itself is checked against the config's
own bounds, so a retuned bound moves the expectation with it.
"""

from __future__ import annotations

import random

from hypothesis import given, settings
from hypothesis import strategies as st

from riskd.matching import build_matcher
from riskd.matching.tuning import MatchingConfig
from riskd.register.model import Register

from .factory import declaration, item, recordation

_SYLLABLES = ["ka", "ro", "mi", "zen", "tal", "bor", "vi", "qua", "ne", "sto", "lix", "dra"]
_rng = random.Random(12)
# Pseudo-words of 12 to 16 letters: long, and rare in every language.
LONG = sorted(
    {m for m in ("".join(_rng.choices(_SYLLABLES, k=5)) for _ in range(200)) if 12 <= len(m) <= 16}
)[:40]
# Marks of three and four letters.
SHORT = ["kavo", "zilt", "bror", "quen", "mavi", "dox", "vel", "tru"]
REGISTER = Register(
    "budget-1",
    tuple(recordation(f"R-{mark}", mark.upper(), hs=("64",)) for mark in [*LONG, *SHORT]),
)
MATCHER = build_matcher(REGISTER)
LETTERS = "bcdfghjkpswxy"  # none of them in a syllable above but for k and s


def found(mark: str, *, description: str = "", brand: str = "", hs_code: str = "640411") -> bool:
    goods = item(hs_code, description=description, brand=brand)
    listed = MATCHER.match_item(goods, declaration())
    return f"R-{mark}" in {m.recordation_id for m in listed}


def edit(word: str, kind: str, at: int, letter: str) -> str:
    """One typo at position `at`: a letter dropped, doubled, changed, inserted, or swapped
    with its neighbour."""
    at = min(at, len(word) - 2)
    if kind == "drop":
        return word[:at] + word[at + 1 :]
    if kind == "double":
        return word[: at + 1] + word[at:]
    if kind == "change":
        return word[:at] + letter + word[at + 1 :]
    if kind == "insert":
        return word[:at] + letter + word[at:]
    return word[:at] + word[at + 1] + word[at] + word[at + 2 :]


KINDS = st.sampled_from(["drop", "double", "change", "insert", "swap"])


@settings(max_examples=50)  # each example matches twice; 50 cover every typo kind
@given(
    mark=st.sampled_from(LONG),
    first=st.tuples(KINDS, st.integers(0, 5), st.sampled_from(LETTERS)),
    second=st.tuples(KINDS, st.integers(7, 15), st.sampled_from(LETTERS)),
)
def test_a_long_rare_mark_is_found_two_typos_away(
    mark: str, first: tuple[str, int, str], second: tuple[str, int, str]
) -> None:
    # the later typo first, so that the earlier one does not shift its position
    written = edit(edit(mark, *second), *first)
    assert found(mark, description=f"mens shoes {written} size 42"), f"{written!r} lost {mark!r}"
    assert found(mark, brand=written), f"{written!r} in the brand field lost {mark!r}"


@given(
    mark=st.sampled_from(SHORT),
    typo=st.tuples(KINDS, st.integers(0, 3), st.sampled_from(LETTERS)),
)
def test_a_short_mark_is_found_one_typo_away_in_the_brand_field(
    mark: str, typo: tuple[str, int, str]
) -> None:
    written = edit(mark, *typo)
    assert found(mark, brand=written), f"{written!r} lost {mark!r}"


def test_a_long_mark_two_typos_away_is_listed_but_does_not_detain() -> None:
    mark = LONG[0]
    written = edit(edit(mark, "change", 9, "x"), "change", 2, "y")
    goods = item("640411", brand=written)
    [match] = [m for m in MATCHER.match_item(goods, declaration()) if m.mark == mark.upper()]
    assert not match.raises_risk  # two typos are for the officer to judge


def test_budgets_follow_the_configured_bounds() -> None:
    for config in (MatchingConfig(), MatchingConfig(one_edit_from=4, two_edits_from=10)):
        assert config.edit_budget(1) == 0
        assert config.edit_budget(config.one_edit_from - 1) == 0
        assert config.edit_budget(config.one_edit_from) == 1
        assert config.edit_budget(config.two_edits_from - 1) == 1
        assert config.edit_budget(config.two_edits_from) == 2
        assert config.edit_budget(40) == 2


def test_every_mark_a_typo_is_close_to_is_listed() -> None:
    """ "kavolini" is one letter from KAVOLINO and from KAVOLINA: both are listed, not only the
    first candidate the typo index returns."""
    twins = Register(
        "twins-1",
        (recordation("R-O", "KAVOLINO", hs=("64",)), recordation("R-A", "KAVOLINA", hs=("64",))),
    )
    listed = build_matcher(twins).match_item(item("640411", brand="kavolini"), declaration())
    assert {m.recordation_id for m in listed} == {"R-O", "R-A"}
