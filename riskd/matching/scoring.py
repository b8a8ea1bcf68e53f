"""Scoring a candidate: the matcher (`riskd.matching.matcher`) finds which recorded names a
window of an item's text may be; the Scorer compares the two by the methods of
`riskd.matching.methods`, strongest first, decides whether the match is worth listing in
its context, and judges whether it raises risk (`riskd.matching.context`).

Finding candidates and scoring them are apart, so that a change to one (a new index, a new
method, a new context rule) leaves the other as it is.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from operator import itemgetter
from typing import NamedTuple, Protocol

from riskd.domain import Corroboration, Match, MatchMethod, NoRiskReason
from riskd.matching.context import (
    BRAND_FIELDS,
    DECISIVE,
    WHY_NOT,
    ItemContext,
    corroboration,
    no_risk_reason,
)
from riskd.matching.index import NameTable
from riskd.matching.keys import Keys
from riskd.matching.methods import METHODS, Evidence
from riskd.matching.tuning import MatchingConfig
from riskd.register.model import Recordation
from riskd.text import Analysed

_LOOK_ALIKE_METHODS = frozenset({MatchMethod.SKELETON, MatchMethod.TRANSLITERATION})


class Candidate(Protocol):
    """A window of an item field that may be a recorded name (the matcher's `_Window`)."""

    field: str
    analysed: Analysed
    first: int
    plain: bool  # made of common words only
    recorded: bool  # itself a recorded name, in the brand or model field
    inner: tuple[int, int] | None  # letters of one longer word, where the mark is glued in

    def keys(self) -> Keys: ...

    def sounded_keys(self) -> Keys: ...


class Found(NamedTuple):
    """The best evidence so far for one recordation, before it becomes a Match (a named
    tuple, cheap to make for every candidate)."""

    rank: tuple[bool, float, int, int]
    owner: int
    field: str
    window: Keys
    evidence: Evidence
    reason: NoRiskReason | None
    corroboration: tuple[tuple[Corroboration, str], ...] = ()


RANK = itemgetter(0)  # the rank of a Found


def keep(best: dict[int, Found], found: Found) -> None:
    """Keep the better evidence for a recordation."""
    current = best.get(found.owner)
    if current is None or found.rank > current.rank:
        best[found.owner] = found


def listed(best: dict[int, Found], cap: int) -> list[Found]:
    """The matches listed for an item, ranked by whether they raise risk, then by score,
    method and field (`Found.rank`): every match that raises risk, whatever the cap, then
    the others up to `cap` in all. The cap bounds what an officer is shown to judge; it
    never hides a match that detains the goods, however many weaker ones a long
    description lists."""
    ranked = sorted(best.values(), key=RANK, reverse=True)
    risky = sum(1 for found in ranked if found.reason is None)
    return ranked[: max(cap, risky)]


@dataclass(frozen=True, slots=True)
class Scorer:
    recordations: Sequence[Recordation]
    names: NameTable
    config: MatchingConfig
    brand_config: MatchingConfig  # config.for_brand_fields()

    def score(self, window: Candidate, name: int, context: ItemContext) -> Found | None:
        """Compare a window with a name by every method, strongest first; judge the context."""
        keys = self.names.keys(name)
        written = window.keys()
        if window.inner is not None:
            whole = window.analysed.tokens[window.first]
            word = window.analysed.text[whole.start : whole.end]
            detail = f"matched {keys.text} inside the word {word!r}"
            evidence: Evidence | None = Evidence(
                MatchMethod.COMPACT, self.config.inner_score, detail, inner=True
            )
        else:
            config = self.brand_config if window.field in BRAND_FIELDS else self.config
            evidence = first_evidence(window, keys, config)
        if evidence is None or evidence.score < self.config.list_from.get(evidence.method, 0.0):
            return None
        if (
            (evidence.edits or evidence.method in _LOOK_ALIKE_METHODS)
            and window.field not in BRAND_FIELDS
            and (
                (window.plain and not evidence.edits)
                or self.everyday_text(written.spaced, evidence.edits > 0)
            )
        ):
            return None  # "oils" is the word, not OLÍS in look-alike letters; "or 4" not ORA
        owner = self.names.owner[name]
        recordation = self.recordations[owner]
        if window.field not in BRAND_FIELDS and not loose_match_fits(
            evidence, written, keys, recordation, context.hs_code, self.config
        ):
            return None
        found = corroboration(recordation, window.field, context, self.config)
        reason = no_risk_reason(
            recordation,
            evidence,
            field=window.field,
            context=context,
            everyday_word=bool(self.names.everyday[name]),
            corroborated=any(kind in DECISIVE for kind, _ in found),
            config=self.config,
        )
        if reason is None and evidence.edits and window.recorded:
            reason = NoRiskReason.WEAK_EVIDENCE  # "petro" is PETRO as much as PETRON misspelt
        rank = (
            reason is None,
            evidence.score,
            self.config.method_order[evidence.method],
            self.config.field_weight.get(window.field, 0),
        )
        return Found(rank, owner, window.field, written, evidence, reason, found)

    def everyday_text(self, spaced: str, fragments_only: bool = False) -> bool:
        """Words of everyday language with single letters or digits between them ("men's
        or": "s or"; "3- or 4-thread": "or 4"; "of a"), or a number: what a description
        says in its own words, never a mark in look-alike letters nor a typo of one. With
        `fragments_only`, only such text beginning or ending with a single letter or digit,
        a piece of the word beside it ("s" of "men's"): one inside a run of words is part of
        the name ("the children s lace" for THE CHILDREN'S PLACE)."""
        words = spaced.split(" ")
        if all(w.isdigit() for w in words):
            return True
        plain = self.config.plain_words
        short = [len(w) == 1 for w in words]
        return (
            not all(short)
            and (short[0] or short[-1] or not fragments_only)
            and all(s or w in plain for s, w in zip(short, words, strict=True))
        )

    def match(self, found: Found, context: ItemContext) -> Match:
        """The listed match of the best evidence for a recordation, with its explanation."""
        recordation = self.recordations[found.owner]
        explanation = f"{found.evidence.detail} ({found.field})"
        told = [
            detail for kind, detail in found.corroboration if kind is not Corroboration.BRAND_FIELD
        ]
        if told:
            explanation += "; " + "; ".join(told)
        if found.reason is NoRiskReason.GENUINE_SOURCE:
            supplier = recordation.genuine.supplier(context.exporter, context.importer)
            explanation += f"; no risk: {WHY_NOT[found.reason]} ({supplier})"
        elif found.reason is not None:
            explanation += f"; no risk: {WHY_NOT[found.reason]}"
        # Positional, in the order of Match's fields (a third cheaper than by keyword; a
        # test pins the order): one is made for every listed match.
        return Match(
            recordation.recordation_id,
            recordation.mark,
            recordation.holder,
            found.window.text,  # matched_text
            found.evidence.score,
            found.evidence.method,
            recordation.right_type,
            found.field,
            found.window.start,  # span_start
            found.window.end,  # span_end
            recordation.authorises(context.party_ids),  # authorised
            found.reason is None,  # raises_risk
            found.reason,  # no_risk_reason
            explanation,
            tuple(kind for kind, _ in found.corroboration),
        )


def loose_match_fits(
    evidence: Evidence,
    window: Keys,
    name: Keys,
    recordation: Recordation,
    hs_code: str,
    config: MatchingConfig,
) -> bool:
    """Whether a typo, a sound or a mark inside a word, found in a description, is worth
    listing: in a real register nearly every word of a goods description is a letter or
    two from some mark ("roes": ROSES, "dross": GROSS, "brisling": BREITLING), so such a
    match is listed only on goods inside the mark's recorded classes. A recordation naming
    no classes protects all goods: its typo is listed where the window is a word no English
    list knows (`unknown_word`: "jytb" for JTB, not "roes" for ROSS, "cresols" for
    CRESOL), or, for a mark of several words and more than `short_typo_upto` letters, a
    window of several words ("cavin klein"). Key-equality matches and the brand and model
    fields are not limited so."""
    loose = evidence.edits or evidence.inner or evidence.method is MatchMethod.PHONETIC
    if not loose:
        return True
    if recordation.has_classes:
        return recordation.covers_goods(hs_code)
    if evidence.method is MatchMethod.PHONETIC:
        return False
    if evidence.inner:  # a longer word no English list knows ("adidasoriginals")
        return True
    several = " " in name.spaced and len(name.latin) > config.short_typo_upto
    return (several and " " in window.spaced) or unknown_word(window, config)


def unknown_word(window: Keys, config: MatchingConfig) -> bool:
    """Whether a window is one word, of three letters or more, that no English word list
    knows ("jytb", "d3elta"; not "aon", "cresols", nor a size such as "6mm")."""
    compact = window.compact
    return (
        " " not in window.spaced
        and sum(c.isalpha() for c in compact) >= 3
        and compact not in config.known_words
    )


def first_evidence(window: Candidate, name: Keys, config: MatchingConfig) -> Evidence | None:
    """The evidence of the first method, in the registry's order, that finds the name."""
    written = window.keys()
    for method, compare in METHODS:
        if method is MatchMethod.PHONETIC:
            written = window.sounded_keys()  # the dearest key, made only when needed
        evidence = compare(written, name, config)
        if evidence is not None:
            return evidence
    return None
