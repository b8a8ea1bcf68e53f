"""The interface the pipeline scores a declaration through."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

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
