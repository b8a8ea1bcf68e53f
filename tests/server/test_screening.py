"""ScreeningService end to end through a real server: happy paths, bad input, NOT_FOUND."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import grpc
import pytest
from google.protobuf import json_format
from google.rpc import code_pb2, error_details_pb2
from grpc_status import rpc_status

from riskd.domain import Party
from riskd.server import convert
from riskd.settings import Limits
from riskd.store import SqliteStore
from riskd.v1 import assessment_pb2 as apb
from riskd.v1 import declaration_pb2 as dpb
from riskd.v1 import screening_service_pb2 as pb
from tests import factory, requests
from tests.server.conftest import Client


def screen(client: Client, declaration: dpb.Declaration) -> apb.Assessment:
    return client.screening.Screen(pb.ScreenRequest(declaration=declaration), timeout=10).assessment


def violations(error: grpc.RpcError) -> dict[str, str]:
    """The BadRequest field violations of an INVALID_ARGUMENT error, by field."""
    assert error.code() is grpc.StatusCode.INVALID_ARGUMENT, error
    status = rpc_status.from_call(error)  # type: ignore[arg-type]
    assert status is not None and status.code == code_pb2.INVALID_ARGUMENT
    found: dict[str, str] = {}
    for detail in status.details:
        bad = error_details_pb2.BadRequest()
        assert detail.Unpack(bad)
        found.update({v.field: v.description for v in bad.field_violations})
    return found


def test_counterfeit_brand_is_detained_and_holder_notified(client: Client) -> None:
    assessment = screen(client, requests.declaration(requests.COUNTERFEIT))
    assert assessment.recommendation == apb.RECOMMENDATION_DETAIN
    assert assessment.lane == apb.LANE_RED
    assert assessment.risk_score == 1.0
    [match] = assessment.items[0].matches
    assert (match.recordation_id, match.raises_risk, match.authorised) == (
        "T2019-00001",
        True,
        False,
    )
    assert [n.holder for n in assessment.notify] == ["Nike Innovate C.V."]
    assert assessment.notify[0].holder_contact == "brand-protection@nike.example"
    assert assessment.reasons[0].kind == apb.REASON_KIND_MATCH
    assert assessment.versions.register == "reg-test"
    assert assessment.versions.policy


def test_chinese_alias_in_description_is_detained(client: Client) -> None:
    declaration = requests.declaration()
    declaration.items[0].description = "运动鞋 耐克 款"
    assessment = screen(client, declaration)
    assert assessment.recommendation == apb.RECOMMENDATION_DETAIN


def test_clean_goods_are_released_green(client: Client) -> None:
    assessment = screen(client, requests.declaration())
    assert assessment.recommendation == apb.RECOMMENDATION_RELEASE
    assert assessment.lane == apb.LANE_GREEN
    assert not assessment.reasons and not assessment.notify
    assert not assessment.HasField("referral")


def test_authorised_licensee_is_released_and_match_says_why(client: Client) -> None:
    declaration = requests.declaration(requests.COUNTERFEIT)
    declaration.exporter.CopyFrom(
        dpb.Party(id="OEM-LICENSED-1", name="Licensed Shoe Works", country="VN")
    )
    assessment = screen(client, declaration)
    assert assessment.recommendation == apb.RECOMMENDATION_RELEASE
    [match] = assessment.items[0].matches
    assert match.authorised and not match.raises_risk
    assert match.no_risk_reason == apb.NO_RISK_REASON_AUTHORISED_PARTY


def test_mark_on_goods_outside_its_classes_raises_no_risk(client: Client) -> None:
    declaration = requests.declaration(requests.COUNTERFEIT)
    declaration.items[0].hs_code = "200911"  # fruit juice: outside NIKE's classes
    assessment = screen(client, declaration)
    assert assessment.recommendation == apb.RECOMMENDATION_RELEASE
    assert assessment.items[0].matches[0].no_risk_reason == apb.NO_RISK_REASON_OUTSIDE_CLASSES


def test_random_selection_sends_to_physical_inspection(client: Client) -> None:
    declaration = requests.declaration(declaration_id=factory.randomly_selected("D-RANDOM"))
    assessment = screen(client, declaration)
    assert assessment.random_selection
    assert assessment.recommendation == apb.RECOMMENDATION_PHYSICAL_INSPECTION


def test_referral_when_suspect_goods_exceed_threshold(client: Client) -> None:
    expensive = requests.declaration(requests.COUNTERFEIT)
    expensive.items[0].value.amount = 60_000.0
    assessment = screen(client, expensive)
    assert assessment.referral.referred
    assert assessment.referral.estimated_value.amount == pytest.approx(60_000.0)


def test_decision_is_stored_and_returned_by_get_decision(client: Client) -> None:
    sent = requests.declaration(requests.COUNTERFEIT)
    assessment = screen(client, sent)
    got = client.screening.GetDecision(pb.GetDecisionRequest(decision_id=assessment.decision_id))
    assert got.assessment == assessment
    assert got.declaration == sent
    assert list(got.outcomes) == []


def test_acknowledged_decision_is_on_disk(client: Client) -> None:
    assessment = screen(client, requests.declaration())
    fresh = SqliteStore(Path(client.server.runtime.settings.store))
    try:
        assert (
            fresh.get_decision(assessment.decision_id).assessment.decision_id
            == assessment.decision_id
        )
    finally:
        fresh.close()


def test_get_unknown_decision_is_not_found(client: Client) -> None:
    with pytest.raises(grpc.RpcError) as caught:
        client.screening.GetDecision(pb.GetDecisionRequest(decision_id="no-such-decision"))
    assert caught.value.code() is grpc.StatusCode.NOT_FOUND


def test_get_decision_without_id_is_invalid(client: Client) -> None:
    with pytest.raises(grpc.RpcError) as caught:
        client.screening.GetDecision(pb.GetDecisionRequest())
    assert violations(caught.value) == {"decision_id": "is required"}


def test_empty_declaration_names_every_missing_field(client: Client) -> None:
    with pytest.raises(grpc.RpcError) as caught:
        client.screening.Screen(pb.ScreenRequest(declaration=dpb.Declaration()))
    assert set(violations(caught.value)) == {
        "declaration.declaration_id",
        "declaration.declared_at",
        "declaration.direction",
        "declaration.customs_office",
        "declaration.transport_mode",
        "declaration.items",
    }


def test_missing_declaration_is_invalid(client: Client) -> None:
    with pytest.raises(grpc.RpcError) as caught:
        client.screening.Screen(pb.ScreenRequest())
    assert violations(caught.value) == {"declaration": "is required"}


def test_bad_items_are_named_by_index(client: Client) -> None:
    msg = requests.declaration()
    msg.items.add(line_no=1, hs_code="64A", description="x" * 600, quantity=float("nan"))
    msg.items[1].value.amount = -5
    msg.items[1].value.currency = "dollars"
    msg.direction = 42  # type: ignore[assignment]
    msg.importer.country = "China"
    with pytest.raises(grpc.RpcError) as caught:
        client.screening.Screen(pb.ScreenRequest(declaration=msg))
    found = violations(caught.value)
    assert set(found) == {
        "declaration.direction",
        "declaration.importer.country",
        "declaration.items[1].line_no",
        "declaration.items[1].hs_code",
        "declaration.items[1].description",
        "declaration.items[1].quantity",
        "declaration.items[1].value.amount",
        "declaration.items[1].value.currency",
    }
    assert "unknown value 42" in found["declaration.direction"]
    assert "600 bytes" in found["declaration.items[1].description"]


def test_too_many_items_is_invalid(client: Client) -> None:
    items = [requests.item(line_no=n) for n in range(1, 52)]
    msg = requests.with_items(requests.declaration(), *items)
    with pytest.raises(grpc.RpcError) as caught:
        client.screening.Screen(pb.ScreenRequest(declaration=msg))
    assert "at most 50" in violations(caught.value)["declaration.items"]


def test_bytes_that_are_no_message_are_invalid_argument(client: Client) -> None:
    raw = client.channel.unary_unary(
        "/riskd.v1.ScreeningService/Screen",
        request_serializer=lambda b: b,
        response_deserializer=lambda b: b,
    )
    with pytest.raises(grpc.RpcError) as caught:
        raw(b"\xff\xff\xff\xff\x0f garbage", timeout=5)
    assert "(request)" in violations(caught.value)


def test_batch_screens_all_in_order(client: Client) -> None:
    declarations = [requests.declaration(), requests.declaration(requests.COUNTERFEIT)]
    response = client.screening.ScreenBatch(pb.ScreenBatchRequest(declarations=declarations))
    got = [a.recommendation for a in response.assessments]
    assert got == [apb.RECOMMENDATION_RELEASE, apb.RECOMMENDATION_DETAIN]


def test_batch_with_one_bad_declaration_screens_none(client: Client) -> None:
    stored_before = client.server.runtime.store.counts()[0]
    good = requests.declaration()
    bad = requests.declaration()
    bad.items[0].hs_code = "shoes"
    with pytest.raises(grpc.RpcError) as caught:
        client.screening.ScreenBatch(pb.ScreenBatchRequest(declarations=[good, bad]))
    assert set(violations(caught.value)) == {"declarations[1].items[0].hs_code"}
    assert client.server.runtime.store.counts()[0] == stored_before


def test_batch_limits(client: Client) -> None:
    with pytest.raises(grpc.RpcError) as caught:
        client.screening.ScreenBatch(pb.ScreenBatchRequest())
    assert "declarations" in violations(caught.value)
    many = [requests.declaration()] * 21
    with pytest.raises(grpc.RpcError) as caught:
        client.screening.ScreenBatch(pb.ScreenBatchRequest(declarations=many))
    assert "at most 20" in violations(caught.value)["declarations"]


def test_stream_answers_each_declaration_in_order_and_survives_bad_ones(client: Client) -> None:
    good = requests.declaration(declaration_id="D-S-1")
    bad = requests.declaration(declaration_id="D-S-2")
    bad.customs_office = ""
    nike = requests.declaration(requests.COUNTERFEIT, declaration_id="D-S-3")
    nike.items[0].brand = "nike"
    stream = [pb.ScreenStreamRequest(declaration=d) for d in (good, bad, nike)]
    responses = list(client.screening.ScreenStream(iter(stream), timeout=10))
    assert [r.declaration_id for r in responses] == ["D-S-1", "D-S-2", "D-S-3"]
    assert responses[0].assessment.recommendation == apb.RECOMMENDATION_RELEASE
    assert responses[1].WhichOneof("result") == "error"
    assert responses[1].error.code == "INVALID_ARGUMENT"
    assert [v.field for v in responses[1].error.field_violations] == ["declaration.customs_office"]
    assert responses[2].assessment.recommendation == apb.RECOMMENDATION_DETAIN


def test_record_outcome_is_idempotent(client: Client) -> None:
    assessment = screen(client, requests.declaration(requests.COUNTERFEIT))
    outcome = apb.Outcome(
        outcome_id="OUT-1",
        decision_id=assessment.decision_id,
        result=apb.OUTCOME_RESULT_SEIZED,
        control=apb.CONTROL_TYPE_PHYSICAL,
        recordation_ids=["T2019-00001"],
        seized_value=dpb.Money(amount=2500, currency="USD"),
    )
    outcome.recorded_at.FromDatetime(datetime(2025, 3, 3, tzinfo=UTC))
    first = client.screening.RecordOutcome(pb.RecordOutcomeRequest(outcome=outcome))
    second = client.screening.RecordOutcome(pb.RecordOutcomeRequest(outcome=outcome))
    assert (first.already_recorded, second.already_recorded) == (False, True)
    assert first.outcome == outcome == second.outcome
    got = client.screening.GetDecision(pb.GetDecisionRequest(decision_id=assessment.decision_id))
    assert list(got.outcomes) == [outcome]


def test_record_outcome_for_unknown_decision_is_not_found(client: Client) -> None:
    outcome = apb.Outcome(outcome_id="OUT-X", decision_id="nope", result=apb.OUTCOME_RESULT_SEIZED)
    with pytest.raises(grpc.RpcError) as caught:
        client.screening.RecordOutcome(pb.RecordOutcomeRequest(outcome=outcome))
    assert caught.value.code() is grpc.StatusCode.NOT_FOUND


def test_outcome_id_reused_for_another_decision_is_refused(client: Client) -> None:
    first = screen(client, requests.declaration())
    second = screen(client, requests.declaration())
    outcome = apb.Outcome(
        outcome_id="OUT-REUSED",
        decision_id=first.decision_id,
        result=apb.OUTCOME_RESULT_NO_INFRINGEMENT,
    )
    client.screening.RecordOutcome(pb.RecordOutcomeRequest(outcome=outcome))
    outcome.decision_id = second.decision_id
    with pytest.raises(grpc.RpcError) as caught:
        client.screening.RecordOutcome(pb.RecordOutcomeRequest(outcome=outcome))
    assert caught.value.code() is grpc.StatusCode.ALREADY_EXISTS


def test_outcome_text_limits_name_their_fields(client: Client) -> None:
    outcome = apb.Outcome(
        outcome_id="OUT-LONG",
        decision_id="any",
        result=apb.OUTCOME_RESULT_SEIZED,
        officer="o" * 65,
        notes="n" * 4097,
    )
    with pytest.raises(grpc.RpcError) as caught:
        client.screening.RecordOutcome(pb.RecordOutcomeRequest(outcome=outcome))
    assert set(violations(caught.value)) == {"outcome.officer", "outcome.notes"}


def test_invalid_outcome_names_fields(client: Client) -> None:
    with pytest.raises(grpc.RpcError) as caught:
        client.screening.RecordOutcome(pb.RecordOutcomeRequest(outcome=apb.Outcome()))
    assert set(violations(caught.value)) == {
        "outcome.outcome_id",
        "outcome.decision_id",
        "outcome.result",
    }


def test_canonical_json_of_the_sample_shape_parses(client: Client) -> None:
    document = {
        "declaration_id": factory.not_randomly_selected("D-JSON"),
        "declared_at": "2025-03-01T10:00:00Z",
        "direction": "DIRECTION_IMPORT",
        "customs_office": "CNSHA01",
        "transport_mode": "TRANSPORT_MODE_POSTAL",
        "procedure": "PROCEDURE_EXHIBITION",
        "importer": {"id": "IMP-2", "name": "Expo Imports", "country": "DE"},
        "items": [
            {
                "line_no": 1,
                "hs_code": "640411",
                "description": "trainers",
                "brand": "N I K E".replace(" ", ""),
                "value": {"amount": 100, "currency": "EUR"},
            }
        ],
    }
    msg = json_format.ParseDict(document, dpb.Declaration())
    assessment = screen(client, msg)
    assert assessment.recommendation == apb.RECOMMENDATION_DETAIN


def test_expired_recordation_raises_no_risk(client: Client) -> None:
    declaration = requests.declaration()
    declaration.items[0].brand = "ZORBLAX"  # recorded until 2020; declared in 2025
    declaration.items[0].hs_code = "950300"
    assessment = screen(client, declaration)
    assert assessment.recommendation == apb.RECOMMENDATION_RELEASE
    assert assessment.items[0].matches[0].no_risk_reason == apb.NO_RISK_REASON_INACTIVE


def test_domain_round_trip_through_protobuf() -> None:
    declaration = factory.declaration(
        consignee=Party("CON-1", "Berlin Retail GmbH", "DE"),
        items=(factory.item(), factory.item(line_no=2, value=None, model="AX-1")),
    )
    assert (
        convert.declaration_from_pb(convert.declaration_to_pb(declaration), Limits()) == declaration
    )


def with_importer(declaration_id: str, importer: dpb.Party) -> dpb.Declaration:
    declaration = requests.declaration(declaration_id=declaration_id)
    declaration.importer.CopyFrom(importer)
    return declaration


def test_screening_and_outcomes_build_the_importers_history(client: Client) -> None:
    profiles = client.server.runtime.profiles
    assert profiles is not None
    importer = dpb.Party(id="IMP-HISTORY", name="Repeat Offender Ltd", country="CN")
    before = profiles.lookup([("importer", importer.id)])
    assert before == {}
    decided = [
        screen(client, with_importer(factory.not_randomly_selected(f"D-HIST-{n}"), importer))
        for n in range(3)
    ]
    seized = apb.Outcome(
        outcome_id="OUT-HISTORY",
        decision_id=decided[0].decision_id,
        result=apb.OUTCOME_RESULT_SEIZED,
    )
    client.screening.RecordOutcome(pb.RecordOutcomeRequest(outcome=seized))
    client.screening.RecordOutcome(pb.RecordOutcomeRequest(outcome=seized))  # counted once
    counts = profiles.lookup([("importer", importer.id)])[("importer", importer.id)]
    assert (counts.declarations, counts.inspections, counts.seizures) == (3, 1, 1)
