"""A shadow model is scored and logged, but production's score decides."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import pytest
import structlog
from structlog.testing import capture_logs

from riskd.features import Features
from riskd.model import ModelScore, ShadowedModel, shadow


@pytest.fixture(autouse=True)
def default_logging(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Another test in the same worker may have configured a WARNING-level, cached logger."""
    configured = structlog.get_config()
    structlog.reset_defaults()
    monkeypatch.setattr(shadow, "log", structlog.get_logger())
    yield
    structlog.configure(**configured)


@dataclass
class Fixed:
    version: str
    probability: float
    fails: bool = False

    def score(self, features: Features) -> ModelScore:
        if self.fails:
            raise RuntimeError("broken shadow")
        return ModelScore(self.probability)


def test_production_decides_and_both_are_logged() -> None:
    model = ShadowedModel(Fixed("prod", 0.2), Fixed("next", 0.9))
    with capture_logs() as logged:
        scored = model.score({})
    assert scored.probability == 0.2
    assert model.version == "prod"
    [entry] = logged
    assert entry["event"] == "shadow score"
    assert (entry["production_score"], entry["shadow_score"]) == (0.2, 0.9)
    assert (entry["production_version"], entry["shadow_version"]) == ("prod", "next")


def test_a_failing_shadow_never_stops_screening() -> None:
    model = ShadowedModel(Fixed("prod", 0.4), Fixed("next", 0.0, fails=True))
    with capture_logs() as logged:
        assert model.score({}).probability == 0.4
    assert [(e["event"], e["shadow_version"]) for e in logged] == [("shadow model failed", "next")]
