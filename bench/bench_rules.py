"""Backtest speed: 1,000,000 declarations x 100 rules with polars, against the serving
evaluator row by row on the same data in the same run.

The history comes from the fixtures' generator (one row per item), with best-match columns
drawn for a tenth of the items so that match rules fire, and the point-in-time profile
features added once (not timed: `riskd rules backtest` computes them only when a history
lacks them). The 100 rules are the shipped rule set plus generated variants of the kinds
officers write (channel, goods, unit value, route, party history, match), compiled from YAML
like any rule directory.

Targets: the backtest of 1M declarations x 100 rules in <= 10 s on 2 cores, and >= 50x the
serving evaluator's throughput on the same declarations.
"""

from __future__ import annotations

import logging
import shutil
import tempfile
import time
from datetime import date
from pathlib import Path

import numpy as np
import polars as pl
import structlog

from riskd.rules.backtest import add_history_features, evaluate_frame, fields_used, run_backtest
from riskd.rules.frame import declarations_of, prepare_frame
from riskd.rules.loader import RuleDirectory, compile_directory
from riskd.rules.polars_lower import undocumented_fields

DECLARATIONS = 1_000_000
RULES = 100
EVALUATOR_SAMPLE = 20_000
SEED = 2026
SHIPPED = Path(__file__).parents[1] / "rules"
TODAY = date(2026, 11, 25)

_MODES = ["[POSTAL, COURIER]", "[AIR, COURIER]", "[SEA]", "[ROAD, RAIL]"]
_HEADINGS = [
    '["6404", "6403"]',
    '["4202"]',
    '["8517", "8518"]',
    '["8523"]',
    '["3004", "3304"]',
    '["9503", "9504"]',
    '["6109", "6110"]',
    '["9101", "9102"]',
]
_ORIGINS = ["[CN, HK]", "[TR, AE]", "[VN, IN]", "[CN, TR, AE]"]


