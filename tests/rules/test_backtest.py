"""Backtests over a small history whose figures are counted by hand."""

from __future__ import annotations

import dataclasses
import io
from datetime import UTC, datetime
from pathlib import Path

import polars as pl
import pytest
from click.testing import CliRunner

from riskd.cli.main import cli
from riskd.rules.backtest import (
    BacktestResult,
    OfficeLoad,
    RuleStats,
    add_matches,
    read_history,
    run_backtest,
)
from riskd.rules.loader import compile_directory
from riskd.rules.report import html_report, print_report
from tests.rules.factory import TODAY, write_dir
from tests.screenshot import assert_shows_charts, screenshot

POLICY = """
policy:
  lanes: {blue: 0.3, yellow: 0.5, red: 0.7}
  random_selection: {rate: 0.01}
  capacity: {default: 0.5, offices: {"A": 0.2}}
"""
RULES = """
rules:
  - id: POST
    title: anything by post
    owner: me
    severity: LOW
    score: 0.6
    when: {field: transport_mode, eq: POSTAL}
  - id: SHOES
    title: shoes
    owner: me
    severity: HIGH
    action: PHYSICAL_INSPECTION
    when: {field: hs_chapter, eq: "64"}
  - id: TRIAL
    title: on trial
    owner: me
    severity: LOW
    action: DETAIN
    shadow: true
    when: {field: quantity, gt: 100}
"""
BASELINE = RULES.split("  - id: SHOES")[0]

# declaration: office, mode, hs codes of its items, quantity, inspected, infringing
HISTORY = [
    ("D1", "A", "POSTAL", ["64041100"], 1.0, True, True),
    ("D2", "A", "POSTAL", ["61091000"], 1.0, True, False),
    ("D3", "A", "SEA", ["64039900", "42022100"], 500.0, True, True),
    ("D4", "A", "SEA", ["42022100"], 1.0, False, None),
    ("D5", "B", "SEA", ["85171300"], 1.0, True, True),
    ("D6", "B", "POSTAL", ["64041100", "64041100"], 1.0, False, None),
]


def history() -> pl.DataFrame:
    rows = []
    for n, (did, office, mode, codes, quantity, inspected, infringing) in enumerate(HISTORY):
        for line, code in enumerate(codes, 1):
            rows.append(
                {
                    "declaration_id": did,
                    "declared_at": datetime(2026, 1, 1 + n, tzinfo=UTC),
                    "customs_office": office,
                    "transport_mode": mode,
                    "direction": "IMPORT",
                    "procedure": "STANDARD",
                    "line_no": line,
                    "hs_code": code,
                    "description": "x",
                    "quantity": quantity,
                    "value_amount": 10.0,
                    "value_currency": "USD",
                    "inspected": inspected,
                    "infringing": infringing,
                    "random_selection": did == "D5",
                }
            )
    return pl.DataFrame(rows)


def directory(tmp_path: Path, rules: str = RULES, name: str = "rules") -> object:
    path = write_dir(tmp_path / name, {"policy.yaml": POLICY, "rules.yaml": rules})
    compiled = compile_directory(path, today=TODAY)
    assert compiled.ok, compiled.problems
    return compiled


def test_per_rule_figures(tmp_path: Path) -> None:
    result, hits = run_backtest(directory(tmp_path), history())  # type: ignore[arg-type]
    assert (result.declarations, result.inspected, result.seizures, result.random_inspected) == (
        6,
        4,
        3,
        1,
    )
    stats = {s.rule_id: s for s in result.rules}
    post, shoes, trial = stats["POST"], stats["SHOES"], stats["TRIAL"]
    # POST hits D1, D2, D6; inspected D1, D2; seized D1
    assert (post.hits, post.inspected_hits, post.seizures) == (3, 2, 1)
    assert post.hit_rate == pytest.approx(3 / 6)
    assert post.precision == pytest.approx(1 / 2) and post.recall == pytest.approx(1 / 3)
    # SHOES hits D1, D3, D6; inspected D1, D3; both seized
    assert (shoes.hits, shoes.precision) == (3, 1.0) and shoes.recall == pytest.approx(2 / 3)
    # POST and SHOES share D1 and D6; D2 only POST; D3 is hit by SHOES and TRIAL
    assert post.unique_hits == 1 and shoes.unique_hits == 0
    assert post.max_overlap_rule == "SHOES" and post.max_overlap == pytest.approx(2 / 3)
    assert trial.shadow and trial.hits == 1 and trial.precision == 1.0
    assert hits.height == 6


def test_office_load_counts_what_rules_alone_inspect(tmp_path: Path) -> None:
    result, _ = run_backtest(directory(tmp_path), history())  # type: ignore[arg-type]
    offices = {o.office: o for o in result.offices}
    # A: D1 (shoes), D3 (shoes; the DETAIN trial is shadow) inspected; D2 POST -> yellow only
    a, b = offices["A"], offices["B"]
    assert (a.declarations, a.flagged, a.inspections) == (4, 3, 2)
    assert a.inspection_rate == 0.5 and a.capacity == 0.2 and a.over_capacity
    assert (b.declarations, b.flagged, b.inspections) == (2, 1, 1) and not b.over_capacity
    # POST hits D1, D2 at A and D6 at B; SHOES D1, D3 at A and D6 at B; TRIAL D3 at A
    assert [o.office for o in result.offices] == ["A", "B"]
    assert result.office_hits == ((2, 1), (2, 1), (1, 0))


