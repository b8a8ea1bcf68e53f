"""Runs every benchmark module `bench/bench_*.py` (its `main(results_dir) -> dict`, or None
when it cannot run on this machine) and writes each result as JSON into bench/results/.
`python -m bench.run NAME...` runs some; `python -m bench.docs` then renders the documents'
figures from the results."""

from __future__ import annotations

import importlib
import json
import pkgutil
import sys
import time
from pathlib import Path

RESULTS = Path(__file__).parent / "results"


def main(argv: list[str]) -> int:
    RESULTS.mkdir(exist_ok=True)
    names = sorted(
        m.name
        for m in pkgutil.iter_modules([str(Path(__file__).parent)])
        if m.name.startswith("bench_")
    )
    wanted = [n for n in names if not argv or any(a in n for a in argv)]
    for name in wanted:
        print(f"== {name}", flush=True)
        module = importlib.import_module(f"bench.{name}")
        started = time.perf_counter()
        result = module.main(RESULTS)
        if result is None:  # the benchmark could not run here; its last results stand
            continue
        result["wall_seconds"] = round(time.perf_counter() - started, 2)
        path = RESULTS / f"{name.removeprefix('bench_')}.json"
        path.write_text(json.dumps(result, indent=2, sort_keys=True) + "\n")
        print(json.dumps(result, indent=2, sort_keys=True), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
