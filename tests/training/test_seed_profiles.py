"""Seeding a store's entity profiles from a history table counts what the table says."""

from __future__ import annotations

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
