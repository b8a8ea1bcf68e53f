"""Seeding a store's entity profiles from a history table counts what the table says."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import polars as pl
from click.testing import CliRunner

from riskd.store.sqlite import SqliteProfiles
from training.cli import cli

SAMPLE = Path(__file__).resolve().parents[2] / "fixtures" / "sample" / "history.parquet"


def test_seeded_importer_profiles_match_the_history(tmp_path: Path) -> None:
    store = tmp_path / "riskd.db"
    result = CliRunner().invoke(
        cli, ["seed-profiles", "--history", str(SAMPLE), "--store", str(store)]
    )
    assert result.exit_code == 0, result.output
    per_declaration = (
        pl.read_parquet(SAMPLE)
        .group_by("declaration_id")
        .agg(pl.col("importer_id").first(), pl.col("result").drop_nulls().first())
    )
    expected = (
        per_declaration.group_by("importer_id")
        .agg(
            pl.len().alias("declarations"),
            pl.col("result").is_not_null().sum().alias("inspections"),
            (pl.col("result") == "SEIZED").sum().alias("seizures"),
        )
        .sort("declarations", descending=True)
        .head(20)
    )
    profiles = SqliteProfiles(store)
    try:
        keys = [("importer", i) for i in expected["importer_id"]]
        found = profiles.lookup(keys)
        for row in expected.iter_rows(named=True):
            counts = found[("importer", row["importer_id"])]
            assert (counts.declarations, counts.inspections, counts.seizures) == (
                row["declarations"],
                row["inspections"],
                row["seizures"],
            )
    finally:
        profiles.close()
    assert expected["seizures"].sum() > 0  # the sample has seizures to count


def test_seeding_converts_every_currency_for_the_typical_unit_values(tmp_path: Path) -> None:
    """Every item with a positive value and mass counts towards its commodity's typical unit
    value, whatever its currency (the sample prices a quarter of its items in other ones)."""
    store = tmp_path / "riskd.db"
    result = CliRunner().invoke(
        cli, ["seed-profiles", "--history", str(SAMPLE), "--store", str(store)]
    )
    assert result.exit_code == 0, result.output
    history = pl.read_parquet(SAMPLE)
    priced = history.filter((pl.col("value_amount") > 0) & (pl.col("net_mass_kg") > 0)).height
    assert (history["value_currency"] != "USD").sum() > 0
    with sqlite3.connect(store) as conn:
        (counted,) = conn.execute(
            "SELECT SUM(log_unit_value_n) FROM entity_profiles WHERE profile = 'commodity'"
        ).fetchone()
    assert counted == priced == 3000


def test_seeding_refuses_a_bad_history_naming_row_and_column(tmp_path: Path) -> None:
    bad = tmp_path / "history.parquet"
    pl.read_parquet(SAMPLE).with_columns(
        pl.when(pl.int_range(pl.len()) == 4)
        .then(pl.lit("BOAT"))
        .otherwise(pl.col("transport_mode"))
        .alias("transport_mode")
    ).write_parquet(bad)
    result = CliRunner().invoke(
        cli, ["seed-profiles", "--history", str(bad), "--store", str(tmp_path / "riskd.db")]
    )
    assert result.exit_code == 2
    assert "history.parquet, row 5, column transport_mode: 'BOAT' is not one of" in result.output
