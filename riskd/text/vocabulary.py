"""Words of everyday language, from word frequencies (wordfreq), in two uses:

- `common_words`: words a declarant writes as themselves, never read as typos of a mark:
  "nice" is one letter from NIKE, "livers" two from RIVERS, "offal" two from OXFAM, but
  a word found in everyday English was written as that word;
- `everyday_words`: the lexicon that decides whether a recorded mark is an *everyday word*
  (FRESH, BOOTS, SHELL, "Blue Cross"): one whose words all reach a frequency threshold in
  some language wordfreq knows (42 of them, Chinese included, with the pinyin of the
  Chinese words). Such a mark found in a description is most often the word ("fresh or
  chilled", "ball point pens") and raises risk only with corroboration
  (`riskd.matching.context`).

- `known_words`: the words of English, frequent or rare, that a description may use as
  themselves: a frequency list alone also holds names and web tokens ("tsla", "kyria"),
  so its rare words count only where an English dictionary has them too.

Thresholds are Zipf values, log10 of a word's frequency per billion words: 7 is "the", 4 a
word met once in 100,000 ("fresh" 4.8, "boots" 4.3, "nike" 3.9), 2.5 once in 3 million
("offal", "wiper"). They are set in `riskd.matching.tuning`, where the choice is explained.
"""

from __future__ import annotations

from functools import lru_cache

from wordfreq import available_languages, get_frequency_dict, top_n_list


def _frequency(zipf: float) -> float:
    return float(10.0 ** (zipf - 9.0))


@lru_cache(maxsize=8)
def common_words(language: str = "en", count: int = 30_000, zipf: float = 0.0) -> frozenset[str]:
    """Words of a language, lower case, two letters or more: the `count` most frequent,
    and every word of at least `zipf` (0: none beyond the count)."""
    words = {w for w in top_n_list(language, count) if len(w) >= 2 and w.isalpha()}
    if zipf:
        floor = _frequency(zipf)
        frequencies = get_frequency_dict(language, wordlist="best")
        words.update(
            w for w, f in frequencies.items() if f >= floor and len(w) >= 2 and w.isalpha()
        )
    return frozenset(words)


@lru_cache(maxsize=1)
def dictionary_words() -> frozenset[str]:
    """The words of two English dictionaries, Webster's Second and GCIDE (english-words):
    words, as against the names and web tokens of a frequency list."""
    from english_words import get_english_words_set

    return frozenset(get_english_words_set(["web2", "gcide"], lower=True, alpha=True))


def singulars(word: str) -> tuple[str, ...]:
    """The word and the singulars it may be the plural of, which dictionaries leave out
    ("cresols": "cresol", "roes": "roe", "hinnies": "hinny")."""
    found = [word]
    if word.endswith("s"):
        found.append(word[:-1])
    if word.endswith("es"):
        found.append(word[:-2])
    if word.endswith("ies"):
        found.append(word[:-3] + "y")
    return tuple(found)


@lru_cache(maxsize=4)
def known_words(frequent_zipf: float, listed_zipf: float) -> frozenset[str]:
    """English words: every word of at least `frequent_zipf`, and the rarer ones of at least
    `listed_zipf` that a dictionary has, as written or as their singular ("dross", "roes";
    not "tsla", "saj")."""
    dictionary = dictionary_words()
    rare = (
        w
        for w in common_words(zipf=listed_zipf)
        if any(form in dictionary for form in singulars(w))
    )
    return common_words(zipf=frequent_zipf) | frozenset(rare)


def function_words(zipf: float, longest: int = 2) -> frozenset[str]:
    """English words of at most `longest` letters and at least `zipf` ("or", "of", "on")."""
    return frozenset(w for w in common_words(count=0, zipf=zipf) if len(w) <= longest)


@lru_cache(maxsize=4)
def everyday_words(zipf: float) -> frozenset[str]:
    """Every word of at least `zipf` in any language wordfreq has (its "small" lists, which
    hold every word down to Zipf 3), with the toneless pinyin of the Chinese ones, joined
    ("苹果" and "pingguo")."""
    floor = _frequency(zipf)
    words: set[str] = set()
    for language in sorted(available_languages(wordlist="small")):
        frequent = [
            w for w, f in get_frequency_dict(language, wordlist="small").items() if f >= floor
        ]
        words.update(frequent)
        if language == "zh":
            from pypinyin import lazy_pinyin

            words.update("".join(lazy_pinyin(w)) for w in frequent)
    return frozenset(words)
