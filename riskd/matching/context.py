"""Context against false positives: whether a listed match raises risk, and if not, why not.

A similarity alone never detains goods. The match must concern a recordation in force, for
goods in the mark's protected classes, from a party the holder has not authorised, with a
score above its method's risk threshold; and a mark that is an ordinary word ("apple",
"polo", "shell") needs strong evidence: written in the brand or model field, and found by a
key-equality method rather than a typo or a sound. A mark found glued inside a longer word
is listed for the officer but never raises risk on its own.
"""

from __future__ import annotations

from datetime import date

from riskd.domain import MatchMethod, NoRiskReason
from riskd.matching.methods import Evidence
from riskd.matching.tuning import MatchingConfig
from riskd.register.model import Recordation

# Fields where a declarant names the brand of the goods, as opposed to describing them.
BRAND_FIELDS = frozenset({"brand", "model"})
STRONG_METHODS = frozenset(
    {MatchMethod.EXACT, MatchMethod.COMPACT, MatchMethod.SKELETON, MatchMethod.TRANSLITERATION}
)

WHY_NOT = {
    NoRiskReason.INACTIVE: "recordation not in force on the declaration date",
    NoRiskReason.AUTHORISED_PARTY: "a party on the declaration is authorised by the holder",
    NoRiskReason.OUTSIDE_CLASSES: "goods outside the mark's protected classes",
    NoRiskReason.LOW_SCORE: "similarity below the risk threshold (or more than one typo)",
    NoRiskReason.WEAK_EVIDENCE: (
        "ordinary-word mark without strong evidence (brand field, exact form)"
    ),
}


def no_risk_reason(
    recordation: Recordation,
    evidence: Evidence,
    *,
    field: str,
    hs_code: str,
    on: date,
    party_ids: frozenset[str],
    ordinary_word: bool,
    config: MatchingConfig,
) -> NoRiskReason | None:
    """The first reason why a listed match does not raise risk, or None when it does."""
    if not recordation.is_active(on):
        return NoRiskReason.INACTIVE
    if recordation.authorises(party_ids):
        return NoRiskReason.AUTHORISED_PARTY
    if not recordation.covers_goods(hs_code):
        return NoRiskReason.OUTSIDE_CLASSES
    if evidence.score < config.risk_from.get(evidence.method, 101.0):
        return NoRiskReason.LOW_SCORE
    if evidence.edits > config.risk_edits:
        return NoRiskReason.LOW_SCORE
    if ordinary_word and (field not in BRAND_FIELDS or evidence.method not in STRONG_METHODS):
        return NoRiskReason.WEAK_EVIDENCE
    if evidence.inner:  # "ronte" inside "raikronter" may be chance: listed, never detains
        return NoRiskReason.WEAK_EVIDENCE
    return None
