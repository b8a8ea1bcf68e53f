"""ReloadRules and ReloadModel through a real server: a good set is swapped in, a broken one
is refused with its problems and the old one keeps serving."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import grpc
import pytest
from google.rpc import error_details_pb2
from grpc_health.v1 import health_pb2, health_pb2_grpc
from grpc_status import rpc_status

from riskd.v1 import admin_service_pb2 as apb
from riskd.v1 import admin_service_pb2_grpc
from tests.server.conftest import ADMIN_AUTH, start_server

ROOT = Path(__file__).resolve().parents[2]


def _problems(error: grpc.RpcError) -> list[str]:
    assert error.code() is grpc.StatusCode.FAILED_PRECONDITION, error
    status = rpc_status.from_call(error)  # type: ignore[arg-type]
    assert status is not None
    failure = error_details_pb2.PreconditionFailure()
    assert status.details[0].Unpack(failure)
    return [v.description for v in failure.violations]


def test_rules_reload_swaps_and_a_broken_rule_set_is_refused(tmp_path: Path) -> None:
    rules = tmp_path / "rules"
    shutil.copytree(ROOT / "rules", rules, ignore=shutil.ignore_patterns("*.py", "__pycache__"))
    riskd_server = start_server(tmp_path, rules_dir=rules, reload_poll_seconds=0)
    try:
        with grpc.insecure_channel(f"127.0.0.1:{riskd_server.port}") as channel:
            admin = admin_service_pb2_grpc.AdminServiceStub(channel)
            first = admin.ReloadRules(apb.ReloadRulesRequest(), metadata=ADMIN_AUTH)
            assert first.versions.rules.startswith("rules-")
            status = admin.GetStatus(apb.GetStatusRequest(), metadata=ADMIN_AUTH)
            assert status.rules > 10
            broken = rules / "media.yaml"
            broken.write_text(
                broken.read_text(encoding="utf-8") + "\n  - id: [not, a, string\n",
                encoding="utf-8",
            )
            with pytest.raises(grpc.RpcError) as caught:
                admin.ReloadRules(apb.ReloadRulesRequest(), metadata=ADMIN_AUTH)
            problems = _problems(caught.value)
            assert any("media.yaml:" in p for p in problems), problems
            after = admin.GetStatus(apb.GetStatusRequest(), metadata=ADMIN_AUTH)
            assert after.versions.rules == first.versions.rules
    finally:
        riskd_server.close()


def test_a_rule_on_a_misspelt_field_is_refused_and_the_old_rules_keep_serving(
    tmp_path: Path,
) -> None:
    rules = tmp_path / "rules"
    shutil.copytree(ROOT / "rules", rules, ignore=shutil.ignore_patterns("*.py", "__pycache__"))
    riskd_server = start_server(tmp_path, rules_dir=rules, reload_poll_seconds=0)
    try:
        with grpc.insecure_channel(f"127.0.0.1:{riskd_server.port}") as channel:
            admin = admin_service_pb2_grpc.AdminServiceStub(channel)
            admin.ReloadRules(apb.ReloadRulesRequest(), metadata=ADMIN_AUTH)
            before = admin.GetStatus(apb.GetStatusRequest(), metadata=ADMIN_AUTH)
            assert before.versions.rules.startswith("rules-") and before.rules > 10
            misspelt = ROOT / "tests" / "rules" / "inputs" / "misspelt_field" / "rules.yaml"
            shutil.copy(misspelt, rules / "misspelt.yaml")  # a rule without tests
            with pytest.raises(grpc.RpcError) as caught:
                admin.ReloadRules(apb.ReloadRulesRequest(), metadata=ADMIN_AUTH)
            problems = _problems(caught.value)
            assert any("misspelt.yaml:11:19" in p and "E-UNKNOWN-FIELD" in p for p in problems), (
                problems
            )
            after = admin.GetStatus(apb.GetStatusRequest(), metadata=ADMIN_AUTH)
            assert after.versions.rules == before.versions.rules
            assert after.rules == before.rules
    finally:
        riskd_server.close()


def test_model_reload_swaps_and_a_corrupt_model_is_refused(tmp_path: Path) -> None:
    registry = tmp_path / "models"
    fit = subprocess.run(
        [
            str(Path(sys.executable).parent / "riskd-train"),
            "fit",
            "--data",
            str(ROOT / "fixtures" / "sample" / "history.parquet"),
            "--registry",
            str(registry),
            "--version",
            "m1",
            "--max-rounds",
            "20",
        ],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert fit.returncode == 0 and (registry / "m1").is_dir(), fit.stdout + fit.stderr
    (registry / "PRODUCTION").write_text("m1\n", encoding="utf-8")
    riskd_server = start_server(tmp_path, model_registry=registry, reload_poll_seconds=0)
    try:
        with grpc.insecure_channel(f"127.0.0.1:{riskd_server.port}") as channel:
            admin = admin_service_pb2_grpc.AdminServiceStub(channel)
            loaded = admin.ReloadModel(apb.ReloadModelRequest(), metadata=ADMIN_AUTH)
            assert loaded.versions.model == "m1"
            shutil.copytree(registry / "m1", registry / "m2")
            (registry / "m2" / "model.txt").write_text("tree\nnot a model\n", encoding="utf-8")
            (registry / "PRODUCTION").write_text("m2\n", encoding="utf-8")
            with pytest.raises(grpc.RpcError) as caught:
                admin.ReloadModel(apb.ReloadModelRequest(), metadata=ADMIN_AUTH)
            assert _problems(caught.value)
            status = admin.GetStatus(apb.GetStatusRequest(), metadata=ADMIN_AUTH)
            assert status.versions.model == "m1"
            (refused,) = status.refused_reloads
            assert refused.part == "model" and refused.problems and refused.refused_at.seconds
            health_stub = health_pb2_grpc.HealthStub(channel)
            model_health = health_pb2.HealthCheckRequest(service="riskd.reload.model")
            assert (
                health_stub.Check(model_health).status == health_pb2.HealthCheckResponse.NOT_SERVING
            )
            assert health_stub.Check(health_pb2.HealthCheckRequest()).status == (
                health_pb2.HealthCheckResponse.SERVING  # the model in service still serves
            )
            # a truncated model.txt crashes LightGBM: tried in a child process, refused
            shutil.copytree(registry / "m1", registry / "m3")
            text = (registry / "m1" / "model.txt").read_text(encoding="utf-8")
            (registry / "m3" / "model.txt").write_text(text[: len(text) // 2], encoding="utf-8")
            (registry / "PRODUCTION").write_text("m3\n", encoding="utf-8")
            with pytest.raises(grpc.RpcError) as caught:
                admin.ReloadModel(apb.ReloadModelRequest(), metadata=ADMIN_AUTH)
            assert any("model.txt" in p for p in _problems(caught.value))
            # a pointer that is not text, then none at all: refused, m1 serves on
            (registry / "PRODUCTION").write_bytes(b"\xff\xfe m1\n")
            with pytest.raises(grpc.RpcError) as caught:
                admin.ReloadModel(apb.ReloadModelRequest(), metadata=ADMIN_AUTH)
            assert any("not readable" in p for p in _problems(caught.value))
            (registry / "PRODUCTION").unlink()
            with pytest.raises(grpc.RpcError) as caught:
                admin.ReloadModel(apb.ReloadModelRequest(), metadata=ADMIN_AUTH)
            assert any("allow_empty" in p for p in _problems(caught.value))
            status = admin.GetStatus(apb.GetStatusRequest(), metadata=ADMIN_AUTH)
            assert status.versions.model == "m1"
            emptied = admin.ReloadModel(
                apb.ReloadModelRequest(allow_empty=True), metadata=ADMIN_AUTH
            )
            assert emptied.versions.model == ""
            status = admin.GetStatus(apb.GetStatusRequest(), metadata=ADMIN_AUTH)
            assert list(status.refused_reloads) == []  # the last reload was accepted
            assert health_stub.Check(model_health).status == health_pb2.HealthCheckResponse.SERVING
    finally:
        riskd_server.close()
