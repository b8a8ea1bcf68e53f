"""Feature definitions shared by serving and training.

`declaration_features` (serving, one declaration) and `history_features` (training, a whole
history table, point-in-time) compute the same names with the same meaning; the names, kinds
and schema hash are in `riskd.features.schema`, the entity profiles in
`riskd.features.profiles`.
"""

from riskd.features.declaration import (
    Features,
    FeatureValue,
    ProfileKeys,
    declaration_features,
    outcome_increments,
    profile_increments,
    profile_keys,
    with_rule_hits,
)
from riskd.features.frame import history_features
from riskd.features.profiles import (
    NO_HISTORY,
    PROFILES,
    HistoryProvider,
    ProfileCounts,
    ProfileSpec,
)
from riskd.features.schema import CATEGORICAL, FEATURE_NAMES, SCHEMA_HASH

__all__ = [
    "CATEGORICAL",
    "FEATURE_NAMES",
    "NO_HISTORY",
    "PROFILES",
    "SCHEMA_HASH",
    "FeatureValue",
    "Features",
    "HistoryProvider",
    "ProfileCounts",
    "ProfileKeys",
    "ProfileSpec",
    "declaration_features",
    "history_features",
    "outcome_increments",
    "profile_increments",
    "profile_keys",
    "with_rule_hits",
]
