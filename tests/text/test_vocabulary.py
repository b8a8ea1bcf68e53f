"""The English word lists the matcher reads a description's words by, on hand-picked words."""

from __future__ import annotations

import pytest

from riskd.matching.tuning import FUNCTION_ZIPF, KNOWN_ZIPF, PLAIN_ZIPF
from riskd.text.vocabulary import function_words, known_words, singulars


def test_singulars_are_the_forms_a_plural_may_come_from() -> None:
    assert singulars("roe") == ("roe",)
    assert singulars("cresols") == ("cresols", "cresol")
    assert singulars("hinnies") == ("hinnies", "hinnie", "hinni", "hinny")


@pytest.mark.parametrize("word", ["dross", "roes", "ergot", "turnings", "offal", "shoes"])
def test_rare_words_of_a_dictionary_are_known(word: str) -> None:
    assert word in known_words(PLAIN_ZIPF, KNOWN_ZIPF)


@pytest.mark.parametrize("word", ["tsla", "kyria", "sokow"])
def test_web_tokens_of_a_frequency_list_are_not(word: str) -> None:
    assert word not in known_words(PLAIN_ZIPF, KNOWN_ZIPF)


def test_function_words_are_the_commonest_short_words() -> None:
    words = function_words(FUNCTION_ZIPF)
    assert {"or", "of", "on", "in", "to", "be"} <= words
    assert not {"sb", "eb", "dv", "the"} & words
    assert all(len(w) <= 2 for w in words)
