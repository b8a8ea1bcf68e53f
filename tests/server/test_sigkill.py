"""SIGKILL under load loses no acknowledged decision: every decision a client received is in
the store afterwards, intact, since each is committed (fsync) before it is answered."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import grpc

from riskd.store import SqliteStore
from riskd.v1 import screening_service_pb2 as pb
from riskd.v1 import screening_service_pb2_grpc
from tests import requests


def test_sigkill_under_load_loses_no_acknowledged_decision(tmp_path: Path) -> None:
    store = tmp_path / "riskd.db"
    process = subprocess.Popen(
        [sys.executable, "-m", "riskd", "serve", "--listen", "127.0.0.1:0", "--store", str(store)],
        stderr=subprocess.PIPE, text=True, env={**os.environ, "RISKD_THREADS": "4"},
    )  # fmt: skip
    acknowledged: list[str] = []
    lock = threading.Lock()
    stop = threading.Event()
    try:
        assert process.stderr is not None
        serving = json.loads(process.stderr.readline())
        assert serving["event"] == "serving", serving
        address = f"127.0.0.1:{serving['port']}"

        def client(number: int) -> None:
            with grpc.insecure_channel(address) as channel:
                stub = screening_service_pb2_grpc.ScreeningServiceStub(channel)
                sent = 0
                while not stop.is_set():
                    declaration = requests.declaration(declaration_id=f"D-KILL-{number}-{sent}")
                    request = pb.ScreenRequest(declaration=declaration)
                    sent += 1
                    try:
                        answer = stub.Screen(request, timeout=5)
                    except grpc.RpcError:
                        return  # the server is gone
                    with lock:
                        acknowledged.append(answer.assessment.decision_id)

        clients = [threading.Thread(target=client, args=(n,)) for n in range(4)]
        for thread in clients:
            thread.start()
        deadline = time.monotonic() + 30
        while len(acknowledged) < 60 and time.monotonic() < deadline:
            time.sleep(0.05)
        process.send_signal(signal.SIGKILL)  # in the middle of the load
        process.wait(timeout=10)
        stop.set()
        for thread in clients:
            thread.join(timeout=10)
    finally:
        stop.set()
        if process.poll() is None:
            process.kill()
    assert len(acknowledged) >= 60
    reopened = SqliteStore(store)
    try:
        for decision_id in acknowledged:
            assert reopened.get_decision(decision_id).assessment.decision_id == decision_id
        integrity = reopened._db.get().execute("PRAGMA integrity_check").fetchone()[0]
        assert integrity == "ok"
    finally:
        reopened.close()
