"""History tables back to declarations, with the serving matcher's match features."""

from __future__ import annotations

from datetime import UTC, datetime

import polars as pl

from riskd.features.declaration import history_rows
from tests.factory import declaration, item, register
from training.dataset import build_table
from training.history import declarations_from_history, with_match_features


def _history() -> pl.DataFrame:
    counterfeit = declaration(
        "D-1",
        items=(item(brand="NIKE", description="NIKE air running shoes"), item(line_no=2)),
    )
    plain = declaration("D-2", declared_at=datetime(2025, 3, 2, tzinfo=UTC))
    rows = [r for d in (counterfeit, plain) for r in history_rows(d)]
    for r in rows:
        r["brand"] = "NIKE" if r["declaration_id"] == "D-1" and r["line_no"] == 1 else ""
        r["description"] = "NIKE air running shoes" if r["brand"] else "sports shoes"
    return pl.DataFrame(rows, infer_schema_length=None)


def test_declarations_are_rebuilt_from_their_rows() -> None:
    rebuilt = list(declarations_from_history(_history()))
    assert [d.declaration_id for d in rebuilt] == ["D-1", "D-2"]
    first = rebuilt[0]
    assert [i.line_no for i in first.items] == [1, 2]
    assert first.items[0].brand == "NIKE"
    assert first.importer is not None and first.importer.id == "IMP-1"
    assert first.items[0].value is not None and first.items[0].value.amount == 2500.0


def test_match_features_come_from_the_serving_matcher() -> None:
    history = with_match_features(_history(), register())
    table = build_table(history).frame.sort("declaration_id")
    scores = table["best_match_score"].to_list()
    assert scores[0] is not None and scores[0] >= 90.0
    assert scores[1] is None
    assert table["n_risky_matches"].to_list()[0] >= 1.0
    assert table["best_match_method"].to_list()[0] == "EXACT"
