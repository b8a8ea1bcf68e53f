"""Serving of the LightGBM infringement-risk model."""

from riskd.model.scorer import ModelScore, RiskModel

__all__ = ["ModelScore", "RiskModel"]
