"""AdminService credentials and reloads, health and reflection, through a real server."""

from __future__ import annotations

import subprocess
from pathlib import Path

import grpc
import pytest
from google.rpc import code_pb2, error_details_pb2
from grpc_health.v1 import health_pb2, health_pb2_grpc
from grpc_reflection.v1alpha import reflection_pb2, reflection_pb2_grpc
from grpc_status import rpc_status

from riskd.v1 import admin_service_pb2 as apb
from riskd.v1 import admin_service_pb2_grpc, assessment_pb2, screening_service_pb2_grpc
from riskd.v1 import screening_service_pb2 as spb
from tests import requests
from tests.server.conftest import ADMIN_AUTH, Client, start_server

REGISTER_HEADER = (
    "recordation_id,right_type,mark,aliases,holder,holder_contact,nice_classes,"
    "hs_prefixes,licensees,valid_from,valid_until\n"
)


def test_admin_without_token_is_unauthenticated(client: Client) -> None:
    with pytest.raises(grpc.RpcError) as caught:
        client.admin.GetStatus(apb.GetStatusRequest())
    assert caught.value.code() is grpc.StatusCode.UNAUTHENTICATED


def test_admin_with_wrong_token_is_denied(client: Client) -> None:
    with pytest.raises(grpc.RpcError) as caught:
        client.admin.GetStatus(
            apb.GetStatusRequest(), metadata=(("authorization", "Bearer guess"),)
        )
    assert caught.value.code() is grpc.StatusCode.PERMISSION_DENIED


def test_status_reports_versions_and_counts(client: Client) -> None:
    status = client.admin.GetStatus(apb.GetStatusRequest(), metadata=ADMIN_AUTH)
    assert status.versions.register == "reg-test"
    assert status.recordations == 2
    assert status.decisions_stored >= status.outcomes_stored >= 0
    assert status.server_version


def test_screening_needs_no_token_by_default(client: Client) -> None:
    client.screening.Screen(spb.ScreenRequest(declaration=requests.declaration()))


def test_register_reload_swaps_and_a_broken_file_keeps_the_old(tmp_path: Path) -> None:
    riskd_server = start_server(tmp_path)
    try:
        with grpc.insecure_channel(f"127.0.0.1:{riskd_server.port}") as channel:
            admin = admin_service_pb2_grpc.AdminServiceStub(channel)
            good = tmp_path / "register.csv"
            good.write_text(
                REGISTER_HEADER + "T2024-00077,TRADEMARK,KALORA,,Kalora SpA,,25,64,,2020-01-01,\n",
                encoding="utf-8",
            )
            reloaded = admin.ReloadRegister(
                apb.ReloadRegisterRequest(path=str(good)), metadata=ADMIN_AUTH
            )
            assert reloaded.recordations == 1
            assert reloaded.versions.register.startswith("reg-")
            bad = tmp_path / "broken.csv"
            bad.write_text(
                REGISTER_HEADER + "T1,TRADEMARK,,Nobody,,,,64x,,2020-13-01,\n", encoding="utf-8"
            )
            with pytest.raises(grpc.RpcError) as caught:
                admin.ReloadRegister(apb.ReloadRegisterRequest(path=str(bad)), metadata=ADMIN_AUTH)
            assert caught.value.code() is grpc.StatusCode.FAILED_PRECONDITION
            status = rpc_status.from_call(caught.value)  # type: ignore[arg-type]
            assert status is not None and status.code == code_pb2.FAILED_PRECONDITION
            failure = error_details_pb2.PreconditionFailure()
            assert status.details[0].Unpack(failure)
            problems = " ".join(v.description for v in failure.violations)
            for column in ("mark", "holder", "valid_from", "hs_prefixes"):
                assert f"{bad}:2:{column}:" in problems, problems  # data row 1, line 2
            after = admin.GetStatus(apb.GetStatusRequest(), metadata=ADMIN_AUTH)
            assert after.versions.register == reloaded.versions.register
            screening = screening_service_pb2_grpc.ScreeningServiceStub(channel)
            declaration = requests.declaration(requests.COUNTERFEIT)
            declaration.items[0].brand = "Kalora"
            answer = screening.Screen(spb.ScreenRequest(declaration=declaration))
            assert answer.assessment.recommendation == assessment_pb2.RECOMMENDATION_DETAIN
    finally:
        riskd_server.close()


