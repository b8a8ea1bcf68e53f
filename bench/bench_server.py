"""Screening measured as users run riskd: `riskd serve --config fixtures/demo.toml` on a demo
world built the way `make demo` builds it (rules, model, entity profiles, INFO logs, one fsync
per commit), and in the same run a bare grpcio echo server (`bench.echo_server`: the same
methods and message types, a constant answer). The client is `riskd bench load`'s
(`riskd.loadgen`) in this process; the servers' CPU time is read from their processes.

Each case: unary `Screen` at 1 and 32 concurrent calls, `ScreenBatch` of 100, `ScreenStream`;
throughput, p50/p99 and server CPU per declaration, each as a ratio to the echo server's; and
`ScreenBatch` of 100 with `--processes 2` on the server and two client processes.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path
from typing import Any

import grpc
import psutil

from riskd.cli.declaration_file import read_declarations
from riskd.loadgen import LoadPlan, run_load
from riskd.v1 import declaration_pb2, screening_service_pb2

ROOT = Path(__file__).parents[1]
DEMO_CONFIG = ROOT / "fixtures" / "demo.toml"
SEED = 7  # the demo world's
MARKS = 2000  # as `make demo`
DECLARATIONS = 20000  # as `make demo`: the same world, the same model
SECONDS = 6.0
WARMUP = 1.0
BATCH = 100
CASES: dict[str, dict[str, Any]] = {
    "screen_1": {"concurrency": 1},
    "screen_32": {"concurrency": 32},
    "batch_100": {"concurrency": 4, "batch": BATCH},
    "stream": {"concurrency": 4, "batch": 10, "stream": True},  # the demo's max_streams
}
SERVICE = "/riskd.v1.ScreeningService/"


def _run(*args: str) -> None:
    done = subprocess.run([sys.executable, *args], cwd=ROOT, capture_output=True, text=True)
    if done.returncode:
        raise RuntimeError(f"{' '.join(args[:3])} failed:\n{done.stderr[-2000:]}")


def build_demo_world(world: Path) -> float:
    """The steps of the Makefile's `demo` target, into `world`; returns the seconds taken."""
    started = time.perf_counter()
    _run("-m", "fixtures.generate", "--out", str(world), "--seed", str(SEED),
         "--marks", str(MARKS), "--declarations", str(DECLARATIONS))  # fmt: skip
    train = ("-c", "from training.cli import main; main()")
    _run(*train, "fit", "--data", str(world / "history.parquet"),
         "--register", str(world / "register.csv"), "--registry", str(world / "models"),
         "--version", "demo-1")  # fmt: skip
    _run(*train, "promote", "--registry", str(world / "models"), "--version", "demo-1",
         "--force")  # fmt: skip
    _run(*train, "seed-profiles", "--history", str(world / "history.parquet"),
         "--store", str(world / "riskd.db"))  # fmt: skip
    return time.perf_counter() - started


def _wait_ready(address: str, process: subprocess.Popen[bytes], settle: float) -> None:
    with grpc.insecure_channel(address) as channel:
        try:
            grpc.channel_ready_future(channel).result(timeout=120)
        except grpc.FutureTimeoutError:
            process.kill()
            raise RuntimeError(f"the server on {address} did not start") from None
    time.sleep(settle)  # every process of several bound and loaded


def start_riskd(world: Path, address: str, processes: int, log: Path) -> subprocess.Popen[bytes]:
    """`riskd serve --config fixtures/demo.toml`, its paths pointed into `world`."""
    env = {
        **os.environ,
        "RISKD_STORE": str(world / "riskd.db"),
        "RISKD_REGISTER_FILE": str(world / "register.csv"),
        "RISKD_MODEL_REGISTRY": str(world / "models"),
        "RISKD_RULES_DIR": str(ROOT / "rules"),
    }
    command = [sys.executable, "-m", "riskd", "serve", "--config", str(DEMO_CONFIG),
               "--listen", address, "--processes", str(processes)]  # fmt: skip
    with log.open("ab") as out:
        process = subprocess.Popen(command, env=env, cwd=ROOT, stderr=out)
    _wait_ready(address, process, 1.0 * processes)
    return process


