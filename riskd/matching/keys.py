"""Windows: runs of neighbouring tokens joined, with the keys every method compares.

A recorded name ("polo ralph lauren", "耐克") is one window over all its tokens; a declared
text is covered by every window of up to `max_window_tokens` tokens, so that a mark is found
anywhere inside a long description, and one spaced out as "N I K E" or written 耐克运动鞋 is
joined back together.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import NamedTuple

from riskd.text import Analysed, phonetic_key


class Keys(NamedTuple):
    """The keys of a window (or of a recorded name), from strict to loose (a named tuple:
    one is made for every candidate name, at a third of the cost of a frozen dataclass)."""

    text: str  # as written (NFKC), for explanations
    spaced: str  # folded tokens joined by one space: equal for an EXACT match
    compact: str  # folded tokens joined: equal when only spacing or punctuation differ
    skeleton: str  # confusable skeleton, own script
    latin: str  # ASCII skeleton after transliteration: what FUZZY compares
    sound: str  # metaphone key of the Latin spelling ("" where not computed)
    units: int  # words, a run of one- and two-letter fragments counting once (see spans)
    plain: bool = False  # made only of words of everyday language
    start: int = 0
    end: int = 0


def join(
    analysed: Analysed,
    first: int,
    stop: int,
    *,
    with_sound: bool,
    reading: bool = False,
    plain: bool = False,
    sound: str | None = None,
) -> Keys:
    """Keys of the tokens first..stop-1 of an analysed text, joined; with `reading`, the
    Latin key is the transliteration rather than the look-alike skeleton. A caller that
    already has the sound key passes it, as metaphone is the dearest key to make."""
    if stop == first + 1:  # one token, the usual window: its keys as they are
        token = analysed.tokens[first]
        if sound is None:
            sound = phonetic_key(token.spelling) if with_sound else ""
        folded = token.folded
        return tuple.__new__(  # Keys(...) without its keyword handling: made per candidate
            Keys,
            (
                analysed.text[token.start : token.end],
                folded,
                folded,
                token.skeleton,
                token.reading if reading else token.latin,
                sound,
                1,
                plain,
                token.start,
                token.end,
            ),
        )
    tokens = analysed.tokens[first:stop]
    start, end = tokens[0].start, tokens[-1].end
    words = [t.folded for t in tokens]
    if sound is None:
        sound = phonetic_key("".join(t.spelling for t in tokens)) if with_sound else ""
    return Keys(
        text=analysed.text[start:end],
        spaced=" ".join(words),
        compact="".join(words),
        skeleton="".join(t.skeleton for t in tokens),
        latin="".join(t.reading if reading else t.latin for t in tokens),
        sound=sound,
        units=count_units(words),
        plain=plain,
        start=start,
        end=end,
    )


def name_keys(analysed: Analysed) -> Keys | None:
    """Keys of a recorded name: one window over all its tokens (None for a name of no letters)."""
    if not analysed.tokens:
        return None
    return join(analysed, 0, len(analysed.tokens), with_sound=True)


def word_class(units: int) -> int:
    """One word, or several: the typo methods compare a window only with names of its class
    ("beer in" is not BERIN misspelt), but within several words a dropped short word ("paper
    of he moon") still counts as a typo."""
    return 1 if units <= 1 else 2


def count_units(folded: Sequence[str]) -> int:
    """Words of a run of tokens, a run of fragments of one or two letters counting once."""
    return sum(
        1 for i, token in enumerate(folded) if not (i and len(token) <= 2 >= len(folded[i - 1]))
    )


def spans(analysed: Analysed, max_units: int, max_chars: int) -> Iterator[tuple[int, int, int]]:
    """Token ranges (first, stop, units) of every window of up to max_units units and up to
    max_chars letters. A unit is a token, or a run of fragments of one or two letters: a
    mark broken up as "N I K E" or "b or d ra talmi" counts as one word, as it was recorded."""
    tokens = analysed.tokens
    for first in range(len(tokens)):
        length = 0
        units = 0
        for stop in range(first + 1, len(tokens) + 1):
            token = tokens[stop - 1].folded
            length += len(token)
            if length > max_chars:
                break
            if not (stop - 1 > first and len(token) <= 2 >= len(tokens[stop - 2].folded)):
                units += 1
            if units > max_units:
                break
            yield first, stop, units
