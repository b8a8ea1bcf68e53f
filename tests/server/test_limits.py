"""Message-size limits and deadlines."""

from __future__ import annotations

from pathlib import Path

import grpc
import pytest

from riskd.server import convert
from riskd.server.screening import ScreeningServicer
from riskd.settings import Limits
from riskd.v1 import screening_service_pb2 as pb
from riskd.v1 import screening_service_pb2_grpc
from tests import factory
from tests.server.conftest import start_server


def test_message_over_the_size_limit_is_resource_exhausted(tmp_path: Path) -> None:
    riskd_server = start_server(
        tmp_path, limits=Limits(max_message_bytes=2048, max_description_bytes=4096)
    )
    try:
        with grpc.insecure_channel(f"127.0.0.1:{riskd_server.port}") as channel:
            stub = screening_service_pb2_grpc.ScreeningServiceStub(channel)
            big = factory.declaration(items=(factory.item(description="shoe " * 800),))
            with pytest.raises(grpc.RpcError) as caught:
                stub.Screen(pb.ScreenRequest(declaration=convert.declaration_to_pb(big)))
            assert caught.value.code() is grpc.StatusCode.RESOURCE_EXHAUSTED
            small = convert.declaration_to_pb(factory.declaration())
            assert stub.Screen(pb.ScreenRequest(declaration=small)).assessment.decision_id
    finally:
        riskd_server.close()


class _ExpiredContext:
    """A servicer context whose deadline has passed, as when a call waited in the queue."""

    def __init__(self) -> None:
        self.aborted: grpc.StatusCode | None = None

    def time_remaining(self) -> float:
        return 0.0

    def code(self) -> grpc.StatusCode | None:
        return self.aborted

    def abort(self, code: grpc.StatusCode, details: str) -> None:
        self.aborted = code
        raise RuntimeError(details)


def test_expired_deadline_is_not_screened_or_stored(tmp_path: Path) -> None:
    riskd_server = start_server(tmp_path)
    try:
        servicer = ScreeningServicer(riskd_server.runtime)
        request = pb.ScreenRequest(declaration=convert.declaration_to_pb(factory.declaration()))
        context = _ExpiredContext()
        with pytest.raises(RuntimeError, match="deadline"):
            servicer.Screen(request, context)  # type: ignore[arg-type]
        assert context.aborted is grpc.StatusCode.DEADLINE_EXCEEDED
        assert riskd_server.runtime.store.counts() == (0, 0)
    finally:
        riskd_server.close()
