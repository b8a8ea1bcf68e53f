"""A LightGBM model loaded from the registry: checked once, then scored per declaration."""

from __future__ import annotations

import json
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import lightgbm as lgb
import numpy as np
import numpy.typing as npt

from riskd.domain import FeatureContribution, ReloadRefused
from riskd.features import FEATURE_NAMES, SCHEMA_HASH, Features
from riskd.model.encoding import FeatureEncoder
from riskd.model.probe import PROBE_SECONDS, probe_model_file
from riskd.model.scorer import ModelScore
from riskd.model.single_row import SingleRowContributions

MODEL_FILE = "model.txt"
METADATA_FILE = "metadata.json"
TOP_CONTRIBUTIONS = 5


@dataclass(frozen=True, slots=True)
class LightGBMRiskModel:
    """P(infringing | inspected) with the top feature contributions of each score."""

    version: str
    booster: lgb.Booster
    encoder: FeatureEncoder
    metadata: Mapping[str, Any]
    _contributions: SingleRowContributions = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        rows = SingleRowContributions(
            self.booster, len(self.encoder.names), self.booster.best_iteration or -1
        )
        object.__setattr__(self, "_contributions", rows)

    def score(self, features: Features) -> ModelScore:
        row = self.encoder.encode_row(features)
        # one pass gives both: the contributions sum to the raw score (log-odds)
        return self._explained(row, self._contributions(row))

    def score_many(self, features: Sequence[Features]) -> list[ModelScore]:
        """As `score` for each, with one `predict` over all rows: one row goes through the
        single-row fast path, more through one matrix call (the same trees, the same
        contributions, without a call into LightGBM per row)."""
        if len(features) <= 1:
            return [self.score(f) for f in features]
        rows = np.vstack([self.encoder.encode_row(f) for f in features])
        contribs = self.booster.predict(
            rows,
            pred_contrib=True,
            num_iteration=self.booster.best_iteration or -1,
            num_threads=1,
        )
        return [self._explained(rows[i : i + 1], contrib) for i, contrib in enumerate(contribs)]

    def _explained(
        self, row: npt.NDArray[np.float64], contrib: npt.NDArray[np.float64]
    ) -> ModelScore:
        """The probability (the contributions sum to the log-odds) and the top contributions
        of one encoded row (shape 1 × features)."""
        probability = 1.0 / (1.0 + math.exp(-float(contrib.sum())))
        top = np.argsort(-np.abs(contrib[:-1]), kind="stable")[:TOP_CONTRIBUTIONS]
        return ModelScore(
            probability=probability,
            contributions=tuple(
                FeatureContribution(
                    feature=self.encoder.names[i],
                    value=self.encoder.display(int(i), row),
                    contribution=round(float(contrib[i]), 6),
                )
                for i in top
                if contrib[i] != 0.0
            ),
        )


def read_metadata(directory: Path) -> dict[str, Any]:
    data = json.loads((directory / METADATA_FILE).read_text(encoding="utf-8"))
    if not isinstance(data, dict):
        raise ValueError("metadata.json is not an object")
    return data


def serving_problems(metadata: Mapping[str, Any]) -> list[str]:
    """Why a model's feature schema does not fit this code's serving features (empty: fits)."""
    problems = []
    features = metadata.get("features")
    if features != list(FEATURE_NAMES):
        extra = sorted(set(features or ()) - set(FEATURE_NAMES))
        absent = sorted(set(FEATURE_NAMES) - set(features or ()))
        detail = []
        if extra:
            detail.append(f"unknown to serving: {', '.join(extra[:8])}")
        if absent:
            detail.append(f"missing: {', '.join(absent[:8])}")
        problems.append(
            "feature list differs from serving's"
            + (f" ({'; '.join(detail)})" if detail else " (order)")
        )
    if metadata.get("schema_hash") != SCHEMA_HASH:
        problems.append(
            f"schema hash {metadata.get('schema_hash')!r} is not serving's {SCHEMA_HASH!r}"
        )
    return problems


def load_model_dir(
    directory: Path, *, for_serving: bool = True, probe_seconds: float = PROBE_SECONDS
) -> LightGBMRiskModel:
    """Loads and checks one model version; raises ReloadRefused("model", problems)."""
    problems: list[str] = []
    for name in (MODEL_FILE, METADATA_FILE):
        if not (directory / name).is_file():
            problems.append(f"{name} is missing in model {directory.name}")
    if problems:
        raise ReloadRefused("model", problems)
    try:
        metadata = read_metadata(directory)
        encoder = FeatureEncoder.from_json(metadata)
    except (ValueError, KeyError, TypeError) as exc:
        raise ReloadRefused("model", [f"metadata.json is unreadable: {exc}"]) from exc
    if for_serving:
        problems += serving_problems(metadata)
    if problems:
        raise ReloadRefused("model", problems)
    # tried in a child process first: a damaged file can crash LightGBM, not only fail
    problems = probe_model_file(directory / MODEL_FILE, len(encoder.names), probe_seconds)
    if problems:
        raise ReloadRefused("model", problems)
    try:
        booster = lgb.Booster(model_file=str(directory / MODEL_FILE))
    except lgb.basic.LightGBMError as exc:
        raise ReloadRefused(
            "model", [*problems, f"model.txt is not a LightGBM model: {exc}"]
        ) from exc
    if booster.feature_name() != list(encoder.names):
        problems.append("model.txt features differ from metadata.json's")
    if problems:
        raise ReloadRefused("model", problems)
    # the registry's directory name is the version (metadata may predate a rename)
    return LightGBMRiskModel(directory.name, booster, encoder, metadata)
