"""The key table answers like a plain dictionary, by either of its search paths; deletions
and their prefixes find every typo."""

from __future__ import annotations

from array import array
from collections import defaultdict

from hypothesis import given
from hypothesis import strategies as st
from rapidfuzz.distance import OSA

from riskd.matching.index import KeyTable, deletion_variants, deletions, pack

NAME_BITS = 21
_KEYS = st.lists(
    st.tuples(st.integers(-(2**63), 2**63 - 1), st.integers(0, 2**NAME_BITS - 1)),
    max_size=200,
)


def _table(pairs: list[tuple[int, int]]) -> KeyTable:
    hashes = array("q", [h for h, _ in pairs])
    names = array("i", [n for _, n in pairs])
    return KeyTable.build([pack(hashes, names, NAME_BITS)], NAME_BITS)


@given(_KEYS, st.lists(st.integers(-(2**63), 2**63 - 1), max_size=20))
def test_lookup_finds_exactly_the_names_of_each_key(
    pairs: list[tuple[int, int]], strangers: list[int]
) -> None:
    expected: dict[int, list[int]] = defaultdict(list)
    for key, name in pairs:
        expected[key >> NAME_BITS].append(name)
    table = _table(pairs)
    probes = [key for key, _ in pairs[:10]] + strangers
    limits = [1 << 30] * len(probes)
    for search in (table.lookup, table._lookup_few):
        found = dict(search(probes, limits))
        for number, probe in enumerate(probes):
            assert sorted(found.get(number, [])) == sorted(expected.get(probe >> NAME_BITS, []))


def test_a_key_with_more_names_than_its_limit_gives_none() -> None:
    table = _table([(12345 << NAME_BITS, n) for n in range(5)])
    assert table.lookup([12345 << NAME_BITS], [4]) == []
    assert table.lookup([12345 << NAME_BITS], [5]) == [(0, [0, 1, 2, 3, 4])]


def test_deletions() -> None:
    assert deletions("nike", 0) == {"nike"}
    assert deletions("nike", 1) == {"nike", "ike", "nke", "nie", "nik"}
    assert deletions("abc", 2) == {"abc", "bc", "ac", "ab", "a", "b", "c"}


def _deleted(word: str, depth: int) -> set[str]:
    """Every string the word becomes with up to `depth` letters deleted, by brute force."""
    found = {word}
    for _ in range(depth):
        found |= {w[:i] + w[i + 1 :] for w in found for i in range(len(w))}
    return found


@given(st.text(alphabet="abcn", max_size=9), st.integers(0, 2))
def test_deletion_variants_are_the_deletions_in_a_fixed_order(word: str, depth: int) -> None:
    variants = list(deletion_variants(word, depth))
    assert set(variants) == deletions(word, depth) == _deleted(word, depth)
    assert variants[0] == word
    assert [len(v) for v in variants] == sorted((len(v) for v in variants), reverse=True)


@st.composite
def _typo_pairs(draw: st.DrawFn) -> tuple[str, str]:
    """A word and the word with up to two edits: letters inserted, dropped, changed, swapped."""
    word = draw(st.text(alphabet="abcd", max_size=14))
    typo = word
    for _ in range(draw(st.integers(0, 2))):
        at = draw(st.integers(0, len(typo)))
        edit = draw(st.sampled_from(("insert", "drop", "change", "swap")))
        letter = draw(st.sampled_from("abcd"))
        if edit == "insert":
            typo = typo[:at] + letter + typo[at:]
        elif edit == "drop":
            typo = typo[:at] + typo[at + 1 :]
        elif edit == "change":
            typo = typo[:at] + letter + typo[at + 1 :]
        elif at + 1 < len(typo):
            typo = typo[:at] + typo[at + 1] + typo[at] + typo[at + 2 :]
    return word, typo


@given(_typo_pairs(), st.integers(3, 12))
def test_prefixes_of_typos_share_a_deletion(pair: tuple[str, str], prefix: int) -> None:
    """The prefix scheme misses no typo: words within k edits have `prefix`-letter
    prefixes that share a string with at most k letters deleted from each."""
    word, typo = pair
    edits = OSA.distance(word, typo)
    if edits <= 2:
        assert deletions(word[:prefix], edits) & deletions(typo[:prefix], edits)
