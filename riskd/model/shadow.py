"""A shadow model scores alongside the production one; only production's score decides."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import structlog

from riskd.features import Features
from riskd.model.scorer import ModelScore, RiskModel, score_many

log = structlog.get_logger("riskd.model.shadow")


@dataclass(frozen=True, slots=True)
class ShadowedModel:
    """Production model with a shadow: both scores are logged for comparison."""

    production: RiskModel
    shadow: RiskModel

    @property
    def version(self) -> str:
        return self.production.version

    def score(self, features: Features) -> ModelScore:
        return self.score_many([features])[0]

    def score_many(self, features: Sequence[Features]) -> list[ModelScore]:
        decided = score_many(self.production, features)
        try:
            compared = score_many(self.shadow, features)
        except Exception:  # a broken shadow must never stop screening
            log.exception("shadow model failed", shadow_version=self.shadow.version)
            return decided
        for production, shadow in zip(decided, compared, strict=True):
            log.info(
                "shadow score",
                production_version=self.production.version,
                production_score=production.probability,
                shadow_version=self.shadow.version,
                shadow_score=shadow.probability,
            )
        return decided
