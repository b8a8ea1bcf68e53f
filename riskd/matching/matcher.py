"""Finds recorded marks in an item's brand, model and description.

The index maps each normalised name (mark or alias) as a token sequence to the recordations
that carry it; an item is matched by looking up every token n-gram of its text, so the cost
per item is independent of the size of the register. The index is built once per register
version and shared by all requests.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date

from riskd.domain import Declaration, Item, Match, MatchMethod, NoRiskReason
from riskd.register.model import Recordation, Register
from riskd.text.normalize import normalize, tokenize

ITEM_FIELDS = ("brand", "model", "description")


@dataclass(frozen=True, slots=True)
class Matcher:
    register_version: str
    index: dict[tuple[str, ...], tuple[Recordation, ...]]
    longest_name: int

    def match_item(self, item: Item, declaration: Declaration) -> tuple[Match, ...]:
        """All matches of the item, best first, one per recordation."""
        on = declaration.declared_at.date()
        party_ids = declaration.party_ids()
        best: dict[str, Match] = {}
        for field in ITEM_FIELDS:
            raw = getattr(item, field)
            if not raw:
                continue
            text = normalize(raw)
            words = tokenize(text)
            for start in range(len(words)):
                for length in range(1, min(self.longest_name, len(words) - start) + 1):
                    key = tuple(w.text for w in words[start : start + length])
                    for recordation in self.index.get(key, ()):
                        span = (words[start].start, words[start + length - 1].end)
                        match = _judge(recordation, item, field, text, span, on, party_ids)
                        current = best.get(recordation.recordation_id)
                        if current is None or _rank(match) > _rank(current):
                            best[recordation.recordation_id] = match
        return tuple(sorted(best.values(), key=_rank, reverse=True))


def _rank(match: Match) -> tuple[bool, float, int]:
    return (match.raises_risk, match.score, match.span_end - match.span_start)


def _judge(
    recordation: Recordation,
    item: Item,
    field: str,
    text: str,
    span: tuple[int, int],
    on: date,
    party_ids: frozenset[str],
) -> Match:
    matched = text[span[0] : span[1]]
    authorised = recordation.authorises(party_ids)
    reason: NoRiskReason | None = None
    if not recordation.is_active(on):
        reason = NoRiskReason.INACTIVE
    elif authorised:
        reason = NoRiskReason.AUTHORISED_PARTY
    elif not recordation.covers_goods(item.hs_code):
        reason = NoRiskReason.OUTSIDE_CLASSES
    explanation = f"matched {recordation.mark} exactly in {field} {matched!r}"
    if reason is not None:
        explanation += f"; no risk: {_WHY[reason]}"
    return Match(
        recordation_id=recordation.recordation_id,
        mark=recordation.mark,
        holder=recordation.holder,
        matched_text=matched,
        score=100.0,
        method=MatchMethod.EXACT,
        right_type=recordation.right_type,
        field=field,
        span_start=span[0],
        span_end=span[1],
        authorised=authorised,
        raises_risk=reason is None,
        no_risk_reason=reason,
        explanation=explanation,
    )


_WHY = {
    NoRiskReason.INACTIVE: "recordation not in force on the declaration date",
    NoRiskReason.AUTHORISED_PARTY: "a party on the declaration is an authorised licensee",
    NoRiskReason.OUTSIDE_CLASSES: "goods outside the protected HS prefixes",
    NoRiskReason.WEAK_EVIDENCE: "ordinary-word mark with weak evidence",
    NoRiskReason.LOW_SCORE: "similarity below the risk threshold",
}


def build_matcher(register: Register) -> Matcher:
    """Index every name of every recordation by its normalised token sequence."""
    index: dict[tuple[str, ...], list[Recordation]] = defaultdict(list)
    for recordation in register.recordations:
        for name in recordation.names():
            key = tuple(t.text for t in tokenize(normalize(name)))
            if key and recordation not in index[key]:
                index[key].append(recordation)
    longest = max((len(k) for k in index), default=0)
    frozen = {k: tuple(v) for k, v in index.items()}
    return Matcher(register_version=register.version, index=frozen, longest_name=longest)
