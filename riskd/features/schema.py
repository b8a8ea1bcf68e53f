"""The names and kinds of the model's features, and the hash that ties a model to them.

A model saves the feature list and `SCHEMA_HASH` it was trained with; serving refuses a model
whose list or hash differs from the code's, because the same name would no longer mean the
same value. Bump `FEATURE_SEMANTICS` whenever a feature keeps its name but changes meaning.
"""

from __future__ import annotations

import hashlib
import json

from riskd.features.profiles import PRIOR_STRENGTH, PROFILES, profile_feature_names

FEATURE_SEMANTICS = 1

# Categorical features: strings, encoded by the model's own category list.
CATEGORICAL: tuple[str, ...] = (
    "direction",
    "transport_mode",
    "procedure",
    "customs_office",
    "origin_country",
    "departure_country",
    "hs_chapter",
    "hs_heading",
    "best_match_method",
)

# Numeric features of the goods and the declaration.
GOODS_NUMERIC: tuple[str, ...] = (
    "n_items",
    "total_value_usd",
    "max_item_value_usd",
    "total_mass_kg",
    "total_quantity",
    "log_unit_value",
    "unit_value_vs_typical",
)

# Trademark-match features; absent (missing) where no match was computed.
MATCH_NUMERIC: tuple[str, ...] = (
    "best_match_score",
    "n_risky_matches",
    "best_match_class_fit",
    "best_match_authorised",
)

# Rule-hit features, added once the rules have run.
RULE_NUMERIC: tuple[str, ...] = ("n_rule_hits", "max_rule_score")

HISTORY_NUMERIC: tuple[str, ...] = tuple(
    name for spec in PROFILES for name in profile_feature_names(spec)
)

FEATURE_NAMES: tuple[str, ...] = (
    CATEGORICAL + GOODS_NUMERIC + MATCH_NUMERIC + RULE_NUMERIC + HISTORY_NUMERIC
)


def schema_hash(names: tuple[str, ...], categorical: tuple[str, ...]) -> str:
    """A short fingerprint of a feature list, its kinds and the profile conventions."""
    payload = {
        "semantics": FEATURE_SEMANTICS,
        "features": list(names),
        "categorical": sorted(categorical),
        "profiles": [[p.name, list(p.fields), p.level] for p in PROFILES],
        "prior_strength": PRIOR_STRENGTH,
    }
    digest = hashlib.sha256(json.dumps(payload, sort_keys=True).encode()).hexdigest()
    return digest[:16]


SCHEMA_HASH = schema_hash(FEATURE_NAMES, CATEGORICAL)
