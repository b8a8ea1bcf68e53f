"""The name index: from a window's keys to the few recorded names worth scoring.

Every recorded name (mark or alias) puts a handful of keys into one table: its compact form,
its Latin skeleton, its metaphone key, and every string its Latin skeleton becomes with up to
its edit budget of letters deleted (the symmetric-deletion scheme: two strings within k
edits share a string that each becomes with at most k deletions). A window looks up its own
keys and deletions; whatever shares one is a candidate, and only candidates are scored. The
cost per window does not grow with the register.

The table is compact enough for millions of names: two numpy arrays, the 64-bit hashes of
the keys (sorted) and the name each key belongs to, searched with one `searchsorted` per
item. Hashes are salted by the kind of key, so a deletion never meets a compact form.
Python's string hash is randomised per process, which is fine: the index lives in memory
and is rebuilt, never stored.
"""

from __future__ import annotations

from array import array
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from riskd.matching.keys import Keys

# Salts of the kinds of key (plain ints: the probe loop is the matcher's hottest code).
COMPACT = 0x5BD1E995
LATIN = 0x1B873593
SOUND = 0x3C6EF372
DELETION = 0x27D4EB2F


def probes(kind: int, keys: Iterable[str]) -> list[int]:
    """The table entries of keys of a kind."""
    return [hash(key) ^ kind for key in keys]


def deletions(word: str, depth: int) -> set[str]:
    """The word and every string it becomes with up to `depth` letters deleted."""
    result = {word}
    frontier = {word}
    for _ in range(depth):
        frontier = {w[:i] + w[i + 1 :] for w in frontier for i in range(len(w))}
        result |= frontier
    return result


@dataclass(frozen=True, slots=True)
class NameTable:
    """Every recorded name with the keys the methods compare, column by column."""

    owner: npt.NDArray[np.int32]  # name → index of its recordation in the register
    text: Sequence[str]
    spaced: Sequence[str]
    skeleton: Sequence[str]
    latin: Sequence[str]
    sound: Sequence[str]

    def keys(self, name: int) -> Keys:
        spaced = self.spaced[name]
        return Keys(
            text=self.text[name],
            spaced=spaced,
            compact=spaced.replace(" ", ""),
            skeleton=self.skeleton[name],
            latin=self.latin[name],
            sound=self.sound[name],
            tokens=spaced.count(" ") + 1,
        )

    def __len__(self) -> int:
        return len(self.text)


@dataclass(frozen=True, slots=True)
class KeyTable:
    """Sorted key hashes and the name of each; one lookup answers all probes of an item."""

    hashes: npt.NDArray[np.int64]
    names: npt.NDArray[np.int32]

    @classmethod
    def build(cls, entries: Iterable[tuple[Iterable[int], int]]) -> KeyTable:
        """From (probes of a name, name) pairs."""
        hashes = array("q")
        names = array("i")
        for probes, name in entries:
            before = len(hashes)
            hashes.extend(probes)
            names.extend([name] * (len(hashes) - before))
        hash_array = np.array(hashes, dtype=np.int64)
        order = np.argsort(hash_array, kind="stable")
        return cls(hash_array[order], np.array(names, dtype=np.int32)[order])

    def lookup(self, probes: Sequence[int], limits: Sequence[int]) -> list[list[int]]:
        """The names under each probe; a probe with more names than its limit gives none."""
        wanted = np.fromiter(probes, dtype=np.int64, count=len(probes))
        low = np.searchsorted(self.hashes, wanted, side="left")
        high = np.searchsorted(self.hashes, wanted, side="right")
        counts = (high - low).tolist()
        lows = low.tolist()
        result: list[list[int]] = []
        for index, count in enumerate(counts):
            if count == 0 or count > limits[index]:
                result.append([])
            else:
                start = lows[index]
                result.append(self.names[start : start + count].tolist())
        return result

    @property
    def nbytes(self) -> int:
        return int(self.hashes.nbytes + self.names.nbytes)

    def __len__(self) -> int:
        return len(self.hashes)
