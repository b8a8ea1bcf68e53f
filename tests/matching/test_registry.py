"""Adding a matching method touches one registry: every method the domain knows is in it,
with its thresholds and rank in the tuning file."""

from __future__ import annotations

from riskd.domain import MatchMethod
from riskd.matching import MatchingConfig
from riskd.matching.methods import METHODS


def test_every_method_is_registered_once_in_strength_order() -> None:
    registered = [kind for kind, _ in METHODS]
    assert sorted(registered) == sorted(MatchMethod)
    config = MatchingConfig()
    ranks = [config.method_order[kind] for kind in registered]
    assert ranks == sorted(ranks, reverse=True)


def test_every_method_has_its_thresholds() -> None:
    config = MatchingConfig()
    for kind, _ in METHODS:
        assert kind in config.list_from, kind
        assert kind in config.risk_from, kind
        assert kind in config.method_order, kind
