"""Finds recorded marks in an item's brand, model and description.

`build_matcher` indexes every name of every recordation once per register version; the
Matcher is immutable and shared by all requests. For an item, each field is analysed once,
covered by windows of neighbouring tokens, and every window's keys are looked up in the
index in one batch; only the names found are compared, by the methods of
`riskd.matching.methods`, strongest first. Each recordation is listed once, with its best
match, and the context checks decide whether that match raises risk.
"""

from __future__ import annotations

from array import array
from collections.abc import Mapping
from dataclasses import dataclass, field

import numpy as np
import numpy.typing as npt
from rapidfuzz import fuzz, process
from rapidfuzz.distance import OSA

from riskd.domain import Declaration, Item, Match, MatchMethod
from riskd.matching.context import BRAND_FIELDS, ItemContext, ToBase
from riskd.matching.index import (
    SOUND,
    WRITTEN,
    KeyTable,
    NameTable,
    deletion_kind,
    deletion_variants,
    deletions,
    pack,
    probes,
)
from riskd.matching.keys import Keys, join, name_keys, word_class
from riskd.matching.methods import changes_a_letter, fuzzy_budget
from riskd.matching.scoring import Found, Scorer, keep, listed
from riskd.matching.tuning import MatchingConfig
from riskd.register.model import Recordation, Register
from riskd.text import Analysed, analyse, phonetic_key
from riskd.text.normalize import is_cjk

ITEM_FIELDS = ("brand", "model", "description")
_UNLIMITED = 1 << 30
_MASK64 = (1 << 64) - 1
_PREFIX = 0x2545F491 << 31  # salt of the name prefixes that slices are filtered by
_CHUNK = 1 << 22


def _numeric(token: str) -> bool:
    """Mostly digits: a quantity or a size ("100ml", "42"), not a word."""
    return not token.isalpha() and sum(c.isdigit() for c in token) * 2 > len(token)


class _Window:
    """Tokens first..stop-1 of an item field, with the keys its probes were made of; the full
    Keys are joined only for a window that found a candidate, and only once."""

    __slots__ = (
        "_keys",
        "analysed",
        "field",
        "first",
        "inner",
        "latin",
        "plain",
        "reading",
        "recorded",
        "sound",
        "spelling",
        "stop",
        "typos",
        "units",
    )

    def __init__(
        self,
        field_name: str,
        analysed: Analysed,
        first: int,
        stop: int,
        latin: str,
        reading: bool = False,
    ) -> None:
        self.field = field_name
        self.analysed = analysed
        self.first = first
        self.stop = stop
        self.latin = latin
        self.reading = reading  # the Latin key is the transliteration, not the skeleton
        self.plain = False
        self.spelling = ""  # Latin spelling of a window that may be a typo
        self.sound: str | None = None  # its metaphone key, once a probe needed it
        self.inner: tuple[int, int] | None = None  # letters i..j-1 of a single longer word
        self.units = 1
        self.typos = False  # may be a typo of a mark: looked up by its deletions
        self.recorded = False  # a recorded name in the brand or model field
        self._keys: Keys | None = None

    def keys(self) -> Keys:
        if self._keys is None and self.inner is not None:
            word = self.analysed.tokens[self.first]
            low, high = self.inner
            self._keys = Keys(
                text=self.analysed.text[word.start + low : word.start + high],
                spaced=word.folded[low:high],
                compact=word.folded[low:high],
                skeleton=word.skeleton[low:high],
                latin=self.latin,
                sound="",
                units=1,
                start=word.start + low,
                end=word.start + high,
            )
        if self._keys is None:
            self._keys = join(
                self.analysed,
                self.first,
                self.stop,
                with_sound=False,
                reading=self.reading,
                plain=self.plain,
                sound=self.sound,
            )
        return self._keys

    def sounded_keys(self) -> Keys:
        """The keys with the metaphone key, which only the phonetic method reads: it is the
        dearest key to make, and most windows are settled by a stronger method first."""
        keys = self.keys()
        if self.sound is None:
            tokens = self.analysed.tokens[self.first : self.stop]
            self.sound = phonetic_key("".join(t.spelling for t in tokens))
            self._keys = keys = keys._replace(sound=self.sound)
        return keys


