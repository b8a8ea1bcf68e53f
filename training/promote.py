"""Promotion: a model becomes the production one only after its checks pass.

1. Its schema fits serving: the daemon would load it (same feature list and schema hash,
   a readable model file). This check cannot be forced: serving would refuse the model.
2. Its metrics are not worse than production's by more than `margin` (precision at a 5 %
   inspection rate and AUC), preferably compared on the same period — an `evaluate` JSON
   that scored both — else on each model's own later period from its metadata. `force`
   overrides this check (e.g. when the world changed and production's figures are stale).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from riskd.domain import ReloadRefused
from riskd.model import load_model_dir
from riskd.model.registry import model_dir, production_version, set_production
from training.metrics import rate_key

COMPARED = (("precision_at", rate_key(0.05)), ("auc", None))


@dataclass(slots=True)
class Promotion:
    version: str
    previous: str | None
    promoted: bool
    problems: list[str] = field(default_factory=list)
    comparison: dict[str, Any] = field(default_factory=dict)


def _metric(metrics: Mapping[str, Any], name: str, key: str | None) -> float | None:
    value = metrics.get(name)
    if key is not None:
        value = value.get(key) if isinstance(value, dict) else None
    return float(value) if isinstance(value, int | float) else None


def compare(
    candidate: Mapping[str, Any], production: Mapping[str, Any], margin: float
) -> tuple[list[str], dict[str, Any]]:
    """Problems where the candidate is worse than production by more than the margin."""
    problems, table = [], {}
    for name, key in COMPARED:
        label = f"{name}[{key}]" if key else name
        new, old = _metric(candidate, name, key), _metric(production, name, key)
        table[label] = {"candidate": new, "production": old}
        if new is not None and old is not None and new < old - margin:
            problems.append(f"{label} {new:.4f} is below production's {old:.4f} - {margin}")
    return problems, table


def promote(
    registry: Path,
    version: str,
    *,
    margin: float = 0.02,
    force: bool = False,
    evaluation: Mapping[str, Any] | None = None,
) -> Promotion:
    """Checks the model and, if it passes (or metrics are forced), points PRODUCTION at it."""
    previous = production_version(registry)
    result = Promotion(version, previous, promoted=False)
    try:
        candidate = load_model_dir(model_dir(registry, version), for_serving=True)
    except (ReloadRefused, ValueError) as exc:
        problems = list(exc.problems) if isinstance(exc, ReloadRefused) else [str(exc)]
        result.problems = ["schema/serving check: " + p for p in problems]
        return result
    if previous is not None and previous != version:
        if evaluation is not None and evaluation.get("production"):
            if evaluation.get("model_version") != version:
                result.problems.append("the evaluation given is of another model")
                return result
            new_metrics, old_metrics = evaluation, evaluation["production"]
        else:
            new_metrics = candidate.metadata.get("metrics", {}).get("valid", {})
            old_dir = model_dir(registry, previous)
            try:
                old = load_model_dir(old_dir, for_serving=False)
                old_metrics = old.metadata.get("metrics", {}).get("valid", {})
            except ReloadRefused:
                old_metrics = {}
        problems, result.comparison = compare(new_metrics, old_metrics, margin)
        if problems and not force:
            result.problems = problems
            return result
        result.problems = [f"forced past: {p}" for p in problems]
    set_production(registry, version)
    result.promoted = True
    return result
