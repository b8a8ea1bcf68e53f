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

from riskd.matching.keys import Keys, count_units, word_class

# Salts of the kinds of key (plain ints: the probe loop is the matcher's hottest code).
# They flip high bits, which the bitmap of the key table is indexed by.
COMPACT = 0x5BD1E995 << 31
LATIN = 0x1B873593 << 31
SOUND = 0x3C6EF372 << 31
DELETION = 0x27D4EB2F << 31


def probes(kind: int, keys: Iterable[str]) -> list[int]:
    """The table entries of keys of a kind."""
    return [hash(key) ^ kind for key in keys]


def deletion_kind(units: int) -> int:
    """Deletion keys are salted by the word class of the name, so that a two-word window
    ("beer in") is never read as a typo of a one-word mark (BERIN)."""
    return DELETION ^ (word_class(units) * 0x9E3779B1)


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
    budget: Sequence[int]  # edits each name may differ by (see methods.fuzzy_budget)

    def keys(self, name: int) -> Keys:
        spaced = self.spaced[name]
        return Keys(
            text=self.text[name],
            spaced=spaced,
            compact=spaced.replace(" ", ""),
            skeleton=self.skeleton[name],
            latin=self.latin[name],
            sound=self.sound[name],
            units=count_units(spaced.split(" ")),
        )

    def __len__(self) -> int:
        return len(self.text)


@dataclass(frozen=True, slots=True)
class KeyTable:
    """Distinct key hashes (sorted), each with the run of names that carry it; one lookup
    answers all probes of an item.

    Most probes (deletions of a declared word) match nothing. A bitmap of the hashes, about
    16 bits per key, turns nearly all of those away with one memory access each, so that
    the binary search only runs for the few probes that may be present."""

    keys: npt.NDArray[np.int64]
    starts: npt.NDArray[np.int32]  # names of keys[i] are names[starts[i]:starts[i + 1]]
    names: npt.NDArray[np.int32]
    bitmap: npt.NDArray[np.uint64]
    shift: int  # a hash's bit in the bitmap is its top (64 - shift) bits

    @classmethod
    def build(cls, hashes: array[int], names: array[int]) -> KeyTable:
        """From parallel arrays of key hashes and the name each key belongs to. Both arrays
        are emptied on the way, to keep the peak memory of a large build down."""
        order = np.argsort(np.frombuffer(hashes, dtype=np.int64), kind="stable")
        sorted_hashes = np.frombuffer(hashes, dtype=np.int64)[order]
        del hashes[:]
        sorted_names = np.frombuffer(names, dtype=np.int32)[order]
        del names[:], order
        first = np.flatnonzero(np.diff(sorted_hashes, prepend=np.int64(0)) != 0)
        if len(sorted_hashes) and (len(first) == 0 or first[0] != 0):
            first = np.concatenate(([0], first))
        keys = sorted_hashes[first]
        del sorted_hashes
        starts = np.append(first, len(sorted_names)).astype(np.int32)
        bits = max(16, (len(keys) * 16).bit_length())
        return cls(keys, starts, sorted_names, _bitmap(keys, bits), 64 - bits)

    def lookup(self, probes: Sequence[int], limits: Sequence[int]) -> list[tuple[int, list[int]]]:
        """(probe number, names) for each probe that found names, at most its limit."""
        wanted = np.array(probes, dtype=np.int64)
        positions = wanted.view(np.uint64) >> np.uint64(self.shift)
        words = self.bitmap[positions >> np.uint64(6)]
        maybe = np.flatnonzero((words >> (positions & np.uint64(63))) & np.uint64(1))
        if not len(maybe) or not len(self.keys):
            return []
        candidates = wanted[maybe]
        at = np.minimum(np.searchsorted(self.keys, candidates), len(self.keys) - 1)
        present = self.keys[at] == candidates
        if not present.any():
            return []
        at = at[present]
        result: list[tuple[int, list[int]]] = []
        for number, start, stop in zip(
            maybe[present].tolist(),
            self.starts[at].tolist(),
            self.starts[at + 1].tolist(),
            strict=True,
        ):
            if stop - start <= limits[number]:
                result.append((number, self.names[start:stop].tolist()))
        return result

    @property
    def nbytes(self) -> int:
        return int(self.keys.nbytes + self.starts.nbytes + self.names.nbytes + self.bitmap.nbytes)

    def __len__(self) -> int:
        return len(self.names)


def _bitmap(sorted_hashes: npt.NDArray[np.int64], bits: int) -> npt.NDArray[np.uint64]:
    """One bit per possible top-`bits` prefix of a hash, set where some key has it. The
    hashes are sorted, so equal prefixes are neighbours and one pass ORs them together."""
    bitmap = np.zeros(max(1, (1 << bits) // 64), dtype=np.uint64)
    if not len(sorted_hashes):
        return bitmap
    positions = sorted_hashes.view(np.uint64) >> np.uint64(64 - bits)
    words = positions >> np.uint64(6)
    values = np.uint64(1) << (positions & np.uint64(63))
    starts = np.flatnonzero(np.diff(words, prepend=words[0] + np.uint64(1)))
    bitmap[words[starts]] = np.bitwise_or.reduceat(values, starts)
    return bitmap