def start_echo(answers: Path, address: str) -> subprocess.Popen[bytes]:
    command = [sys.executable, "-m", "bench.echo_server", "--listen", address,
               "--answers", str(answers)]  # fmt: skip
    process = subprocess.Popen(command, cwd=ROOT, stderr=subprocess.DEVNULL)
    _wait_ready(address, process, 0.2)
    return process


def stop(process: subprocess.Popen[bytes]) -> None:
    process.send_signal(signal.SIGTERM)
    try:
        process.wait(timeout=30)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


def keep_answers(
    address: str, declarations: Sequence[declaration_pb2.Declaration], answers: Path
) -> None:
    """riskd's own answers to one Screen, one ScreenBatch and one stream message, for the echo
    server to send back."""
    answers.mkdir()
    with grpc.insecure_channel(address) as channel:
        screen = channel.unary_unary(SERVICE + "Screen")
        batch = channel.unary_unary(SERVICE + "ScreenBatch")
        stream = channel.stream_stream(SERVICE + "ScreenStream")
        request = screening_service_pb2.ScreenRequest(declaration=declarations[0])
        (answers / "screen.bin").write_bytes(screen(request.SerializeToString(), timeout=30))
        many = screening_service_pb2.ScreenBatchRequest(declarations=declarations[:BATCH])
        (answers / "batch.bin").write_bytes(batch(many.SerializeToString(), timeout=60))
        one = screening_service_pb2.ScreenStreamRequest(declaration=declarations[0])
        (answer,) = list(stream(iter([one.SerializeToString()]), timeout=30))
        (answers / "stream.bin").write_bytes(answer)


def _cpu_seconds(process: psutil.Process, leave_out: int | None = None) -> float:
    """CPU time of a process and its live children (the workers of `--processes`, the client
    processes), without the tree of `leave_out` (the server, a child of this process)."""
    total = 0.0
    skipped = set()
    if leave_out is not None:
        server = psutil.Process(leave_out)
        skipped = {leave_out, *(c.pid for c in server.children(recursive=True))}
    for p in [process, *process.children(recursive=True)]:
        if p.pid in skipped:
            continue
        try:
            times = p.cpu_times()
        except psutil.NoSuchProcess:
            continue
        total += times.user + times.system
    return total


def _client_cpu_seconds(client: psutil.Process, server: int) -> float:
    """This process's CPU time with its children's but the server's; client processes of
    `processes > 1` have ended when a run returns, so their time is in children_user."""
    times = client.cpu_times()
    children = float(times.children_user + times.children_system)
    return _cpu_seconds(client, leave_out=server) + children


def measure(
    plan: LoadPlan,
    declarations: Sequence[declaration_pb2.Declaration],
    server: subprocess.Popen[bytes],
) -> dict[str, Any]:
    """One case: a warm-up run, then the measured run with the CPU both sides spent in it."""
    run_load(replace(plan, duration=WARMUP, warmup=0.0), declarations)
    server_process, client_process = psutil.Process(server.pid), psutil.Process()
    server_before = _cpu_seconds(server_process)
    client_before = _client_cpu_seconds(client_process, server.pid)
    result = run_load(replace(plan, warmup=0.0), declarations)
    server_cpu = _cpu_seconds(server_process) - server_before
    client_cpu = _client_cpu_seconds(client_process, server.pid) - client_before
    figures = result.as_dict()
    done = max(result.declarations, 1)
    figures["server_cpu_ms_per_declaration"] = round(server_cpu * 1000 / done, 4)
    figures["client_cpu_ms_per_declaration"] = round(client_cpu * 1000 / done, 4)
    figures["server_cpu_cores_busy"] = round(server_cpu / result.seconds, 2)
    print(f"    {plan.method} x{plan.concurrency} batch {plan.batch}: "
          f"{figures['declarations_per_second']}/s {figures['latency_ms']}",
          file=sys.stderr, flush=True)  # fmt: skip
    return figures