# A slice of a word: field, analysed text, word, first letter, stop letter, Latin key.
_Slice = tuple[str, Analysed, int, int, int, str]


def _slice_window(piece: _Slice) -> _Window:
    field_name, analysed, first, low, high, latin = piece
    window = _Window(field_name, analysed, first, first + 1, latin)
    window.inner = (low, high)
    return window


# Facts of a token that decide whether a window of it may be a typo, as bits: a common
# word, a quantity ("100ml"), either of those, a Chinese character.
_COMMON, _NUMERIC, _PLAIN, _CHINESE = 1, 2, 4, 8

# What a probe of the later passes looked for, which decides the cheap check a candidate
# must pass before it is compared by every method (key equality needs none).
_SOUND, _DELETION, _INNER = 1, 2, 3


@dataclass(frozen=True, slots=True)
class Matcher:
    register_version: str
    recordations: tuple[Recordation, ...]
    names: NameTable
    scorer: Scorer
    table: KeyTable  # compact, Latin and sound keys: every window looks here
    typo_table: KeyTable  # deletions: only windows that are no recorded name look here
    config: MatchingConfig = field(default_factory=MatchingConfig)
    # Windows longer than these are not looked at (max_chars: no recorded name is longer).
    max_tokens: int = 6
    max_chars: int = 0
    min_chars: int = 0
    # For each word class (one word, several) of the names that typo and sound methods look
    # for, the shortest and longest Latin key of those names.
    fuzzy_lengths: Mapping[int, tuple[int, int]] = field(default_factory=dict)
    # A bitmap of the first `inner_from` letters of every Latin key that long: a slice of a
    # word can only be a name where its first letters are some name's first letters, so
    # most starting points of slices are dropped with one test. None: no such filter.
    inner_prefixes: bytes | None = None
    inner_shift: int = 64

    def match_item(
        self, item: Item, declaration: Declaration, to_base: ToBase | None = None
    ) -> tuple[Match, ...]:
        """All listed matches of the item, best first, one per recordation. `to_base`
        converts money to the policy's base currency, for the recorded price ranges."""
        if not self.recordations:
            return ()
        fields, windows, probes, owners = self._probes(item)
        if not fields:
            return ()
        context = ItemContext.of(item, declaration, to_base)
        seen: set[tuple[int, int]] = set()
        named: list[_Window] = []  # windows that are a recorded name: not read as typos
        recorded: list[_Window] = []  # those of the brand and model fields: one typo only
        best: dict[int, Found] = {}
        # First pass: key equality. A window found so is a recorded name, and neither it
        # nor the windows inside it are looked at again.
        if probes:
            for number, names in self.table.lookup(probes, [_UNLIMITED] * len(probes)):
                index = owners[number]
                window = windows[index]
                for name in names:
                    if (index, name) in seen:
                        continue
                    seen.add((index, name))
                    found = self.scorer.score(window, name, context)
                    if found is not None:
                        # A brand or model field that is a recorded name may still be a
                        # typo of another ("petro" for PETRON), listed without raising risk.
                        if window.field in BRAND_FIELDS and _whole_field(window):
                            window.recorded = True
                            recorded.append(window)
                        else:
                            named.append(window)
                        keep(best, found)
        # Second pass, only for what is no recorded name: sounds and marks inside a word.
        slices, probes, limits, owners, kinds = self._loose_probes(
            fields, windows, named + recorded if recorded else named
        )
        for number, names in self.table.lookup(probes, limits) if probes else ():
            index, kind = owners[number], kinds[number]
            if kind == _INNER:
                window = _slice_window(slices[index])
                index = -1 - index  # slices and windows never share a `seen` entry
            else:
                window = windows[index]
            for name in names:
                if (index, name) in seen or not self._worth_comparing(kind, window, name):
                    continue
                seen.add((index, name))
                found = self.scorer.score(window, name, context)
                if found is not None:
                    keep(best, found)
        # Third pass, only for windows that are not a recorded name: typos. Last, two typos
        # of shorter marks for the brand and model fields' windows that found nothing,
        # where `brand_two_edits_from` is below `two_edits_from` (else no window has any).
        hit = self._typo_pass(windows, *self._deletion_probes(windows, named), seen, context, best)
        if (
            fields[0][0] in BRAND_FIELDS
            and self.config.brand_two_edits_from < self.config.two_edits_from
        ):
            brand = self._deletion_probes(windows, named, brand_two=True, skip=hit)
            self._typo_pass(windows, *brand, seen, context, best)
        return tuple(self.scorer.match(f, context) for f in listed(best, self.config.max_matches))

    def _typo_pass(
        self,
        windows: list[_Window],
        deleted: list[int],
        owners: list[int],
        seen: set[tuple[int, int]],
        context: ItemContext,
        best: dict[int, Found],
    ) -> set[int]:
        """Look up deletion probes and score the names within budget; the windows that
        found a listed match."""
        typos: dict[int, list[int]] = {}  # window → names sharing a deletion with it
        if deleted:
            limit = self.config.max_deletion_postings
            for number, names in self.typo_table.lookup(deleted, [limit] * len(deleted)):
                typos.setdefault(owners[number], []).extend(names)
        hit: set[int] = set()
        for index, names in typos.items():
            window = windows[index]
            for name in self._within_budget(window, names):
                if (index, name) not in seen:
                    seen.add((index, name))
                    found = self.scorer.score(window, name, context)
                    if found is not None:
                        keep(best, found)
                        hit.add(index)
        return hit

    def _within_budget(self, window: _Window, names: list[int]) -> list[int]:
        """The names sharing a deletion with a window that are within their edit budget of
        it, checked in one call to rapidfuzz: in a dense register a short word shares a
        deletion with hundreds of names, and only a few of them are typos of it close enough
        to be listed; of those, only the most similar are compared further."""
        unique = list(dict.fromkeys(names))
        close = process.extract(
            window.latin,
            list(map(self.names.latin.__getitem__, unique)),
            scorer=fuzz.ratio,
            score_cutoff=self.config.list_from.get(MatchMethod.FUZZY, 0.0),
            limit=self.config.max_typo_candidates,
        )
        return [
            unique[position]
            for _, _, position in close
            if self._worth_comparing(_DELETION, window, unique[position])
        ]

    def _worth_comparing(self, kind: int, window: _Window, name: int) -> bool:
        """A cheap check on the strings alone: most candidates of a deletion or a sound key
        are not within any edit budget, and are dropped before their keys are built; a slice
        of a word is compared only with a name it spells exactly."""
        if kind == _INNER:  # not an everyday word ("yellow" in "yellowfin"), nor a romanisation
            return (
                window.latin == self.names.latin[name]
                and not self.names.everyday[name]
                and self.names.skeleton[name].isascii()
            )
        if kind == _DELETION:
            budget = self.names.budget[name]
            recorded = self.names.latin[name]
            if (
                budget == 1
                and window.field in BRAND_FIELDS
                and len(recorded) >= self.config.brand_two_edits_from
            ):
                budget = 2
            return (
                budget > 0
                and OSA.distance(window.latin, recorded, score_cutoff=budget) <= budget
                and not (
                    len(recorded) < self.config.substitution_from
                    and changes_a_letter(window.latin, recorded)
                )
            )
        floor = self.config.list_from.get(MatchMethod.PHONETIC, 0.0)
        return (
            self.names.sound[name] == window.sound
            and fuzz.ratio(window.latin, self.names.latin[name], score_cutoff=floor) > 0
        )

    def _probes(
        self, item: Item
    ) -> tuple[list[tuple[str, Analysed]], list[_Window], list[int], list[int]]:
        """Every window of every field, and the key-equality probes each one looks up (its
        compact and Latin keys). Keys of a window are joined incrementally from the window
        one token shorter, and so are the per-token facts the typo check needs (common
        word, quantity, Chinese character), each taken once per token. A key that the
        table's bitmap says is absent is not looked up at all, and a window with nothing to
        look up and no typo to check is dropped before any object is made for it. This is
        the matcher's hottest loop, so the bitmap test and the window ranges of `spans` are
        written out in it."""
        config = self.config
        plain_words = config.plain_words
        bits = self.table.bits
        shift = self.table.shift
        max_units = self.max_tokens
        max_chars = self.max_chars
        min_chars = self.min_chars
        low_typo = config.one_edit_from - 1
        one_word = self.fuzzy_lengths.get(1)
        several = self.fuzzy_lengths.get(2)
        fields: list[tuple[str, Analysed]] = []
        windows: list[_Window] = []
        wanted: list[int] = []
        owners: list[int] = []
        for field_name in ITEM_FIELDS:
            raw = getattr(item, field_name)
            if not raw:
                continue
            analysed = analyse(raw)
            fields.append((field_name, analysed))
            tokens = analysed.tokens
            count = len(tokens)
            folded = [t.folded for t in tokens]
            sizes = list(map(len, folded))
            # In the brand and model fields a common word or a number may still be a typo
            # of a mark ("nixon" for NEXON, "1q011" for 10-11).
            named_here = field_name in BRAND_FIELDS
            common = _COMMON if named_here else _COMMON | _PLAIN
            numeric = 0 if named_here else _NUMERIC | _PLAIN
            facts = [
                (common if f in plain_words else 0)
                | (numeric if not f.isalpha() and _numeric(f) else 0)
                | (_CHINESE if not f.isascii() and is_cjk(f) else 0)
                for f in folded
            ]
            for first in range(count if max_units else 0):
                length = 0
                units = 1
                for stop in range(first + 1, count + 1):
                    last = stop - 1
                    size = sizes[last]
                    length += size
                    if length > max_chars:
                        break
                    token = tokens[last]
                    if stop == first + 1:
                        compact = folded[last]
                        latin, reading, spelling = token.latin, token.reading, token.spelling
                        every = some = facts[last]  # facts of all its tokens, of any
                    else:
                        if not size <= 2 >= sizes[last - 1]:  # not a run of fragments
                            units += 1
                            if units > max_units:
                                break
                        compact += folded[last]
                        latin += token.latin
                        reading += token.reading
                        spelling += token.spelling
                        every &= facts[last]
                        some |= facts[last]
                    if length < min_chars:
                        continue  # shorter than any name, even one with two letters dropped
                    # A typo of a mark only if some name of the window's word class is
                    # within two letters of its length, and it is not plain: words of
                    # everyday language, Chinese characters (whose typos are not letters)
                    # or quantities ("100ml"). Several words may be a misspelt title ("th
                    # tiger kingdom"), so only one word is plain for being a common word.
                    lengths = one_word if units <= 1 else several
                    not_plain = not (
                        (units == 1 and every & _PLAIN) or some & _CHINESE or every & _NUMERIC
                    )
                    keyed = hash(compact) ^ WRITTEN
                    position = (keyed & _MASK64) >> shift
                    here = [keyed] if bits[position >> 3] >> (position & 7) & 1 else []
                    for number, key in enumerate(
                        (latin,) if reading == latin else (latin, reading)
                    ):
                        if number or key != compact:  # else the same probe again
                            keyed = hash(key) ^ WRITTEN
                            position = (keyed & _MASK64) >> shift
                            if bits[position >> 3] >> (position & 7) & 1:
                                here.append(keyed)
                        key_length = len(key)
                        typo = (
                            lengths is not None
                            and key_length >= low_typo
                            and lengths[0] - 2 <= key_length <= lengths[1] + 2
                        )
                        if here or (typo and not_plain):
                            window = _Window(field_name, analysed, first, stop, key, number == 1)
                            window.units = units
                            window.plain = bool(every & _COMMON)
                            if typo and not_plain:
                                window.typos = True
                                window.spelling = spelling
                            if here:
                                owner = len(windows)
                                for keyed in here:
                                    wanted.append(keyed)
                                    owners.append(owner)
                            windows.append(window)
                        here = []
        return fields, windows, wanted, owners

    def _loose_probes(
        self,
        fields: list[tuple[str, Analysed]],
        windows: list[_Window],
        named: list[_Window],
    ) -> tuple[list[_Slice], list[int], list[int], list[int], list[int]]:
        """The probes of what the key-equality pass did not find to be a recorded name:
        the sound key of every window that may be a typo (kind _SOUND, owned by its
        window), then the slices of every long word (kind _INNER, owned by its slice).
        Both are dearer to make than key equality (a metaphone key; dozens of slices of a
        long word), and a window that is a name needs neither."""
        wanted: list[int] = []
        owners: list[int] = []
        for index, window in enumerate(windows):
            if not window.typos or (named and _inside(window, named)):
                continue
            if window.sound is None:
                window.sound = phonetic_key(window.spelling)
            if window.sound:
                keyed = hash(window.sound) ^ SOUND
                if self.table.might_have(keyed):
                    wanted.append(keyed)
                    owners.append(index)
        kinds = [_SOUND] * len(wanted)
        limits = [self.config.max_phonetic_postings] * len(wanted)
        slices: list[_Slice] = []
        # Words the windows of `_probes` would pass over are not sliced: shorter than any
        # name, or longer than every name.
        shortest = max(self.config.inner_from + 1, self.min_chars)
        longest = self.max_chars if self.max_tokens else 0
        for field_name, analysed in fields:
            for first, token in enumerate(analysed.tokens):
                if not shortest <= len(token.folded) <= longest:
                    continue
                if named and _word_is_named(analysed, first, named):
                    continue
                for keyed, piece in self._slices(field_name, analysed, first):
                    wanted.append(keyed)
                    owners.append(len(slices))
                    kinds.append(_INNER)
                    limits.append(_UNLIMITED)
                    slices.append(piece)
        return slices, wanted, limits, owners, kinds

    def _slices(self, field_name: str, analysed: Analysed, first: int) -> list[tuple[int, _Slice]]:
        """Slices of a word where a mark may be glued inside it ("adidasoriginals"): every
        slice of at least `inner_from` letters of an uncommon word of plain letters, with its
        probe. They become windows only if they find a name, so only the slices the table's
        bitmap does not turn away are returned (a long word has dozens of slices)."""
        token = analysed.tokens[first]
        latin = token.latin
        shortest = self.config.inner_from
        if (
            not shortest
            or len(latin) <= shortest
            or not token.folded.isascii()
            or len(latin) != len(token.folded)
            or token.folded in self.config.known_words
        ):
            return []
        size = len(latin)
        bits = self.table.bits
        shift = self.table.shift
        prefixes = self.inner_prefixes
        prefix_shift = self.inner_shift
        found: list[tuple[int, _Slice]] = []
        for low in range(size - shortest + 1):
            if prefixes is not None:
                position = ((hash(latin[low : low + shortest]) ^ _PREFIX) & _MASK64) >> prefix_shift
                if not prefixes[position >> 3] >> (position & 7) & 1:
                    continue
            for high in range(low + shortest, size + 1 if low else size):
                keyed = hash(latin[low:high]) ^ WRITTEN
                position = (keyed & _MASK64) >> shift
                if bits[position >> 3] >> (position & 7) & 1:
                    found.append((keyed, (field_name, analysed, first, low, high, latin[low:high])))
        return found

    def _deletion_probes(
        self,
        windows: list[_Window],
        named: list[_Window],
        brand_two: bool = False,
        skip: set[int] | None = None,
    ) -> tuple[list[int], list[int]]:
        """The deletions of every window that may be a typo and is not inside a window that
        is a recorded name. Two deletions on the window's side are only needed to meet a
        name of two-edit length no longer than the window (two letters changed or added).
        Deletions the typo table's bitmap turns away are dropped before they become probes,
        so the few left are usually searched from Python rather than by numpy. With
        `brand_two`, only the two deletions of a whole brand or model field of at least
        `brand_two_edits_from` letters that is no recorded name and is not in `skip`."""
        config = self.config
        bits = self.typo_table.bits
        shift = self.typo_table.shift
        wanted: list[int] = []
        owners: list[int] = []
        for index, window in enumerate(windows):
            if not window.typos or (named and _inside(window, named)):
                continue
            length = len(window.latin)
            if brand_two:
                if (
                    window.field not in BRAND_FIELDS
                    or window.recorded
                    or not _whole_field(window)
                    or (skip and index in skip)
                    or not config.brand_two_edits_from <= length < config.two_edits_from
                ):
                    continue
                two = True
            else:
                two = config.two_edits_from <= length <= config.two_edit_window
            kind = deletion_kind(window.units)
            kept: set[int] = set()  # a repeated letter makes some deletions twice
            prefix = window.latin[: config.typo_prefix]
            for variant in deletion_variants(prefix, 2 if two else 1):
                keyed = hash(variant) ^ kind
                position = (keyed & _MASK64) >> shift  # the table's bitmap, written out
                if bits[position >> 3] >> (position & 7) & 1 and keyed not in kept:
                    kept.add(keyed)
                    wanted.append(keyed)
                    owners.append(index)
        return wanted, owners


