"""Comparison keys of a text, token by token, shared by the register index and the matcher.

Each token of a text carries four keys, from strict to loose:

- `folded`: NFKC and case folded, in its own script ("nike", "耐");
- `skeleton`: its confusable skeleton (TS #39 plus digit tricks), still in its own script
  where nothing looks like Latin ("N1KE" → "nlke", "аррlе" in Cyrillic → "apple");
- `latin`: the skeleton brought to ASCII letters and digits, by transliteration where the
  skeleton is not Latin ("耐" → "nal", "Адидас" → "adldas"); fuzzy matching compares these;
- `reading`: like `latin`, but by transliteration even where the skeleton is Latin: Cyrillic
  "КОРОНА" looks like "kopoha" (`latin`) and reads "korona" (`reading`); both are looked up;
- `spelling`: the Latin spelling before the skeleton, which the phonetic key is taken from
  (the skeleton's `i` → `l` would make "naike" sound like "nalke").

The register and the matcher both call `analyse`, so a mark and a declared text always get
their keys from the same code.
"""

from __future__ import annotations

import re
import unicodedata
from typing import NamedTuple

from riskd.text.confusables import KEEP_LOOK_ALIKES, ascii_skeleton, skeleton
from riskd.text.normalize import _TOKEN, ASCII_TOKEN, ASCII_WORD, is_cjk
from riskd.text.phonetic import phonetic_key
from riskd.text.transliterate import readings, to_latin

_NOT_ALNUM = re.compile(r"[^a-z0-9]+")


class KeyedToken(NamedTuple):
    """One token of a text with its span in the NFKC form of that text and its keys (a named
    tuple: one is made for every token of every declared field, at a third of the cost of
    a frozen dataclass)."""

    start: int
    end: int
    folded: str
    skeleton: str
    latin: str
    spelling: str
    reading: str

    @property
    def sound(self) -> str:
        """Phonetic key of the token's Latin spelling."""
        return phonetic_key(self.spelling)


class Analysed(NamedTuple):
    """A text in NFKC form (spans refer to it; for plain ASCII it is the text itself), a
    named tuple like its tokens: one is made for every declared field."""

    text: str
    tokens: tuple[KeyedToken, ...]


def analyse(text: str) -> Analysed:
    """Split a text into tokens and compute every comparison key of each token."""
    if text.isascii():  # nothing to fold or to read: NFKC and the look-alikes leave ASCII be
        # The ASCII case of `_keyed`, written out; skeletons are taken of the whole text once.
        lowered = text.lower()
        skeletons = ascii_skeleton(text)
        ascii_tokens = []
        pattern = ASCII_TOKEN if "|" in text else ASCII_WORD
        for match in pattern.finditer(text):
            start, end = match.span()
            folded = lowered[start:end]
            skel = skeletons[start:end]
            ascii_tokens.append(
                tuple.__new__(KeyedToken, (start, end, folded, skel, skel, folded, skel))
            )
        return Analysed(text, tuple(ascii_tokens))
    display = unicodedata.normalize("NFKC", text.translate(KEEP_LOOK_ALIKES))
    found = [(m.group(), m.start(), m.end()) for m in _TOKEN.finditer(display)]
    cjk_readings = _cjk_readings([raw for raw, _, _ in found])
    tokens = []
    for index, (raw, start, end) in enumerate(found):
        tokens.append(_keyed(raw, start, end, cjk_readings.get(index)))
    return Analysed(display, tuple(tokens))


def _keyed(raw: str, start: int, end: int, reading: str | None) -> KeyedToken:
    if raw.isascii():
        folded = raw.lower()
        skel = skeleton(raw)
        return KeyedToken(start, end, folded, skel, skel, folded, skel)
    folded = unicodedata.normalize("NFKC", raw.casefold())
    skel = skeleton(raw)
    spelling = reading if reading is not None else to_latin(folded).lower()
    reading = _NOT_ALNUM.sub("", skeleton(spelling))
    latin = _NOT_ALNUM.sub("", skel) if skel.isascii() else reading
    return KeyedToken(start, end, folded, skel, latin, spelling, reading)


def _cjk_readings(raws: list[str]) -> dict[int, str]:
    """Readings of CJK tokens, each run of neighbouring CJK tokens read as one phrase."""
    result: dict[int, str] = {}
    index = 0
    while index < len(raws):
        if not is_cjk(raws[index]):
            index += 1
            continue
        end = index
        while end < len(raws) and is_cjk(raws[end]):
            end += 1
        for offset, reading in enumerate(readings("".join(raws[index:end]))):
            result[index + offset] = reading
        index = end
    return result
