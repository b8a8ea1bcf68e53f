"""A detention opens its holders' notification cases with the decision, through a real
server: the cases are in the store once the answer is back, and only for detentions."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import grpc
import pytest
from click.testing import CliRunner

from riskd.cli.main import cli
from riskd.domain import CaseKind, CaseState
from riskd.store import SqliteStore
from riskd.v1 import assessment_pb2 as apb
from riskd.v1 import declaration_pb2 as dpb
from riskd.v1 import screening_service_pb2 as pb
from riskd.v1 import screening_service_pb2_grpc
from tests import requests
from tests.server.conftest import start_server, with_tokens


def _screen(port: int, *declarations: object) -> list[str]:
    with grpc.insecure_channel(f"127.0.0.1:{port}") as channel:
        stub = screening_service_pb2_grpc.ScreeningServiceStub(channel)
        response = stub.ScreenBatch(pb.ScreenBatchRequest(declarations=declarations), timeout=10)
    return [a.decision_id for a in response.assessments]


@pytest.mark.parametrize(
    ("jurisdiction", "zone", "clock"),
    [("CN", "Asia/Shanghai", "ex_officio"), ("DE", "Europe/Berlin", "standard")],
)
def test_a_detention_is_stored_with_one_open_case_per_holder(
    tmp_path: Path, jurisdiction: str, zone: str, clock: str
) -> None:
    server = start_server(tmp_path, cases_jurisdiction=jurisdiction)
    try:
        released, detained = _screen(
            server.port, requests.declaration(), requests.declaration(requests.COUNTERFEIT)
        )
    finally:
        server.close()
    store = SqliteStore(tmp_path / "riskd.db", create=False)
    try:
        assert list(store.cases(decision_id=released)) == []
        (case,) = store.cases()
        decided_at = store.get_decision(detained).assessment.decided_at
    finally:
        store.close()
    assert case.case_id == f"N-{detained}-T2019-00001"
    assert (case.kind, case.state, case.decision_id) == (
        CaseKind.NOTIFICATION,
        CaseState.OPEN,
        detained,
    )
    assert (case.holder, case.holder_contact) == (
        "Nike Innovate C.V.",
        "brand-protection@nike.example",
    )
    assert (case.jurisdiction, case.clock, case.opened_at) == (jurisdiction, clock, decided_at)
    # the deadline ends a local day, at least the period's working days after the notice
    assert case.deadline is not None
    local = case.deadline.astimezone(ZoneInfo(zone))
    assert (local.hour, local.minute) == (0, 0)
    days = 3 if jurisdiction == "CN" else 10
    assert case.deadline - decided_at > timedelta(days=days)
    assert case.deadline - decided_at < timedelta(days=days * 3 + 10)
    assert [e.what for e in case.events] == ["opened"]


def test_a_jurisdiction_not_in_the_calendar_stops_the_start(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("RISKD_CASES_JURISDICTION", "XX")
    result = CliRunner().invoke(
        cli, ["serve", "--store", str(tmp_path / "riskd.db"), "--listen", "127.0.0.1:0"]
    )
    assert result.exit_code == 2
    assert result.output.count("\n") == 1 and "Traceback" not in result.output
    assert "cases_jurisdiction 'XX' is not in the calendar" in result.output
    assert "it has CN, DE, US" in result.output


def test_a_calendar_with_a_mistake_stops_the_start(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    broken = tmp_path / "calendar.yaml"
    broken.write_text("jurisdictions:\n  CN:\n    holidays: {country: XX}\n", encoding="utf-8")
    monkeypatch.setenv("RISKD_CASES_CALENDAR", str(broken))
    result = CliRunner().invoke(
        cli, ["serve", "--store", str(tmp_path / "riskd.db"), "--listen", "127.0.0.1:0"]
    )
    assert result.exit_code == 2
    assert result.output.count("\n") == 1 and "Traceback" not in result.output
    assert f"{broken}:3:" in result.output and "country 'XX'" in result.output


def test_a_seizure_recorded_through_the_server_above_the_threshold_is_referred(
    tmp_path: Path,
) -> None:
    server = start_server(tmp_path)
    try:
        (detained,) = _screen(server.port, requests.declaration(requests.COUNTERFEIT))
        outcome = apb.Outcome(
            outcome_id="OUT-BIG",
            decision_id=detained,
            result=apb.OUTCOME_RESULT_SEIZED,
            seized_value=dpb.Money(amount=80_000, currency="USD"),  # threshold: 50,000 USD
        )
        outcome.recorded_at.FromDatetime(datetime(2026, 3, 3, tzinfo=UTC))
        with grpc.insecure_channel(f"127.0.0.1:{server.port}") as channel:
            stub = screening_service_pb2_grpc.ScreeningServiceStub(with_tokens(channel))
            stub.RecordOutcome(pb.RecordOutcomeRequest(outcome=outcome), timeout=10)
    finally:
        server.close()
    store = SqliteStore(tmp_path / "riskd.db", create=False)
    try:
        referral = store.get_case(f"R-{detained}")
    finally:
        store.close()
    assert (referral.kind, referral.state, referral.outcome_id) == (
        CaseKind.REFERRAL,
        CaseState.OPEN,
        "OUT-BIG",
    )
