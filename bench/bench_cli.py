"""How fast the commands start: `riskd --help`, `riskd-train --help` and `riskd screen` of one
declaration, each a fresh process, against `python -c pass` (the interpreter's own start) in
the same run and in turns, so that all meet the same load.

`riskd screen` asks a real `riskd serve` process: the demo world's (`make demo`: register,
rules and model) when it exists, else the sample register and the shipped rules without a
model, which the result says. Targets: `riskd --help` ≤ 0.3 s and `riskd screen` ≤ 0.6 s wall.
"""

from __future__ import annotations

import os
import resource
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import grpc

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent
DEMO = ROOT / "var" / "demo"
DECLARATION = ROOT / "fixtures" / "sample" / "declaration.json"
RUNS = 15
TARGETS = {"riskd --help": 0.3, "riskd screen": 0.6}


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _start_server(store: Path) -> tuple[subprocess.Popen[bytes], str, str]:
    port = _free_port()
    address = f"127.0.0.1:{port}"
    if (DEMO / "models" / "PRODUCTION").exists():
        world = "demo world (var/demo: register, rules, model)"
        args = ["--config", str(ROOT / "fixtures" / "demo.toml")]
    else:
        world = "sample register and shipped rules, no model (no var/demo; see `make demo`)"
        args = ["--register", str(ROOT / "fixtures" / "sample" / "register.csv")]
        args += ["--rules", str(ROOT / "rules")]
    env = {**os.environ, "PYTHONPATH": str(ROOT), "RISKD_LOG_LEVEL": "WARNING"}
    server = subprocess.Popen(
        [str(BIN / "riskd"), "serve", *args, "--listen", address, "--store", str(store)],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    with grpc.insecure_channel(address) as channel:
        grpc.channel_ready_future(channel).result(timeout=300)
    return server, address, world


def _timed(argv: list[str]) -> tuple[float, float]:
    """Wall and CPU seconds (user + system) of one run of `argv` as a new process."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    subprocess.run(
        argv,
        cwd=ROOT,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        check=True,
    )
    wall = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return wall, cpu


def _summary(samples: list[tuple[float, float]]) -> dict[str, float]:
    walls = sorted(w for w, _ in samples)
    return {
        "wall_median_s": round(statistics.median(walls), 3),
        "wall_min_s": round(walls[0], 3),
        "wall_p90_s": round(walls[int(0.9 * (len(walls) - 1))], 3),
        "cpu_median_s": round(statistics.median(c for _, c in samples), 3),
    }


def main(results_dir: Path) -> dict[str, Any]:
    with tempfile.TemporaryDirectory() as tmp:
        server, address, world = _start_server(Path(tmp) / "riskd.db")
        try:
            commands = {
                "python -c pass": [sys.executable, "-c", "pass"],
                "riskd --help": [str(BIN / "riskd"), "--help"],
                "riskd-train --help": [str(BIN / "riskd-train"), "--help"],
                "riskd screen": [
                    *(str(BIN / "riskd"), "screen", str(DECLARATION), "--server", address)
                ],
            }
            _timed(commands["riskd screen"])  # the server's first call warms its caches
            load_before = os.getloadavg()[0]
            samples: dict[str, list[tuple[float, float]]] = {name: [] for name in commands}
            for _ in range(RUNS):  # in turns, so that a burst of load meets every command
                for name, argv in commands.items():
                    samples[name].append(_timed(argv))
            load_after = os.getloadavg()[0]
        finally:
            server.terminate()
            server.wait(timeout=60)
    figures = {name: _summary(runs) for name, runs in samples.items()}
    baseline = figures["python -c pass"]["wall_median_s"]
    for figure in figures.values():
        figure["over_python_s"] = round(figure["wall_median_s"] - baseline, 3)
    return {
        "cores": os.cpu_count(),
        "runs": RUNS,
        "server": world,
        "load_average": {"before": round(load_before, 2), "after": round(load_after, 2)},
        "commands": figures,
        "targets": {
            name: {
                "wall_s": target,
                "median_s": figures[name]["wall_median_s"],
                "met": figures[name]["wall_median_s"] <= target,
            }
            for name, target in TARGETS.items()
        },
    }
