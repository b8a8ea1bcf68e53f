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
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date

import numpy as np
from rapidfuzz import fuzz
from rapidfuzz.distance import OSA

from riskd.domain import Declaration, Item, Match, MatchMethod, NoRiskReason
from riskd.matching.context import WHY_NOT, no_risk_reason
from riskd.matching.index import (
    COMPACT,
    DELETION,
    LATIN,
    SOUND,
    KeyTable,
    NameTable,
    deletions,
    probes,
)
from riskd.matching.keys import Keys, join, name_keys, spans
from riskd.matching.methods import METHODS, Evidence, changes_a_letter, fuzzy_budget
from riskd.matching.tuning import MatchingConfig
from riskd.register.model import Recordation, Register
from riskd.text import Analysed, KeyedToken, analyse, phonetic_key

ITEM_FIELDS = ("brand", "model", "description")
_FIELD_WEIGHT = {"brand": 2, "model": 1, "description": 0}
_METHOD_ORDER = {
    MatchMethod.EXACT: 5,
    MatchMethod.COMPACT: 4,
    MatchMethod.SKELETON: 3,
    MatchMethod.TRANSLITERATION: 3,
    MatchMethod.FUZZY: 1,
    MatchMethod.PHONETIC: 0,
}
_UNLIMITED = 1 << 30
_EXACT_LIMITS = (_UNLIMITED, _UNLIMITED)


def _plain(tokens: Sequence[KeyedToken], config: MatchingConfig) -> bool:
    """Words of everyday language, or mostly digits ("100ml"): not typos of a mark."""
    if all(t.folded in config.plain_words for t in tokens):
        return True
    digits = sum(c.isdigit() for t in tokens for c in t.folded)
    return digits * 2 > sum(len(t.folded) for t in tokens)


class _Window:
    """Tokens first..stop-1 of an item field, with the keys its probes were made of; the full
    Keys are joined only for a window that found a candidate, and only once."""

    __slots__ = ("_keys", "analysed", "field", "first", "latin", "sound", "stop")

    def __init__(
        self, field_name: str, analysed: Analysed, first: int, stop: int, latin: str
    ) -> None:
        self.field = field_name
        self.analysed = analysed
        self.first = first
        self.stop = stop
        self.latin = latin
        self.sound = ""
        self._keys: Keys | None = None

    def keys(self) -> Keys:
        if self._keys is None:
            self._keys = join(self.analysed, self.first, self.stop, with_sound=True)
        return self._keys


# What a probe looked for, which decides the cheap check a candidate must pass before it is
# compared by every method.
_EQUAL, _SOUND, _DELETION = 0, 1, 2


