"""Soak: a few minutes of screening load on a real `riskd serve` while rules and models are
reloaded, counting every call that did not succeed.

    python -m bench.soak [--seconds 180] [--reload-every 20] [--clients 4]

The server serves the sample register, the shipped rule set and a model trained here on the
sample history; every `--reload-every` seconds the rule set is touched and reloaded and the
production model switched between two versions. Loopback only; the run stops by itself.
Writes bench/results/soak.json and exits 1 if any call failed.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from pathlib import Path

import click
import grpc

from riskd.v1 import admin_service_pb2 as apb
from riskd.v1 import admin_service_pb2_grpc, screening_service_pb2, screening_service_pb2_grpc
from riskd.v1 import declaration_pb2 as dpb

ROOT = Path(__file__).resolve().parent.parent
SAMPLE = ROOT / "fixtures" / "sample"
RESULTS = ROOT / "bench" / "results" / "soak.json"
TOKEN = "soak-admin-token"


def _train(registry: Path, version: str) -> None:
    subprocess.run(
        [str(Path(sys.executable).parent / "riskd-train"), "fit", "--data",
         str(SAMPLE / "history.parquet"), "--registry", str(registry), "--version", version,
         "--max-rounds", "20"],
        check=True, capture_output=True, timeout=600,
    )  # fmt: skip


def _declarations() -> list[dpb.Declaration]:
    from google.protobuf import json_format

    lines = (SAMPLE / "declarations.jsonl").read_text(encoding="utf-8").splitlines()
    return [json_format.Parse(line, dpb.Declaration()) for line in lines if line.strip()]


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@click.command(context_settings={"help_option_names": ["-h", "--help"]})
@click.option("--seconds", default=180.0, show_default=True, help="How long the load runs.")
@click.option("--reload-every", default=20.0, show_default=True, help="Seconds between reloads.")
@click.option("--clients", default=4, show_default=True, help="Client threads.")
def main(seconds: float, reload_every: float, clients: int) -> None:
    """Screening load with rule and model reloads; every failed call counted."""
    with tempfile.TemporaryDirectory(prefix="riskd-soak-") as tmp:
        work = Path(tmp)
        rules = work / "rules"
        shutil.copytree(ROOT / "rules", rules, ignore=shutil.ignore_patterns("*.py", "__pycache__"))
        registry = work / "models"
        click.echo("training two model versions ...", err=True)
        _train(registry, "soak-a")
        _train(registry, "soak-b")
        (registry / "PRODUCTION").write_text("soak-a\n", encoding="utf-8")
        port = _free_port()
        env = {
            **os.environ,
            "RISKD_ADMIN_TOKEN": TOKEN,
            "RISKD_LOG_LEVEL": "WARNING",
            "RISKD_REGISTER_FILE": str(SAMPLE / "register.csv"),
            "RISKD_RULES_DIR": str(rules),
            "RISKD_MODEL_REGISTRY": str(registry),
        }
        server = subprocess.Popen(
            [sys.executable, "-m", "riskd", "serve", "--listen", f"127.0.0.1:{port}",
             "--store", str(work / "riskd.db")],
            env=env, stderr=subprocess.DEVNULL,
        )  # fmt: skip
        address = f"127.0.0.1:{port}"
        with grpc.insecure_channel(address) as channel:
            grpc.channel_ready_future(channel).result(timeout=120)
        declarations = _declarations()
        outcomes: Counter[str] = Counter()
        lock = threading.Lock()
        stop = threading.Event()

        def client(number: int) -> None:
            with grpc.insecure_channel(address) as channel:
                stub = screening_service_pb2_grpc.ScreeningServiceStub(channel)
                sent = 0
                while not stop.is_set():
                    declaration = declarations[(number + sent) % len(declarations)]
                    sent += 1
                    try:
                        stub.Screen(
                            screening_service_pb2.ScreenRequest(declaration=declaration), timeout=5
                        )
                        code = "OK"
                    except grpc.RpcError as error:
                        code = error.code().name
                    with lock:
                        outcomes[code] += 1

        reloads: Counter[str] = Counter()

        def reloader() -> None:
            auth = (("authorization", f"Bearer {TOKEN}"),)
            version = "soak-a"
            with grpc.insecure_channel(address) as channel:
                admin = admin_service_pb2_grpc.AdminServiceStub(channel)
                while not stop.wait(reload_every):
                    version = "soak-b" if version == "soak-a" else "soak-a"
                    (registry / "PRODUCTION").write_text(version + "\n", encoding="utf-8")
                    for rule_file in rules.glob("*.yaml"):
                        rule_file.touch()
                    for name in ("rules", "model"):
                        try:
                            if name == "rules":
                                admin.ReloadRules(apb.ReloadRulesRequest(), metadata=auth)
                            else:
                                admin.ReloadModel(apb.ReloadModelRequest(), metadata=auth)
                            reloads[f"{name} ok"] += 1
                        except grpc.RpcError as error:
                            reloads[f"{name} {error.code().name}"] += 1

        threads = [threading.Thread(target=client, args=(n,)) for n in range(clients)]
        threads.append(threading.Thread(target=reloader))
        started = time.monotonic()
        for thread in threads:
            thread.start()
        try:
            while time.monotonic() - started < seconds:
                time.sleep(1)
                done = sum(outcomes.values())
                click.echo(f"\r{time.monotonic() - started:5.0f} s  {done} calls  {dict(outcomes)}",
                           err=True, nl=False)  # fmt: skip
        finally:
            stop.set()
            for thread in threads:
                thread.join(timeout=30)
            server.send_signal(signal.SIGTERM)
            exit_code = server.wait(timeout=60)
        click.echo("", err=True)
    failed = sum(n for code, n in outcomes.items() if code != "OK")
    result = {
        "seconds": seconds,
        "clients": clients,
        "calls": dict(outcomes),
        "failed_calls": failed,
        "reloads": dict(reloads),
        "server_exit_code": exit_code,
    }
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps(result, indent=2, sort_keys=True) + "\n", encoding="utf-8")
    click.echo(json.dumps(result, indent=2, sort_keys=True))
    bad_reloads = sum(n for what, n in reloads.items() if not what.endswith(" ok"))
    sys.exit(1 if failed or bad_reloads or exit_code != 0 else 0)


if __name__ == "__main__":
    main()
