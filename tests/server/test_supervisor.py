"""`riskd serve --processes 2` supervises its workers: one killed (as by the OOM killer) is
started again while the other serves on, and SIGTERM still drains them all."""

from __future__ import annotations

import json
import os
import queue
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import grpc

from riskd.v1 import screening_service_pb2 as pb
from riskd.v1 import screening_service_pb2_grpc
from tests import requests
from tests.net import free_port


def _serving(lines: queue.Queue[dict[str, object]], seconds: float = 60) -> dict[str, object]:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            line = lines.get(timeout=1)
        except queue.Empty:
            continue
        if line.get("event") == "serving":
            return line
    raise AssertionError("no worker reported serving")


def test_a_killed_worker_is_started_again(tmp_path: Path) -> None:
    port = free_port()
    env = {**os.environ, "RISKD_THREADS": "2", "RISKD_LOG_LEVEL": "INFO"}
    process = subprocess.Popen(
        [sys.executable, "-m", "riskd", "serve", "--processes", "2",
         "--listen", f"127.0.0.1:{port}", "--store", str(tmp_path / "riskd.db")],
        stderr=subprocess.PIPE, text=True, env=env,
    )  # fmt: skip
    lines: queue.Queue[dict[str, object]] = queue.Queue()

    def read() -> None:
        assert process.stderr is not None
        for raw in process.stderr:
            try:
                lines.put(json.loads(raw))
            except ValueError:
                continue

    threading.Thread(target=read, daemon=True).start()
    try:
        workers = {_serving(lines)["pid"], _serving(lines)["pid"]}
        assert len(workers) == 2
        victim = sorted(workers)[0]
        os.kill(int(victim), signal.SIGKILL)  # type: ignore[arg-type]
        replacement = _serving(lines)["pid"]
        assert replacement not in workers
        with grpc.insecure_channel(f"127.0.0.1:{port}") as channel:
            stub = screening_service_pb2_grpc.ScreeningServiceStub(channel)
            request = pb.ScreenRequest(declaration=requests.declaration())
            for _ in range(6):  # connections spread over both workers
                assert stub.Screen(request, timeout=20).assessment.decision_id
        process.send_signal(signal.SIGTERM)
        assert process.wait(timeout=30) == 0
    finally:
        if process.poll() is None:
            process.kill()
