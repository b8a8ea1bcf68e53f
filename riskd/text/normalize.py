"""Normalisation of declared text before it is compared with recorded marks.

NFKC folds compatibility forms (full-width letters, ligatures, circled digits) onto their
plain letters, case folding removes case (including ß → ss), and runs of white space
collapse to one space, so that "ＮＩＫＥ  Air" and "nike air" compare equal.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

_WHITESPACE = re.compile(r"\s+")
_WORD = re.compile(r"\w+")


def normalize(text: str) -> str:
    """NFKC, case fold, collapse white space; idempotent."""
    folded = unicodedata.normalize("NFKC", unicodedata.normalize("NFKC", text).casefold())
    return _WHITESPACE.sub(" ", folded).strip()


@dataclass(frozen=True, slots=True)
class Token:
    """A word of normalised text with its character span in that text."""

    text: str
    start: int
    end: int


def tokenize(normalized: str) -> tuple[Token, ...]:
    """Split normalised text into word tokens (letters, digits, underscore; any script)."""
    return tuple(Token(m.group(), m.start(), m.end()) for m in _WORD.finditer(normalized))
