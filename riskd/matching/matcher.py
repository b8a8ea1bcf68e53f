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
from datetime import date

import numpy as np

from riskd.domain import Declaration, Item, Match, MatchMethod
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
from riskd.matching.methods import METHODS, Evidence, fuzzy_budget
from riskd.matching.tuning import MatchingConfig
from riskd.register.model import Recordation, Register
from riskd.text import Analysed, analyse, phonetic_key

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


@dataclass(frozen=True, slots=True)
class _Window:
    """Tokens first..stop-1 of an item field."""

    field: str
    analysed: Analysed
    first: int
    stop: int

    def keys(self) -> Keys:
        return join(self.analysed, self.first, self.stop, with_sound=True)


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
        windows, probes, limits, owners = self._probes(item)
        if not probes:
            return ()
        hits = self.table.lookup(probes, limits)
        on = declaration.declared_at.date()
        party_ids = declaration.party_ids()
        seen: set[tuple[int, int]] = set()
        best: dict[int, Match] = {}
        for window_index, names in zip(owners, hits, strict=True):
            for name in names:
                if (window_index, name) in seen:
                    continue
                seen.add((window_index, name))
                window = windows[window_index]
                match = self._judge(window.field, window.keys(), name, item, on, party_ids)
                if match is None:
                    continue
                owner = int(self.names.owner[name])
                current = best.get(owner)
                if current is None or _rank(match) > _rank(current):
                    best[owner] = match
        ranked = sorted(best.values(), key=_rank, reverse=True)
        return tuple(ranked[: self.config.max_matches])

    def _probes(self, item: Item) -> tuple[list[_Window], list[int], list[int], list[int]]:
        """Every window of every field, and the index keys each one looks up. Keys of a
        window are joined incrementally from the window one token shorter; the full Keys
        are only built for windows that found a candidate."""
        config = self.config
        windows: list[_Window] = []
        wanted: list[int] = []
        limits: list[int] = []
        owners: list[int] = []
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
                windows.append(_Window(field_name, analysed, first, stop))
                wanted += (hash(compact) ^ COMPACT, hash(latin) ^ LATIN)
                limits += _EXACT_LIMITS
                owners += (index, index)
                if not self._could_be_a_typo(units, len(latin)):
                    continue
                sound = phonetic_key("".join(t.spelling for t in tokens[first:stop]))
                if sound:
                    wanted.append(hash(sound) ^ SOUND)
                    limits.append(config.max_phonetic_postings)
                    owners.append(index)
                length = len(latin)
                depth = 2 if config.two_edits_from - 2 <= length <= config.two_edit_window else 1
                variants = probes(DELETION, deletions(latin, depth))
                wanted += variants
                limits += [config.max_deletion_postings] * len(variants)
                owners += [index] * len(variants)
        return windows, wanted, limits, owners

    def _could_be_a_typo(self, units: int, length: int) -> bool:
        """Whether some name of that many words is within two letters of that length."""
        lengths = self.fuzzy_lengths.get(units)
        return (
            lengths is not None
            and length >= self.config.one_edit_from - 1
            and lengths[0] - 2 <= length <= lengths[1] + 2
        )

    def _judge(
        self,
        field_name: str,
        window: Keys,
        name: int,
        item: Item,
        on: date,
        party_ids: frozenset[str],
    ) -> Match | None:
        keys = self.names.keys(name)
        evidence = _first_evidence(window, keys, self.config)
        if evidence is None or evidence.score < self.config.list_from.get(evidence.method, 0.0):
            return None
        recordation = self.recordations[int(self.names.owner[name])]
        reason = no_risk_reason(
            recordation,
            evidence,
            field=field_name,
            hs_code=item.hs_code,
            on=on,
            party_ids=party_ids,
            ordinary_word=keys.spaced in self.config.ordinary_words,
            config=self.config,
        )
        explanation = f"{evidence.detail} ({field_name})"
        if reason is not None:
            explanation += f"; no risk: {WHY_NOT[reason]}"
        return Match(
            recordation_id=recordation.recordation_id,
            mark=recordation.mark,
            holder=recordation.holder,
            matched_text=window.text,
            score=evidence.score,
            method=evidence.method,
            right_type=recordation.right_type,
            field=field_name,
            span_start=window.start,
            span_end=window.end,
            authorised=recordation.authorises(party_ids),
            raises_risk=reason is None,
            no_risk_reason=reason,
            explanation=explanation,
        )


def _first_evidence(window: Keys, name: Keys, config: MatchingConfig) -> Evidence | None:
    for method in METHODS:
        evidence = method(window, name, config)
        if evidence is not None:
            return evidence
    return None


def _rank(match: Match) -> tuple[bool, float, int, int]:
    return (
        match.raises_risk,
        match.score,
        _METHOD_ORDER[match.method],
        _FIELD_WEIGHT.get(match.field, 0),
    )


def build_matcher(register: Register, config: MatchingConfig | None = None) -> Matcher:
    """Index every name (mark and aliases) of every recordation; once per register version."""
    config = config or MatchingConfig()
    owner = array("i")
    text: list[str] = []
    spaced: list[str] = []
    skeleton: list[str] = []
    latin: list[str] = []
    sound: list[str] = []
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