@dataclass(frozen=True, slots=True)
class Matcher:
    register_version: str
    recordations: tuple[Recordation, ...]
    names: NameTable
    table: KeyTable
    config: MatchingConfig = field(default_factory=MatchingConfig)
    # Windows longer than these are not looked at (max_chars: no recorded name is longer).
    max_tokens: int = 6
    max_chars: int = 0
    # For each word count of the names that typo and sound methods look for, the shortest
    # and longest Latin key of those names.
    fuzzy_lengths: Mapping[int, tuple[int, int]] = field(default_factory=dict)

    def match_item(self, item: Item, declaration: Declaration) -> tuple[Match, ...]:
        """All listed matches of the item, best first, one per recordation."""
        if not self.recordations:
            return ()
        windows, probes, limits, owners, kinds = self._probes(item)
        if not probes:
            return ()
        on = declaration.declared_at.date()
        party_ids = declaration.party_ids()
        seen: set[tuple[int, int]] = set()
        named: set[int] = set()  # windows that are a recorded name: not read as typos
        best: dict[int, _Found] = {}
        hits = self.table.lookup(probes, limits)
        hits.sort(key=lambda hit: kinds[hit[0]])  # key equality first
        for number, names in hits:
            index, kind = owners[number], kinds[number]
            if kind != _EQUAL and index in named:
                continue
            window = windows[index]
            for name in names:
                if (index, name) in seen or not self._worth_comparing(kind, window, name):
                    continue
                seen.add((index, name))
                found = self._assess(window, name, item, on, party_ids)
                if found is None:
                    continue
                if kind == _EQUAL:
                    named.add(index)
                current = best.get(found.owner)
                if current is None or found.rank > current.rank:
                    best[found.owner] = found
        ranked = sorted(best.values(), key=lambda f: f.rank, reverse=True)
        return tuple(self._match(f, party_ids) for f in ranked[: self.config.max_matches])

    def _worth_comparing(self, kind: int, window: _Window, name: int) -> bool:
        """A cheap check on the strings alone: most candidates of a deletion or a sound key
        are not within any edit budget, and are dropped before their keys are built."""
        if kind == _EQUAL:
            return True
        if kind == _DELETION:
            budget = self.names.budget[name]
            recorded = self.names.latin[name]
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
    ) -> tuple[list[_Window], list[int], list[int], list[int], list[int]]:
        """Every window of every field, and the index keys each one looks up. Keys of a
        window are joined incrementally from the window one token shorter."""
        config = self.config
        windows: list[_Window] = []
        wanted: list[int] = []
        limits: list[int] = []
        owners: list[int] = []
        kinds: list[int] = []
        for field_name in ITEM_FIELDS:
            raw = getattr(item, field_name)
            if not raw:
                continue
            analysed = analyse(raw)
            tokens = analysed.tokens
            for first, stop, units in spans(analysed, self.max_tokens, self.max_chars):
                if stop == first + 1:
                    compact, latin = tokens[first].folded, tokens[first].latin
                else:
                    compact += tokens[stop - 1].folded
                    latin += tokens[stop - 1].latin
                index = len(windows)
                window = _Window(field_name, analysed, first, stop, latin)
                windows.append(window)
                wanted += (hash(compact) ^ COMPACT, hash(latin) ^ LATIN)
                limits += _EXACT_LIMITS
                owners += (index, index)
                kinds += (_EQUAL, _EQUAL)
                length = len(latin)
                if not self._could_be_a_typo(units, length) or _plain(tokens[first:stop], config):
                    continue
                window.sound = phonetic_key("".join(t.spelling for t in tokens[first:stop]))
                if window.sound:
                    wanted.append(hash(window.sound) ^ SOUND)
                    limits.append(config.max_phonetic_postings)
                    owners.append(index)
                    kinds.append(_SOUND)
                # Two deletions on this side are only needed to meet a name of two-edit
                # length that is no longer than the window (two letters changed or added).
                two = config.two_edits_from <= length <= config.two_edit_window
                variants = probes(DELETION, deletions(latin, 2 if two else 1))
                wanted += variants
                limits += [config.max_deletion_postings] * len(variants)
                owners += [index] * len(variants)
                kinds += [_DELETION] * len(variants)
        return windows, wanted, limits, owners, kinds

    def _could_be_a_typo(self, units: int, length: int) -> bool:
        """Whether some name of that many words is within two letters of that length."""
        lengths = self.fuzzy_lengths.get(units)
        return (
            lengths is not None
            and length >= self.config.one_edit_from - 1
            and lengths[0] - 2 <= length <= lengths[1] + 2
        )

    def _assess(
        self, window: _Window, name: int, item: Item, on: date, party_ids: frozenset[str]
    ) -> _Found | None:
        """Compare a window with a name by every method, strongest first; judge the context."""
        keys = self.names.keys(name)
        written = window.keys()
        evidence = _first_evidence(written, keys, self.config)
        if evidence is None or evidence.score < self.config.list_from.get(evidence.method, 0.0):
            return None
        owner = int(self.names.owner[name])
        reason = no_risk_reason(
            self.recordations[owner],
            evidence,
            field=window.field,
            hs_code=item.hs_code,
            on=on,
            party_ids=party_ids,
            ordinary_word=keys.spaced in self.config.ordinary_words,
            config=self.config,
        )
        rank = (
            reason is None,
            evidence.score,
            _METHOD_ORDER[evidence.method],
            _FIELD_WEIGHT.get(window.field, 0),
        )
        return _Found(rank, owner, window.field, written, evidence, reason)

    def _match(self, found: _Found, party_ids: frozenset[str]) -> Match:
        recordation = self.recordations[found.owner]
        explanation = f"{found.evidence.detail} ({found.field})"
        if found.reason is not None:
            explanation += f"; no risk: {WHY_NOT[found.reason]}"
        return Match(
            recordation_id=recordation.recordation_id,
            mark=recordation.mark,
            holder=recordation.holder,
            matched_text=found.window.text,
            score=found.evidence.score,
            method=found.evidence.method,
            right_type=recordation.right_type,
            field=found.field,
            span_start=found.window.start,
            span_end=found.window.end,
            authorised=recordation.authorises(party_ids),
            raises_risk=found.reason is None,
            no_risk_reason=found.reason,
            explanation=explanation,
        )


@dataclass(frozen=True, slots=True)
class _Found:
    """The best evidence so far for one recordation, before it becomes a Match."""

    rank: tuple[bool, float, int, int]
    owner: int
    field: str
    window: Keys
    evidence: Evidence
    reason: NoRiskReason | None


def _first_evidence(window: Keys, name: Keys, config: MatchingConfig) -> Evidence | None:
    for method in METHODS:
        evidence = method(window, name, config)
        if evidence is not None:
            return evidence
    return None


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
    entries: list[tuple[list[int], int]] = []
    max_chars = 0
    fuzzy_lengths: dict[int, tuple[int, int]] = {}
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
            keyed = [hash(keys.compact) ^ COMPACT, hash(keys.latin) ^ LATIN]
            if keys.sound:
                keyed.append(hash(keys.sound) ^ SOUND)
            budget = fuzzy_budget(keys, config)
            budgets.append(budget)
            if budget:
                low, high = fuzzy_lengths.get(keys.tokens, (len(keys.latin), len(keys.latin)))
                fuzzy_lengths[keys.tokens] = (min(low, len(keys.latin)), max(high, len(keys.latin)))
                keyed += probes(DELETION, deletions(keys.latin, budget))
            entries.append((keyed, number))
    names = NameTable(
        owner=np.array(owner, dtype=np.int32),
        text=text,
        spaced=spaced,
        skeleton=skeleton,
        latin=latin,
        sound=sound,
        budget=budgets,
    )
    return Matcher(
        register_version=register.version,
        recordations=register.recordations,
        names=names,
        table=KeyTable.build(entries),
        config=config,
        max_tokens=config.max_window_tokens,
        max_chars=max_chars + 2,
        fuzzy_lengths=fuzzy_lengths,
    )
