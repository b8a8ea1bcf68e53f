"""Where a demo-world server's CPU goes under unary `Screen` at 32 concurrent calls and under
`ScreenBatch` of 100: py-spy samples of the threads while they run (idle samples left out, so
the shares are shares of the CPU the server spends), summed per function.

Not part of `make bench` (py-spy is not a dependency): `pip install py-spy`, then
`python -m bench.profile_server [--world DIR] [--seconds S]`; writes
bench/results/server_profile.json. A world folder is built as `make demo` builds it unless
it holds one already.
"""

from __future__ import annotations

import argparse
import json
import shutil
import subprocess
import sys
import tempfile
import threading
from collections import Counter
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from bench.bench_server import BATCH, build_demo_world, start_riskd, stop
from riskd.cli.declaration_file import read_declarations
from riskd.loadgen import LoadPlan, run_load
from riskd.v1 import declaration_pb2

RESULTS = Path(__file__).parent / "results"
TOP = 40
# (name, load description, plan overrides)
LOADS: list[tuple[str, str, dict[str, Any]]] = [
    ("screen_32", "Screen, 32 concurrent", {"concurrency": 32}),
    ("batch_100", f"ScreenBatch of {BATCH}, 4 concurrent", {"concurrency": 4, "batch": BATCH}),
]


def _frames(stack: str) -> list[str]:
    """`name (file:line)` frames of a collapsed stack, as `name (file)`: lines merged."""
    return [frame.rsplit(":", 1)[0] + ")" if ":" in frame else frame for frame in stack.split(";")]


def summarise(collapsed: str) -> dict[str, object]:
    """Inclusive and self shares of every function over all samples (all threads)."""
    inclusive: Counter[str] = Counter()
    leaf: Counter[str] = Counter()
    total = 0
    for line in collapsed.splitlines():
        stack, _, count = line.rpartition(" ")
        if not count.isdigit():
            continue
        n = int(count)
        frames = _frames(stack)[1:]  # the first is the thread
        if not frames:
            continue
        total += n
        for frame in set(frames):
            inclusive[frame] += n
        leaf[frames[-1]] += n
    share = {f: round(100 * n / total, 1) for f, n in inclusive.most_common(TOP)} if total else {}
    own = {f: round(100 * n / total, 1) for f, n in leaf.most_common(TOP)} if total else {}
    return {"samples": total, "inclusive_percent": share, "self_percent": own}


def profile(
    spy: str,
    world: Path,
    tmp: Path,
    plan: LoadPlan,
    declarations: Sequence[declaration_pb2.Declaration],
    seconds: float,
) -> dict[str, object]:
    """One server, one load, `seconds` of on-CPU samples taken after a second of warm-up."""
    server = start_riskd(world, plan.target, 1, tmp / "riskd.log")
    out = tmp / f"stacks-{plan.method}.txt"
    try:
        load = threading.Thread(target=run_load, args=(plan, declarations))
        load.start()
        subprocess.run(
            [spy, "record", "--pid", str(server.pid), "--duration", str(int(seconds)),
             "--threads", "--format", "raw", "--output", str(out), "--nonblocking"],
            check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )  # fmt: skip
        load.join()
    finally:
        stop(server)
    return summarise(out.read_text(encoding="utf-8"))


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.profile_server", description=__doc__)
    parser.add_argument("--world", type=Path, help="demo world folder (built if empty)")
    parser.add_argument("--seconds", type=float, default=15.0, help="seconds sampled per load")
    args = parser.parse_args(argv)
    spy = shutil.which("py-spy") or str(Path(sys.executable).parent / "py-spy")
    tmp = Path(tempfile.mkdtemp(prefix="profile-server-"))
    world = args.world or tmp / "world"
    if not (world / "models" / "PRODUCTION").exists():
        build_demo_world(world)
    declarations = list(read_declarations(world / "declarations.jsonl"))
    loads = {}
    for name, label, overrides in LOADS:
        plan = LoadPlan(
            target="127.0.0.1:50621", duration=args.seconds + 3, warmup=1.0, timeout=60.0,
            **overrides,
        )  # fmt: skip
        loads[name] = {"load": f"{label}, riskd.loadgen"} | profile(
            spy, world, tmp, plan, declarations, args.seconds
        )
    result = {
        "command": f"python -m bench.profile_server --seconds {args.seconds:g}",
        "sampled": "py-spy, all threads, on-CPU samples only (idle left out)",
        "loads": loads,
    }
    shutil.rmtree(tmp, ignore_errors=True)
    RESULTS.mkdir(exist_ok=True)
    path = RESULTS / "server_profile.json"
    path.write_text(json.dumps(result, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    print(json.dumps(result, indent=2, ensure_ascii=False))
    return 0


if __name__ == "__main__":
    sys.exit(main())
