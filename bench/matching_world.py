"""Synthetic registers and declared texts for the matching benchmarks and quality evaluation.

Marks are pronounceable pseudo-words, so that typos of one mark are often near another, as
in a real register; everything is deterministic from the seed.
"""

from __future__ import annotations

import random
from datetime import UTC, date, datetime

from riskd.domain import Declaration, Direction, Item, Party, RightType, TransportMode
from riskd.register.model import Recordation, Register

_ONSETS = ["b", "c", "d", "f", "g", "k", "l", "m", "n", "p", "r", "s", "t", "v", "z", "br",
           "dr", "gr", "kr", "pl", "st", "tr", "sh", "ch", ""]  # fmt: skip
_VOWELS = ["a", "e", "i", "o", "u", "ai", "io", "ea"]
_CODAS = ["", "", "", "n", "r", "s", "x", "l", "m"]
_CHAPTERS = ["33", "42", "61", "62", "64", "71", "84", "85", "90", "91", "95"]


def pseudo_words(count: int, seed: int = 7) -> list[str]:
    """`count` distinct pronounceable words of two to four syllables."""
    rng = random.Random(seed)
    words: dict[str, None] = {}
    while len(words) < count:
        syllables = rng.choice((2, 2, 3, 3, 3, 4))
        word = "".join(
            rng.choice(_ONSETS) + rng.choice(_VOWELS) + rng.choice(_CODAS) for _ in range(syllables)
        )
        if 5 <= len(word) <= 14:
            words[word] = None
    return list(words)


def synthetic_register(marks: list[str], seed: int = 7) -> Register:
    """One trademark recordation per mark, each protecting goods of one or two HS chapters."""
    rng = random.Random(seed)
    since = date(2020, 1, 1)
    recordations = tuple(
        Recordation(
            recordation_id=f"T{number:07d}",
            right_type=RightType.TRADEMARK,
            mark=mark.upper(),
            holder=f"Holder {number}",
            valid_from=since,
            hs_prefixes=tuple(rng.sample(_CHAPTERS, rng.choice((1, 2)))),
        )
        for number, mark in enumerate(marks)
    )
    return Register(version=f"synthetic-{len(marks)}-{seed}", recordations=recordations)


def declaration_of(*items: Item) -> Declaration:
    return Declaration(
        declaration_id="BENCH-1",
        declared_at=datetime(2025, 6, 1, tzinfo=UTC),
        direction=Direction.IMPORT,
        customs_office="CNSHA",
        transport_mode=TransportMode.COURIER,
        items=items,
        importer=Party("IMP-1", "importer"),
    )