def test_the_baseline_comparison(tmp_path: Path) -> None:
    candidate = directory(tmp_path)
    baseline = directory(tmp_path, BASELINE, "baseline")
    result, _ = run_backtest(candidate, history(), baseline=baseline)  # type: ignore[arg-type]
    c = result.comparison
    assert c is not None
    # baseline flags D1, D2, D6 (POST); the candidate adds D3 (SHOES), a seizure
    assert (c.flagged_baseline, c.flagged_candidate) == (3, 4)
    assert (c.flagged_only_by_candidate, c.flagged_only_by_baseline) == (1, 0)
    assert (c.seizures_caught_only_by_candidate, c.seizures_caught_only_by_baseline) == (1, 0)
    assert c.rules_added == ("SHOES", "TRIAL") and c.rules_removed == () == c.rules_changed


def test_conditions_on_absent_match_columns_are_noted(tmp_path: Path) -> None:
    text = (
        RULES
        + """
  - id: MATCHED
    title: m
    owner: me
    severity: LOW
    score: 0.5
    when: {match: {min_score: 80}}
"""
    )
    result, _ = run_backtest(directory(tmp_path, text), history())  # type: ignore[arg-type]
    assert any("match_score" in note for note in result.notes)
    assert {s.rule_id: s.hits for s in result.rules}["MATCHED"] == 0


def test_the_command_writes_a_self_contained_report(tmp_path: Path) -> None:
    history().write_csv(tmp_path / "history.csv")
    assert read_history(tmp_path / "history.csv").height == 8
    directory(tmp_path)
    directory(tmp_path, BASELINE, "baseline")
    out = tmp_path / "report.html"
    result = CliRunner().invoke(
        cli,
        [
            "rules",
            "backtest",
            str(tmp_path / "rules"),
            "--history",
            str(tmp_path / "history.csv"),
            "--baseline",
            str(tmp_path / "baseline"),
            "--html",
            str(out),
            "--json",
            str(tmp_path / "r.json"),
            "--today",
            TODAY.isoformat(),
        ],
    )
    assert result.exit_code == 0, result.output
    assert "POST" in result.output and "over capacity" in result.output
    page = out.read_text()
    assert "<script src=" not in page and "Plotly.newPlot" in page
    assert "Against the baseline" in page


def test_matches_can_be_computed_from_a_register(tmp_path: Path) -> None:
    register = tmp_path / "register.csv"
    register.write_text(
        "recordation_id,right_type,mark,holder,valid_from,hs_prefixes\n"
        "TM-9,TRADEMARK,VELOX,Velox AG,2020-01-01,64\n",
        encoding="utf-8",
    )
    frame = history().with_columns(
        pl.when(pl.col("declaration_id") == "D1")
        .then(pl.lit("VELOX"))
        .otherwise(pl.lit(""))
        .alias("brand")
    )
    matched = add_matches(frame, register, lambda _: None)
    best = matched.filter(pl.col("best_match_score").is_not_null())
    assert best["declaration_id"].to_list() == ["D1"]
    assert best["match_recordation_id"].to_list() == ["TM-9"]
    assert best["match_raises_risk"].to_list() == [True]
    assert matched.height == frame.height


def _stats(rule_id: str, hits: int, inspected: int, seized: int) -> RuleStats:
    return RuleStats(
        rule_id=rule_id,
        title=rule_id.lower(),
        shadow=False,
        hits=hits,
        hit_rate=hits / 1000,
        inspected_hits=inspected,
        seizures=seized,
        precision=seized / inspected if inspected else None,
        recall=seized / 60,
        unique_hits=hits,
        max_overlap_rule="",
        max_overlap=0.0,
    )


def _uneven_result() -> BacktestResult:
    """Four rules: two measured on many inspections, one lucky on two, one never inspected."""
    rules = (
        _stats("WIDE", 200, 50, 20),  # 40 %
        _stats("LUCKY", 3, 2, 2),  # 100 % on two inspections
        _stats("UNSEEN", 5, 0, 0),
        _stats("SHARP", 90, 40, 24),  # 60 %
    )
    return BacktestResult(
        version="rules-test",
        declarations=1000,
        inspected=120,
        seizures=60,
        random_inspected=10,
        rules=rules,
        offices=(OfficeLoad("A", 1000, 250, 60, 0.06, 0.05),),
        overlap=tuple(tuple(1.0 if i == j else 0.0 for j in range(4)) for i in range(4)),
        office_hits=((200,), (3,), (5,), (90,)),
    )


def test_rules_on_few_inspections_are_marked_and_listed_after_well_measured_ones(
    tmp_path: Path,
) -> None:
    result = _uneven_result()
    out = io.StringIO()
    print_report(result, out)
    order = [
        name
        for line in out.getvalue().splitlines()
        for name in ("SHARP", "WIDE", "LUCKY", "UNSEEN")
        if f" {name} " in line
    ]
    assert order == ["SHARP", "WIDE", "LUCKY", "UNSEEN"]
    assert "100.0% *" in out.getvalue() and "60.0% *" not in out.getvalue()
    page = html_report(result)
    positions = [page.index(f'title="{name.lower()}"') for name in ("sharp", "wide", "lucky")]
    assert positions == sorted(positions)
    flat = page.replace("\n", "")
    assert '100.0% (2 of 2)<span class="few-mark"' in flat
    assert '60.0% (24 of 40)<span class="few-mark"' not in flat
    assert "40.0% (20 of 50)" in flat and "33.3% (20 of 60)" in flat  # recall with its counts
    (tmp_path / "backtest.html").write_text(page, encoding="utf-8")
    assert_shows_charts(screenshot(tmp_path / "backtest.html", tmp_path / "backtest.png"))


def test_the_html_report_escapes_what_officers_wrote() -> None:
    result = _uneven_result()
    tricky = dataclasses.replace(result.rules[0], title='<script>alert("x")</script>')
    page = html_report(dataclasses.replace(result, rules=(tricky, *result.rules[1:])))
    assert '<script>alert("x")</script>' not in page
    assert "&lt;script&gt;alert(" in page
