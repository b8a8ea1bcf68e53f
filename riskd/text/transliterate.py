"""Transliteration to Latin letters: Chinese to pinyin, any other script by anyascii.

A mark recorded as NIKE is often written 耐克 on goods for the Chinese market, or in its
pinyin `naike`; Cyrillic and Greek brand names are written in their own alphabets. Matching
compares Latin keys, so every script is brought to Latin first.
"""

from __future__ import annotations

from anyascii import anyascii
from pypinyin import Style, lazy_pinyin


def _each_character(chunk: str) -> list[str]:
    """Characters pypinyin has no reading for (kana, other scripts), one Latin string each."""
    return [anyascii(c) for c in chunk]


def to_latin(text: str) -> str:
    """Latin rendering: Chinese characters as toneless pinyin syllables, other scripts by
    anyascii ("耐克" → "nai ke", "Адидас" → "Adidas")."""
    if text.isascii():
        return text
    if not any("\u3040" <= c <= "\ufaff" for c in text):
        return anyascii(text)
    return " ".join(lazy_pinyin(text, style=Style.NORMAL, errors=anyascii))


def readings(cjk_run: str) -> list[str]:
    """One Latin reading per character of a run of Chinese characters or kana, the run read
    as a phrase so that a character with several readings takes the phrase's (重庆 → chong qing)."""
    # pypinyin documents that `errors` may return a list (one reading per character).
    result = lazy_pinyin(cjk_run, style=Style.NORMAL, errors=_each_character)  # type: ignore[arg-type]
    if len(result) != len(cjk_run):  # a reading spanning characters: fall back to one by one
        result = [lazy_pinyin(c, style=Style.NORMAL, errors=anyascii)[0] for c in cjk_run]
    return [r.lower() for r in result]
