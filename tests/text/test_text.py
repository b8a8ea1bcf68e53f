"""Normalisation, confusable skeletons, transliteration and phonetic keys."""

from __future__ import annotations

import string
import unicodedata

import pytest
from hypothesis import given
from hypothesis import strategies as st

from riskd.text import analyse, normalize, phonetic_key, skeleton, to_latin, tokenize
from riskd.text.confusables import KEEP_LOOK_ALIKES


@pytest.mark.parametrize(
    ("written", "recorded"),
    [
        ("N1KE", "NIKE"),  # digit one for I
        ("NlKE", "NIKE"),  # lower-case L for I
        ("n1ke", "nike"),
        ("ΝΙΚΕ", "NIKE"),  # Greek capitals
        ("аdidas", "adidas"),  # Cyrillic а
        ("АDIDAS", "ADIDAS"),  # Cyrillic А
        ("@DIDAS", "ADIDAS"),
        ("ADIDA$", "ADIDAS"),
        ("ADlDA5", "ADIDAS"),
        ("C0CA-C0LA", "COCA-COLA"),
        ("R0LEX", "ROLEX"),
        ("ROL3X", "ROLEX"),
        ("ＮＩＫＥ", "NIKE"),  # full-width, folded by NFKC before the skeleton
        ("Nestlé", "Nestle"),
    ],
)
def test_look_alikes_share_a_skeleton(written: str, recorded: str) -> None:
    assert _key(written) == _key(recorded)


@pytest.mark.parametrize(
    ("one", "other"),
    [("nike", "mike"), ("nike", "nice"), ("apple", "ample"), ("puma", "pump"), ("dove", "love")],
)
def test_different_words_keep_different_skeletons(one: str, other: str) -> None:
    assert _key(one) != _key(other)


def _key(text: str) -> str:
    return "".join(t.latin for t in analyse(text).tokens)


@pytest.mark.parametrize(
    ("text", "latin"),
    [
        ("耐克", "nai ke"),
        ("阿迪达斯", "a di da si"),
        ("Адидас", "Adidas"),
        ("ナイキ", "naiki"),
        ("plain ascii", "plain ascii"),
    ],
)
def test_transliteration_to_latin(text: str, latin: str) -> None:
    assert to_latin(text) == latin


def test_phonetic_key_lets_spellings_that_sound_alike_meet() -> None:
    assert phonetic_key("naikee") == phonetic_key("nike") == phonetic_key("naiki")
    assert phonetic_key("adidas") != phonetic_key("nike")
    assert phonetic_key("123") == ""


def test_tokens_split_chinese_characters_and_keep_spans() -> None:
    text = "耐克运动鞋 size 42"
    tokens = tokenize(normalize(text))
    assert [t.text for t in tokens] == ["耐", "克", "运", "动", "鞋", "size", "42"]
    assert all(text[t.start : t.end] == t.text for t in tokens)


def test_analyse_gives_pinyin_latin_keys_for_chinese() -> None:
    analysed = analyse("耐克运动鞋")
    assert "".join(t.spelling for t in analysed.tokens[:2]) == "naike"
    assert "".join(t.latin for t in analysed.tokens[:2]) == skeleton("naike")


def test_analyse_spans_point_into_the_text() -> None:
    text = "mens shoes N1KE air"
    analysed = analyse(text)
    assert [text[t.start : t.end] for t in analysed.tokens] == ["mens", "shoes", "N1KE", "air"]
    assert analysed.tokens[2].latin == analyse("nike").tokens[0].latin


def test_cyrillic_transliteration_meets_the_latin_mark() -> None:
    assert analyse("Адидас").tokens[0].latin == analyse("adidas").tokens[0].latin


_LETTERS = st.text(alphabet=string.ascii_letters + string.digits + " -.", max_size=30)
# Characters the compatibility look-alike table keeps as the letter they look like, dropped
# from generated text where a property holds for every other character.
_KEEP_LOOK = dict.fromkeys(KEEP_LOOK_ALIKES)
_UNICODE = st.text(
    alphabet=st.characters(codec="utf-8", categories=["L", "N", "Zs", "P", "M"]), max_size=30
)


@given(_UNICODE)
def test_normalize_is_idempotent(text: str) -> None:
    assert normalize(normalize(text)) == normalize(text)


@given(_LETTERS)
def test_keys_do_not_depend_on_case(text: str) -> None:
    upper = [t.latin for t in analyse(text.upper()).tokens]
    lower = [t.latin for t in analyse(text.lower()).tokens]
    assert upper == lower


@given(_UNICODE.map(lambda text: text.translate(_KEEP_LOOK)))
def test_keys_do_not_depend_on_the_unicode_normal_form(text: str) -> None:
    """Except for the few compatibility characters that NFKC turns into a letter they do not
    look like (next test): those keep their look as written."""
    forms = [unicodedata.normalize(form, text) for form in ("NFC", "NFD", "NFKC", "NFKD")]
    keys = {tuple(t.latin for t in analyse(form).tokens) for form in forms}
    assert len(keys) == 1


@pytest.mark.parametrize(
    ("written", "looks_like"),
    [("ϹOCA", "COCA"), ("ϲoca", "coca"), ("ℽves", "yves")],  # lunate sigmas, double-struck γ
)
def test_compatibility_look_alikes_keep_their_look(written: str, looks_like: str) -> None:
    """NFKC would make Ϲ a Σ and ℽ a γ, which read "s" and "g"; as written they look like C
    and y, and a counterfeiter writes them for that."""
    assert _key(written) == _key(looks_like)
    assert _key(unicodedata.normalize("NFKC", written)) != _key(looks_like)


@given(_UNICODE)
def test_latin_keys_are_ascii_letters_and_digits(text: str) -> None:
    for token in analyse(text).tokens:
        assert token.latin == "" or (token.latin.isascii() and token.latin.isalnum())


@given(st.text(alphabet=string.printable, max_size=40))
def test_ascii_text_gets_the_tokens_and_skeletons_of_the_general_path(text: str) -> None:
    """ASCII text has its own faster path through `analyse`; it must split and key text
    exactly as the general path (tokenize, then the skeleton of each token) does."""
    tokens = analyse(text).tokens
    general = tokenize(text)
    assert [(t.start, t.end) for t in tokens] == [(t.start, t.end) for t in general]
    for token, plain in zip(tokens, general, strict=True):
        assert token.folded == plain.text.lower()
        assert token.skeleton == token.latin == skeleton(plain.text)
