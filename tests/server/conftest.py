"""A real riskd gRPC server on a free local port, with a small register and a temp store."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import ClassVar

import grpc
import pytest

from riskd.log import configure_logging
from riskd.pipeline import build_snapshot
from riskd.server.app import RiskdServer, create_server
from riskd.settings import Limits, Settings
from riskd.v1 import admin_service_pb2_grpc, screening_service_pb2_grpc
from tests import factory

configure_logging("INFO")  # JSON lines on standard error, as the daemon writes them

ADMIN_TOKEN = "admin-secret-for-tests"
ADMIN_AUTH = (("authorization", f"Bearer {ADMIN_TOKEN}"),)
OUTCOME_TOKEN = "outcome-secret-for-tests"
DECISION_TOKEN = "decision-secret-for-tests"


class WithTokens(grpc.UnaryUnaryClientInterceptor):  # type: ignore[misc]
    """A declaration system's client: the outcome and decision tokens on the calls that
    need them, as its own configuration would add them."""

    TOKENS: ClassVar[dict[str, str]] = {
        "/riskd.v1.ScreeningService/RecordOutcome": OUTCOME_TOKEN,
        "/riskd.v1.ScreeningService/GetDecision": DECISION_TOKEN,
    }

    def intercept_unary_unary(self, continuation, details, request):  # type: ignore[no-untyped-def]
        token = self.TOKENS.get(details.method)
        if token is not None:
            metadata = [*(details.metadata or ()), ("authorization", f"Bearer {token}")]
            details = details._replace(metadata=metadata)
        return continuation(details, request)


def with_tokens(channel: grpc.Channel) -> grpc.Channel:
    return grpc.intercept_channel(channel, WithTokens())


@dataclass
class Client:
    server: RiskdServer
    channel: grpc.Channel
    screening: screening_service_pb2_grpc.ScreeningServiceStub
    admin: admin_service_pb2_grpc.AdminServiceStub
    address: str


def start_server(tmp: Path, **settings: object) -> RiskdServer:
    values: dict[str, object] = {
        "listen": "127.0.0.1:0",
        "store": str(tmp / "riskd.db"),
        "admin_token": ADMIN_TOKEN,
        "outcome_token": OUTCOME_TOKEN,
        "decision_token": DECISION_TOKEN,
        "threads": 4,
        "limits": Limits(max_items=50, max_description_bytes=512, max_batch=20),
    }
    values.update(settings)
    riskd_server = create_server(
        Settings(**values),  # type: ignore[arg-type]
        snapshot=build_snapshot(register=factory.register()),
    )
    riskd_server.start()
    return riskd_server


@pytest.fixture(scope="module")
def client(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Client]:
    riskd_server = start_server(tmp_path_factory.mktemp("server"))
    address = f"127.0.0.1:{riskd_server.port}"
    plain = grpc.insecure_channel(address)
    grpc.channel_ready_future(plain).result(timeout=10)
    channel = with_tokens(plain)
    yield Client(
        server=riskd_server,
        channel=channel,
        screening=screening_service_pb2_grpc.ScreeningServiceStub(channel),
        admin=admin_service_pb2_grpc.AdminServiceStub(channel),
        address=address,
    )
    plain.close()
    riskd_server.close()
