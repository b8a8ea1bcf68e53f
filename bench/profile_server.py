"""Where a demo-world server's time goes under `Screen` at 32 concurrent calls: py-spy samples
of its worker threads (idle samples included, so lock waits show), summed per function.

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

from bench.bench_server import build_demo_world, start_riskd, stop
from riskd.cli.declaration_file import read_declarations
from riskd.loadgen import LoadPlan, run_load

RESULTS = Path(__file__).parent / "results"
WORKER = "_worker (concurrent/futures/thread.py"
TOP = 30


def _frames(stack: str) -> list[str]:
    """`name (file:line)` frames of a collapsed stack, as `name (file)`: lines merged."""
    return [frame.rsplit(":", 1)[0] + ")" if ":" in frame else frame for frame in stack.split(";")]


def summarise(collapsed: str) -> dict[str, object]:
    inclusive: Counter[str] = Counter()
    leaf: Counter[str] = Counter()
    total = 0
    for line in collapsed.splitlines():
        stack, _, count = line.rpartition(" ")
        if WORKER not in stack or not count.isdigit():
            continue
        n = int(count)
        frames = _frames(stack)[1:]  # the first is the thread
        total += n
        for frame in set(frames):
            inclusive[frame] += n
        leaf[frames[-1]] += n
    share = {f: round(100 * n / total, 1) for f, n in inclusive.most_common(TOP)} if total else {}
    own = {f: round(100 * n / total, 1) for f, n in leaf.most_common(TOP)} if total else {}
    return {"worker_samples": total, "inclusive_percent": share, "self_percent": own}


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.profile_server", description=__doc__)
    parser.add_argument("--world", type=Path, help="demo world folder (built if empty)")
    parser.add_argument("--seconds", type=float, default=15.0, help="seconds sampled")
    args = parser.parse_args(argv)
    spy = shutil.which("py-spy") or str(Path(sys.executable).parent / "py-spy")
    tmp = Path(tempfile.mkdtemp(prefix="profile-server-"))
    world = args.world or tmp / "world"
    if not (world / "models" / "PRODUCTION").exists():
        build_demo_world(world)
    address = "127.0.0.1:50621"
    server = start_riskd(world, address, 1, tmp / "riskd.log")
    declarations = list(read_declarations(world / "declarations.jsonl"))
    plan = LoadPlan(target=address, concurrency=32, duration=args.seconds + 4, warmup=0.0)
    try:
        load = threading.Thread(target=run_load, args=(plan, declarations))
        load.start()
        out = tmp / "stacks.txt"
        subprocess.run(
            [spy, "record", "--pid", str(server.pid), "--duration", str(int(args.seconds)),
             "--idle", "--threads", "--format", "raw", "--output", str(out), "--nonblocking"],
            check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )  # fmt: skip
        load.join()
    finally:
        stop(server)
    result = {
        "command": f"python -m bench.profile_server --seconds {args.seconds:g}",
        "load": "Screen, 32 concurrent, riskd.loadgen",
        **summarise(out.read_text(encoding="utf-8")),
    }
    shutil.rmtree(tmp, ignore_errors=True)
    RESULTS.mkdir(exist_ok=True)
    path = RESULTS / "server_profile.json"
    path.write_text(json.dumps(result, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    print(json.dumps(result, indent=2, ensure_ascii=False))
    return 0


if __name__ == "__main__":
    sys.exit(main())