def _whole_field(window: _Window) -> bool:
    """Whether a window covers its whole field: what a declarant wrote as the brand."""
    return window.first == 0 and window.stop == len(window.analysed.tokens)


def _inside(window: _Window, named: list[_Window]) -> bool:
    """Whether a window lies inside (or is) any of the named windows of the same field."""
    analysed, first, stop = window.analysed, window.first, window.stop
    for other in named:
        if other.analysed is analysed and other.first <= first and stop <= other.stop:
            return True
    return False


def _word_is_named(analysed: Analysed, first: int, named: list[_Window]) -> bool:
    """Whether a named window is exactly the word `first` of a field: a word that is a
    recorded name is not searched for other names inside it, but a word that is only part
    of a recorded name ("t i s drugriol") still is."""
    for other in named:
        if other.analysed is analysed and other.first == first and other.stop == first + 1:
            return True
    return False


class _Packer:
    """Collects the keys of one table as they come, packing them in chunks (a million names
    make some fifty million deletion keys)."""

    def __init__(self, name_bits: int) -> None:
        self.name_bits = name_bits
        self.hashes = array("q")
        self.names = array("i")
        self.chunks: list[npt.NDArray[np.int64]] = []

    def add(self, keys: list[int], name: int) -> None:
        self.hashes.extend(keys)
        self.names.extend([name] * len(keys))
        if len(self.hashes) >= _CHUNK:
            self.chunks.append(pack(self.hashes, self.names, self.name_bits))
            del self.hashes[:], self.names[:]

    def table(self) -> KeyTable:
        self.chunks.append(pack(self.hashes, self.names, self.name_bits))
        del self.hashes[:], self.names[:]
        return KeyTable.build(self.chunks, self.name_bits)


