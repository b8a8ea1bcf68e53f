"""Two riskd replicas sharing one PostgreSQL store: a decision made by one is returned by the
other, and an outcome recorded through either is recorded once."""

from __future__ import annotations

from pathlib import Path

import grpc

from riskd.v1 import assessment_pb2 as apb
from riskd.v1 import screening_service_pb2 as pb
from riskd.v1 import screening_service_pb2_grpc
from tests import requests
from tests.server.conftest import start_server, with_tokens


def test_replicas_share_decisions_and_outcomes(tmp_path: Path, postgres_url: str) -> None:
    first = start_server(tmp_path / "a", store=postgres_url)
    second = start_server(tmp_path / "b", store=postgres_url)
    try:
        with (
            grpc.insecure_channel(f"127.0.0.1:{first.port}") as a,
            grpc.insecure_channel(f"127.0.0.1:{second.port}") as b,
        ):
            one = screening_service_pb2_grpc.ScreeningServiceStub(with_tokens(a))
            two = screening_service_pb2_grpc.ScreeningServiceStub(with_tokens(b))
            declaration = requests.declaration(requests.COUNTERFEIT)
            made = one.Screen(pb.ScreenRequest(declaration=declaration)).assessment
            got = two.GetDecision(pb.GetDecisionRequest(decision_id=made.decision_id))
            assert got.assessment == made
            outcome = apb.Outcome(
                outcome_id=f"OUT-{made.decision_id}",
                decision_id=made.decision_id,
                result=apb.OUTCOME_RESULT_SEIZED,
            )
            assert not one.RecordOutcome(pb.RecordOutcomeRequest(outcome=outcome)).already_recorded
            assert two.RecordOutcome(pb.RecordOutcomeRequest(outcome=outcome)).already_recorded
            again = one.GetDecision(pb.GetDecisionRequest(decision_id=made.decision_id))
            assert len(again.outcomes) == 1
    finally:
        first.close()
        second.close()
