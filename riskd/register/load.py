"""Import of register files (CSV or Parquet, one row a recordation) with row/column errors.

Validation is vectorised with polars, so that a register of a million recordations is
checked in seconds; every problem is collected (not only the first) and names its row and
column, so a holder's agent can fix a file in one pass.
"""

from __future__ import annotations

import hashlib
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import polars as pl

from riskd.domain import RightType
from riskd.register.model import NO_GENUINE_GOODS, GenuineGoods, Recordation, Register

REQUIRED_COLUMNS = ("recordation_id", "right_type", "mark", "holder", "valid_from")
OPTIONAL_COLUMNS = (
    "aliases",
    "holder_contact",
    "nice_classes",
    "hs_prefixes",
    "licensees",
    "valid_until",
    "everyday_word",
    "manufacturers",
    "exporters",
    "importers",
    "genuine_origins",
    "usual_ports",
    "price_min",
    "price_max",
    "price_currency",
    "known_infringers",
)
COLUMNS = (*REQUIRED_COLUMNS, *OPTIONAL_COLUMNS)
LIST_COLUMNS = (
    "aliases",
    "nice_classes",
    "hs_prefixes",
    "licensees",
    "manufacturers",
    "exporters",
    "importers",
    "genuine_origins",
    "usual_ports",
    "known_infringers",
)
_YES = ("true", "yes", "1")
_NO = ("false", "no", "0")
LIST_SEPARATOR = "|"
_HS_PREFIXES = r"^(\d{1,10}(\|\d{1,10})*)?$"
_NICE_CLASSES = r"^((0?[1-9]|[1-3][0-9]|4[0-5])(\|(0?[1-9]|[1-3][0-9]|4[0-5]))*)?$"
_DATE = "%Y-%m-%d"


@dataclass(frozen=True, slots=True)
class RegisterProblem:
    """One problem of a register file. Rows count from 1 for the first data row; the header
    of a CSV file is line 1, so a CSV row r is on line r + 1."""

    row: int
    column: str
    message: str

    def render(self, path: Path) -> str:
        """`file:line:column: message` for a CSV file, its line as an editor counts it (a
        problem of the whole file is on the header line, 1); `file: row R, column C:
        message` for Parquet, which has rows but no lines."""
        if path.suffix.lower() in (".parquet", ".pq"):
            where = f" row {self.row}, column" if self.row else " column"
            return f"{path}:{where} {self.column}: {self.message}"
        return f"{path}:{self.row + 1}:{self.column}: {self.message}"


class RegisterFileError(Exception):
    """A register file that cannot be imported; lists every problem found."""

    def __init__(self, path: Path, problems: list[RegisterProblem]) -> None:
        self.path = path
        self.problems = problems
        lines = [p.render(path) for p in problems[:20]]
        if len(problems) > 20:
            lines.append(f"... and {len(problems) - 20} more")
        super().__init__("\n".join(lines))


def load_register(path: Path, *, version: str | None = None, progress: bool = False) -> Register:
    """Read and validate a register file; raise RegisterFileError naming every bad cell.

    The version is a hash of the file's content unless given (a stored register keeps the
    version it was imported under)."""
    _say(progress, f"reading {path}")
    frame = read_frame(path)
    _say(progress, f"validating {frame.height} recordations")
    frame = validated(frame, path)
    _say(progress, "building the register")
    if version is None:
        version = "reg-" + hashlib.sha256(path.read_bytes()).hexdigest()[:12]
    return Register(version=version, recordations=_recordations(frame))


