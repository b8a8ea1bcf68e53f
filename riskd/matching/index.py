"""The name index: from a window's keys to the few recorded names worth scoring.

Every recorded name (mark or alias) puts a handful of keys into one table: its compact form,
its Latin skeleton, its metaphone key, and every string its Latin skeleton becomes with up to
its edit budget of letters deleted (the symmetric-deletion scheme: two strings within k
edits share a string that each becomes with at most k deletions). A window looks up its own
keys and deletions; whatever shares one is a candidate, and only candidates are scored. The
cost per window does not grow with the register.

The table is compact enough for millions of names: one sorted array of 64-bit entries, the
top bits of a key's hash with the number of its name below them (see `KeyTable`). Hashes
are salted by the kind of key, so a deletion never meets a written form. Python's string
hash is randomised per process, which is fine: the index lives in memory and is rebuilt,
never stored; nothing the matcher answers depends on the hash values.
"""

from __future__ import annotations

from array import array
from bisect import bisect_left
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from itertools import chain, combinations

import numpy as np
import numpy.typing as npt

from riskd.matching.keys import Keys, word_class

# Salts of the kinds of key (plain ints: the probe loop is the matcher's hottest code).
# They flip high bits, which the bitmap of the key table is indexed by.
# A name's compact form and its Latin skeleton share one kind: where the two are the same
# string (most ASCII names), that is one key and one probe, not two.
WRITTEN = 0x5BD1E995 << 31
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
    """The word and every string it becomes with up to `depth` (at most two) letters deleted."""
    return set(deletion_variants(word, depth))


def deletion_variants(word: str, depth: int) -> Iterator[str]:
    """The strings of `deletions`, in a fixed order (the word, then one letter deleted, then
    two, each by position), some more than once where the word repeats a letter. The
    matcher probes them in this order, so that its candidates come in an order that does
    not depend on the process's string hashing; the strings are joined in C by
    `itertools.combinations`, which keeps letters in order."""
    size = len(word)
    singles = map("".join, combinations(word, size - 1)) if depth and size else ()
    doubles = map("".join, combinations(word, size - 2)) if depth > 1 and size > 1 else ()
    return chain((word,), singles, doubles)


@dataclass(frozen=True, slots=True)
class NameTable:
    """Every recorded name with the keys the methods compare, column by column."""

    owner: Sequence[int]  # name → index of its recordation in the register, array("i")
    text: Sequence[str]
    spaced: Sequence[str]
    skeleton: Sequence[str]
    latin: Sequence[str]
    sound: Sequence[str]
    budget: Sequence[int]  # edits each name may differ by (see methods.fuzzy_budget)
    units: Sequence[int]  # words of each name (see keys.count_units), one byte each
    everyday: Sequence[int]  # 1 where the name is an everyday word, one byte each

    def keys(self, name: int) -> Keys:
        """The Keys of a name, made again from its columns for each candidate: a Keys object
        per name would cost some 200 bytes a name, a register of a million marks 200 MiB."""
        spaced = self.spaced[name]
        return tuple.__new__(  # Keys(...) without its keyword handling: made per candidate
            Keys,
            (
                self.text[name],
                spaced,
                spaced.replace(" ", ""),
                self.skeleton[name],
                self.latin[name],
                self.sound[name],
                self.units[name],
                False,
                0,
                0,
            ),
        )

    def __len__(self) -> int:
        return len(self.text)


