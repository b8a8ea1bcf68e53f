"""A store that cannot be written is a fault, not a bug: callers get UNAVAILABLE (and may
retry elsewhere), health turns NOT_SERVING until the store takes a write again, and nothing
half-written stays behind."""

from __future__ import annotations

import sqlite3
import time
from pathlib import Path

import grpc
import pytest
from grpc_health.v1 import health_pb2, health_pb2_grpc

from riskd.domain import ReloadRefused, StoreUnavailable
from riskd.pipeline import assess, build_snapshot
from riskd.store import SqliteStore
from riskd.v1 import assessment_pb2, screening_service_pb2_grpc
from riskd.v1 import screening_service_pb2 as pb
from tests import factory, requests
from tests.server.conftest import start_server

SERVING = health_pb2.HealthCheckResponse.SERVING
NOT_SERVING = health_pb2.HealthCheckResponse.NOT_SERVING


def _full(store: SqliteStore) -> None:
    """This thread's connection may not grow the file: SQLite's own "disk is full"."""
    conn = store._db.get()
    pages = conn.execute("PRAGMA page_count").fetchone()[0]
    conn.execute(f"PRAGMA max_page_count = {pages}")


def test_a_full_disk_is_store_unavailable_and_nothing_is_half_written(tmp_path: Path) -> None:
    store = SqliteStore(tmp_path / "riskd.db")
    before = store.counts()
    _full(store)
    snapshot = build_snapshot(register=factory.register())
    declarations = [factory.declaration(f"D-FULL-{n}") for n in range(40)]
    decided = [(d, assess(snapshot, d)) for d in declarations]
    with pytest.raises(StoreUnavailable, match="full"):
        store.save_decisions(decided)
    assert store.counts() == before
    store.close()


def _health(channel: grpc.Channel, service: str = "") -> int:
    stub = health_pb2_grpc.HealthStub(channel)
    return stub.Check(health_pb2.HealthCheckRequest(service=service), timeout=5).status


def _wait_for(channel: grpc.Channel, status: int) -> bool:
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        if _health(channel) == status:
            return True
        time.sleep(0.05)
    return False


@pytest.mark.parametrize("degrade", ["unavailable", "document_check"])
def test_a_store_fault_is_policy_and_health_follows_the_store(tmp_path: Path, degrade: str) -> None:
    riskd_server = start_server(tmp_path, degrade=degrade)
    runtime = riskd_server.runtime
    store = runtime.store
    real_save, real_check = store.save_decisions, store.check
    faults = {"on": True}

    def save(decided: object, counted: object = (), cases: object = ()) -> None:
        if faults["on"]:
            raise StoreUnavailable("store riskd.db: database or disk is full")
        real_save(decided, counted)  # type: ignore[arg-type]

    def check() -> None:
        if faults["on"]:
            raise StoreUnavailable("store riskd.db: database or disk is full")
        real_check()

    store.save_decisions = save  # type: ignore[method-assign]
    store.check = check  # type: ignore[method-assign]
    try:
        with grpc.insecure_channel(f"127.0.0.1:{riskd_server.port}") as channel:
            stub = screening_service_pb2_grpc.ScreeningServiceStub(channel)
            request = pb.ScreenRequest(declaration=requests.declaration())
            assert _health(channel) == SERVING
            if degrade == "unavailable":
                with pytest.raises(grpc.RpcError) as caught:
                    stub.Screen(request, timeout=10)
                assert caught.value.code() is grpc.StatusCode.UNAVAILABLE
                assert "full" in (caught.value.details() or "")
            else:  # answered, never a silent release, and said to be not stored
                answer = stub.Screen(request, timeout=10).assessment
                assert answer.recommendation == assessment_pb2.RECOMMENDATION_DOCUMENT_CHECK
                (reason,) = [r for r in answer.reasons if r.code == "SERVICE_DEGRADED"]
                assert "not stored" in reason.message
            assert _wait_for(channel, NOT_SERVING)
            assert _health(channel, "riskd.v1.ScreeningService") == NOT_SERVING
            faults["on"] = False  # the disk has room again
            assert _wait_for(channel, SERVING)
            assert stub.Screen(request, timeout=10).assessment.decision_id
    finally:
        riskd_server.close()


def test_sqlite_faults_that_are_bugs_stay_bugs(tmp_path: Path) -> None:
    store = SqliteStore(tmp_path / "riskd.db")
    with pytest.raises(sqlite3.OperationalError), store._db.write() as conn:
        conn.execute("SELECT * FROM no_such_table")
    store.close()


def test_a_read_only_store_is_store_unavailable(tmp_path: Path) -> None:
    store = SqliteStore(tmp_path / "riskd.db")
    store._db.get().execute("PRAGMA query_only = ON")  # as a file system remounted read-only
    snapshot = build_snapshot(register=factory.register())
    declaration = factory.declaration("D-READONLY")
    with pytest.raises(StoreUnavailable, match="readonly"):
        store.save_decisions([(declaration, assess(snapshot, declaration))])
    store.close()


def test_an_unreachable_postgresql_is_store_unavailable() -> None:
    from riskd.store.postgres import PostgresStore

    with pytest.raises(StoreUnavailable) as caught:
        PostgresStore("postgresql://riskd:secret@127.0.0.1:1/riskd")
    assert "secret" not in str(caught.value)  # the password never reaches a message


def test_a_part_refused_at_start_is_served_empty_and_degraded(tmp_path: Path) -> None:
    from riskd.loading import initial_snapshot
    from riskd.settings import Settings

    registry = tmp_path / "models"
    registry.mkdir()
    (registry / "PRODUCTION").write_text("gone\n", encoding="utf-8")
    settings = Settings(model_registry=registry, store=str(tmp_path / "riskd.db"))  # type: ignore[call-arg]
    snapshot = initial_snapshot(settings)
    assert snapshot.model is None and snapshot.degraded == {"model"}
    answer = assess(snapshot, factory.declaration())
    assert answer.recommendation.value == "DOCUMENT_CHECK"
    assert answer.reasons[0].code == "SERVICE_DEGRADED"
    strict = Settings(model_registry=registry, degrade="unavailable")  # type: ignore[call-arg]
    with pytest.raises(ReloadRefused):
        initial_snapshot(strict)
