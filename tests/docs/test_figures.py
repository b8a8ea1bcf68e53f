"""The figures the documents quote are those of bench/results: `python -m bench.docs --check`.

Also the renderers' arithmetic against hand-computed figures, and the block machinery on
documents written here (a stale block is named and rewritten, an unknown or unrenderable
block is named with its line and left as it was)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from bench.docs import DOCUMENTS, RESULTS, Service, hosts, ratio, refresh


@pytest.mark.parametrize("path", DOCUMENTS, ids=[p.name for p in DOCUMENTS])
def test_every_figure_block_matches_the_results(path: Path) -> None:
    text = path.read_text(encoding="utf-8")
    _, stale = refresh(text, path)
    assert not stale, "\n".join(str(s) for s in stale)


def test_the_documents_have_figure_blocks_for_every_results_file() -> None:
    text = "".join(p.read_text(encoding="utf-8") for p in DOCUMENTS)
    quoted = {
        "server": "figures: server -->",
        "server_profile": "figures: server-profile -->",
        "backtest_overlap": "figures: backtest-overlap -->",
        "cli": "figures: cli -->",
        "matching": "figures: matching-speed -->",
        "rules": "figures: rules-speed -->",
        "model": "figures: model-speed -->",
        "soak": "figures: soak -->",
        "matching_quality": "figures: matching-quality -->",
        "matching_real": "figures: matching-real -->",
        "training_kcs": "figures: training-kcs -->",
    }
    results = {p.stem for p in RESULTS.glob("*.json")}
    assert results <= set(quoted) | {"training", "training_dask"}, results - set(quoted)
    for name, marker in quoted.items():
        assert marker in text, f"no document quotes bench/results/{name}.json"


def test_hosts_follow_the_deployment_formula() -> None:
    # by hand: R_S = 3 × 150,000 × (3 / 2.1) / 86,400 = 7.44/s, ÷ 158 = 0.0471;
    # R_B = 3 × 3,000,000 × 1 / 86,400 = 104.17/s, ÷ 366 = 0.2846; (0.3317 / 0.7) → 1, + 1
    plan = hosts(Service(), screen_per_s=158, batch_per_s=366, items=2.1)
    assert plan.screen_share == pytest.approx(0.0471, abs=5e-5)
    assert plan.batch_share == pytest.approx(0.2846, abs=5e-5)
    assert plan.needed == 2
    # 12 M parcels: R_B = 416.67/s, ÷ 366 = 1.1384; (1.1855 / 0.7) = 1.69 → 2, + 1
    big = hosts(Service(parcels=12_000_000), 158, 366, 2.1)
    assert big.batch_share == pytest.approx(1.1384, abs=5e-5)
    assert big.needed == 3
    # parcels of fewer items than the demo's are not cheaper
    light = hosts(Service(parcel_items=0.5), 158, 366, 2.1)
    assert light.batch_share == plan.batch_share


@pytest.mark.parametrize(
    ("value", "shown"),
    [(0.002, "0.002"), (0.1, "0.10"), (3.183, "3.18"), (11.05, "11.1"), (319.853, "320")],
)
def test_ratios_keep_their_significant_digits(value: float, shown: str) -> None:
    assert ratio(value) == shown


SOAK = {
    "calls": {"OK": 1200, "UNAVAILABLE": 3},
    "clients": 2,
    "failed_calls": 3,
    "reloads": {"rules ok": 2, "model ok": 1},
    "seconds": 30.0,
    "server_exit_code": 0,
}


def test_a_stale_block_is_named_and_rewritten(tmp_path: Path) -> None:
    (tmp_path / "soak.json").write_text(json.dumps(SOAK))
    doc = tmp_path / "doc.md"
    text = "# Soak\n\nintro\n\n<!-- figures: soak -->\nold figures\n<!-- /figures -->\n\nafter\n"
    new, stale = refresh(text, doc, results=tmp_path)
    assert [(s.name, s.line) for s in stale] == [("soak", 5)]
    assert new == (
        "# Soak\n\nintro\n\n<!-- figures: soak -->\n"
        "2 clients calling `Screen` for 30 s: 1,203 calls, 3 failed; reloads: 1 model ok, "
        "2 rules ok;\n"
        "the server exited with status 0.\n"
        "<!-- /figures -->\n\nafter\n"
    )
    again, none = refresh(new, doc, results=tmp_path)
    assert again == new and none == []


def test_unknown_and_unrenderable_blocks_are_named_and_kept(tmp_path: Path) -> None:
    doc = tmp_path / "doc.md"
    text = (
        "<!-- figures: nonsense -->\nx\n<!-- /figures -->\n"
        "<!-- figures: cli -->\ny\n<!-- /figures -->\n"
    )
    new, stale = refresh(text, doc, results=tmp_path)
    assert new == text
    assert [(s.name, s.line) for s in stale] == [("nonsense", 1), ("cli", 4)]
    assert "no renderer" in stale[0].why
    assert "cli.json is absent" in stale[1].why
