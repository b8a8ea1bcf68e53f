"""Features of one declaration, computed the same way for serving and for training.

Each feature is a plain number or category string; the model stage decides how to encode
them. History features (a party's past declarations and seizures) are added by later stages
from the store's entity profiles.
"""

from __future__ import annotations

from collections.abc import Mapping

from riskd.domain import Declaration, ItemAssessment

FeatureValue = float | str | None
Features = Mapping[str, FeatureValue]


def declaration_features(
    declaration: Declaration, items: tuple[ItemAssessment, ...]
) -> dict[str, FeatureValue]:
    """Declaration-level features from the declaration and its item matches."""
    values = [i.value.amount for i in declaration.items if i.value is not None]
    masses = [i.net_mass_kg for i in declaration.items]
    matches = [m for item in items for m in item.matches]
    risky = [m for m in matches if m.raises_risk]
    return {
        "n_items": float(len(declaration.items)),
        "total_value": float(sum(values)),
        "total_mass_kg": float(sum(masses)),
        "transport_mode": declaration.transport_mode.value,
        "direction": declaration.direction.value,
        "procedure": declaration.procedure.value,
        "customs_office": declaration.customs_office,
        "origin_country": declaration.origin_country,
        "hs_chapter": declaration.items[0].hs_code[:2] if declaration.items else None,
        "best_match_score": max((m.score for m in matches), default=0.0),
        "n_risky_matches": float(len(risky)),
        "any_authorised_match": float(any(m.authorised for m in matches)),
    }
