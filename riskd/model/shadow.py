"""A shadow model scores alongside the production one; only production's score decides."""

from __future__ import annotations

from dataclasses import dataclass

import structlog

from riskd.features import Features
from riskd.model.scorer import ModelScore, RiskModel

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
        decided = self.production.score(features)
        try:
            compared = self.shadow.score(features)
        except Exception:  # a broken shadow must never stop screening
            log.exception("shadow model failed", shadow_version=self.shadow.version)
        else:
            log.info(
                "shadow score",
                production_version=self.production.version,
                production_score=decided.probability,
                shadow_version=self.shadow.version,
                shadow_score=compared.probability,
            )
        return decided
