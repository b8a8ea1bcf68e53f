"""The Dask path at scale: 1,000,000 fixture history rows trained with `lightgbm.dask`.

Same data and features as `bench_training`; the fit runs on a LocalCluster of two worker
processes (one thread each), the machine's two cores. Measures the cluster's overhead
against the in-process fit, which on one machine it cannot beat — the path is for tables
that outgrow one machine.
"""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path
from typing import Any

from fixtures.generate import history_frame
from training.dask_fit import fit_dask
from training.dataset import build_table
from training.fit import FitConfig

ROWS = int(os.environ.get("RISKD_BENCH_TRAINING_ROWS", "1000000"))
SEED = 11
MAX_ROUNDS = 300


def main(results_dir: Path) -> dict[str, Any]:
    print(f"generating {ROWS} history rows …", file=sys.stderr, flush=True)
    history = history_frame(SEED, ROWS)
    started = time.perf_counter()
    table = build_table(history)
    features_s = time.perf_counter() - started
    print("fitting on a LocalCluster of 2 workers …", file=sys.stderr, flush=True)
    started = time.perf_counter()
    result = fit_dask(table, FitConfig(max_rounds=MAX_ROUNDS), workers=2)
    fit_s = time.perf_counter() - started
    valid = result.metadata["metrics"]["valid"]
    return {
        "rows": history.height,
        "labelled_declarations": table.labelled().height,
        "workers": 2,
        "rounds_built": MAX_ROUNDS,
        "trees_kept": result.metadata["best_iteration"],
        "features_seconds": round(features_s, 2),
        "dask_fit_seconds_with_cluster_start": round(fit_s, 2),
        "valid_auc": valid["auc"],
        "valid_precision_at": valid["precision_at"],
    }
