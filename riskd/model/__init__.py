"""Serving of the LightGBM infringement-risk model: load, check, score, explain."""

from riskd.model.encoding import FeatureEncoder
from riskd.model.explain import model_reasons
from riskd.model.lightgbm_model import LightGBMRiskModel, load_model_dir, serving_problems
from riskd.model.registry import (
    load_production_model,
    load_shadow_model,
    production_version,
    set_production,
)
from riskd.model.scorer import BatchRiskModel, ModelScore, RiskModel, score_many
from riskd.model.shadow import ShadowedModel

__all__ = [
    "BatchRiskModel",
    "FeatureEncoder",
    "LightGBMRiskModel",
    "ModelScore",
    "RiskModel",
    "ShadowedModel",
    "load_model_dir",
    "load_production_model",
    "load_shadow_model",
    "model_reasons",
    "production_version",
    "score_many",
    "serving_problems",
    "set_production",
]
