"""The interface the pipeline scores a declaration through."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol, runtime_checkable

from riskd.domain import FeatureContribution
from riskd.features import Features


@dataclass(frozen=True, slots=True)
class ModelScore:
    probability: float
    contributions: tuple[FeatureContribution, ...] = ()


class RiskModel(Protocol):
    """A loaded, checked model: P(infringing | inspected) with its top contributions."""

    @property
    def version(self) -> str: ...

    def score(self, features: Features) -> ModelScore: ...


@runtime_checkable
class BatchRiskModel(RiskModel, Protocol):
    """A model that scores several declarations in one call, as `score` scores each."""

    def score_many(self, features: Sequence[Features]) -> list[ModelScore]: ...


def score_many(model: RiskModel, features: Sequence[Features]) -> list[ModelScore]:
    """The scores of several declarations: in one call where the model takes batches, else
    one by one."""
    if isinstance(model, BatchRiskModel):
        return model.score_many(features)
    return [model.score(f) for f in features]