def test_reload_of_missing_register_file_is_refused(client: Client) -> None:
    with pytest.raises(grpc.RpcError) as caught:
        client.admin.ReloadRegister(
            apb.ReloadRegisterRequest(path="/nonexistent/register.csv"), metadata=ADMIN_AUTH
        )
    assert caught.value.code() is grpc.StatusCode.FAILED_PRECONDITION


def test_admin_disabled_without_configured_token(tmp_path: Path) -> None:
    riskd_server = start_server(tmp_path, admin_token=None)
    try:
        with grpc.insecure_channel(f"127.0.0.1:{riskd_server.port}") as channel:
            admin = admin_service_pb2_grpc.AdminServiceStub(channel)
            with pytest.raises(grpc.RpcError) as caught:
                admin.GetStatus(apb.GetStatusRequest(), metadata=ADMIN_AUTH)
            assert caught.value.code() is grpc.StatusCode.PERMISSION_DENIED
    finally:
        riskd_server.close()


def test_screening_token_when_configured(tmp_path: Path) -> None:
    riskd_server = start_server(tmp_path, screening_token="screen-secret")
    try:
        with grpc.insecure_channel(f"127.0.0.1:{riskd_server.port}") as channel:
            stub = screening_service_pb2_grpc.ScreeningServiceStub(channel)
            request = spb.ScreenRequest(declaration=requests.declaration())
            with pytest.raises(grpc.RpcError) as caught:
                stub.Screen(request)
            assert caught.value.code() is grpc.StatusCode.UNAUTHENTICATED
            with pytest.raises(grpc.RpcError) as caught:
                list(stub.ScreenStream(iter([spb.ScreenStreamRequest()])))
            assert caught.value.code() is grpc.StatusCode.UNAUTHENTICATED
            ok = stub.Screen(request, metadata=(("authorization", "Bearer screen-secret"),))
            assert ok.assessment.decision_id
    finally:
        riskd_server.close()


def test_health_is_serving_for_each_service(client: Client) -> None:
    stub = health_pb2_grpc.HealthStub(client.channel)
    for service in ("", "riskd.v1.ScreeningService", "riskd.v1.AdminService"):
        answer = stub.Check(health_pb2.HealthCheckRequest(service=service))
        assert answer.status == health_pb2.HealthCheckResponse.SERVING


def test_reflection_lists_both_services(client: Client) -> None:
    stub = reflection_pb2_grpc.ServerReflectionStub(client.channel)
    request = reflection_pb2.ServerReflectionRequest(list_services="")
    [response] = list(stub.ServerReflectionInfo(iter([request])))
    names = {s.name for s in response.list_services_response.service}
    assert {"riskd.v1.ScreeningService", "riskd.v1.AdminService", "grpc.health.v1.Health"} <= names


def test_reflection_describes_the_declaration(client: Client) -> None:
    stub = reflection_pb2_grpc.ServerReflectionStub(client.channel)
    request = reflection_pb2.ServerReflectionRequest(file_containing_symbol="riskd.v1.Declaration")
    [response] = list(stub.ServerReflectionInfo(iter([request])))
    assert response.file_descriptor_response.file_descriptor_proto


