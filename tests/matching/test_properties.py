"""Properties: a mark survives any single typo, homoglyph or inserted spacing; matching does
not depend on case or Unicode normal form; text sharing no letter with any mark lists nothing."""

from __future__ import annotations

import random
import unicodedata

from hypothesis import assume, given, settings
from hypothesis import strategies as st

from riskd.matching import build_matcher
from riskd.register.model import Register

from .factory import declaration, item, recordation

_SYLLABLES = ["ka", "ro", "mi", "zen", "tal", "bor", "vi", "qua", "ne", "sto", "lix", "dra"]
_rng = random.Random(4)
MARKS = sorted({"".join(_rng.choices(_SYLLABLES, k=_rng.randint(2, 4))) for _ in range(300)})
MARKS = [m for m in MARKS if len(m) >= 4]
REGISTER = Register(
    "prop-1",
    tuple(recordation(f"R{i}", mark.upper(), hs=("64",)) for i, mark in enumerate(MARKS)),
)
MATCHER = build_matcher(REGISTER)
PLAIN_WORDS = MATCHER.config.plain_words
ID_OF = {mark: f"R{i}" for i, mark in enumerate(MARKS)}

# Capital look-alikes from other scripts (TS #39) and the counterfeiters' digits and symbols.
HOMOGLYPHS = {
    "A": "АΑ4@", "B": "ВΒ8", "E": "ЕΕ3", "I": "ІΙ1l", "K": "КΚ", "M": "МΜ", "N": "Ν",
    "O": "ОΟ0", "P": "РΡ", "S": "Ѕ5$", "T": "ТΤ7", "X": "ХΧ", "Z": "Ζ",
}  # fmt: skip
LETTERS = "abcdefghijklmnopqrstuvwxyz"


def _listed(text: str, mark: str) -> bool:
    goods = item("640411", description=f"mens shoes {text} size 42")
    return ID_OF[mark] in {m.recordation_id for m in MATCHER.match_item(goods, declaration())}


@st.composite
def typo(draw: st.DrawFn) -> tuple[str, str]:
    """A mark with one letter dropped, doubled, swapped with its neighbour, inserted or, in
    marks of six letters or more, changed."""
    mark = draw(st.sampled_from(MARKS))
    at = draw(st.integers(0, len(mark) - 2))
    letter = draw(st.sampled_from(LETTERS))
    kinds = ["drop", "double", "swap", "insert"] + (["change"] if len(mark) >= 6 else [])
    kind = draw(st.sampled_from(kinds))
    if kind == "drop":
        written = mark[:at] + mark[at + 1 :]
    elif kind == "double":
        written = mark[: at + 1] + mark[at:]
    elif kind == "swap":
        written = mark[:at] + mark[at + 1] + mark[at] + mark[at + 2 :]
    elif kind == "insert":
        written = mark[:at] + letter + mark[at:]
    else:
        written = mark[:at] + letter + mark[at + 1 :]
    return mark, written


@given(typo())
def test_a_mark_with_one_typo_is_still_listed(case: tuple[str, str]) -> None:
    mark, written = case
    # "aqua" is a word, not KAQUA misspelt: in a description, the matcher's common words
    # are never read as typos
    assume(written not in PLAIN_WORDS)
    assert _listed(written, mark), f"{written!r} lost {mark!r}"


@given(st.sampled_from(MARKS), st.data())
def test_a_mark_with_look_alike_letters_is_still_listed(mark: str, data: st.DataObject) -> None:
    capitals = list(mark.upper())
    positions = [i for i, c in enumerate(capitals) if c in HOMOGLYPHS]
    for at in data.draw(st.sets(st.sampled_from(positions), max_size=3)) if positions else []:
        capitals[at] = data.draw(st.sampled_from(HOMOGLYPHS[capitals[at]]))
    assert _listed("".join(capitals), mark)


@given(st.sampled_from(MARKS), st.data())
def test_a_mark_with_inserted_spacing_is_still_listed(mark: str, data: st.DataObject) -> None:
    gaps = data.draw(st.sets(st.integers(1, len(mark) - 1), min_size=1))
    separator = data.draw(st.sampled_from([" ", ".", "-", " . ", "_", "·"]))
    written = "".join(c + (separator if i + 1 in gaps else "") for i, c in enumerate(mark))
    assert _listed(written, mark), written


_VARIANTS = st.sampled_from(
    ["NIKE", "N1KE", "ΝΙΚΕ", "nikee", "Адидас", "аdidas", "耐克", "naike", "straße", "Ǆemal"]
)
_TEXTS = st.lists(
    st.one_of(_VARIANTS, st.sampled_from(MARKS), st.text(LETTERS + "ÉéÅåçÇ", max_size=8)),
    min_size=1,
    max_size=6,
).map(" ".join)


def _summary(text: str) -> list[tuple[str, str, float, bool]]:
    goods = item("640411", description=text)
    return [
        (m.recordation_id, m.method.value, m.score, m.raises_risk)
        for m in MATCHER.match_item(goods, declaration())
    ]


@given(_TEXTS)
def test_matching_does_not_depend_on_case(text: str) -> None:
    assert _summary(text.upper()) == _summary(text) == _summary(text.lower())


@given(_TEXTS, st.sampled_from(["NFC", "NFD", "NFKC", "NFKD"]))
def test_matching_does_not_depend_on_the_unicode_normal_form(text: str, form: str) -> None:
    assert _summary(unicodedata.normalize(form, text)) == _summary(text)


# Letters none of the marks contains, nor looks or sounds like (the marks are built only
# from the syllables above); digits and symbols are left out as they fold onto letters.
_ALIEN = "".join(c for c in "bcfghjwxy" if not any(c in s for s in _SYLLABLES))


@settings(max_examples=200)
@given(st.lists(st.text(_ALIEN, min_size=1, max_size=12), min_size=1, max_size=8))
def test_text_without_any_mark_letter_lists_nothing(words: list[str]) -> None:
    goods = item("640411", description=" ".join(words), brand=words[0])
    assert MATCHER.match_item(goods, declaration()) == ()
