"""`riskd serve` as a separate process: configuration layering, decision log, SIGTERM drain."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from pathlib import Path

import grpc

from riskd.v1 import screening_service_pb2 as pb
from riskd.v1 import screening_service_pb2_grpc
from tests import requests

REGISTER = (
    "recordation_id,right_type,mark,aliases,holder,holder_contact,nice_classes,hs_prefixes,"
    "licensees,valid_from,valid_until\n"
    "T2019-00001,TRADEMARK,NIKE,耐克,Nike Innovate C.V.,ipr@nike.example,25,64,,2019-01-01,\n"
)


def test_serve_logs_each_decision_and_drains_on_sigterm(tmp_path: Path) -> None:
    (tmp_path / "register.csv").write_text(REGISTER, encoding="utf-8")
    config = tmp_path / "riskd.toml"
    config.write_text(
        f'listen = "127.0.0.1:1"\nstore = "{tmp_path / "riskd.db"}"\n'
        f'register_file = "{tmp_path / "register.csv"}"\ngrace_seconds = 2.0\n'
        "[limits]\nmax_items = 5\n",
        encoding="utf-8",
    )
    env = {**os.environ, "RISKD_THREADS": "2"}
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "riskd",
            "serve",
            "--config",
            str(config),
            "--listen",
            "127.0.0.1:0",
        ],
        stderr=subprocess.PIPE,
        text=True,
        env=env,
    )
    try:
        assert process.stderr is not None
        first = json.loads(process.stderr.readline())
        assert first["event"] == "serving", first
        with grpc.insecure_channel(f"127.0.0.1:{first['port']}") as channel:
            stub = screening_service_pb2_grpc.ScreeningServiceStub(channel)
            declaration = requests.declaration(requests.COUNTERFEIT)
            answer = stub.Screen(pb.ScreenRequest(declaration=declaration), timeout=10)
            too_many = requests.with_items(
                requests.declaration(), *(requests.item(line_no=n) for n in range(1, 7))
            )
            try:
                stub.Screen(pb.ScreenRequest(declaration=too_many), timeout=10)
                raise AssertionError("the [limits] of the config file were not applied")
            except grpc.RpcError as error:
                assert error.code() is grpc.StatusCode.INVALID_ARGUMENT
        process.send_signal(signal.SIGTERM)
        assert process.wait(timeout=15) == 0
        lines = [json.loads(line) for line in process.stderr.read().splitlines() if line.strip()]
    finally:
        if process.poll() is None:
            process.kill()
    decisions = [line for line in lines if line["event"] == "decision"]
    assert len(decisions) == 1
    logged = decisions[0]
    assert logged["decision_id"] == answer.assessment.decision_id
    assert logged["recommendation"] == "DETAIN"
    assert logged["versions"]["register"] == answer.assessment.versions.register
    assert logged["latency_ms"] > 0
    events = [line["event"] for line in lines]
    assert events.index("draining") < events.index("stopped")


def test_bad_settings_are_refused_with_the_field(tmp_path: Path) -> None:
    config = tmp_path / "riskd.toml"
    config.write_text("threads = 0\nno_such_setting = 1\n", encoding="utf-8")
    result = subprocess.run(
        [sys.executable, "-m", "riskd", "serve", "--config", str(config)],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode != 0
    assert "threads" in result.stderr and "no_such_setting" in result.stderr
