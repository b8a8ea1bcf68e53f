"""A shadow model is scored and logged, but production's score decides."""

from __future__ import annotations

import logging
from dataclasses import dataclass

import pytest

from riskd.features import Features
from riskd.model import ModelScore, ShadowedModel


@dataclass
class Fixed:
    version: str
    probability: float
    fails: bool = False

    def score(self, features: Features) -> ModelScore:
        if self.fails:
            raise RuntimeError("broken shadow")
        return ModelScore(self.probability)


def test_production_decides_and_both_are_logged(caplog: pytest.LogCaptureFixture) -> None:
    model = ShadowedModel(Fixed("prod", 0.2), Fixed("next", 0.9))
    with caplog.at_level(logging.INFO, logger="riskd.model.shadow"):
        scored = model.score({})
    assert scored.probability == 0.2
    assert model.version == "prod"
    record = caplog.records[-1]
    assert (record.production_score, record.shadow_score) == (0.2, 0.9)  # type: ignore[attr-defined]


def test_a_failing_shadow_never_stops_screening(caplog: pytest.LogCaptureFixture) -> None:
    model = ShadowedModel(Fixed("prod", 0.4), Fixed("next", 0.0, fails=True))
    with caplog.at_level(logging.INFO, logger="riskd.model.shadow"):
        assert model.score({}).probability == 0.4
    assert "failed" in caplog.text
