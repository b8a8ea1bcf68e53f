"""Message-size limits and deadlines."""

from __future__ import annotations

import queue
from pathlib import Path

import grpc
import pytest

from riskd.domain import DeadlineExceeded
from riskd.server.screening import ScreeningServicer
from riskd.settings import Limits
from riskd.v1 import screening_service_pb2 as pb
from riskd.v1 import screening_service_pb2_grpc
from tests import factory, requests
from tests.server.conftest import start_server


def test_message_over_the_size_limit_is_resource_exhausted(tmp_path: Path) -> None:
    riskd_server = start_server(
        tmp_path, limits=Limits(max_message_bytes=2048, max_description_bytes=4096)
    )
    try:
        with grpc.insecure_channel(f"127.0.0.1:{riskd_server.port}") as channel:
            stub = screening_service_pb2_grpc.ScreeningServiceStub(channel)
            big = requests.with_items(
                requests.declaration(), requests.item(description="shoe " * 800)
            )
            with pytest.raises(grpc.RpcError) as caught:
                stub.Screen(pb.ScreenRequest(declaration=big))
            assert caught.value.code() is grpc.StatusCode.RESOURCE_EXHAUSTED
            small = requests.declaration()
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
        request = pb.ScreenRequest(declaration=requests.declaration())
        context = _ExpiredContext()
        with pytest.raises(RuntimeError, match="deadline"):
            servicer.Screen(request, context)  # type: ignore[arg-type]
        assert context.aborted is grpc.StatusCode.DEADLINE_EXCEEDED
        assert riskd_server.runtime.store.counts() == (0, 0)
    finally:
        riskd_server.close()


def test_nothing_is_stored_when_the_deadline_passes_during_a_call(tmp_path: Path) -> None:
    riskd_server = start_server(tmp_path)
    try:
        runtime = riskd_server.runtime
        before = runtime.store.counts()
        answers = iter([1.0, 1.0, 0.0])  # time left before each step: gone by the third
        declarations = [factory.declaration(f"D-LATE-{n}") for n in range(3)]
        with pytest.raises(DeadlineExceeded):
            runtime.screen(declarations, lambda: next(answers, 0.0))
        assert runtime.store.counts() == before
        answers = iter([1.0, 1.0, 0.0])  # gone just before the store write
        with pytest.raises(DeadlineExceeded):
            runtime.screen(declarations[:2], lambda: next(answers, 0.0))
        assert runtime.store.counts() == before
        assert len(runtime.screen(declarations[:2], lambda: 1.0)) == 2
        assert runtime.store.counts()[0] == before[0] + 2
    finally:
        riskd_server.close()


def test_a_batch_over_the_call_item_limit_is_resource_exhausted(tmp_path: Path) -> None:
    riskd_server = start_server(tmp_path, limits=Limits(max_call_items=5, max_batch=20))
    try:
        with grpc.insecure_channel(f"127.0.0.1:{riskd_server.port}") as channel:
            stub = screening_service_pb2_grpc.ScreeningServiceStub(channel)
            lines = [requests.item(line_no=n) for n in range(1, 4)]
            batch = [requests.with_items(requests.declaration(declaration_id=f"D-C-{n}"), *lines)
                     for n in range(2)]  # fmt: skip
            with pytest.raises(grpc.RpcError) as caught:
                stub.ScreenBatch(pb.ScreenBatchRequest(declarations=batch), timeout=10)
            assert caught.value.code() is grpc.StatusCode.RESOURCE_EXHAUSTED
            assert "max_call_items" in (caught.value.details() or "")
            fits = pb.ScreenBatchRequest(declarations=batch[:1])
            assert len(stub.ScreenBatch(fits, timeout=10).assessments) == 1
    finally:
        riskd_server.close()


def test_streams_beyond_the_limit_are_refused_and_unary_calls_go_on(tmp_path: Path) -> None:
    riskd_server = start_server(tmp_path, threads=4, limits=Limits(max_streams=1))
    try:
        with grpc.insecure_channel(f"127.0.0.1:{riskd_server.port}") as channel:
            stub = screening_service_pb2_grpc.ScreeningServiceStub(channel)
            held: queue.Queue[pb.ScreenStreamRequest | None] = queue.Queue()
            first = stub.ScreenStream(iter(held.get, None), timeout=30)
            held.put(pb.ScreenStreamRequest(
                declaration=requests.declaration(declaration_id="D-STREAM-1")))  # fmt: skip
            assert next(first).assessment.decision_id  # the first stream is open and idle
            second = stub.ScreenStream(iter([]), timeout=10)
            with pytest.raises(grpc.RpcError) as caught:
                next(second)
            assert caught.value.code() is grpc.StatusCode.RESOURCE_EXHAUSTED
            request = pb.ScreenRequest(declaration=requests.declaration())
            assert stub.Screen(request, timeout=10).assessment.decision_id
            held.put(None)  # the first stream ends; a new one may open
            assert list(first) == []
            third = stub.ScreenStream(iter([]), timeout=10)
            assert list(third) == []
    finally:
        riskd_server.close()
