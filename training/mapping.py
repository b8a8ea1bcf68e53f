"""Column mappings: how an external table (CSV or Parquet) becomes a history table.

A mapping is a YAML file naming, for the external table, which column is the declaration
id, the timestamp, the label and the value; which columns are parties; which fill the
history table's own columns; and which extra categorical or numeric columns (and risk
profiles over them) the model may use. See training/mappings/kcs.yaml for an example.
Only mapped columns are read, so a column that leaks the outcome (such as a second label)
stays out unless it is named.
"""

from __future__ import annotations

import re
from collections.abc import Mapping as MappingABC
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import polars as pl
from ruamel.yaml import YAML
from ruamel.yaml.error import MarkedYAMLError

from riskd.features import ProfileSpec
from riskd.features.frame import OPTIONAL_COLUMNS
from riskd.features.profiles import Level

# History-table party columns; other party roles get a column `party_<role>` and a profile.
PARTY_COLUMNS = ("declarant_id", "importer_id", "exporter_id", "consignee_id")
ITEM_KEY_FIELDS = ("hs6", "item_origin")


class MappingError(ValueError):
    """A mapping file that cannot be applied; the message names the file and the key."""


@dataclass(frozen=True, slots=True)
class ColumnMapping:
    source: str
    id: str
    timestamp: str
    label: str
    timestamp_format: str | None = None
    label_positive: tuple[str, ...] = ("1", "true", "True", "yes")
    value: str | None = None
    inspected: str | None = None
    random_selection: str | None = None
    columns: dict[str, str] = field(default_factory=dict)
    parties: dict[str, str] = field(default_factory=dict)
    categorical: tuple[str, ...] = ()
    numeric: tuple[str, ...] = ()
    profiles: tuple[tuple[str, ...], ...] = ()

    @property
    def extra_categorical(self) -> tuple[str, ...]:
        return tuple(extra_name(c) for c in self.categorical)

    @property
    def extra_numeric(self) -> tuple[str, ...]:
        return tuple(extra_name(c) for c in self.numeric)

    @property
    def extra_profiles(self) -> tuple[ProfileSpec, ...]:
        """Profiles of extra party roles and the mapping's own profile combinations."""
        specs = [
            ProfileSpec(role, (f"party_{role}",))
            for role in self.parties
            if role not in PARTY_COLUMNS
        ]
        for fields in self.profiles:
            resolved = tuple(self._field(f) for f in fields)
            level: Level = "item" if any(f in ITEM_KEY_FIELDS for f in resolved) else "declaration"
            name = "x_" + "_".join(extra_name(f).removeprefix("x_") for f in resolved)
            specs.append(ProfileSpec(name, resolved, level))
        return tuple(specs)

    def _field(self, name: str) -> str:
        """A profile field: a history-table column, a mapped source column, or an extra one."""
        if name in ITEM_KEY_FIELDS or name in OPTIONAL_COLUMNS:
            return name
        for target, src in {**self.columns, **self.parties}.items():
            if src == name:
                known = target in PARTY_COLUMNS or target in OPTIONAL_COLUMNS
                return target if known else f"party_{target}"
        if name in self.categorical or name in self.numeric:
            return extra_name(name)
        raise MappingError(f"{self.source}: profile field {name!r} is not a mapped column")

    def read(self, path: Path) -> pl.DataFrame:
        """The external table as a history table (one row per declaration and item)."""
        raw = _read_table(path)
        wanted = self._source_columns()
        absent = [c for c in wanted if c not in raw.columns]
        if absent:
            raise MappingError(f"{path.name} lacks columns named in {self.source}: {absent}")
        raw = raw.select(wanted).with_columns(pl.all().cast(pl.String))
        timestamp = pl.col(self.timestamp).str.strip_chars()
        declared_at = (
            timestamp.str.to_datetime(self.timestamp_format, time_unit="us")
            if self.timestamp_format
            else timestamp.str.to_datetime(time_unit="us")
        )
        label = pl.col(self.label).str.strip_chars()
        columns: list[pl.Expr] = [
            pl.col(self.id).alias("declaration_id"),
            declared_at.alias("declared_at"),
            pl.when(label.is_null() | (label == ""))
            .then(None)
            .otherwise(label.is_in(list(self.label_positive)))
            .alias("infringing"),
        ]
        if self.value:
            columns.append(pl.col(self.value).cast(pl.Float64, strict=False).alias("value_usd"))
        for flag, target in (
            (self.inspected, "inspected"),
            (self.random_selection, "random_selection"),
        ):
            if flag:
                columns.append(
                    pl.col(flag).str.to_lowercase().is_in(["1", "true", "yes"]).alias(target)
                )
        for target, src in self.columns.items():
            dtype = OPTIONAL_COLUMNS.get(target, pl.String())
            columns.append(pl.col(src).cast(dtype, strict=False).alias(target))
        for role, src in self.parties.items():
            target = role if role in PARTY_COLUMNS else f"party_{role}"
            columns.append(pl.col(src).alias(target))
        columns += [pl.col(c).alias(extra_name(c)) for c in self.categorical]
        columns += [
            pl.col(c).cast(pl.Float64, strict=False).alias(extra_name(c)) for c in self.numeric
        ]
        return raw.select(columns)

    def _source_columns(self) -> list[str]:
        named = [
            self.id,
            self.timestamp,
            self.label,
            self.value,
            self.inspected,
            self.random_selection,
            *self.columns.values(),
            *self.parties.values(),
            *self.categorical,
            *self.numeric,
        ]
        return list(dict.fromkeys(c for c in named if c))

    def as_json(self) -> dict[str, Any]:
        return {
            "source": self.source,
            "id": self.id,
            "timestamp": self.timestamp,
            "label": self.label,
            "value": self.value,
            "columns": self.columns,
            "parties": self.parties,
            "categorical": list(self.categorical),
            "numeric": list(self.numeric),
            "profiles": [list(p) for p in self.profiles],
        }


