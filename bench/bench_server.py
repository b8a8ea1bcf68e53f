"""Screening through a real `riskd serve` process: latency and throughput, against the
in-process pipeline as the baseline, for one and two server processes and both store
durability modes. Clients run in their own processes so that they do not share the server's
interpreter."""

from __future__ import annotations

import multiprocessing
import os
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

import grpc
from google.protobuf import json_format

from riskd.v1 import declaration_pb2, screening_service_pb2, screening_service_pb2_grpc

SEED = 11
MARKS = 2000
DECLARATIONS = 3000
SEQUENTIAL_CALLS = 800
LOAD_SECONDS = 6.0
CLIENT_PROCESSES = 2
CLIENT_THREADS = 8
BATCH = 100


def _percentiles(samples: list[float]) -> dict[str, float]:
    ordered = sorted(samples)

    def at(q: float) -> float:
        return round(ordered[min(len(ordered) - 1, int(q * len(ordered)))] * 1000, 3)

    return {"p50_ms": at(0.50), "p95_ms": at(0.95), "p99_ms": at(0.99)}


def _load_declarations(path: Path) -> list[declaration_pb2.Declaration]:
    return [
        json_format.Parse(line, declaration_pb2.Declaration())
        for line in path.read_text(encoding="utf-8").splitlines()
        if line.strip()
    ]


def _start_server(
    world: Path, port: int, processes: int, synchronous: str
) -> subprocess.Popen[str]:
    store = world / f"riskd-{processes}-{synchronous}.db"
    env = {
        **os.environ,
        "RISKD_STORE_SYNCHRONOUS": synchronous,
        "RISKD_LOG_LEVEL": "WARNING",
    }
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "riskd",
            "serve",
            "--listen",
            f"127.0.0.1:{port}",
            "--register",
            str(world / "register.csv"),
            "--store",
            str(store),
            "--processes",
            str(processes),
            "--threads",
            "8",
        ],
        env=env,
        stderr=subprocess.DEVNULL,
        text=True,
    )
    with grpc.insecure_channel(f"127.0.0.1:{port}") as channel:
        grpc.channel_ready_future(channel).result(timeout=60)
    time.sleep(1.0 * processes)  # let every process bind before measuring
    return process


def _sequential(address: str, declarations: list[declaration_pb2.Declaration]) -> dict[str, Any]:
    latencies = []
    with grpc.insecure_channel(address) as channel:
        stub = screening_service_pb2_grpc.ScreeningServiceStub(channel)
        for n in range(SEQUENTIAL_CALLS):
            request = screening_service_pb2.ScreenRequest(
                declaration=declarations[n % len(declarations)]
            )
            started = time.perf_counter()
            stub.Screen(request, timeout=10)
            latencies.append(time.perf_counter() - started)
    return _percentiles(latencies)


def _client_load(args: tuple[str, str, int, float]) -> int:
    """One client process: CLIENT_THREADS threads calling for `seconds`; returns decisions."""
    address, declarations_file, batch, seconds = args
    declarations = _load_declarations(Path(declarations_file))
    done = [0] * CLIENT_THREADS
    stop_at = time.perf_counter() + seconds

    def worker(index: int) -> None:
        # one channel per thread: several HTTP/2 connections, so SO_REUSEPORT spreads them
        channel = grpc.insecure_channel(address, options=[("grpc.use_local_subchannel_pool", 1)])
        stub = screening_service_pb2_grpc.ScreeningServiceStub(channel)
        n = index
        while time.perf_counter() < stop_at:
            if batch == 1:
                stub.Screen(
                    screening_service_pb2.ScreenRequest(
                        declaration=declarations[n % len(declarations)]
                    ),
                    timeout=30,
                )
            else:
                chunk = [declarations[(n + k) % len(declarations)] for k in range(batch)]
                stub.ScreenBatch(
                    screening_service_pb2.ScreenBatchRequest(declarations=chunk), timeout=30
                )
            done[index] += batch
            n += batch
        channel.close()

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(CLIENT_THREADS)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return sum(done)


def _throughput(address: str, declarations_file: Path, batch: int) -> float:
    context = multiprocessing.get_context("spawn")
    started = time.perf_counter()
    with context.Pool(CLIENT_PROCESSES) as pool:
        counts = pool.map(
            _client_load,
            [(address, str(declarations_file), batch, LOAD_SECONDS)] * CLIENT_PROCESSES,
        )
    elapsed = time.perf_counter() - started
    return round(sum(counts) / max(elapsed - 1.0, LOAD_SECONDS), 1)  # ~1 s of pool start-up


def _in_process_baseline(world: Path) -> dict[str, Any]:
    from riskd.pipeline import assess, build_snapshot
    from riskd.register import load_register
    from riskd.server.convert import declaration_from_pb
    from riskd.settings import Limits

    snapshot = build_snapshot(register=load_register(world / "register.csv"))
    declarations = [
        declaration_from_pb(d, Limits()) for d in _load_declarations(world / "declarations.jsonl")
    ]
    latencies = []
    for n in range(SEQUENTIAL_CALLS * 2):
        started = time.perf_counter()
        assess(snapshot, declarations[n % len(declarations)])
        latencies.append(time.perf_counter() - started)
    result = _percentiles(latencies)
    result["decisions_per_s_one_core"] = round(1 / statistics.mean(latencies), 1)
    return result


def main(results_dir: Path) -> dict[str, Any]:
    with tempfile.TemporaryDirectory() as tmp:
        world = Path(tmp)
        subprocess.run(
            [
                sys.executable,
                "-m",
                "fixtures.generate",
                "--out",
                str(world),
                "--seed",
                str(SEED),
                "--marks",
                str(MARKS),
                "--declarations",
                str(DECLARATIONS),
            ],
            check=True,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        declarations_file = world / "declarations.jsonl"
        declarations = _load_declarations(declarations_file)
        items = sum(len(d.items) for d in declarations) / len(declarations)
        result: dict[str, Any] = {
            "world": {
                "marks": MARKS,
                "declarations": DECLARATIONS,
                "items_per_declaration": round(items, 2),
            },
            "in_process_assess": _in_process_baseline(world),
            "cores": os.cpu_count(),
            "clients": f"{CLIENT_PROCESSES} processes x {CLIENT_THREADS} threads",
            "servers": {},
        }
        port = 50600
        for processes, synchronous in ((1, "FULL"), (1, "NORMAL"), (2, "NORMAL")):
            port += 1
            server = _start_server(world, port, processes, synchronous)
            address = f"127.0.0.1:{port}"
            try:
                key = f"processes={processes},synchronous={synchronous}"
                print(f"  {key}", file=sys.stderr, flush=True)
                result["servers"][key] = {
                    "screen_sequential": _sequential(address, declarations),
                    "screen_decisions_per_s": _throughput(address, declarations_file, 1),
                    "batch100_decisions_per_s": _throughput(address, declarations_file, BATCH),
                }
            finally:
                server.send_signal(signal.SIGTERM)
                server.wait(timeout=30)
        servers = result["servers"]
        one, two = (
            servers["processes=1,synchronous=NORMAL"],
            servers["processes=2,synchronous=NORMAL"],
        )
        result["ratios"] = {
            "two_processes_over_one_screen": round(
                two["screen_decisions_per_s"] / one["screen_decisions_per_s"], 2
            ),
            "two_processes_over_one_batch": round(
                two["batch100_decisions_per_s"] / one["batch100_decisions_per_s"], 2
            ),
            "grpc_p50_over_in_process_p50": round(
                one["screen_sequential"]["p50_ms"] / result["in_process_assess"]["p50_ms"], 1
            ),
        }
    return result
