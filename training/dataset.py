"""Training tables: one row per declaration, its features as known at the time, its label.

Three sources give a history table (one row per item, `riskd.features.frame` columns):
- the store's decisions and outcomes (`history_from_store`),
- a history table written by the fixtures generator or an earlier export (Parquet/CSV),
- an external table through a column mapping (`training.mapping`).
`build_table` turns it into features with `riskd.features.history_features`, the
definitions serving uses. Labels exist only for inspected declarations; declarations picked
by random selection are kept apart (`random_sample`) for an unbiased estimate, and never
used for fitting.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

import polars as pl

from riskd.features import CATEGORICAL, FEATURE_NAMES, ProfileSpec, history_features
from riskd.features.profiles import profile_feature_names
from riskd.history import BUILTIN_RATES_TO_USD, RatesToUsd, read_history
from riskd.register.model import Register
from riskd.store import DecisionStore, open_store
from riskd.store.export import history_table
from riskd.store.factory import store_label
from training.history import with_match_features
from training.mapping import ColumnMapping, load_mapping

# Columns of a training table besides the features.
META_COLUMNS = (
    "declaration_id",
    "declared_at",
    "known_at",
    "label",
    "inspected",
    "random_selection",
    "total_value_usd",
)


@dataclass(frozen=True, slots=True)
class TrainingTable:
    """Features and labels of declarations, with the feature list the model will use."""

    frame: pl.DataFrame
    features: tuple[str, ...]
    categorical: tuple[str, ...]
    source: dict[str, Any] = field(default_factory=dict)

    @property
    def serving_features(self) -> bool:
        """True when the features are exactly serving's (a servable model can be trained)."""
        return self.features == FEATURE_NAMES

    def labelled(self) -> pl.DataFrame:
        """Inspected declarations with a known outcome, not picked at random: for fitting."""
        return self.frame.filter(pl.col("label").is_not_null() & ~pl.col("random_selection"))

    def random_sample(self) -> pl.DataFrame:
        """Randomly selected declarations with a known outcome: the unbiased sample."""
        return self.frame.filter(pl.col("label").is_not_null() & pl.col("random_selection"))

    def between(self, start: datetime | None, end: datetime | None) -> TrainingTable:
        """The declarations with start <= declared_at < end (features keep their history).

        The rows left out before `start` gave the kept rows' profiles their past, so the
        source records them as history (an evaluation of the period does not warn of
        profiles that start empty)."""
        frame = self.frame
        source = self.source
        if start is not None:
            earlier_rows = frame.filter(pl.col("declared_at") < start).height
            frame = frame.filter(pl.col("declared_at") >= start)
            if earlier_rows:
                earlier = f"{source.get('data', 'the data')} before {start:%Y-%m-%d %H:%M:%S}"
                source = {**source, "history": [*source.get("history", []), earlier]}
        if end is not None:
            frame = frame.filter(pl.col("declared_at") < end)
        return TrainingTable(frame, self.features, self.categorical, source)

    def save(self, path: Path) -> None:
        """Parquet with the feature list in a `<name>.features.json` beside it."""
        path.parent.mkdir(parents=True, exist_ok=True)
        self.frame.write_parquet(path)
        sidecar = {
            "features": list(self.features),
            "categorical": list(self.categorical),
            "source": self.source,
        }
        _sidecar(path).write_text(json.dumps(sidecar, indent=2, default=str) + "\n")

    @classmethod
    def load(cls, path: Path) -> TrainingTable:
        meta = json.loads(_sidecar(path).read_text())
        return cls(
            pl.read_parquet(path),
            tuple(meta["features"]),
            tuple(meta["categorical"]),
            dict(meta.get("source", {})),
        )


def _sidecar(path: Path) -> Path:
    return path.with_name(path.stem + ".features.json")


def is_training_table(path: Path) -> bool:
    return path.suffix == ".parquet" and _sidecar(path).is_file()


