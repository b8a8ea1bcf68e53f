"""A candidate model file is tried in a child process before the serving process loads it.

LightGBM parses `model.txt` in C++: a truncated file can end the process with SIGSEGV, one
flipped byte with SIGABRT, and no Python exception is raised that could refuse the file.
So the daemon first runs this file as a script in a child process: it loads the model,
predicts on probe rows (zeros, ones, large and small values, missing values, random rows)
with and without contributions, and checks that every leaf value and every output is
finite. A crash, a hang or a problem refuses the model and the old snapshot serves on.

The child imports LightGBM without its optional companions (scikit-learn, pandas, dask),
which it does not need, so that a probe takes a fraction of a second.
"""

from __future__ import annotations

import json
import signal
import subprocess
import sys
from pathlib import Path
from typing import Any

# A sound model is tried in well under a second (a few seconds for thousands of trees);
# some damage makes LightGBM loop for ever, so the child is stopped after this long.
PROBE_SECONDS = 30.0
_OPTIONAL = ("sklearn", "pandas", "dask", "distributed", "pyarrow", "matplotlib", "graphviz",
             "datatable", "cffi", "polars")  # fmt: skip


def probe_model_file(model_file: Path, features: int, timeout: float = PROBE_SECONDS) -> list[str]:
    """Problems found by trying the model in a child process (empty: the model is safe to
    load here)."""
    # -P: the script's folder is not put on the path, so its neighbours shadow no module
    script = str(Path(__file__).resolve())
    command = [sys.executable, "-P", script, str(model_file), str(features)]
    try:
        done = subprocess.run(
            command,
            capture_output=True,
            encoding="utf-8",
            errors="replace",  # LightGBM echoes the damaged bytes in its errors
            timeout=timeout,
            check=False,
        )
    except subprocess.TimeoutExpired:
        return [f"{model_file.name}: trying the model took over {timeout:.0f} s"]
    if done.returncode < 0:
        name = signal.Signals(-done.returncode).name
        return [f"{model_file.name} crashed LightGBM ({name}) when loaded and scored"]
    try:
        report = json.loads(done.stdout.strip().splitlines()[-1])
        problems = [str(p) for p in report["problems"]]
    except (IndexError, ValueError, KeyError, TypeError):
        detail = (done.stderr.strip().splitlines() or ["no output"])[-1]
        return [f"{model_file.name}: trying the model failed ({detail[:300]})"]
    return problems


def _leaf_values(node: dict[str, Any]) -> list[float]:
    """Every leaf value of one dumped tree, without recursion (trees can be deep)."""
    values, stack = [], [node]
    while stack:
        current = stack.pop()
        if "leaf_value" in current:
            values.append(float(current["leaf_value"]))
        stack += [current[k] for k in ("left_child", "right_child") if k in current]
    return values


def _try(model_file: str, features: int) -> list[str]:
    import lightgbm as lgb
    import numpy as np

    try:
        booster = lgb.Booster(model_file=model_file)
    except lgb.basic.LightGBMError as exc:
        return [f"model.txt is not a LightGBM model: {exc}"]
    if booster.num_feature() != features:
        return [f"model.txt has {booster.num_feature()} features, the metadata {features}"]
    problems = []
    dumped = booster.dump_model()
    leaves = [
        v for tree in dumped.get("tree_info", []) for v in _leaf_values(tree["tree_structure"])
    ]
    if not all(np.isfinite(leaves)):
        problems.append("model.txt has leaves whose value is not a finite number")
    rng = np.random.default_rng(0)
    rows = np.vstack(
        [
            np.zeros(features),
            np.ones(features),
            np.full(features, -1.0),
            np.full(features, 1e9),
            np.full(features, -1e9),
            np.full(features, np.nan),
            rng.normal(size=(32, features)),
        ]
    )
    raw = booster.predict(rows, raw_score=True)
    contributions = booster.predict(rows, pred_contrib=True)
    if not np.isfinite(raw).all():
        problems.append("the model scores probe rows as a number that is not finite")
    if not np.isfinite(contributions).all():
        problems.append("the model's feature contributions on probe rows are not finite")
    return problems


def main() -> None:
    for name in _OPTIONAL:  # LightGBM imports each only if it can: make it not
        sys.modules[name] = None  # type: ignore[assignment]
    model_file, features = sys.argv[1], int(sys.argv[2])
    print(json.dumps({"problems": _try(model_file, features)}))


if __name__ == "__main__":
    main()
