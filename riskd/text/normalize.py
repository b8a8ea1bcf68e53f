"""Normalisation of declared text before it is compared with recorded marks.

NFKC folds compatibility forms (full-width letters, ligatures, circled digits) onto their
plain letters, case folding removes case (including ß → ss), and runs of white space
collapse to one space, so that "ＮＩＫＥ  Air" and "nike air" compare equal.

Tokens are runs of letters and digits in any script; `@` and `$` count as letters because
counterfeiters write them for `a` and `s` (`@DIDAS`, `NIKE$`), and so does `|` next to a
letter (`N|KE`, `NOR|`). Chinese characters and
Japanese kana are written without spaces, so each one is a token of its own: a mark such as
耐克 is then found inside 耐克运动鞋 by joining neighbouring tokens, the same way a spaced
`N I K E` is found.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

_WHITESPACE = re.compile(r"\s+")
# Han ideographs (with extension A and compatibility forms), hiragana and katakana.
_CJK = "\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"
_TOKEN = re.compile(rf"[{_CJK}]|(?:[^\W_{_CJK}]|[@$]|(?<=\w)\||\|(?=\w))+")
# The same tokens of ASCII text, by simpler patterns that run in half the time: without a
# `|`, a token is a run of letters, digits, `@` and `$`.
ASCII_TOKEN = re.compile(r"(?:[A-Za-z0-9@$]|(?<=[A-Za-z0-9_])\||\|(?=[A-Za-z0-9_]))+")
ASCII_WORD = re.compile(r"[A-Za-z0-9@$]+")


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
    """Split normalised text into tokens: letter/digit runs, and one token per CJK character."""
    return tuple(Token(m.group(), m.start(), m.end()) for m in _TOKEN.finditer(normalized))


def is_cjk(token: str) -> bool:
    """Whether a token is a single Chinese character or kana (a token of its own). Compared
    by code point rather than by regex: the matcher asks this of every token it windows."""
    return len(token) == 1 and (
        "\u3040" <= token <= "\u30ff"
        or "\u3400" <= token <= "\u4dbf"
        or "\u4e00" <= token <= "\u9fff"
        or "\uf900" <= token <= "\ufaff"
    )
