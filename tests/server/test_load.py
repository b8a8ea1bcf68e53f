"""`riskd bench load` against a real server on a free port: what it counts and how it reports
refusals, for unary, batch and stream calls."""

from __future__ import annotations

import json
import shutil
import socket
from pathlib import Path

import pytest
from click.testing import CliRunner

from riskd.cli.load_cmd import generated_declarations
from riskd.cli.main import cli
from riskd.loadgen import LoadPlan, Tls, percentiles, run_load
from riskd.server import convert
from riskd.settings import Limits
from riskd.v1 import declaration_pb2
from tests import factory
from tests.server.conftest import start_server
from tests.server.test_security import _certificates

SAMPLE = Path(__file__).parents[2] / "fixtures" / "sample" / "declarations.jsonl"
SECONDS = 1.0


def declarations(
    n: int = 5, description: str = "running shoes"
) -> list[declaration_pb2.Declaration]:
    return [
        convert.declaration_to_pb(
            factory.declaration(f"LOAD-{k}", items=(factory.item(description=description),))
        )
        for k in range(n)
    ]


@pytest.fixture(scope="module")
def address(tmp_path_factory: pytest.TempPathFactory) -> object:
    server = start_server(
        tmp_path_factory.mktemp("load"),
        screening_token="screen-secret",
        limits=Limits(max_batch=20, max_description_bytes=512),
    )
    yield f"127.0.0.1:{server.port}"
    server.close()


def plan(address: str, **overrides: object) -> LoadPlan:
    values: dict[str, object] = {
        "target": address,
        "concurrency": 4,
        "duration": SECONDS,
        "warmup": 0.2,
        "timeout": 10.0,
        "token": "screen-secret",
    }
    values.update(overrides)
    return LoadPlan(**values)  # type: ignore[arg-type]


def test_unary_calls_are_counted_with_their_latencies(address: str) -> None:
    result = run_load(plan(address), declarations())
    assert result.errors == {}
    assert result.calls > 0 and result.declarations == result.calls
    assert result.declarations_per_second == pytest.approx(result.calls / result.seconds)
    latency = result.latency_ms
    assert 0 < latency["p50"] <= latency["p90"] <= latency["p99"] <= latency["max"]


def test_a_batch_counts_each_declaration(address: str) -> None:
    result = run_load(plan(address, batch=7, concurrency=2), declarations())
    assert result.errors == {} and result.calls > 0
    assert result.declarations == 7 * result.calls


def test_refused_calls_are_counted_by_status_code(address: str) -> None:
    unauthenticated = run_load(plan(address, token=None), declarations())
    assert unauthenticated.calls == 0 and unauthenticated.declarations == 0
    assert set(unauthenticated.errors) == {"UNAUTHENTICATED"}
    assert unauthenticated.errors["UNAUTHENTICATED"] > 0
    too_large = run_load(plan(address, batch=21, concurrency=1), declarations())
    assert set(too_large.errors) == {"INVALID_ARGUMENT"} and too_large.calls == 0


def test_a_stream_counts_answers_and_in_stream_refusals(address: str) -> None:
    good = run_load(plan(address, stream=True, batch=3, concurrency=2), declarations())
    assert good.errors == {} and good.calls > 0 and good.declarations == 3 * good.calls
    # every other declaration is refused in-band (a description over the 512-byte limit)
    mixed = [
        d for pair in zip(declarations(), declarations(5, "x" * 600), strict=True) for d in pair
    ]
    result = run_load(plan(address, stream=True, batch=2, concurrency=1), mixed)
    assert set(result.errors) == {"in-stream INVALID_ARGUMENT"}
    assert result.errors["in-stream INVALID_ARGUMENT"] == result.declarations == result.calls


