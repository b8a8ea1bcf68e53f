"""The evidence bundle of a case: what a prosecutor, a holder or an auditor needs to see
why goods were detained or a seizure referred, read from the store whole.

One plain structure (JSON types only), built here and nowhere else, serves both exports:
`riskd cases show ID --json` prints it, `--html FILE` renders it as a printable page
(`riskd/templates/case.html.j2`).
"""

from __future__ import annotations

from typing import Any

import msgspec

from riskd.domain import Case, NotFound, StoredDecision
from riskd.store.base import Store


def _plain(value: object) -> Any:
    return msgspec.to_builtins(value)


def evidence_bundle(case: Case, stored: StoredDecision | None) -> dict[str, Any]:
    """The case with its record, and, when its decision is stored: the declaration, the
    decision with every reason, the trademark matches, the rule hits, the model's score and
    contributions, the outcomes (the one that opened the case marked) and the versions of
    register, rules, model and policy the decision was made with."""
    bundle: dict[str, Any] = {"case": _plain(case)}
    if stored is None:
        return bundle
    a = stored.assessment
    bundle["declaration"] = _plain(stored.declaration)
    bundle["decision"] = {
        "decision_id": a.decision_id,
        "decided_at": _plain(a.decided_at),
        "recommendation": a.recommendation.value,
        "lane": a.lane.value,
        "risk_score": a.risk_score,
        "random_selection": a.random_selection,
        "reasons": _plain(a.reasons),
        "referral": _plain(a.referral),
        "notify": _plain(a.notify),
    }
    bundle["matches"] = [
        {"line_no": item.line_no, **_plain(match)} for item in a.items for match in item.matches
    ]
    bundle["rule_hits"] = _plain(a.rule_hits)
    bundle["model"] = {"score": a.model_score, "contributions": _plain(a.contributions)}
    bundle["outcomes"] = _plain(stored.outcomes)
    bundle["outcome"] = next(
        (_plain(o) for o in stored.outcomes if o.outcome_id == case.outcome_id), None
    )
    bundle["versions"] = _plain(a.versions)
    return bundle


def case_evidence(store: Store, case: Case) -> dict[str, Any]:
    """The bundle of a case, its decision read from the store. A case whose decision is
    not stored (a tip-off) carries itself only."""
    try:
        stored = store.get_decision(case.decision_id) if case.decision_id else None
    except NotFound:
        stored = None
    return evidence_bundle(case, stored)