def extra_name(column: str) -> str:
    """The feature name of an extra source column: `x_` and a lower-case slug."""
    if column.startswith("x_") or column.startswith("party_") or column in ITEM_KEY_FIELDS:
        return column
    if column in OPTIONAL_COLUMNS:
        return column
    return "x_" + re.sub(r"[^a-z0-9]+", "_", column.lower()).strip("_")


def _read_table(path: Path) -> pl.DataFrame:
    if path.suffix.lower() in (".parquet", ".pq"):
        return pl.read_parquet(path)
    if path.suffix.lower() in (".csv", ".txt"):
        return pl.read_csv(path, infer_schema_length=0)
    raise MappingError(f"{path.name}: only CSV and Parquet files can be mapped")


def _strings(data: MappingABC[str, Any], key: str, source: str) -> tuple[str, ...]:
    value = data.get(key)
    if value is None:
        return ()
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise MappingError(f"{source}: {key} must be a list of column names")
    return tuple(value)


def _names(data: MappingABC[str, Any], key: str, source: str) -> dict[str, str]:
    value = data.get(key) or {}
    if not isinstance(value, dict) or not all(isinstance(v, str) for v in value.values()):
        raise MappingError(f"{source}: {key} must map names to column names")
    return {str(k): v for k, v in value.items()}


def load_mapping(path: Path) -> ColumnMapping:
    """Reads and checks a mapping file."""
    source = path.name
    try:
        data = YAML(typ="safe").load(path.read_text(encoding="utf-8"))
    except MarkedYAMLError as exc:
        mark = exc.problem_mark
        where = f":{mark.line + 1}:{mark.column + 1}" if mark is not None else ""
        raise MappingError(f"{source}{where}: not valid YAML: {exc.problem}") from exc
    if not isinstance(data, dict):
        raise MappingError(f"{source}: a mapping is a YAML object")
    for key in ("id", "timestamp", "label"):
        if not isinstance(data.get(key), str):
            raise MappingError(f"{source}: {key} must name a column")
    columns = _names(data, "columns", source)
    unknown = [c for c in columns if c not in OPTIONAL_COLUMNS and c != "hs_code"]
    if unknown:
        raise MappingError(f"{source}: columns maps onto unknown history columns {unknown}")
    if "hs_code" not in columns:
        raise MappingError(f"{source}: columns must map hs_code")
    profiles_raw = data.get("profiles") or []
    if not isinstance(profiles_raw, list) or not all(isinstance(p, list) for p in profiles_raw):
        raise MappingError(f"{source}: profiles must be a list of lists of fields")
    positive = data.get("label_positive")
    mapping = ColumnMapping(
        source=source,
        id=data["id"],
        timestamp=data["timestamp"],
        label=data["label"],
        timestamp_format=data.get("timestamp_format"),
        label_positive=tuple(str(v) for v in positive) if positive else ("1", "true", "True"),
        value=data.get("value"),
        inspected=data.get("inspected"),
        random_selection=data.get("random_selection"),
        columns=columns,
        parties=_names(data, "parties", source),
        categorical=_strings(data, "categorical", source),
        numeric=_strings(data, "numeric", source),
        profiles=tuple(tuple(str(f) for f in p) for p in profiles_raw),
    )
    mapping.extra_profiles  # noqa: B018 - resolves every profile field, raising early
    return mapping