def test_streams_over_the_servers_limit_are_counted_as_refused(tmp_path: Path) -> None:
    server = start_server(tmp_path, threads=8, limits=Limits(max_streams=2))
    try:  # two open streams allowed, four callers try
        result = run_load(
            plan(f"127.0.0.1:{server.port}", stream=True, concurrency=4, token=None),
            declarations(),
        )
    finally:
        server.close()
    assert result.calls > 0 and result.errors["RESOURCE_EXHAUSTED"] > 0
    # grpc's client reports a refusal that races a write as INTERNAL
    assert set(result.errors) <= {"RESOURCE_EXHAUSTED", "INTERNAL"}


def test_two_client_processes_add_up(address: str) -> None:
    result = run_load(plan(address, processes=2), declarations())
    assert result.errors == {} and result.calls > 0
    assert result.plan.processes == 2


def test_the_command_prints_json_and_text(address: str) -> None:
    runner = CliRunner()
    args = ["bench", "load", "--target", address, "--concurrency", "2", "--duration", "1"]
    args += ["--warmup", "0.2", "--declarations", str(SAMPLE), "--token", "screen-secret"]
    answer = runner.invoke(cli, [*args, "--json"])
    assert answer.exit_code == 0, answer.output
    figures = json.loads(answer.output)
    assert figures["method"] == "Screen" and figures["calls"] > 0
    assert set(figures["latency_ms"]) == {"p50", "p90", "p99", "max"}
    # the sample's long descriptions exceed this server's 512-byte limit: counted, not fatal
    assert set(figures["errors"]) <= {"INVALID_ARGUMENT"}
    text = runner.invoke(cli, args)
    assert text.exit_code == 0 and "declarations/s" in text.output and "p99" in text.output


def test_bad_arguments_are_refused_plainly(address: str) -> None:
    runner = CliRunner()
    answer = runner.invoke(cli, ["bench", "load", "--target", address, "--concurrency", "0"])
    assert answer.exit_code == 2 and "at least 1" in answer.output
    answer = runner.invoke(cli, ["bench", "load", "--target", address, "--tls-cert", str(SAMPLE)])
    assert answer.exit_code == 2 and "go together" in answer.output
    assert runner.invoke(cli, ["bench", "load", "--help"]).exit_code == 0


def test_an_unreachable_target_is_one_line() -> None:
    with socket.socket() as probe:  # a port nothing listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    args = ["bench", "load", "--target", f"127.0.0.1:{port}", "--timeout", "1"]
    answer = CliRunner().invoke(cli, [*args, "--declarations", str(SAMPLE)])
    assert answer.exit_code == 2 and "not reachable within 1 s" in answer.output
    assert "Traceback" not in answer.output


def test_percentiles_by_nearest_rank() -> None:
    samples = [n / 1000 for n in range(1, 101)]  # 1 .. 100 ms
    assert percentiles(samples) == {"p50": 50.0, "p90": 90.0, "p99": 99.0, "max": 100.0}
    assert percentiles([0.004]) == {"p50": 4.0, "p90": 4.0, "p99": 4.0, "max": 4.0}
    assert percentiles([]) == {}


def test_generated_declarations_are_valid_and_repeatable() -> None:
    first = generated_declarations(3, 20)
    assert len(first) == 20 and first == generated_declarations(3, 20)
    limits = Limits()
    assert all(convert.declaration_from_pb(d, limits).items for d in first)


@pytest.mark.skipif(shutil.which("openssl") is None, reason="openssl makes the certificates")
def test_mutual_tls(tmp_path: Path) -> None:
    pki = _certificates(tmp_path)
    server = start_server(
        tmp_path / "mtls",
        tls_cert=pki / "server.pem",
        tls_key=pki / "server.key",
        tls_client_ca=pki / "ca.pem",
    )
    try:
        tls = Tls(ca=pki / "ca.pem", cert=pki / "client.pem", key=pki / "client.key")
        result = run_load(
            plan(f"127.0.0.1:{server.port}", tls=tls, token=None, concurrency=1), declarations()
        )
    finally:
        server.close()
    assert result.errors == {} and result.calls > 0
