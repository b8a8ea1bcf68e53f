"""Phonetic keys, so that spellings that sound alike meet (`naikee`, `naiki` and `nike`)."""

from __future__ import annotations

import re

import jellyfish

_NOT_LETTER = re.compile(r"[^a-zA-Z]+")


def phonetic_key(latin: str) -> str:
    """Metaphone key of Latin text, letters only ("naikee" → "NK"); empty when no letters."""
    # Plain ASCII letters (nearly every window) need no regex pass.
    letters = latin if latin.isascii() and latin.isalpha() else _NOT_LETTER.sub("", latin)
    return str(jellyfish.metaphone(letters)) if letters else ""
