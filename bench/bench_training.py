"""Training at scale: 1,000,000 fixture history rows, features included, on this machine.

Generates `fixtures.generate.history_frame(seed, 1_000_000)` (not timed: it stands for data
that already exists), then times the point-in-time features of every declaration and the
LightGBM fit with early stopping (2 threads). Target: features + fit ≤ 120 s on 2 cores.
"""

from __future__ import annotations

import os
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from fixtures.generate import history_frame
from training.dataset import build_table
from training.fit import FitConfig, fit

ROWS = int(os.environ.get("RISKD_BENCH_TRAINING_ROWS", "1000000"))
SEED = 11
TARGET_SECONDS = 120.0


def main(results_dir: Path) -> dict[str, Any]:
    print(f"generating {ROWS} history rows …", file=sys.stderr, flush=True)
    started = time.perf_counter()
    history = history_frame(SEED, ROWS)
    generated = time.perf_counter() - started

    print("point-in-time features …", file=sys.stderr, flush=True)
    started = time.perf_counter()
    table = build_table(history, source={"kind": "history", "data": f"fixtures seed {SEED}"})
    features_s = time.perf_counter() - started

    print("fitting …", file=sys.stderr, flush=True)
    started = time.perf_counter()
    result = fit(table, FitConfig(num_threads=2), progress=sys.stderr.isatty())
    fit_s = time.perf_counter() - started
    with tempfile.TemporaryDirectory() as registry:
        started = time.perf_counter()
        result.save(Path(registry), "bench")
        save_s = time.perf_counter() - started

    valid = result.metadata["metrics"]["valid"]
    total = features_s + fit_s + save_s
    return {
        "rows": history.height,
        "declarations": table.frame.height,
        "labelled_declarations": table.labelled().height,
        "random_selections": table.random_sample().height,
        "features": len(table.features),
        "generate_seconds_untimed": round(generated, 2),
        "features_seconds": round(features_s, 2),
        "fit_seconds": round(fit_s, 2),
        "save_seconds": round(save_s, 2),
        "features_and_fit_seconds": round(total, 2),
        "target_seconds": TARGET_SECONDS,
        "within_target": total <= TARGET_SECONDS,
        "trees": result.metadata["best_iteration"],
        "threads": 2,
        "cpu_count": os.cpu_count(),
        "valid_precision_at": valid["precision_at"],
        "valid_auc": valid["auc"],
    }
