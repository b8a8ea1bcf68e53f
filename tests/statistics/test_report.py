"""Statistics and early warning from a store whose contents the test knows exactly."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import polars as pl
import pytest
from click.testing import CliRunner

from riskd.cli.main import cli
from riskd.domain import Outcome, OutcomeResult, TransportMode
from riskd.pipeline import assess, build_snapshot
from riskd.statistics import early_warnings, load_decisions, sector_of, summary_by
from riskd.store import SqliteStore
from tests import factory
from tests.screenshot import assert_shows_charts, screenshot

START = datetime(2025, 1, 6, 9, 0, tzinfo=UTC)  # a Monday


def _fill(store: SqliteStore, office: str, week: int, controls: int, seizures: int) -> None:
    """`controls` declarations of one office in one week, each controlled; the first
    `seizures` of them seized."""
    snapshot = build_snapshot(register=factory.register())
    for n in range(controls):
        declaration = factory.declaration(
            f"{office}-{week}-{n}",
            customs_office=office,
            transport_mode=TransportMode.POSTAL if office == "POST1" else TransportMode.SEA,
            declared_at=START + timedelta(weeks=week, hours=n),
        )
        assessment = assess(snapshot, declaration)
        store.save_decisions([(declaration, assessment)])
        result = OutcomeResult.SEIZED if n < seizures else OutcomeResult.NO_INFRINGEMENT
        store.record_outcome(
            Outcome(f"O-{office}-{week}-{n}", assessment.decision_id, result, START)
        )


@pytest.fixture
def store_path(tmp_path: Path) -> Path:
    path = tmp_path / "riskd.db"
    store = SqliteStore(path)
    for week in range(4):
        _fill(store, "SEA1", week, controls=20, seizures=2)  # steady 10 %
        _fill(store, "POST1", week, controls=20, seizures=2 if week < 3 else 12)  # spike
    store.close()
    return path


def _decisions(path: Path) -> pl.DataFrame:
    store = SqliteStore(path)
    try:
        return load_decisions(store)
    finally:
        store.close()


def test_summary_counts_controls_and_seizures(store_path: Path) -> None:
    summary = {
        r["customs_office"]: r
        for r in summary_by(_decisions(store_path), "customs_office").to_dicts()
    }
    assert summary["SEA1"]["declarations"] == 80
    assert summary["SEA1"]["controls"] == 80
    assert summary["SEA1"]["seizures"] == 8
    assert summary["SEA1"]["hit_rate"] == pytest.approx(0.1)
    assert summary["POST1"]["seizures"] == 2 * 3 + 12


def test_early_warning_flags_only_the_spike(store_path: Path) -> None:
    warnings = early_warnings(_decisions(store_path))
    flagged = {(w.dimension, w.group) for w in warnings}
    assert ("customs_office", "POST1") in flagged
    assert ("channel", "POSTAL") in flagged
    assert ("customs_office", "SEA1") not in flagged
    post = next(w for w in warnings if w.group == "POST1")
    assert post.seizure_rate == pytest.approx(0.6)
    assert post.baseline_rate == pytest.approx(0.1)


def test_sectors_by_hs_chapter() -> None:
    assert sector_of("640411") == "APPAREL_FOOTWEAR"
    assert sector_of("300490") == "FOOD_MEDICINE"
    assert sector_of("852349") == "MEDIA"
    assert sector_of("851712") == "HIGH_TECH"
    assert sector_of("270900") == "OTHER"


def test_report_command_json_and_html(store_path: Path, tmp_path: Path) -> None:
    out = tmp_path / "report.html"
    result = CliRunner().invoke(
        cli, ["report", "--store", str(store_path), "--json", "--out", str(out)]
    )
    assert result.exit_code == 0, result.output
    payload = json.loads(result.stdout)
    assert payload["decisions"] == 160
    assert any("POST1" in w for w in payload["warnings"])
    page = out.read_text(encoding="utf-8")
    assert page.count("plotly") > 5 and "Early warning" in page and "POST1" in page
    assert '<script src="http' not in page  # plotly.js is inlined, nothing from the network


@pytest.fixture
def uneven_store_path(tmp_path: Path) -> Path:
    """One office on 40 controls (4 seized), one on 2 controls (both seized)."""
    path = tmp_path / "uneven.db"
    store = SqliteStore(path)
    _fill(store, "SEA1", 0, controls=40, seizures=4)
    _fill(store, "POST1", 0, controls=2, seizures=2)
    store.close()
    return path


def test_a_rate_on_few_controls_is_marked_and_ranked_after_well_supported_ones(
    uneven_store_path: Path, tmp_path: Path
) -> None:
    out = tmp_path / "report.html"
    result = CliRunner().invoke(
        cli, ["report", "--store", str(uneven_store_path), "--out", str(out)]
    )
    assert result.exit_code == 0, result.output
    offices = [line for line in result.stdout.splitlines() if "SEA1" in line or "POST1" in line]
    assert "SEA1" in offices[0] and "POST1" in offices[1]  # 100 % on 2 controls comes second
    assert "100.0% *" in offices[1] and "*" not in offices[0]
    page = out.read_text(encoding="utf-8")
    assert page.index("10.0% (4 of 40)") < page.index("100.0% (2 of 2)")
    assert '100.0% (2 of 2)<span class="few-mark"' in page.replace("\n", "")
    assert "inspection_rate" not in page and ">variable<" not in page  # readable legend names


def test_the_html_report_shows_its_charts(store_path: Path, tmp_path: Path) -> None:
    out = tmp_path / "report.html"
    result = CliRunner().invoke(cli, ["report", "--store", str(store_path), "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert_shows_charts(screenshot(out, tmp_path / "report.png"))
