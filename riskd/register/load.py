"""Import of register files (CSV or Parquet, one row a recordation) with row/column errors."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import polars as pl

from riskd.domain import RightType
from riskd.register.model import Recordation, Register

REQUIRED_COLUMNS = ("recordation_id", "right_type", "mark", "holder", "valid_from")
OPTIONAL_COLUMNS = (
    "aliases",
    "holder_contact",
    "nice_classes",
    "hs_prefixes",
    "licensees",
    "valid_until",
)
LIST_SEPARATOR = "|"


@dataclass(frozen=True, slots=True)
class RegisterProblem:
    """One problem of a register file. Rows count from 1 for the first data row; the header
    of a CSV file is line 1, so a CSV row r is on line r + 1."""

    row: int
    column: str
    message: str

    def render(self, path: Path) -> str:
        where = f"{path}:row {self.row}" if self.row else str(path)
        return f"{where}: column {self.column!r}: {self.message}"


class RegisterFileError(Exception):
    """A register file that cannot be imported; lists every problem found."""

    def __init__(self, path: Path, problems: list[RegisterProblem]) -> None:
        self.path = path
        self.problems = problems
        lines = [p.render(path) for p in problems[:20]]
        if len(problems) > 20:
            lines.append(f"... and {len(problems) - 20} more")
        super().__init__("\n".join(lines))


def load_register(path: Path) -> Register:
    """Read and validate a register file; raise RegisterFileError naming every bad cell."""
    raw = path.read_bytes()
    frame = _read_frame(path)
    problems: list[RegisterProblem] = []
    missing = [c for c in REQUIRED_COLUMNS if c not in frame.columns]
    for column in missing:
        problems.append(RegisterProblem(0, column, "required column is missing"))
    if missing:
        raise RegisterFileError(path, problems)
    for column in OPTIONAL_COLUMNS:
        if column not in frame.columns:
            frame = frame.with_columns(pl.lit(None, dtype=pl.String).alias(column))
    recordations: list[Recordation] = []
    seen: dict[str, int] = {}
    for index, row in enumerate(frame.iter_rows(named=True), start=1):
        recordation = _parse_row(index, row, problems)
        if recordation is None:
            continue
        first = seen.setdefault(recordation.recordation_id, index)
        if first != index:
            problems.append(
                RegisterProblem(index, "recordation_id", f"duplicate of row {first}")
            )
            continue
        recordations.append(recordation)
    if problems:
        raise RegisterFileError(path, problems)
    version = hashlib.sha256(raw).hexdigest()[:12]
    return Register(version=f"reg-{version}", recordations=tuple(recordations))


def _read_frame(path: Path) -> pl.DataFrame:
    suffix = path.suffix.lower()
    try:
        if suffix == ".parquet":
            frame = pl.read_parquet(path)
            return frame.with_columns(pl.all().cast(pl.String))
        return pl.read_csv(path, infer_schema=False, encoding="utf8")
    except (pl.exceptions.PolarsError, OSError) as exc:
        raise RegisterFileError(path, [RegisterProblem(0, "*", f"unreadable: {exc}")]) from exc


def _text(row: dict[str, str | None], column: str) -> str:
    value = row.get(column)
    return value.strip() if value else ""


def _split(row: dict[str, str | None], column: str) -> tuple[str, ...]:
    return tuple(p.strip() for p in _text(row, column).split(LIST_SEPARATOR) if p.strip())


def _date(
    index: int, row: dict[str, str | None], column: str, problems: list[RegisterProblem]
) -> date | None:
    value = _text(row, column)
    if not value:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        problems.append(RegisterProblem(index, column, f"{value!r} is not a date (YYYY-MM-DD)"))
        return None


def _parse_row(
    index: int, row: dict[str, str | None], problems: list[RegisterProblem]
) -> Recordation | None:
    before = len(problems)
    for column in ("recordation_id", "mark", "holder", "valid_from"):
        if not _text(row, column):
            problems.append(RegisterProblem(index, column, "must not be empty"))
    right = _text(row, "right_type").upper()
    if right not in RightType.__members__:
        expected = ", ".join(RightType.__members__)
        problems.append(RegisterProblem(index, "right_type", f"{right!r} is not one of {expected}"))
    valid_from = _date(index, row, "valid_from", problems)
    valid_until = _date(index, row, "valid_until", problems)
    if valid_from and valid_until and valid_until < valid_from:
        problems.append(RegisterProblem(index, "valid_until", "is before valid_from"))
    for prefix in _split(row, "hs_prefixes"):
        if not prefix.isdigit() or len(prefix) > 10:
            problems.append(
                RegisterProblem(index, "hs_prefixes", f"{prefix!r} is not an HS prefix (digits)")
            )
    if len(problems) > before or valid_from is None:
        return None
    return Recordation(
        recordation_id=_text(row, "recordation_id"),
        right_type=RightType(right),
        mark=_text(row, "mark"),
        holder=_text(row, "holder"),
        holder_contact=_text(row, "holder_contact"),
        aliases=_split(row, "aliases"),
        nice_classes=_split(row, "nice_classes"),
        hs_prefixes=_split(row, "hs_prefixes"),
        licensees=frozenset(_split(row, "licensees")),
        valid_from=valid_from,
        valid_until=valid_until,
    )
