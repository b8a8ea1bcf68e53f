"""The similarity methods: each a small pure function comparing a declared window with a
recorded name, returning a score 0-100 and a detail an officer can read, or None.

The matcher tries them in the order of `METHODS`, strongest first, and keeps the first that
finds the name; docs/matching.md lists them from these docstrings.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import NamedTuple

from rapidfuzz import fuzz
from rapidfuzz.distance import OSA, Hamming, Indel

from riskd.domain import MatchMethod
from riskd.matching.keys import Keys, word_class
from riskd.matching.tuning import METHOD_SCORES, MatchingConfig


class Evidence(NamedTuple):
    """What one method found: its score and a sentence for the officer (a named tuple, cheap
    to make for every candidate)."""

    method: MatchMethod
    score: float
    detail: str
    edits: int = 0  # letters a typo differs by
    inner: bool = False  # found glued inside a longer word


Method = Callable[[Keys, Keys, MatchingConfig], Evidence | None]


def exact(window: Keys, name: Keys, config: MatchingConfig) -> Evidence | None:
    """The name as recorded, word for word, ignoring case and Unicode form ("Nike Air")."""
    if window.spaced != name.spaced:
        return None
    return _fixed(MatchMethod.EXACT, f"matched {name.text} exactly in {window.text!r}")


def compact(window: Keys, name: Keys, config: MatchingConfig) -> Evidence | None:
    """The same letters with spacing or punctuation added or removed ("N.I.K.E", "N I K E")."""
    if window.compact != name.compact:
        return None
    detail = f"matched {name.text} with spacing/punctuation removed in {window.text!r}"
    return _fixed(MatchMethod.COMPACT, detail)


def skeleton(window: Keys, name: Keys, config: MatchingConfig) -> Evidence | None:
    """Look-alike characters: Cyrillic or Greek letters, 0/o, 1/l/i, 3/e, 5/s, @/a ("N1KE")."""
    if window.skeleton != name.skeleton:
        return None
    detail = f"matched {name.text} by homoglyph skeleton in {window.text!r}"
    return _fixed(MatchMethod.SKELETON, detail)


def transliteration(window: Keys, name: Keys, config: MatchingConfig) -> Evidence | None:
    """The name in another script or its romanisation: 耐克 or "naike" for alias 耐克.
    Chinese text meets a name only in the same characters: 颗粒 is not 科利 nor "keli",
    though all read "keli", and 旅 (read "lv") is not LV."""
    if window.latin != name.latin or _has_cjk(window.compact):
        return None
    detail = f"matched {name.text} by transliteration ({name.latin!r}) in {window.text!r}"
    return _fixed(MatchMethod.TRANSLITERATION, detail)


def fuzzy(window: Keys, name: Keys, config: MatchingConfig) -> Evidence | None:
    """A typo within the mark's edit budget: a letter swapped, dropped, doubled or changed
    ("nke", "nikke", "adidsa"); a word of everyday language is not a typo ("nice", "mike")."""
    budget = fuzzy_budget(name, config)
    if window.plain:  # common words only: one typo at most ("glass food" is not GLASS MOON)
        budget = min(budget, 1)
    if budget == 0 or not _same_class(window, name, config) or _other_script(window, name):
        return None
    if abs(len(window.latin) - len(name.latin)) > budget:
        return None
    recorded = _digits(name.compact)
    if recorded and not digits_fit(_digits(window.compact), recorded):
        return None  # XPS 15 is not a typo of XPS 13
    edits = OSA.distance(window.latin, name.latin, score_cutoff=budget)
    if edits > budget or edits == 0 or _misaligned(window, name, budget, config):
        return None
    if len(name.latin) < config.substitution_from and changes_a_letter(window.latin, name.latin):
        return None
    score = fuzz.ratio(window.latin, name.latin)
    plural = "s" if edits > 1 else ""
    detail = f"matched {name.text} with {edits} typo{plural} in {window.text!r}"
    return Evidence(MatchMethod.FUZZY, round(score, 1), detail, edits)


def phonetic(window: Keys, name: Keys, config: MatchingConfig) -> Evidence | None:
    """Sounds alike: the same metaphone key and a similar spelling ("naikee" for NIKE)."""
    if not window.sound or window.sound != name.sound:
        return None
    if word_class(window.units) != word_class(name.units) or _other_script(window, name):
        return None
    if _has_digits(name.compact):
        return None
    if _has_cjk(window.compact):  # Chinese homophones are other words (颗粒 is not 科利)
        return None
    score = fuzz.ratio(window.latin, name.latin)
    detail = f"matched {name.text} by sound ({name.sound}) in {window.text!r}"
    return Evidence(MatchMethod.PHONETIC, round(score, 1), detail)


def fuzzy_budget(name: Keys, config: MatchingConfig) -> int:
    """Edits a name may differ by (none for names in Chinese or Japanese characters, whose
    typos are other characters, not other letters)."""
    if _has_cjk(name.compact):
        return 0
    return config.edit_budget(len(name.latin))


def _same_class(window: Keys, name: Keys, config: MatchingConfig) -> bool:
    """Typos are compared within a word class (one word, several), but a long mark of
    several words, or one of a word and fragments, may be written as one word
    ("thenorthfoce" for THE NORTH FACE, "jcks" for JACK'S)."""
    if word_class(window.units) == word_class(name.units):
        return True
    return window.units <= 1 and config.typo_as_one_word(name.spaced, name.latin)


def _misaligned(window: Keys, name: Keys, budget: int, config: MatchingConfig) -> bool:
    """Words of a window typo-compared with a name of as many words must be typos of its
    words one by one: "meal and" is one letter from TEA LAND written as one, but its words
    are not the mark's words misspelt; and a short word of the mark changed into one of the
    commonest words is that word ("cotton or" is not COTTON ON)."""
    if window.units <= 1 or name.units != window.units:
        return False
    written, recorded = _latin_words(window), _latin_words(name)
    if not written or len(written) != len(recorded):
        return False
    total = 0
    for mine, theirs in zip(written, recorded, strict=True):
        edits = OSA.distance(mine, theirs, score_cutoff=budget + 1)
        if edits and len(theirs) <= 2 and mine in config.function_words:
            return True
        total += edits
        if total > budget:
            return True
    return False


def _latin_words(keys: Keys) -> list[str]:
    """The Latin key cut into the window's words, where each letter has one Latin letter
    ("český červený" is "cesky cerveny"); empty where it has not (耐克, "straße")."""
    words = keys.spaced.split(" ")
    if sum(map(len, words)) != len(keys.latin):
        return []
    cut, start = [], 0
    for word in words:
        cut.append(keys.latin[start : start + len(word)])
        start += len(word)
    return cut


def _other_script(window: Keys, name: Keys) -> bool:
    """A name in a script without Latin look-alikes (Рамус, ハンズ) is typo-compared only with
    text that is not plain ASCII: its Latin key is a romanisation, and "hams" written in
    Latin is no misspelling of a Cyrillic word."""
    return not name.skeleton.isascii() and window.text.isascii()


# Each with a fast answer for the usual key (plain letters, or ASCII) before the loop over
# characters: they run for every candidate a window is compared with.


def _has_digits(text: str) -> bool:
    return not text.isalpha() and any(c.isdigit() for c in text)


def _digits(text: str) -> str:
    return "" if text.isalpha() else "".join(c for c in text if c.isdigit())


def digits_fit(written: str, recorded: str) -> bool:
    """Whether the digits of a window may be a typo of a mark's digits: the same, or one
    digit added, dropped or two swapped ("home4" for HOME24, "sport0200" for SPORT 2000),
    never one digit changed into another (XPS 15 is another product than XPS 13)."""
    if written == recorded:
        return True
    if not written:  # "n.e" is not AN3 with its 3 dropped
        return False
    if len(written) != len(recorded):
        return abs(len(written) - len(recorded)) == 1 and Indel.distance(written, recorded) == 1
    return sorted(written) == sorted(recorded) and OSA.distance(written, recorded) == 1


def _has_cjk(text: str) -> bool:
    return not text.isascii() and any("\u3040" <= c <= "\ufaff" for c in text)


def changes_a_letter(written: str, recorded: str) -> bool:
    """Whether two keys differ by exactly one changed letter."""
    return len(written) == len(recorded) and Hamming.distance(written, recorded) == 1


def _fixed(method: MatchMethod, detail: str) -> Evidence:
    return Evidence(method, METHOD_SCORES[method], detail)


# The registry of methods, strongest first: the first method that finds a name decides how
# the match is reported. A new method is a function above and a line here (and its
# thresholds and rank in `riskd.matching.tuning`; a test checks that every method has them).
METHODS: tuple[tuple[MatchMethod, Method], ...] = (
    (MatchMethod.EXACT, exact),
    (MatchMethod.COMPACT, compact),
    (MatchMethod.SKELETON, skeleton),
    (MatchMethod.TRANSLITERATION, transliteration),
    (MatchMethod.FUZZY, fuzzy),
    (MatchMethod.PHONETIC, phonetic),
)


def describe() -> list[tuple[MatchMethod, str]]:
    """Each method with its docstring in one line, for the documentation."""
    return [(kind, " ".join((m.__doc__ or "").split())) for kind, m in METHODS]
