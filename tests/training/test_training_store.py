"""Training tables from the store's decisions and outcomes."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import polars as pl

from riskd.domain import Outcome, OutcomeResult, Party
from riskd.pipeline import assess, build_snapshot
from riskd.store.sqlite import SqliteStore
from tests.factory import declaration
from training.dataset import build_store_table


def test_store_decisions_become_labelled_rows(tmp_path: Path) -> None:
    path = tmp_path / "riskd.db"
    store = SqliteStore(path)
    snapshot = build_snapshot()
    t0 = datetime(2025, 3, 1, tzinfo=UTC)
    results = {0: OutcomeResult.SEIZED, 1: OutcomeResult.NO_INFRINGEMENT, 3: OutcomeResult.SEIZED}
    for n in range(5):
        decl = declaration(f"D-{n}", declared_at=t0 + timedelta(days=n), importer=Party("IMP-1"))
        decided = assess(snapshot, decl, now=decl.declared_at)
        store.save_decisions([(decl, decided)])
        if n in results:
            recorded = decl.declared_at + timedelta(hours=2)
            store.record_outcome(Outcome(f"O-{n}", decided.decision_id, results[n], recorded))
        if n == 3:  # the holder did not confirm in the end: the latest outcome counts
            store.record_outcome(
                Outcome(
                    "O-3b",
                    decided.decision_id,
                    OutcomeResult.HOLDER_NOT_CONFIRMED,
                    recorded + timedelta(days=1),
                )
            )
    table = build_store_table(str(path))
    frame = table.frame.sort("declaration_id")
    assert frame["label"].to_list() == [True, False, None, False, None]
    assert frame["inspected"].to_list() == [True, True, False, True, False]
    # point in time: on day 2 the importer had 2 inspections, 1 seizure, known by then
    day2 = frame.filter(pl.col("declaration_id") == "D-2").row(0, named=True)
    assert day2["importer_declarations"] == 2.0
    assert day2["importer_inspections"] == 2.0
    assert day2["total_value_usd"] == 2500.0
    # D-3's first outcome (seized, day 3 + 2 h) was known when D-4 was declared (day 4 + 0 h),
    # its correction (day 4 + 2 h) was not: as the store's profiles saw it, 3 controls
    day4 = frame.filter(pl.col("declaration_id") == "D-4").row(0, named=True)
    assert day4["importer_inspections"] == 3.0
