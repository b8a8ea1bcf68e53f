"""Checks of the table and store files a command is given, before any work is done on them.

A file that is not what the command reads (a register given as a history, a CSV given as a
store, a truncated Parquet) is refused here with one line naming it and what is missing;
an error after these checks is the code's, not the user's, and keeps its traceback.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Sequence
from contextlib import closing
from datetime import datetime
from pathlib import Path

from riskd.cli.errors import CommandError

PARQUET_SUFFIXES = (".parquet", ".pq")
STORE_SUFFIXES = (".db", ".sqlite", ".sqlite3")


def table_columns(path: Path) -> list[str]:
    """The column names of a Parquet or CSV file, read from its header only."""
    import polars as pl

    try:
        if path.suffix.lower() in PARQUET_SUFFIXES:
            return list(pl.read_parquet_schema(path))
        return list(pl.scan_csv(path, infer_schema_length=0).collect_schema())
    except pl.exceptions.PolarsError as exc:
        kind = "Parquet" if path.suffix.lower() in PARQUET_SUFFIXES else "CSV"
        reason = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise CommandError(f"{path}: not a readable {kind} table ({reason})") from exc


def require_columns(path: Path, required: Sequence[str], what: str) -> None:
    """Refuse `path` unless its header has every `required` column."""
    columns = table_columns(path)
    missing = [c for c in required if c not in columns]
    if missing:
        shown = ", ".join(columns[:8]) + (", …" if len(columns) > 8 else "")
        raise CommandError(
            f"{path}: not {what}: no column {', '.join(missing)} (it has: {shown or 'none'})"
        )


def require_history(path: Path, *extra: str) -> None:
    """Refuse `path` unless it is a history table (one row per goods line) whose
    declaration times are dates and times."""
    from riskd.features.frame import REQUIRED_COLUMNS

    require_columns(path, (*REQUIRED_COLUMNS, *extra), "a history table")
    if path.suffix.lower() not in PARQUET_SUFFIXES:
        require_times(path, "declared_at")


def require_times(path: Path, column: str) -> None:
    """Refuse a CSV file whose `column` holds a value that is not an ISO 8601 date and time,
    naming its row (data rows count from 1, the header is line 1)."""
    import polars as pl

    values = pl.read_csv(path, columns=[column], infer_schema_length=0)[column]
    for row, value in enumerate(values, start=1):
        if value is None:
            continue
        try:
            datetime.fromisoformat(value)
        except ValueError:
            raise CommandError(
                f"{path}: row {row} (line {row + 1}): {column} {value!r} is not a date and "
                "time; expected ISO 8601, e.g. 2025-03-01T10:00:00Z"
            ) from None


def require_store(path: Path, table: str = "decisions") -> None:
    """Refuse `path` unless it is a SQLite riskd store with a `table` table."""
    try:
        with closing(sqlite3.connect(f"file:{path}?mode=ro", uri=True)) as conn:
            names = {row[0] for row in conn.execute("SELECT name FROM sqlite_master")}
    except sqlite3.DatabaseError as exc:
        raise CommandError(f"{path}: not a SQLite database ({exc})") from exc
    if table not in names:
        raise CommandError(f"{path}: not a riskd store (it has no {table} table)")
