"""`riskd report`, `riskd history export` and `riskd-train dataset --store` read a store the
test filled, on SQLite and on PostgreSQL, and give the same answers on both."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import polars as pl
import pytest
from click.testing import CliRunner

from riskd.cli.main import cli
from riskd.domain import Money, Outcome, OutcomeResult, TransportMode
from riskd.pipeline import assess, build_snapshot
from riskd.store import open_store
from tests import factory
from training.cli import cli as train_cli

T0 = datetime(2025, 3, 3, 9, 0, tzinfo=UTC)

# declaration id -> (office, number of items, outcomes as (result, hours after the decision))
DECLARATIONS: dict[str, tuple[str, int, tuple[tuple[OutcomeResult, int], ...]]] = {
    "D-CMD-0": ("SEA1", 2, ((OutcomeResult.SEIZED, 2),)),
    "D-CMD-1": ("SEA1", 1, ((OutcomeResult.NO_INFRINGEMENT, 2),)),
    "D-CMD-2": ("POST1", 1, ()),
    # seized at first, then the holder did not confirm: the latest outcome counts
    "D-CMD-3": ("POST1", 1, ((OutcomeResult.SEIZED, 2), (OutcomeResult.HOLDER_NOT_CONFIRMED, 30))),
}


def _fill(url: str) -> None:
    snapshot = build_snapshot(register=factory.register())
    store = open_store(url)
    try:
        for n, (declaration_id, (office, items, outcomes)) in enumerate(DECLARATIONS.items()):
            lines = tuple(
                factory.item(line_no=line, brand="NIKE" if line == 1 else "")
                for line in range(1, items + 1)
            )
            declared = T0 + timedelta(days=n)
            declaration = factory.declaration(
                declaration_id,
                customs_office=office,
                transport_mode=TransportMode.POSTAL if office == "POST1" else TransportMode.SEA,
                declared_at=declared,
                items=lines,
            )
            decided = assess(snapshot, declaration, now=declared)
            store.save_decisions([(declaration, decided)])
            for k, (result, hours) in enumerate(outcomes):
                seized = Money(1000.0, "USD") if result is OutcomeResult.SEIZED else None
                store.record_outcome(
                    Outcome(
                        f"O-{declaration_id}-{k}",
                        decided.decision_id,
                        result,
                        declared + timedelta(hours=hours),
                        seized_value=seized,
                    )
                )
    finally:
        store.close()


def _report(url: str) -> dict[str, Any]:
    result = CliRunner().invoke(cli, ["report", "--store", url, "--json"])
    assert result.exit_code == 0, result.output
    payload: dict[str, Any] = json.loads(result.stdout)
    return payload


def _export(url: str, out: Path, *window: str) -> pl.DataFrame:
    result = CliRunner().invoke(
        cli, ["history", "export", "--store", url, "--out", str(out), *window]
    )
    assert result.exit_code == 0, result.output
    return pl.read_parquet(out).sort("declaration_id", "line_no")


def test_report_counts_decisions_controls_and_seizures(store_url: str) -> None:
    _fill(store_url)
    payload = _report(store_url)
    assert payload["decisions"] == 4
    offices = {r["customs_office"]: r for r in payload["by_customs_office"]}
    assert (offices["SEA1"]["controls"], offices["SEA1"]["seizures"]) == (2, 1)
    assert (offices["POST1"]["controls"], offices["POST1"]["seizures"]) == (1, 0)
    assert offices["SEA1"]["seized_value"] == 1000.0
    assert offices["POST1"]["seized_value"] == 0.0


def test_history_export_has_one_row_per_item_labelled_by_the_latest_outcome(
    store_url: str, tmp_path: Path
) -> None:
    _fill(store_url)
    table = _export(store_url, tmp_path / "history.parquet")
    assert table["declaration_id"].to_list() == [
        "D-CMD-0",
        "D-CMD-0",
        "D-CMD-1",
        "D-CMD-2",
        "D-CMD-3",
    ]
    assert table["line_no"].to_list() == [1, 2, 1, 1, 1]
    assert table["inspected"].to_list() == [True, True, True, False, True]
    assert table["infringing"].to_list() == [True, True, False, None, False]
    known = table.filter(pl.col("declaration_id") == "D-CMD-3")["known_at"].item()
    assert known == T0 + timedelta(days=3, hours=30)
    window = _export(
        store_url,
        tmp_path / "window.parquet",
        "--since",
        (T0 + timedelta(days=1)).isoformat(),
        "--until",
        "2025-03-06T09:00:00",  # no zone: UTC
    )
    assert window["declaration_id"].to_list() == ["D-CMD-1", "D-CMD-2"]


def test_training_table_from_the_store(store_url: str, tmp_path: Path) -> None:
    _fill(store_url)
    out = tmp_path / "train.parquet"
    result = CliRunner().invoke(train_cli, ["dataset", "--store", store_url, "--out", str(out)])
    assert result.exit_code == 0, result.output
    frame = pl.read_parquet(out).sort("declaration_id")
    assert frame["declaration_id"].to_list() == list(DECLARATIONS)
    assert frame["label"].to_list() == [True, False, None, False]
    assert frame["inspected"].to_list() == [True, True, False, True]


def test_both_engines_give_the_same_report_and_history(
    tmp_path: Path, fresh_postgres_url: str
) -> None:
    sqlite_url = str(tmp_path / "riskd.db")
    for url in (sqlite_url, fresh_postgres_url):
        _fill(url)
    assert _report(sqlite_url) == _report(fresh_postgres_url)
    from_sqlite = _export(sqlite_url, tmp_path / "a.parquet")
    from_postgres = _export(fresh_postgres_url, tmp_path / "b.parquet")
    assert from_sqlite.equals(from_postgres)


@pytest.mark.parametrize("value", ["yesterday", "2025-13-01"])
def test_export_refuses_a_bad_time(tmp_path: Path, value: str) -> None:
    result = CliRunner().invoke(
        cli,
        [
            "history",
            "export",
            "--store",
            str(tmp_path / "x.db"),
            "--out",
            "h.parquet",
            "--since",
            value,
        ],
    )
    assert result.exit_code == 2 and "not an ISO 8601 date or time" in result.output
