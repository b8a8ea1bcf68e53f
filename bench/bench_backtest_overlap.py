"""The backtest's rule-overlap matrix at 50, 100, 200 and 400 rules with distinct conditions,
against the dense integer product it replaced (rows x rules², no BLAS), on the same hits in
the same run; and the whole backtest at each size.

The history and the rules are those of `bench_rules` (generated variants of the kinds
officers write), on fewer declarations so that the dense baseline stays within a minute.
"""

from __future__ import annotations

import logging
import shutil
import tempfile
import time
from pathlib import Path

import numpy as np
import polars as pl
import structlog

from bench.bench_rules import history, rule_directory
from riskd.rules.backtest import _overlap_counts, add_history_features, fields_used, run_backtest

DECLARATIONS = 100_000
RULE_COUNTS = (50, 100, 200, 400)


def dense_overlap_counts(hits: pl.DataFrame, columns: list[str]) -> np.ndarray:
    """The computation before the sparse one: int32 blocks of the flagged rows, block.T @
    block."""
    k = len(columns)
    result = np.zeros((k, k + 1), dtype=np.int64)
    flagged = hits.select(columns).filter(pl.any_horizontal(columns))
    for start in range(0, flagged.height, 200_000):
        block = flagged.slice(start, 200_000).to_numpy().astype(np.int32)
        result[:, :k] += block.T @ block
        alone = block.sum(axis=1) == 1
        result[:, k] += block[alone].sum(axis=0)
    return result


def main(results_dir: Path) -> dict[str, object]:
    structlog.configure(wrapper_class=structlog.make_filtering_bound_logger(logging.WARNING))
    work = Path(tempfile.mkdtemp(prefix="bench-overlap-"))
    sizes: dict[str, dict[str, object]] = {}
    try:
        frame = history(DECLARATIONS)
        largest = rule_directory(work / "rules-features", max(RULE_COUNTS))
        needed = {
            f
            for f in fields_used(largest.rules)
            if f.endswith(("_declarations", "_inspections", "_seizure_rate"))
        }
        frame = add_history_features(frame, needed)
        for count in RULE_COUNTS:
            directory = rule_directory(work / f"rules-{count}", count)
            started = time.perf_counter()
            _, hits = run_backtest(directory, frame)
            backtest_seconds = time.perf_counter() - started
            columns = [f"r{i}" for i in range(count)]
            started = time.perf_counter()
            sparse = _overlap_counts(hits, columns)
            sparse_seconds = time.perf_counter() - started
            started = time.perf_counter()
            dense = dense_overlap_counts(hits, columns)
            dense_seconds = time.perf_counter() - started
            flagged = int(hits.select(pl.any_horizontal(columns).sum()).item())
            sizes[str(count)] = {
                "flagged_declarations": flagged,
                "hits": int(sparse[np.arange(count), np.arange(count)].sum()),
                "overlap_sparse_seconds": round(sparse_seconds, 3),
                "overlap_dense_seconds": round(dense_seconds, 3),
                "dense_over_sparse": round(dense_seconds / max(sparse_seconds, 1e-6), 1),
                "equal": bool((sparse == dense).all()),
                "backtest_seconds": round(backtest_seconds, 2),
            }
            print(f"  {count} rules: {sizes[str(count)]}", flush=True)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    seconds = {
        way: [float(str(sizes[str(n)][f"overlap_{way}_seconds"])) for n in RULE_COUNTS]
        for way in ("sparse", "dense")
    }
    return {
        "declarations": frame["declaration_id"].n_unique(),
        "item_rows": frame.height,
        "rules": sizes,
        "rules_growth": RULE_COUNTS[-1] / RULE_COUNTS[0],
        "sparse_seconds_growth": round(seconds["sparse"][-1] / max(seconds["sparse"][0], 1e-6), 1),
        "dense_seconds_growth": round(seconds["dense"][-1] / max(seconds["dense"][0], 1e-6), 1),
    }