def _cases(
    address: str,
    declarations: Sequence[declaration_pb2.Declaration],
    server: subprocess.Popen[bytes],
) -> dict[str, Any]:
    base = LoadPlan(target=address, concurrency=1, duration=SECONDS, timeout=60.0)
    return {
        name: measure(replace(base, **overrides), declarations, server)
        for name, overrides in CASES.items()
    }


def _ratio(a: float, b: float) -> float | None:
    return round(a / b, 3) if b else None


def ratios(riskd: dict[str, Any], echo: dict[str, Any]) -> dict[str, Any]:
    out = {}
    for name in CASES:
        r, e = riskd[name], echo[name]
        out[name] = {
            "throughput_over_echo": _ratio(
                r["declarations_per_second"], e["declarations_per_second"]
            ),
            "p50_over_echo": _ratio(r["latency_ms"]["p50"], e["latency_ms"]["p50"]),
            "p99_over_echo": _ratio(r["latency_ms"]["p99"], e["latency_ms"]["p99"]),
            "server_cpu_over_echo": _ratio(
                r["server_cpu_ms_per_declaration"], e["server_cpu_ms_per_declaration"]
            ),
        }
    return out


def main(results_dir: Path) -> dict[str, Any]:
    load_before = os.getloadavg()
    with tempfile.TemporaryDirectory(prefix="bench-server-") as tmp:
        world = Path(tmp) / "world"
        build_seconds = build_demo_world(world)
        declarations = list(read_declarations(world / "declarations.jsonl"))
        items = sum(len(d.items) for d in declarations) / len(declarations)
        log = Path(tmp) / "riskd.log"
        address = "127.0.0.1:50611"

        print("  riskd, demo world, 1 process", file=sys.stderr, flush=True)
        server = start_riskd(world, address, 1, log)
        try:
            keep_answers(address, declarations, Path(tmp) / "answers")
            riskd = _cases(address, declarations, server)
        finally:
            stop(server)

        print("  echo server", file=sys.stderr, flush=True)
        echo_address = "127.0.0.1:50612"
        server = start_echo(Path(tmp) / "answers", echo_address)
        try:
            echo = _cases(echo_address, declarations, server)
        finally:
            stop(server)

        print("  riskd, demo world, --processes 2", file=sys.stderr, flush=True)
        address = "127.0.0.1:50613"
        server = start_riskd(world, address, 2, log)
        try:
            plan = LoadPlan(target=address, concurrency=8, duration=SECONDS, batch=BATCH,
                            processes=2, timeout=60.0)  # fmt: skip
            two_processes = {"batch_100_2_clients": measure(plan, declarations, server)}
        finally:
            stop(server)
        logged = sum(1 for _ in log.open("rb"))

    return {
        "command": "make bench (python -m bench.run bench_server)",
        "world": {
            "config": "fixtures/demo.toml",
            "seed": SEED,
            "marks": MARKS,
            "history_declarations": DECLARATIONS,
            "declarations_sent": len(declarations),
            "items_per_declaration": round(items, 2),
            "build_seconds": round(build_seconds, 1),
        },
        "cores": os.cpu_count(),
        "load_average_before": [round(x, 2) for x in load_before],
        "load_average_after": [round(x, 2) for x in os.getloadavg()],
        "seconds_per_case": SECONDS,
        "client": "riskd.loadgen (grpc.aio, one process unless said), in the bench process",
        "server_log_lines": logged,
        "riskd": riskd,
        "echo": echo,
        "riskd_processes_2": two_processes,
        "ratios": ratios(riskd, echo),
    }
