"""Feature definitions shared by serving and training."""

from riskd.features.declaration import FeatureValue, Features, declaration_features

__all__ = ["FeatureValue", "Features", "declaration_features"]
