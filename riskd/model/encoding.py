"""Turns named features into the model's numeric row; one encoder for training and serving.

Numbers pass through (missing → NaN). Categories become the index of the value in the
category list saved with the model (values unseen in training → NaN, i.e. missing), which is
what LightGBM's categorical splits expect. Training encodes its table with the very encoder
it saves, so a served row is encoded exactly as the training rows were.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np
import numpy.typing as npt
import polars as pl

from riskd.features import Features

# A category must be seen this often in training to get its own code; rarer ones are missing.
MIN_CATEGORY_COUNT = 5
# At most this many categories per feature (the most frequent ones).
MAX_CATEGORIES = 1000


@dataclass(frozen=True, slots=True)
class FeatureEncoder:
    names: tuple[str, ...]
    categorical: tuple[str, ...]
    categories: Mapping[str, tuple[str, ...]]
    _codes: tuple[dict[str, float] | None, ...] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        unknown = [c for c in self.categorical if c not in self.names]
        if unknown:
            raise ValueError(f"categorical features not in the feature list: {unknown}")
        codes = tuple(
            {v: float(i) for i, v in enumerate(self.categories.get(n, ()))}
            if n in self.categorical
            else None
            for n in self.names
        )
        object.__setattr__(self, "_codes", codes)

    @classmethod
    def fit(
        cls, frame: pl.DataFrame, names: Sequence[str], categorical: Sequence[str]
    ) -> FeatureEncoder:
        """Category lists from a training table: frequent values first, rare ones dropped."""
        categories: dict[str, tuple[str, ...]] = {}
        for name in categorical:
            counts = (
                frame.select(pl.col(name).cast(pl.String))
                .drop_nulls()
                .group_by(name)
                .len()
                .filter(pl.col("len") >= MIN_CATEGORY_COUNT)
                .sort(["len", name], descending=[True, False])
                .head(MAX_CATEGORIES)
            )
            categories[name] = tuple(counts[name].to_list())
        return cls(tuple(names), tuple(categorical), categories)

    def encode_row(self, features: Features) -> npt.NDArray[np.float64]:
        """One declaration as a (1, n_features) row; fast enough for per-request serving."""
        row = np.empty((1, len(self.names)), dtype=np.float64)
        out = row[0]
        for i, (name, codes) in enumerate(zip(self.names, self._codes, strict=True)):
            value = features.get(name)
            if value is None:
                out[i] = math.nan
            elif codes is not None:
                out[i] = codes.get(str(value), math.nan)
            elif isinstance(value, str):
                out[i] = _number(value)
            else:
                out[i] = float(value)
        return row

    def encode_frame(self, frame: pl.DataFrame) -> npt.NDArray[np.float64]:
        """A training table as an (n_rows, n_features) matrix, encoded like `encode_row`."""
        columns = []
        for name, codes in zip(self.names, self._codes, strict=True):
            if name not in frame.columns:
                columns.append(pl.lit(None, dtype=pl.Float64).alias(name))
            elif codes is not None:
                columns.append(
                    pl.col(name)
                    .cast(pl.String)
                    .replace_strict(codes, default=None, return_dtype=pl.Float64)
                    .alias(name)
                )
            else:
                columns.append(pl.col(name).cast(pl.Float64, strict=False).alias(name))
        # nulls become NaN, LightGBM's missing value
        return frame.select(columns).to_numpy().astype(np.float64)

    def to_json(self) -> dict[str, object]:
        return {
            "features": list(self.names),
            "categorical": list(self.categorical),
            "categories": {k: list(v) for k, v in self.categories.items()},
        }

    @classmethod
    def from_json(cls, data: Mapping[str, object]) -> FeatureEncoder:
        names = data["features"]
        categorical = data["categorical"]
        categories = data["categories"]
        if not (
            isinstance(names, list)
            and isinstance(categorical, list)
            and isinstance(categories, dict)
        ):
            raise ValueError("features, categorical and categories must be lists and a mapping")
        return cls(
            tuple(str(n) for n in names),
            tuple(str(c) for c in categorical),
            {str(k): tuple(str(v) for v in vs) for k, vs in categories.items()},
        )

    def display(self, index: int, row: npt.NDArray[np.float64]) -> str:
        """The readable value of feature `index` in an encoded row (for explanations)."""
        value = float(row[0, index])
        if math.isnan(value):
            return "missing"
        name = self.names[index]
        if name in self.categorical:
            return self.categories[name][int(value)]
        return f"{value:.4g}"


def _number(text: str) -> float:
    try:
        return float(text)
    except ValueError:
        return math.nan