def read_frame(path: Path) -> pl.DataFrame:
    """The file as a frame of strings, every expected column present (missing ones null)."""
    try:
        if path.suffix.lower() == ".parquet":
            frame = pl.read_parquet(path)
            lists = [c for c, kind in frame.schema.items() if isinstance(kind, pl.List)]
            frame = frame.with_columns(
                pl.col(c).list.eval(pl.element().cast(pl.String)).list.join(LIST_SEPARATOR)
                for c in lists
            ).with_columns(pl.all().cast(pl.String))
        else:
            frame = pl.read_csv(path, infer_schema=False, encoding="utf8")
    except (pl.exceptions.PolarsError, OSError, UnicodeDecodeError) as exc:
        raise RegisterFileError(path, [RegisterProblem(0, "*", f"unreadable: {exc}")]) from exc
    missing = [c for c in REQUIRED_COLUMNS if c not in frame.columns]
    if missing:
        problems = [RegisterProblem(0, c, "required column is missing") for c in missing]
        raise RegisterFileError(path, problems)
    present = [c for c in COLUMNS if c in frame.columns]
    absent = [pl.lit(None, dtype=pl.String).alias(c) for c in COLUMNS if c not in frame.columns]
    trimmed = [
        pl.col(c).str.strip_chars().str.replace_all(r"\s*\|\s*", LIST_SEPARATOR)
        if c in LIST_COLUMNS
        else pl.col(c).str.strip_chars()
        for c in present
    ]
    return frame.select(*trimmed, *absent).select(COLUMNS)


def validated(frame: pl.DataFrame, path: Path) -> pl.DataFrame:
    """The frame with dates parsed, or RegisterFileError listing every problem by row."""
    frame = frame.with_row_index("row", offset=1).with_columns(
        pl.col("valid_from").str.to_date(_DATE, strict=False).alias("from_date"),
        pl.col("valid_until").str.to_date(_DATE, strict=False).alias("until_date"),
        pl.col("right_type").str.to_uppercase(),
        pl.col("price_min").cast(pl.Float64, strict=False).alias("price_min_value"),
        pl.col("price_max").cast(pl.Float64, strict=False).alias("price_max_value"),
        pl.col("everyday_word").str.to_lowercase().alias("everyday_value"),
        pl.col("genuine_origins").str.to_uppercase(),
        pl.col("price_currency").str.to_uppercase(),
    )
    empty = {c: pl.col(c).is_null() | (pl.col(c) == "") for c in COLUMNS}
    rights = ", ".join(RightType.__members__)
    checks: list[tuple[str, pl.Expr, pl.Expr]] = [
        *((c, empty[c], pl.lit("must not be empty")) for c in REQUIRED_COLUMNS),
        (
            "right_type",
            ~empty["right_type"] & ~pl.col("right_type").is_in(list(RightType.__members__)),
            pl.format("'{}' is not one of {}", pl.col("right_type"), pl.lit(rights)),
        ),
        (
            "valid_from",
            ~empty["valid_from"] & pl.col("from_date").is_null(),
            pl.format("'{}' is not a date (YYYY-MM-DD)", pl.col("valid_from")),
        ),
        (
            "valid_until",
            ~empty["valid_until"] & pl.col("until_date").is_null(),
            pl.format("'{}' is not a date (YYYY-MM-DD)", pl.col("valid_until")),
        ),
        (
            "valid_until",
            pl.col("until_date") < pl.col("from_date"),
            pl.lit("is before valid_from"),
        ),
        (
            "hs_prefixes",
            ~empty["hs_prefixes"] & ~pl.col("hs_prefixes").str.contains(_HS_PREFIXES),
            pl.format("'{}' is not a list of HS prefixes (digits, |-separated)", "hs_prefixes"),
        ),
        (
            "nice_classes",
            ~empty["nice_classes"] & ~pl.col("nice_classes").str.contains(_NICE_CLASSES),
            pl.format("'{}' is not a list of Nice classes (1-45, |-separated)", "nice_classes"),
        ),
        (
            "everyday_word",
            ~empty["everyday_word"] & ~pl.col("everyday_value").is_in([*_YES, *_NO]),
            pl.format("'{}' is not true or false", pl.col("everyday_word")),
        ),
        *(
            (
                name,
                ~empty[name]
                & ~(pl.col(f"{name}_value").is_finite() & (pl.col(f"{name}_value") > 0)),
                pl.format("'{}' is not a positive number", pl.col(name)),
            )
            for name in ("price_min", "price_max")
        ),
        (
            "price_max",
            pl.col("price_max_value") < pl.col("price_min_value"),
            pl.lit("is below price_min"),
        ),
        (
            "price_currency",
            (~empty["price_min"] | ~empty["price_max"]) & empty["price_currency"],
            pl.lit("must be given with a price"),
        ),
        (
            "price_currency",
            ~empty["price_currency"] & ~pl.col("price_currency").str.contains(r"^[A-Z]{3}$"),
            pl.format("'{}' is not a currency code (ISO 4217)", pl.col("price_currency")),
        ),
        (
            "genuine_origins",
            ~empty["genuine_origins"]
            & ~pl.col("genuine_origins").str.contains(r"^[A-Z]{2}(\|[A-Z]{2})*$"),
            pl.format("'{}' is not a list of country codes (ISO 3166)", "genuine_origins"),
        ),
        (
            "recordation_id",
            ~empty["recordation_id"] & ~pl.col("recordation_id").is_first_distinct(),
            pl.lit("duplicate of an earlier row"),
        ),
    ]
    found = [
        frame.filter(condition.fill_null(False)).select(
            "row", pl.lit(column).alias("column"), message.alias("message")
        )
        for column, condition, message in checks
    ]
    problems = pl.concat(found).sort("row", maintain_order=True)
    if problems.height:
        raise RegisterFileError(path, [RegisterProblem(*row) for row in problems.iter_rows()])
    return frame