def _variant(n: int) -> str:
    """One generated rule: a channel, goods, a unit value and a route or history criterion."""
    mode = _MODES[n % len(_MODES)]
    heading = _HEADINGS[n % len(_HEADINGS)]
    origin = _ORIGINS[(n // 3) % len(_ORIGINS)]
    extra = [
        f"- {{field: unit_value_usd, lt: {5 + 7 * (n % 9)}}}",
        f"- {{field: origin_country, in: {origin}}}",
        f"- {{field: importer_declarations, lt: {1 + n % 5}}}",
        f"- {{match: {{min_score: {70 + n % 25}}}}}",
        "- {not: {field: brand, exists: false}}",
        f"- {{any: [{{field: description, contains: [set, pcs]}}, "
        f"{{field: quantity, gt: {10 * (1 + n % 6)}}}]}}",
    ][n % 6]
    return f"""
  - id: GEN-{n:03d}
    title: generated variant {n}
    owner: bench
    severity: MEDIUM
    score: {0.3 + (n % 7) / 10:.1f}
    tags: [TRADEMARK]
    when:
      all:
        - {{field: transport_mode, in: {mode}}}
        - {{field: hs_heading, in: {heading}}}
        {extra}
"""


def rule_directory(target: Path, total: int) -> RuleDirectory:
    shutil.copytree(SHIPPED, target, ignore=shutil.ignore_patterns("*.py", "__pycache__"))
    shipped = compile_directory(target, today=TODAY)
    extra = total - len(shipped.rules)
    text = "rules:" + "".join(_variant(n) for n in range(extra))
    (target / "generated.yaml").write_text(text, encoding="utf-8")
    compiled = compile_directory(target, today=TODAY)
    assert compiled.ok, [str(p) for p in compiled.problems][:5]
    assert len(compiled.rules) == total
    return compiled


def history(declarations: int) -> pl.DataFrame:
    """About `declarations` declarations of synthetic history, with match columns."""
    from fixtures.generate import history_frame

    frame = history_frame(SEED, int(declarations * 2.1))
    ids = frame["declaration_id"].unique(maintain_order=True)[:declarations]
    frame = frame.filter(pl.col("declaration_id").is_in(ids.implode()))
    rng = np.random.default_rng(SEED)
    matched = rng.random(frame.height) < 0.1
    scores = np.where(matched, rng.uniform(60, 100, frame.height), np.nan)
    return frame.with_columns(
        pl.Series("best_match_score", scores).fill_nan(None),
        pl.when(pl.Series(matched))
        .then(pl.format("TM-{}", pl.int_range(pl.len()) % 500))
        .otherwise(None)
        .alias("match_recordation_id"),
        pl.when(pl.Series(matched))
        .then(pl.lit("TRADEMARK"))
        .otherwise(None)
        .alias("match_right_type"),
        pl.when(pl.Series(matched))
        .then(pl.Series(rng.random(frame.height) < 0.1))
        .otherwise(None)
        .alias("match_authorised"),
        pl.when(pl.Series(matched))
        .then(pl.Series(rng.random(frame.height) < 0.8))
        .otherwise(None)
        .alias("match_raises_risk"),
    )


def _polars_seconds(directory: RuleDirectory, frame: pl.DataFrame) -> tuple[float, int]:
    rules = list(directory.rules)
    started = time.perf_counter()
    prepared = prepare_frame(frame, directory.rates_to_usd, undocumented_fields(rules))
    hits = evaluate_frame(prepared, rules, directory.lists)
    return time.perf_counter() - started, hits.height


def main(results_dir: Path) -> dict[str, object]:
    # shadow-rule hits are logged at info; the bench measures evaluation, not log output
    structlog.configure(wrapper_class=structlog.make_filtering_bound_logger(logging.WARNING))
    work = Path(tempfile.mkdtemp(prefix="bench-rules-"))
    try:
        directory = rule_directory(work / "rules", RULES)
        started = time.perf_counter()
        frame = history(DECLARATIONS)
        generated_seconds = time.perf_counter() - started
        started = time.perf_counter()
        needed = {
            f
            for f in fields_used(directory.rules)
            if f.endswith(("_declarations", "_inspections", "_seizure_rate"))
        }
        frame = add_history_features(frame, needed)
        features_seconds = time.perf_counter() - started
        n_declarations = frame["declaration_id"].n_unique()

        evaluate_seconds, evaluated = _polars_seconds(directory, frame)
        started = time.perf_counter()
        result, _ = run_backtest(directory, frame)
        backtest_seconds = time.perf_counter() - started

        sample_ids = frame["declaration_id"].unique(maintain_order=True)[:EVALUATOR_SAMPLE]
        sample = frame.filter(pl.col("declaration_id").is_in(sample_ids.implode()))
        screened = list(declarations_of(sample))
        ruleset = directory.compiled
        assert ruleset is not None
        started = time.perf_counter()
        serving_hits = sum(
            len(ruleset.evaluate(s.declaration, s.items, s.features)) for s in screened
        )
        serving_seconds = time.perf_counter() - started
        sample_polars_seconds, _ = _polars_seconds(directory, sample)
    finally:
        shutil.rmtree(work, ignore_errors=True)

    serving_per_declaration = serving_seconds / len(screened)
    polars_per_declaration = evaluate_seconds / evaluated
    return {
        "declarations": n_declarations,
        "item_rows": frame.height,
        "rules": len(directory.rules),
        "history_generation_seconds": round(generated_seconds, 2),
        "history_features_seconds": round(features_seconds, 2),
        "polars_evaluate_seconds": round(evaluate_seconds, 2),
        "backtest_seconds": round(backtest_seconds, 2),
        "backtest_target_seconds": 10.0,
        "backtest_within_target": backtest_seconds <= 10.0,
        "serving_sample_declarations": len(screened),
        "serving_sample_seconds": round(serving_seconds, 2),
        "serving_sample_hits": serving_hits,
        "serving_declarations_per_second": round(1 / serving_per_declaration),
        "polars_declarations_per_second": round(1 / polars_per_declaration),
        "speedup_vs_serving_evaluator": round(serving_per_declaration / polars_per_declaration, 1),
        "speedup_same_sample": round(serving_seconds / sample_polars_seconds, 1),
        "speedup_target": 50.0,
        "rules_with_hits": sum(1 for r in result.rules if r.hits),
        "seizures": result.seizures,
    }
