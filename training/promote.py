"""Promotion: a model becomes the production one only after its checks pass.

1. Its schema fits serving: the daemon would load it (same feature list and schema hash,
   a readable model file). This check cannot be forced: serving would refuse the model.
2. Its metrics are not worse than production's by more than `margin` (precision at a 5 %
   inspection rate and AUC), preferably compared on the same period — an `evaluate` JSON
   that scored both — else on each model's own later period from its metadata. `force`
   overrides this check (e.g. when the world changed and production's figures are stale).

Warnings do not stop a promotion but are printed and returned: a model fitted on fewer
than `MIN_LABELLED` labelled declarations or `MIN_SEIZURES` seizures has figures too noisy
to trust, and one that stopped before `MIN_TREES` trees learnt little beyond the base rate.
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

# Below these, `promote` warns. 1,000 labelled declarations with 50 seizures give a later
# period of about 200 with 10 seizures (the default 20 % held out): one seizure more or less
# moves precision at 5 % by 0.1. 20 trees: early stopping that early means the later period
# did not improve after the first few, i.e. the features barely separate the classes.
MIN_LABELLED = 1000
MIN_SEIZURES = 50
MIN_TREES = 20


@dataclass(slots=True)
class Promotion:
    version: str
    previous: str | None
    promoted: bool
    problems: list[str] = field(default_factory=list)
    comparison: dict[str, Any] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)


def fit_warnings(metadata: Mapping[str, Any]) -> list[str]:
    """What makes a model's figures weak, from its metadata (see the module docstring)."""
    data = metadata.get("data", {})
    warnings = []
    labelled = data.get("labelled")
    if isinstance(labelled, int) and labelled < MIN_LABELLED:
        warnings.append(
            f"fitted on {labelled} labelled declarations (fewer than {MIN_LABELLED}): "
            "its figures are noisy"
        )
    positives = [data.get("train_positives"), data.get("valid_positives")]
    if all(isinstance(p, int) for p in positives):
        seizures = sum(p for p in positives if isinstance(p, int))
        if seizures < MIN_SEIZURES:
            warnings.append(
                f"fitted on {seizures} seizures (fewer than {MIN_SEIZURES}): its figures are noisy"
            )
    trees = metadata.get("best_iteration")
    if isinstance(trees, int) and trees < MIN_TREES:
        warnings.append(
            f"{trees} trees (fewer than {MIN_TREES}): it learnt little beyond the base rate"
        )
    return warnings


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
    result.warnings = fit_warnings(candidate.metadata)
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
