"""Who may call what: writes and reads of party data are closed by default, each group of
methods has its own token, and TLS / mutual TLS protect them on the wire (certificates
made here by openssl, for this test only)."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import grpc
import pytest
from structlog.testing import capture_logs

from riskd.settings import Settings, unknown_environment
from riskd.v1 import admin_service_pb2 as apb
from riskd.v1 import admin_service_pb2_grpc, assessment_pb2, screening_service_pb2_grpc
from riskd.v1 import screening_service_pb2 as pb
from tests import requests
from tests.server.conftest import ADMIN_AUTH, start_server


def _bearer(token: str) -> tuple[tuple[str, str], ...]:
    return (("authorization", f"Bearer {token}"),)


def _decided(stub: screening_service_pb2_grpc.ScreeningServiceStub) -> pb.ScreenResponse:
    declaration = requests.declaration()
    return stub.Screen(pb.ScreenRequest(declaration=declaration), timeout=10)


def _code(call: object) -> grpc.StatusCode:
    with pytest.raises(grpc.RpcError) as caught:
        call()  # type: ignore[operator]
    return caught.value.code()  # type: ignore[no-any-return]


def test_writes_and_party_data_are_closed_without_their_tokens(tmp_path: Path) -> None:
    riskd_server = start_server(tmp_path, outcome_token=None, decision_token=None)
    try:
        with grpc.insecure_channel(f"127.0.0.1:{riskd_server.port}") as channel:
            stub = screening_service_pb2_grpc.ScreeningServiceStub(channel)
            decided = _decided(stub)
            get = pb.GetDecisionRequest(decision_id=decided.assessment.decision_id)
            assert _code(lambda: stub.GetDecision(get, timeout=10)) is (
                grpc.StatusCode.PERMISSION_DENIED
            )
            outcome = pb.RecordOutcomeRequest(outcome=_outcome(decided))
            assert _code(lambda: stub.RecordOutcome(outcome, timeout=10)) is (
                grpc.StatusCode.PERMISSION_DENIED
            )
    finally:
        riskd_server.close()


def _outcome(decided: pb.ScreenResponse) -> assessment_pb2.Outcome:
    return assessment_pb2.Outcome(
        outcome_id="O-SEC",
        decision_id=decided.assessment.decision_id,
        result=assessment_pb2.OUTCOME_RESULT_SEIZED,
    )


def test_each_group_has_its_own_token_and_methods_can_move(tmp_path: Path) -> None:
    riskd_server = start_server(
        tmp_path, decision_token="reads", outcome_token="writes", method_groups={}
    )
    moved = start_server(tmp_path / "moved", method_groups={"GetDecision": "admin"})
    try:
        with grpc.insecure_channel(f"127.0.0.1:{riskd_server.port}") as channel:
            stub = screening_service_pb2_grpc.ScreeningServiceStub(channel)
            decided = _decided(stub)
            get = pb.GetDecisionRequest(decision_id=decided.assessment.decision_id)
            denied = grpc.StatusCode.PERMISSION_DENIED
            assert _code(lambda: stub.GetDecision(get, metadata=_bearer("writes"))) is denied
            assert _code(lambda: stub.GetDecision(get, metadata=ADMIN_AUTH)) is denied
            assert _code(lambda: stub.GetDecision(get)) is grpc.StatusCode.UNAUTHENTICATED
            found = stub.GetDecision(get, metadata=_bearer("reads"), timeout=10)
            assert found.assessment.decision_id == decided.assessment.decision_id
        with grpc.insecure_channel(f"127.0.0.1:{moved.port}") as channel:
            stub = screening_service_pb2_grpc.ScreeningServiceStub(channel)
            decided = _decided(stub)
            get = pb.GetDecisionRequest(decision_id=decided.assessment.decision_id)
            assert stub.GetDecision(get, metadata=ADMIN_AUTH, timeout=10).assessment.decision_id
    finally:
        riskd_server.close()
        moved.close()


def _openssl(*args: str, cwd: Path) -> None:
    subprocess.run(["openssl", *args], cwd=cwd, check=True, capture_output=True, timeout=60)


def _certificates(folder: Path) -> Path:
    """A CA, a server certificate for 127.0.0.1 and a client certificate, all signed by it."""
    _openssl("req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", "ca.key", "-out",
             "ca.pem", "-days", "2", "-subj", "/CN=riskd test CA", cwd=folder)  # fmt: skip
    (folder / "server.ext").write_text("subjectAltName=IP:127.0.0.1,DNS:localhost\n")
    for name, extra in (("server", ["-extfile", "server.ext"]), ("client", [])):
        _openssl("req", "-newkey", "rsa:2048", "-nodes", "-keyout", f"{name}.key", "-out",
                 f"{name}.csr", "-subj", f"/CN=riskd test {name}", cwd=folder)  # fmt: skip
        _openssl("x509", "-req", "-in", f"{name}.csr", "-CA", "ca.pem", "-CAkey", "ca.key",
                 "-CAcreateserial", "-out", f"{name}.pem", "-days", "2", *extra,
                 cwd=folder)  # fmt: skip
    return folder


@pytest.mark.skipif(shutil.which("openssl") is None, reason="openssl makes the certificates")
def test_tls_and_mutual_tls(tmp_path: Path) -> None:
    pki = _certificates(tmp_path)
    ca = (pki / "ca.pem").read_bytes()
    tls = {"tls_cert": pki / "server.pem", "tls_key": pki / "server.key"}
    served = start_server(tmp_path / "tls", **tls)
    mutual = start_server(tmp_path / "mtls", tls_client_ca=pki / "ca.pem", **tls)
    request = apb.GetStatusRequest()
    try:
        secure = grpc.ssl_channel_credentials(root_certificates=ca)
        with grpc.secure_channel(f"127.0.0.1:{served.port}", secure) as channel:
            admin = admin_service_pb2_grpc.AdminServiceStub(channel)
            assert admin.GetStatus(request, metadata=ADMIN_AUTH, timeout=10).server_version
        with grpc.insecure_channel(f"127.0.0.1:{served.port}") as channel:
            admin = admin_service_pb2_grpc.AdminServiceStub(channel)
            assert _code(lambda: admin.GetStatus(request, metadata=ADMIN_AUTH, timeout=5)) is (
                grpc.StatusCode.UNAVAILABLE
            )  # plain text to a TLS port: no token ever crosses in clear
        with grpc.secure_channel(f"127.0.0.1:{mutual.port}", secure) as channel:
            admin = admin_service_pb2_grpc.AdminServiceStub(channel)
            assert _code(lambda: admin.GetStatus(request, metadata=ADMIN_AUTH, timeout=5)) is (
                grpc.StatusCode.UNAVAILABLE
            )  # no client certificate: refused in the handshake
        with_client = grpc.ssl_channel_credentials(
            root_certificates=ca,
            private_key=(pki / "client.key").read_bytes(),
            certificate_chain=(pki / "client.pem").read_bytes(),
        )
        with grpc.secure_channel(f"127.0.0.1:{mutual.port}", with_client) as channel:
            admin = admin_service_pb2_grpc.AdminServiceStub(channel)
            assert admin.GetStatus(request, metadata=ADMIN_AUTH, timeout=10).server_version
    finally:
        served.close()
        mutual.close()


def test_unknown_settings_are_named() -> None:
    environ = {
        "RISKD_TLS_CERTIFICATE": "server.pem",
        "RISKD_LIMITS__MAX_ITEMZ": "5",
        "RISKD_LIMITS__MAX_ITEMS": "5",
        "RISKD_ADMIN_TOKEN": "x",
        "HOME": "/root",
    }
    assert unknown_environment(environ) == ["RISKD_LIMITS__MAX_ITEMZ", "RISKD_TLS_CERTIFICATE"]
    with pytest.raises(ValueError, match="tls_cert and tls_key"):
        Settings(tls_cert=Path("server.pem"))  # type: ignore[call-arg]
    with pytest.raises(ValueError, match="not one of"):
        Settings(method_groups={"GetDecision": "everyone"})  # type: ignore[call-arg]


def test_admin_actions_are_written_to_the_audit_log(tmp_path: Path) -> None:
    riskd_server = start_server(tmp_path)
    try:
        with (
            capture_logs() as logs,
            grpc.insecure_channel(f"127.0.0.1:{riskd_server.port}") as channel,
        ):
            admin = admin_service_pb2_grpc.AdminServiceStub(channel)
            refused = _code(
                lambda: admin.ReloadRules(apb.ReloadRulesRequest(), metadata=ADMIN_AUTH, timeout=10)
            )
            assert refused is grpc.StatusCode.FAILED_PRECONDITION
    finally:
        riskd_server.close()
    (line,) = [entry for entry in logs if entry["event"] == "admin action"]
    assert line["action"] == "reload rules" and line["result"] == "refused"
    assert "127.0.0.1" in line["peer"]  # who asked: the peer's address