def build_matcher(register: Register, config: MatchingConfig | None = None) -> Matcher:
    """Index every name (mark and aliases) of every recordation; once per register version."""
    config = config or MatchingConfig()
    owner = array("i")
    text: list[str] = []
    spaced: list[str] = []
    skeleton: list[str] = []
    latin: list[str] = []
    sound: list[str] = []
    budgets: list[int] = []
    units = array("b")
    everyday = array("b")
    name_bits = max(21, sum(len(r.names()) for r in register.recordations).bit_length())
    exact = _Packer(name_bits)
    typo = _Packer(name_bits)
    max_chars = 0
    min_chars = 1 << 30
    fuzzy_lengths: dict[int, tuple[int, int]] = {}
    prefixes = array("q")  # not a list: a million Python ints would stay in the heap

    def typo_lengths(word_class_: int, length: int) -> None:
        low, high = fuzzy_lengths.get(word_class_, (length, length))
        fuzzy_lengths[word_class_] = (min(low, length), max(high, length))

    for position, recordation in enumerate(register.recordations):
        for name in dict.fromkeys(recordation.names()):
            keys = name_keys(analyse(name))
            if keys is None:
                continue
            number = len(text)
            owner.append(position)
            text.append(name)
            spaced.append(keys.spaced)
            skeleton.append(keys.skeleton)
            latin.append(keys.latin)
            sound.append(keys.sound)
            max_chars = max(max_chars, len(keys.compact))
            min_chars = min(min_chars, len(keys.compact))
            keyed = [hash(keys.compact) ^ WRITTEN]
            if keys.latin != keys.compact:
                keyed.append(hash(keys.latin) ^ WRITTEN)
            if keys.sound:
                keyed.append(hash(keys.sound) ^ SOUND)
            budget = fuzzy_budget(keys, config)
            budgets.append(budget)
            units.append(min(keys.units, 127))  # only one word or several matters
            if recordation.everyday_word is not None:
                everyday.append(recordation.everyday_word)
            else:
                words = [keys.compact] if is_cjk(keys.compact[:1]) else keys.spaced.split(" ")
                everyday.append(config.is_everyday(words))
            if budget:
                length = len(keys.latin)
                typo_lengths(word_class(keys.units), length)
                prefix = keys.latin[: config.typo_prefix]
                variants = deletions(prefix, budget)
                typo.add(probes(deletion_kind(keys.units), variants), number)
                if keys.units > 1 and config.typo_as_one_word(keys.spaced, keys.latin):
                    # also a typo of the name written as one word ("thenorthfoce")
                    typo.add(probes(deletion_kind(1), variants), number)
                    typo_lengths(1, length)
            exact.add(keyed, number)
            if config.inner_from and len(keys.latin) >= config.inner_from:
                prefixes.append(hash(keys.latin[: config.inner_from]) ^ _PREFIX)
    prefix_bitmap, prefix_shift = _prefix_bitmap(prefixes)
    names = NameTable(
        owner=owner,
        text=text,
        spaced=spaced,
        skeleton=skeleton,
        latin=latin,
        sound=sound,
        budget=budgets,
        units=units,
        everyday=everyday,
    )
    return Matcher(
        register_version=register.version,
        recordations=register.recordations,
        names=names,
        scorer=Scorer(register.recordations, names, config, config.for_brand_fields()),
        table=exact.table(),
        typo_table=typo.table(),
        config=config,
        max_tokens=config.max_window_tokens,
        max_chars=max_chars + 2,
        min_chars=max(0, min_chars - 2) if text else 0,
        fuzzy_lengths=fuzzy_lengths,
        inner_prefixes=prefix_bitmap,
        inner_shift=prefix_shift,
    )


def _prefix_bitmap(hashes: array[int]) -> tuple[bytes, int]:
    """The `inner_prefixes` bitmap of a Matcher, about 16 bits a prefix, and its shift."""
    bits = max(16, (len(hashes) * 16).bit_length())
    shift = 64 - bits
    positions = (np.frombuffer(hashes, dtype=np.int64).view(np.uint64) >> np.uint64(shift)).astype(
        np.int64
    )
    bitmap = np.zeros((1 << bits) // 8, dtype=np.uint8)
    np.bitwise_or.at(bitmap, positions >> 3, (1 << (positions & 7)).astype(np.uint8))
    return bitmap.tobytes(), shift
