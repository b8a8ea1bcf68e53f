"""Phonetic keys, so that spellings that sound alike meet (`naikee`, `naiki` and `nike`)."""

from __future__ import annotations

import jellyfish


def phonetic_key(latin: str) -> str:
    """Metaphone key of Latin text, letters only ("naikee" → "NK"); empty when no letters."""
    letters = "".join(c for c in latin if "a" <= c <= "z" or "A" <= c <= "Z")
    return str(jellyfish.metaphone(letters)) if letters else ""