def _recordations(frame: pl.DataFrame) -> tuple[Recordation, ...]:
    """Recordations from the validated columns, column-wise (no per-row frame access)."""

    def column(name: str) -> list[Any]:
        return frame.get_column(name).to_list()

    def listed(name: str) -> list[tuple[str, ...]]:
        return [tuple(p for p in v.split(LIST_SEPARATOR) if p) if v else () for v in column(name)]

    rows = zip(
        column("recordation_id"),
        column("right_type"),
        column("mark"),
        column("holder"),
        column("holder_contact"),
        column("from_date"),
        column("until_date"),
        listed("aliases"),
        listed("nice_classes"),
        listed("hs_prefixes"),
        listed("licensees"),
        column("everyday_value"),
        _genuine_goods(frame, listed, column),
        strict=True,
    )
    rights = {r.value: r for r in RightType}
    nobody: frozenset[str] = frozenset()
    return tuple(
        Recordation(
            recordation_id=row[0],
            right_type=rights[row[1]],
            mark=row[2],
            holder=row[3],
            holder_contact=row[4] or "",
            valid_from=row[5],
            valid_until=row[6],
            aliases=row[7],
            nice_classes=row[8],
            hs_prefixes=row[9],
            licensees=frozenset(row[10]) if row[10] else nobody,
            everyday_word=True if row[11] in _YES else False if row[11] in _NO else None,
            genuine=row[12],
        )
        for row in rows
    )


def _genuine_goods(
    frame: pl.DataFrame,
    listed: Callable[[str], list[tuple[str, ...]]],
    column: Callable[[str], list[Any]],
) -> list[GenuineGoods]:
    """The recorded facts of the genuine goods, one per row (the one empty value where a
    row records none, as most do)."""
    names = ("manufacturers", "exporters", "importers", "genuine_origins", "usual_ports")
    lists = [listed(name) for name in (*names, "known_infringers")]
    prices = zip(column("price_min_value"), column("price_max_value"), strict=True)
    currencies = column("price_currency")
    result = []
    for parts, (low, high), currency in zip(
        zip(*lists, strict=True), prices, currencies, strict=True
    ):
        if not any(parts) and low is None and high is None:
            result.append(NO_GENUINE_GOODS)
            continue
        result.append(
            GenuineGoods(
                manufacturers=frozenset(parts[0]),
                exporters=frozenset(parts[1]),
                importers=frozenset(parts[2]),
                origins=frozenset(parts[3]),
                ports=frozenset(parts[4]),
                price_min=low,
                price_max=high,
                price_currency=currency or "",
                known_infringers=frozenset(parts[5]),
            )
        )
    return result


def _say(progress: bool, message: str) -> None:
    if progress:
        print(message, file=sys.stderr, flush=True)
