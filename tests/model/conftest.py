"""A small trained model in a registry, shared by the serving tests of this directory."""

from __future__ import annotations

from pathlib import Path

import pytest

from riskd.model.registry import set_production
from tests.training.small_world import small_history
from training.dataset import TrainingTable, build_table
from training.fit import FitConfig, fit

FAST = FitConfig(max_rounds=60, early_stopping_rounds=20, num_threads=1)


@pytest.fixture(scope="session")
def small_table() -> TrainingTable:
    return build_table(small_history(), source={"kind": "test"})


@pytest.fixture(scope="session")
def trained_registry(tmp_path_factory: pytest.TempPathFactory, small_table: TrainingTable) -> Path:
    """A registry holding model `v1`, the production one."""
    registry = tmp_path_factory.mktemp("registry")
    fit(small_table, FAST, progress=False).save(registry, "v1")
    set_production(registry, "v1")
    return registry