def build_table(
    history: pl.DataFrame,
    *,
    extra_categorical: Sequence[str] = (),
    extra_numeric: Sequence[str] = (),
    extra_profiles: Sequence[ProfileSpec] = (),
    source: dict[str, Any] | None = None,
) -> TrainingTable:
    """Point-in-time features of every declaration of a history table."""
    frame = history_features(
        history,
        extra_columns=[*extra_categorical, *extra_numeric],
        extra_profiles=extra_profiles,
    )
    profile_names = [n for p in extra_profiles for n in profile_feature_names(p)]
    features = (*FEATURE_NAMES, *extra_categorical, *extra_numeric, *profile_names)
    keep = list(dict.fromkeys([*META_COLUMNS, *features]))
    return TrainingTable(
        frame.select(keep),
        tuple(features),
        (*CATEGORICAL, *extra_categorical),
        source or {},
    )


def build_mapped_table(
    mapping: ColumnMapping, data: Path, history: Sequence[Path] = ()
) -> TrainingTable:
    """Features of an external table's declarations; `history` files (earlier periods) give
    the profiles their past but contribute no rows of their own."""
    frames = [mapping.read(p) for p in (*history, data)]
    target = frames[-1]["declaration_id"]
    table = build_table(
        pl.concat(frames, how="diagonal_relaxed"),
        extra_categorical=mapping.extra_categorical,
        extra_numeric=mapping.extra_numeric,
        extra_profiles=mapping.extra_profiles,
        source={
            "kind": "mapped",
            "data": data.name,
            "history": [p.name for p in history],
            "mapping": mapping.as_json(),
        },
    )
    frame = table.frame.filter(pl.col("declaration_id").is_in(target.implode()))
    return TrainingTable(frame, table.features, table.categorical, table.source)


def build_history_table(
    data: Path,
    history: Sequence[Path] = (),
    register: Register | None = None,
    *,
    progress: bool = False,
) -> TrainingTable:
    """Features of a history table's declarations, with earlier history files as context;
    with a register, the trademark-match features are computed by the serving matcher."""
    frames = [read_history(p) for p in (*history, data)]
    target = frames[-1]["declaration_id"].cast(pl.String)
    combined = pl.concat(frames, how="diagonal_relaxed")
    if register is not None:
        combined = with_match_features(combined, register, progress=progress)
    table = build_table(
        combined,
        source={
            "kind": "history",
            "data": data.name,
            "history": [p.name for p in history],
            "register": register.version if register is not None else None,
        },
    )
    frame = table.frame.filter(pl.col("declaration_id").is_in(target.implode()))
    return TrainingTable(frame, table.features, table.categorical, table.source)


def history_from_store(
    store: DecisionStore, rates: RatesToUsd = BUILTIN_RATES_TO_USD
) -> pl.DataFrame:
    """The store's decisions as a history table (`riskd.store.export`): the latest outcome
    of each is its label, known from its `recorded_at`; values in US dollars at `rates`."""
    return history_table(store.decisions(), rates)


def build_store_table(url: str, rates: RatesToUsd = BUILTIN_RATES_TO_USD) -> TrainingTable:
    """The training table of a store named as the `store` setting names it (a SQLite path
    or a postgresql:// URL); values converted at `rates` (the rule directory's currency
    table)."""
    store = open_store(url, create=False)
    try:
        history = history_from_store(store, rates)
    finally:
        store.close()
    return build_table(history, source={"kind": "store", "data": store_label(url)})


def load_table(
    data: Path,
    mapping: Path | None = None,
    history: Sequence[Path] = (),
    register: Register | None = None,
    *,
    progress: bool = False,
) -> TrainingTable:
    """Any supported source, chosen by what is given: a training table written by
    `riskd-train dataset`, an external file with a mapping, a store, or a history table
    (whose match features need a register)."""
    is_history = mapping is None and not is_training_table(data) and data.suffix not in _STORES
    if register is not None and not is_history:
        raise ValueError("a register applies to history tables only (the store has its matches)")
    if mapping is not None:
        return build_mapped_table(load_mapping(mapping), data, history)
    if is_training_table(data):
        return TrainingTable.load(data)
    if data.suffix in _STORES:
        return build_store_table(str(data))
    return build_history_table(data, history, register, progress=progress)


_STORES = (".db", ".sqlite", ".sqlite3")
