"""Confusable skeletons: text that looks alike maps to the same key.

The skeleton follows Unicode TS #39 (ICU's SpoofChecker): Cyrillic `а` and Greek `Α` map to
Latin `a`, `1` and `I` to `l`, `0` to `O`. It is taken of each character's capital, so that
it does not depend on case; then case is folded, accents dropped, and the digit and symbol
tricks folded that TS #39 leaves alone because they do not look alike in every font but are
the counterfeiters' own spelling (`3` for e, `5` and `$` for s, `@` for a); `i` folds onto
`l` because in a sans-serif `NlKE` reads NIKE.

Both sides of a comparison go through the same skeleton, so a folded pair never needs to be
equal in the original: the skeleton only ever decides whether two texts look alike.
"""

from __future__ import annotations

import unicodedata

import icu

# Look-alikes that TS #39 does not fold, as counterfeiters use them. Applied after the TS #39
# skeleton and case folding. Example: "n1ke" and "nlke" and "nike" all become "nlke".
LOOKALIKES = str.maketrans(
    {
        "0": "o",
        "1": "l",
        "2": "z",
        "3": "e",
        "4": "a",
        "5": "s",
        "6": "g",
        "7": "t",
        "8": "b",
        "@": "a",
        "$": "s",
        "i": "l",
        "|": "l",
        "!": "l",
    }
)

_CHECKER = icu.SpoofChecker()


def _char_skeleton(char: str) -> str:
    """TS #39 skeleton of one character as a capital, then case folded, accents dropped and
    look-alikes folded. Comparing capitals makes the skeleton independent of case: Greek `ν`
    and `Ν` both become `n`, as Cyrillic `а` and `А` become `a`."""
    if char.isascii():
        # Latin letters and digits are their own prototypes but for the look-alikes above;
        # TS #39's m → rn is left to the typo method, as rn is common in real words (BORNEO).
        return char.lower().translate(LOOKALIKES)
    capital = char.casefold().upper()
    prototype = _CHECKER.getSkeleton(0, capital).casefold()
    decomposed = unicodedata.normalize("NFD", prototype)
    bare = "".join(c for c in decomposed if not unicodedata.combining(c))
    return bare.translate(LOOKALIKES)


class _SkeletonTable(dict[int, str]):
    """Per-code-point skeletons for `str.translate`, filled on first sight of a character.

    TS #39 defines the skeleton character by character (after NFD), so translating with this
    table equals the skeleton of the whole string; caching makes it one C-level pass."""

    def __missing__(self, code: int) -> str:
        value = _char_skeleton(chr(code))
        self[code] = value
        return value


_TABLE = _SkeletonTable()


def _compatibility_look_alikes() -> dict[int, str]:
    """Characters that NFKC turns into a letter they do not look like: Greek lunate sigma
    `Ϲ` looks like C but NFKC makes it `Σ`. Before NFKC they are replaced by the Latin
    letter they look like, so that the look-alike survives normalisation."""
    table: dict[int, str] = {}
    blocks = [(0x0370, 0x0400), (0x0400, 0x0530), (0x2100, 0x2150)]
    for code in (c for low, high in blocks for c in range(low, high)):
        char = chr(code)
        compatible = unicodedata.normalize("NFKC", char)
        if compatible == char:
            continue
        looks = _char_skeleton(char)
        single = len(looks) == 1 and looks.isascii() and looks.isalnum()
        if single and _char_skeleton(compatible[:1]) != looks:
            table[code] = looks.upper() if char.isupper() else looks
    return table


KEEP_LOOK_ALIKES = _compatibility_look_alikes()


def _ascii_table() -> bytes:
    """Skeletons of the ASCII characters as a byte table: each is one ASCII character, so
    the skeleton of ASCII text is one `bytes.translate`, several times faster than a
    `str.translate` through the table of every code point."""
    skeletons = [_char_skeleton(chr(code)) for code in range(128)]
    if not all(len(s) == 1 and s.isascii() for s in skeletons):
        raise RuntimeError("an ASCII character's skeleton is not one ASCII character")
    return bytes(ord(s) for s in skeletons) + bytes(range(128, 256))


_ASCII_TABLE = _ascii_table()


def ascii_skeleton(text: str) -> str:
    """`skeleton` of text known to be ASCII."""
    return text.encode("ascii").translate(_ASCII_TABLE).decode("ascii")


def skeleton(text: str) -> str:
    """Confusable skeleton of text in its original case: equal skeletons look alike
    ("N1KE", "ΝΙΚΕ", "nike" → "nlke")."""
    return text.translate(_TABLE)