@dataclass(frozen=True, slots=True)
class KeyTable:
    """Every key as one sorted 64-bit entry: the top bits of its hash, then the number of
    its name. One sorted array is all the memory the table needs besides its bitmap, and
    the names under a key are one contiguous run.

    Most probes (deletions of a declared word) match nothing. A bitmap of the hashes, about
    16 bits per key, turns nearly all of those away with one memory access each, so that
    the binary search only runs for the few probes that may be present. A directory of the
    first entry of every prefix of the entries (about four entries a prefix) narrows the
    binary search from Python to a few steps."""

    entries: npt.NDArray[np.int64]
    name_bits: int
    bitmap: npt.NDArray[np.uint64]
    shift: int  # a hash's bit in the bitmap is its top (64 - shift) bits
    bits: bytes  # the bitmap as bytes, for tests of single keys from Python
    # starts[p]: the first entry whose top bits, read as unsigned (entry + 2**63), are at
    # least p; p is an entry's top (64 - directory_shift) bits. As a memoryview for Python.
    starts: memoryview
    directory_shift: int

    def might_have(self, key: int) -> bool:
        """False when the key is surely absent (one byte read, no numpy call)."""
        position = (key & _MASK64) >> self.shift
        return bool(self.bits[position >> 3] >> (position & 7) & 1)

    @classmethod
    def build(cls, chunks: list[npt.NDArray[np.int64]], name_bits: int) -> KeyTable:
        """From chunks of packed entries (see `pack`); the chunks are consumed."""
        entries = np.concatenate(chunks) if chunks else np.zeros(0, dtype=np.int64)
        chunks.clear()
        entries.sort()
        bits = max(16, (len(entries) * 16).bit_length())
        bitmap = _bitmap(entries, bits)
        prefix_bits = min(max(1, len(entries).bit_length() - 2), 64 - name_bits)
        starts = _directory(entries, prefix_bits)
        return cls(
            entries,
            name_bits,
            bitmap,
            64 - bits,
            bitmap.view(np.uint8).tobytes(),
            memoryview(starts),  # type: ignore[arg-type]
            64 - prefix_bits,
        )

    def lookup(self, probes: Sequence[int], limits: Sequence[int]) -> list[tuple[int, list[int]]]:
        """(probe number, names) for each probe that found names, at most its limit."""
        if len(probes) <= _FEW:
            return self._lookup_few(probes, limits)
        wanted = np.array(probes, dtype=np.int64)
        positions = wanted.view(np.uint64) >> np.uint64(self.shift)
        words = self.bitmap[positions >> np.uint64(6)]
        maybe = np.flatnonzero((words >> (positions & np.uint64(63))) & np.uint64(1))
        if not len(maybe):
            return []
        low_key = (wanted[maybe] >> self.name_bits) << self.name_bits
        low = np.searchsorted(self.entries, low_key, side="left")
        high = np.searchsorted(self.entries, low_key | ((1 << self.name_bits) - 1), side="right")
        mask = (1 << self.name_bits) - 1
        result: list[tuple[int, list[int]]] = []
        for number, start, stop in zip(maybe.tolist(), low.tolist(), high.tolist(), strict=True):
            if start < stop <= start + limits[number]:
                result.append((number, (self.entries[start:stop] & mask).tolist()))
        return result

    def _lookup_few(
        self, probes: Sequence[int], limits: Sequence[int]
    ) -> list[tuple[int, list[int]]]:
        """The same, by binary search from Python: for a handful of probes, cheaper than the
        fixed cost of the numpy calls. The matcher tests the bitmap as it makes its probes,
        so it is not tested again here (a probe it would turn away is simply not found)."""
        view = memoryview(self.entries)  # type: ignore[arg-type]
        starts = self.starts
        directory_shift = self.directory_shift
        shift = self.name_bits
        mask = (1 << shift) - 1
        result: list[tuple[int, list[int]]] = []
        for number, probe in enumerate(probes):
            low = probe >> shift << shift  # the key's entries are low ... low | mask
            prefix = (low + _SIGN) >> directory_shift
            end = starts[prefix + 1]  # and all lie in its prefix's run of the directory
            position = bisect_left(view, low, starts[prefix], end)
            high = low | mask
            names: list[int] = []
            while position < end and (entry := view[position]) <= high:
                names.append(entry & mask)
                position += 1
            if names and len(names) <= limits[number]:
                result.append((number, names))
        return result

    @property
    def nbytes(self) -> int:
        return int(self.entries.nbytes + self.bitmap.nbytes + self.starts.nbytes)

    def __len__(self) -> int:
        return len(self.entries)


def pack(hashes: array[int], names: array[int], name_bits: int) -> npt.NDArray[np.int64]:
    """Table entries from key hashes and the names they belong to: the hash's top bits with
    the name number in the low `name_bits` (keys then compare on 64 - name_bits bits, and a
    rare collision only brings a candidate that the methods then reject)."""
    packed = np.frombuffer(hashes, dtype=np.int64) >> name_bits << name_bits
    return packed | np.frombuffer(names, dtype=np.int32).astype(np.int64)


def _bitmap(sorted_hashes: npt.NDArray[np.int64], bits: int) -> npt.NDArray[np.uint64]:
    """One bit per possible top-`bits` prefix of a hash, set where some key has it. The
    hashes are sorted, so equal prefixes are neighbours and one pass ORs them together;
    the pass goes a slice at a time, to keep the temporaries small."""
    bitmap = np.zeros(max(1, (1 << bits) // 64), dtype=np.uint64)
    for start in range(0, len(sorted_hashes), _SLICE):
        part = sorted_hashes[start : start + _SLICE]
        positions = part.view(np.uint64) >> np.uint64(64 - bits)
        words = positions >> np.uint64(6)
        values = np.uint64(1) << (positions & np.uint64(63))
        starts = np.flatnonzero(np.diff(words, prepend=words[0] + np.uint64(1)))
        bitmap[words[starts]] |= np.bitwise_or.reduceat(values, starts)
    return bitmap


def _directory(sorted_entries: npt.NDArray[np.int64], prefix_bits: int) -> npt.NDArray[np.uint32]:
    """For every prefix p of `prefix_bits` bits, and one past the last, the position of the
    first entry whose top bits (of the entry + 2**63, so that they grow with the signed
    order of the entries) are at least p; searched a slice of prefixes at a time, to keep
    the temporaries small."""
    count = 1 << prefix_bits
    starts = np.empty(count + 1, dtype=np.uint32)
    for low in range(0, count + 1, _SLICE):
        prefixes = np.arange(low, min(low + _SLICE, count + 1), dtype=np.uint64)
        bounds = ((prefixes << np.uint64(64 - prefix_bits)) ^ np.uint64(_SIGN)).view(np.int64)
        found = np.searchsorted(sorted_entries, bounds, side="left")
        if low + _SLICE > count:  # the last bound wraps round to the smallest entry
            found[-1] = len(sorted_entries)
        starts[low : low + len(found)] = found
    return starts


_SLICE = 1 << 22
_SIGN = 1 << 63
_MASK64 = (1 << 64) - 1
_FEW = 64  # up to this many probes, a lookup searches from Python (measured crossover)
