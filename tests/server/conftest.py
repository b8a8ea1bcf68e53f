"""A real riskd gRPC server on a free local port, with a small register and a temp store."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

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
    channel = grpc.insecure_channel(address)
    grpc.channel_ready_future(channel).result(timeout=10)
    yield Client(
        server=riskd_server,
        channel=channel,
        screening=screening_service_pb2_grpc.ScreeningServiceStub(channel),
        admin=admin_service_pb2_grpc.AdminServiceStub(channel),
        address=address,
    )
    channel.close()
    riskd_server.close()
