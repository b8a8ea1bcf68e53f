"""History tables back to declarations, with the serving matcher's match features."""

from __future__ import annotations

from datetime import UTC, datetime

import polars as pl

from riskd.history import declarations_of
from tests.factory import register
from training.dataset import build_table
from training.history import with_match_features


def _history() -> pl.DataFrame:
    """Two declarations written by hand: a NIKE counterfeit on line 1 of D-1, plain D-2."""
    common = {
        "direction": "IMPORT",
        "customs_office": "CNSHA01",
        "transport_mode": "SEA",
        "procedure": "STANDARD",
        "importer_id": "IMP-1",
        "exporter_id": "EXP-1",
        "origin_country": "CN",
        "hs_code": "640411",
        "quantity": 100.0,
        "net_mass_kg": 80.0,
        "value_amount": 2500.0,
        "value_currency": "USD",
    }
    rows = [
        {
            **common,
            "declaration_id": "D-1",
            "declared_at": datetime(2025, 3, 1, 10, tzinfo=UTC),
            "line_no": 1,
            "brand": "NIKE",
            "description": "NIKE air running shoes",
        },
        {
            **common,
            "declaration_id": "D-1",
            "declared_at": datetime(2025, 3, 1, 10, tzinfo=UTC),
            "line_no": 2,
            "brand": "",
            "description": "sports shoes",
        },
        {
            **common,
            "declaration_id": "D-2",
            "declared_at": datetime(2025, 3, 2, 10, tzinfo=UTC),
            "line_no": 1,
            "brand": "",
            "description": "sports shoes",
        },
    ]
    return pl.DataFrame(rows)


def test_declarations_are_rebuilt_from_their_rows() -> None:
    rebuilt = list(declarations_of(_history()))
    assert [d.declaration_id for d in rebuilt] == ["D-1", "D-2"]
    first = rebuilt[0]
    assert [i.line_no for i in first.items] == [1, 2]
    assert first.items[0].brand == "NIKE"
    assert first.importer is not None and first.importer.id == "IMP-1"
    assert first.items[0].value is not None and first.items[0].value.amount == 2500.0


def test_match_features_come_from_the_serving_matcher() -> None:
    history = with_match_features(_history(), register())
    by_line = {(r["declaration_id"], r["line_no"]): r for r in history.iter_rows(named=True)}
    # the item's own best match for the rules, the declaration's best on every row
    assert by_line[("D-1", 1)]["match_recordation_id"] == "T2019-00001"
    assert by_line[("D-1", 2)]["match_score"] is None
    assert by_line[("D-1", 2)]["best_match_score"] == by_line[("D-1", 1)]["match_score"]
    table = build_table(history).frame.sort("declaration_id")
    scores = table["best_match_score"].to_list()
    assert scores[0] is not None and scores[0] >= 90.0
    assert scores[1] is None
    assert table["n_risky_matches"].to_list()[0] >= 1.0
    assert table["best_match_method"].to_list()[0] == "EXACT"