def test_drain_reports_not_serving(tmp_path: Path) -> None:
    riskd_server = start_server(tmp_path)
    request = health_pb2.HealthCheckRequest(service="riskd.v1.ScreeningService")
    assert riskd_server.health.Check(request, None).status == health_pb2.HealthCheckResponse.SERVING  # type: ignore[arg-type]
    stopped = riskd_server.drain(grace=1.0)
    assert (
        riskd_server.health.Check(request, None).status  # type: ignore[arg-type]
        == health_pb2.HealthCheckResponse.NOT_SERVING
    )
    assert stopped.wait(5)
    riskd_server.runtime.close()


def test_metrics_are_served_for_prometheus(tmp_path: Path) -> None:
    import socket
    import urllib.request

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    riskd_server = start_server(tmp_path, metrics_listen=f"127.0.0.1:{port}")
    try:
        with grpc.insecure_channel(f"127.0.0.1:{riskd_server.port}") as channel:
            stub = screening_service_pb2_grpc.ScreeningServiceStub(channel)
            nike = requests.declaration(requests.COUNTERFEIT)
            stub.Screen(spb.ScreenRequest(declaration=nike), timeout=10)
            admin = admin_service_pb2_grpc.AdminServiceStub(channel)
            with pytest.raises(grpc.RpcError):
                admin.ReloadRules(apb.ReloadRulesRequest(), metadata=ADMIN_AUTH, timeout=10)
        scraped = urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=10)
        text = scraped.read().decode()
    finally:
        riskd_server.close()
    assert 'riskd_requests_total{code="OK",method="Screen"} 1.0' in text
    assert 'riskd_requests_total{code="FAILED_PRECONDITION",method="ReloadRules"} 1.0' in text
    assert 'riskd_recommendations_total{lane="RED",recommendation="DETAIN"} 1.0' in text
    assert 'riskd_matches_total{method="EXACT",raises_risk="true"} 1.0' in text
    assert 'riskd_reloads_total{part="rules",result="refused"} 1.0' in text
    assert 'riskd_serving_versions{model=""' in text and 'register="reg-test"' in text
    for stage in ("match", "features", "rules", "model", "policy", "store"):
        assert f'riskd_stage_seconds_count{{stage="{stage}"}} 1.0' in text


def test_reflection_v1_lists_and_describes_like_v1alpha(client: Client) -> None:
    from riskd.reflection.v1 import reflection_pb2 as v1_pb2
    from riskd.reflection.v1 import reflection_pb2_grpc as v1_grpc

    stub = v1_grpc.ServerReflectionStub(client.channel)
    questions = [
        v1_pb2.ServerReflectionRequest(list_services=""),
        v1_pb2.ServerReflectionRequest(file_containing_symbol="riskd.v1.Declaration"),
        v1_pb2.ServerReflectionRequest(file_containing_symbol="no.such.Symbol"),
    ]
    listed, described, missing = list(stub.ServerReflectionInfo(iter(questions)))
    names = {s.name for s in listed.list_services_response.service}
    assert {
        "riskd.v1.ScreeningService",
        "riskd.v1.AdminService",
        "grpc.health.v1.Health",
        "grpc.reflection.v1.ServerReflection",
        "grpc.reflection.v1alpha.ServerReflection",
    } <= names
    assert described.file_descriptor_response.file_descriptor_proto
    assert missing.error_response.error_code == grpc.StatusCode.NOT_FOUND.value[0]


@pytest.mark.parametrize("protocol", ["grpc-v1", "grpc-v1alpha"])
def test_buf_curl_lists_the_services_through_either_reflection(
    client: Client, protocol: str
) -> None:
    buf = Path(__file__).resolve().parents[2] / "node_modules" / ".bin" / "buf"
    if not buf.exists():
        pytest.skip("buf from node_modules (make setup) is needed")
    listed = subprocess.run(
        [
            str(buf),
            "curl",
            "--protocol",
            "grpc",
            "--http2-prior-knowledge",
            "--reflect-protocol",
            protocol,
            "--list-methods",
            f"http://{client.address}",
        ],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert listed.returncode == 0, listed.stderr
    assert "riskd.v1.ScreeningService/Screen" in listed.stdout.splitlines()
