"""`riskd.server.convert` against hand-written expectations, in both directions.

The wire side is the protobuf JSON files in `tests/golden/`, parsed with `json_format`; the
domain side is written out below field by field. Neither is produced by the converter, so a
converter that swaps two fields (brand and model, one enum for another) both ways fails here
even though every round trip through it still passes. No server is started: this module is
also what `make mutation` runs against the converter.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import pytest
from google.protobuf import json_format
from google.protobuf.message import Message

from riskd import domain as d
from riskd.server import convert
from riskd.settings import Limits
from riskd.v1 import assessment_pb2 as apb
from riskd.v1 import declaration_pb2 as dpb
from tests import requests

GOLDEN = Path(__file__).resolve().parents[1] / "golden"

# tests/golden/requests/every_field.json: every field of the contract set, every enum to a
# value other than the first, two items of which the second has no value, brand or model.
EVERY_FIELD = d.Declaration(
    declaration_id="D-GOLDEN-3",
    declared_at=datetime(2025, 3, 1, 10, 0, tzinfo=UTC),
    direction=d.Direction.EXPORT,
    customs_office="DEHAM01",
    transport_mode=d.TransportMode.AIR,
    procedure=d.Procedure.WAREHOUSING,
    declarant=d.Party("DEC-1", "Elbe Customs Brokers", "DE"),
    importer=d.Party("IMP-2", "Lagos Wholesale Ltd", "NG"),
    exporter=d.Party("EXP-2", "Hamburg Outlet GmbH", "DE"),
    consignee=d.Party("CON-1", "Ikeja Retail", "NG"),
    origin_country="TR",
    departure_country="DE",
    destination_country="NG",
    items=(
        d.Item(
            line_no=1,
            hs_code="620342",
            description="men's cotton trousers",
            brand="Riverside",
            model="RS-501",
            quantity=240.0,
            unit="PCS",
            net_mass_kg=96.5,
            value=d.Money(3120.5, "EUR"),
            origin_country="TR",
        ),
        d.Item(
            line_no=2,
            hs_code="420292",
            description="canvas travel bags",
            quantity=12.0,
            unit="PCS",
            net_mass_kg=7.25,
            origin_country="CN",
        ),
    ),
)

# tests/golden/requests/counterfeit_brand.json: NIKE in the brand field, AX-1 in the model.
COUNTERFEIT_ITEM = d.Item(
    line_no=1,
    hs_code="640411",
    description="sports shoes, textile upper",
    brand="NIKE",
    model="AX-1",
    quantity=100.0,
    unit="PAIRS",
    net_mass_kg=80.0,
    value=d.Money(2500.0, "USD"),
    origin_country="CN",
)

# tests/golden/assessments/convert_every_field.json, as the domain writes it: every message
# and enum of an assessment, each enum member a different one where the type allows.
FULL_ASSESSMENT = d.Assessment(
    decision_id="DEC-GOLDEN-1",
    declaration_id="D-GOLDEN-3",
    recommendation=d.Recommendation.PHYSICAL_INSPECTION,
    lane=d.Lane.RED,
    risk_score=0.8,
    decided_at=datetime(2025, 3, 1, 10, 0, 1, tzinfo=UTC),
    versions=d.Versions(register="reg-7", rules="rules-3", model="model-2", policy="policy-5"),
    reasons=(
        d.Reason(d.ReasonKind.MATCH, "TRADEMARK_MATCH", "matched NIKE", 1.0),
        d.Reason(d.ReasonKind.RULE, "R-ORIGIN", "origin rule", 0.5),
        d.Reason(d.ReasonKind.MODEL, "MODEL_SCORE", "model", 0.25),
        d.Reason(d.ReasonKind.POLICY, "RANDOM_SELECTION", "random"),
    ),
    items=(
        d.ItemAssessment(
            line_no=1,
            matches=(
                d.Match(
                    recordation_id="T2019-00001",
                    mark="NIKE",
                    holder="Nike Innovate C.V.",
                    matched_text="nikee",
                    score=88.5,
                    method=d.MatchMethod.FUZZY,
                    right_type=d.RightType.COPYRIGHT,
                    field="model",
                    span_start=3,
                    span_end=8,
                    authorised=True,
                    raises_risk=False,
                    no_risk_reason=d.NoRiskReason.AUTHORISED_PARTY,
                    explanation="one typo of NIKE",
                    corroboration=(
                        d.Corroboration.BELOW_GENUINE_PRICE,
                        d.Corroboration.UNUSUAL_PORT,
                    ),
                ),
                d.Match(
                    recordation_id="P2020-00002",
                    mark="AIRSOLE",
                    holder="Sole Patents AG",
                    matched_text="AIRSOLE",
                    score=100.0,
                    method=d.MatchMethod.EXACT,
                    right_type=d.RightType.PATENT,
                    field="brand",
                    span_end=7,
                ),
            ),
        ),
        d.ItemAssessment(line_no=2),
    ),
    rule_hits=(
        d.RuleHit("R-ORIGIN", "3", title="origin", score=0.5, line_nos=(1, 2)),
        d.RuleHit("R-HOLD", "1", action=d.Recommendation.DOCUMENT_CHECK, shadow=True),
    ),
    model_score=0.25,
    contributions=(d.FeatureContribution("origin_country", "TR", 0.125),),
    notify=(d.Notification("P2020-00002", "Sole Patents AG", "ip@sole.example"),),
    referral=d.Referral(True, d.Money(62000.0, "EUR"), d.Money(50000.0, "USD")),
    random_selection=True,
)

# tests/golden/requests/outcome_seized.json
SEIZED = d.Outcome(
    outcome_id="OUT-GOLDEN-1",
    decision_id="DEC-GOLDEN-1",
    result=d.OutcomeResult.SEIZED,
    recorded_at=datetime(2025, 3, 4, 8, 30, tzinfo=UTC),
    control=d.ControlType.PHYSICAL,
    recordation_ids=("T2019-00001", "P2020-00002"),
    seized_value=d.Money(2500.0, "USD"),
    officer="officer-17",
    notes="200 pairs, fake labels",
)
NOW = datetime(2025, 3, 5, tzinfo=UTC)


def as_dict(msg: Message) -> dict[str, object]:
    return json_format.MessageToDict(msg, preserving_proto_field_name=True)


def golden(path: str, message: Message) -> dict[str, object]:
    """A golden JSON file, normalised by parsing it into the message type it is written in."""
    json_format.Parse((GOLDEN / path).read_text(encoding="utf-8"), message)
    return as_dict(message)


def outcome_request() -> apb.Outcome:
    text = (GOLDEN / "requests" / "outcome_seized.json").read_text(encoding="utf-8")
    return json_format.Parse(text, apb.Outcome())


# --- from the wire ---


def test_every_field_of_a_declaration_arrives_where_it_was_sent() -> None:
    assert convert.declaration_from_pb(requests.declaration("every_field"), Limits()) == (
        EVERY_FIELD
    )


def test_brand_and_model_arrive_in_their_own_fields() -> None:
    got = convert.declaration_from_pb(requests.declaration("counterfeit_brand"), Limits())
    assert got.items == (COUNTERFEIT_ITEM,)


def test_an_unset_procedure_is_the_standard_one() -> None:
    got = convert.declaration_from_pb(requests.declaration(), Limits())
    assert got.procedure is d.Procedure.STANDARD
    assert (got.declarant, got.consignee) == (None, None)


@pytest.mark.parametrize(
    ("field", "member", "expected"),
    [
        ("direction", "DIRECTION_IMPORT", d.Direction.IMPORT),
        ("direction", "DIRECTION_EXPORT", d.Direction.EXPORT),
        ("direction", "DIRECTION_TRANSIT", d.Direction.TRANSIT),
        ("transport_mode", "TRANSPORT_MODE_SEA", d.TransportMode.SEA),
        ("transport_mode", "TRANSPORT_MODE_AIR", d.TransportMode.AIR),
        ("transport_mode", "TRANSPORT_MODE_ROAD", d.TransportMode.ROAD),
        ("transport_mode", "TRANSPORT_MODE_RAIL", d.TransportMode.RAIL),
        ("transport_mode", "TRANSPORT_MODE_POSTAL", d.TransportMode.POSTAL),
        ("transport_mode", "TRANSPORT_MODE_COURIER", d.TransportMode.COURIER),
        ("procedure", "PROCEDURE_STANDARD", d.Procedure.STANDARD),
        ("procedure", "PROCEDURE_EXHIBITION", d.Procedure.EXHIBITION),
        ("procedure", "PROCEDURE_TEMPORARY_ADMISSION", d.Procedure.TEMPORARY_ADMISSION),
        ("procedure", "PROCEDURE_WAREHOUSING", d.Procedure.WAREHOUSING),
        ("procedure", "PROCEDURE_PROCESSING", d.Procedure.PROCESSING),
    ],
)
def test_each_enum_value_arrives_as_its_domain_member_and_goes_back(
    field: str, member: str, expected: object
) -> None:
    msg = requests.declaration()
    msg.MergeFrom(json_format.ParseDict({field: member}, dpb.Declaration()))
    got = convert.declaration_from_pb(msg, Limits())
    assert getattr(got, field) is expected
    assert as_dict(convert.declaration_to_pb(got))[field] == member


def test_an_empty_declaration_names_each_missing_field_with_the_prefix() -> None:
    with pytest.raises(d.InvalidInput) as caught:
        convert.declaration_from_pb(dpb.Declaration(), Limits(), prefix="declarations[2].")
    got = {(v.field, v.description) for v in caught.value.violations}
    assert ("declarations[2].declared_at", "is required") in got
    assert ("declarations[2].direction", "is required") in got
    assert ("declarations[2].transport_mode", "is required") in got
    assert not any(field == "declarations[2].procedure" for field, _ in got)  # STANDARD


def test_unknown_enum_values_are_named_with_the_value() -> None:
    msg = requests.declaration()
    msg.direction = 42  # type: ignore[assignment]
    msg.transport_mode = 43  # type: ignore[assignment]
    msg.procedure = 44  # type: ignore[assignment]
    with pytest.raises(d.InvalidInput) as caught:
        convert.declaration_from_pb(msg, Limits())
    assert {v.field: v.description for v in caught.value.violations} == {
        "direction": "has unknown value 42",
        "transport_mode": "has unknown value 43",
        "procedure": "has unknown value 44",
    }


def test_a_timestamp_out_of_range_is_named_not_raised() -> None:
    msg = requests.declaration()
    msg.declared_at.seconds = 2**62
    with pytest.raises(d.InvalidInput) as caught:
        convert.declaration_from_pb(msg, Limits())
    got = {(v.field, v.description) for v in caught.value.violations}
    assert ("declared_at", "is not a valid timestamp") in got


def test_too_many_items_are_counted_and_the_rest_still_checked() -> None:
    msg = requests.declaration()
    bad = msg.items.add()
    bad.CopyFrom(msg.items[0])
    bad.line_no, bad.hs_code = 2, "64A"
    msg.items.add().CopyFrom(msg.items[0])
    msg.items[2].line_no = 3
    with pytest.raises(d.InvalidInput) as caught:
        convert.declaration_from_pb(msg, Limits(max_items=2), prefix="declaration.")
    got = {v.field: v.description for v in caught.value.violations}
    assert got["declaration.items"] == "has 3 items; at most 2 allowed"
    assert "declaration.items[1].hs_code" in got
    assert len(caught.value.violations) == 2


def test_exactly_the_item_limit_is_accepted() -> None:
    msg = requests.declaration()
    msg.items.add().CopyFrom(msg.items[0])
    msg.items[1].line_no = 2
    assert len(convert.declaration_from_pb(msg, Limits(max_items=2)).items) == 2


def test_every_field_of_an_outcome_arrives_where_it_was_sent() -> None:
    assert convert.outcome_from_pb(outcome_request(), NOW) == SEIZED


def test_an_outcome_without_time_or_control_is_recorded_now_without_control() -> None:
    msg = outcome_request()
    msg.ClearField("recorded_at")
    msg.ClearField("control")
    msg.ClearField("seized_value")
    got = convert.outcome_from_pb(msg, NOW)
    assert (got.recorded_at, got.control, got.seized_value) == (NOW, None, None)


@pytest.mark.parametrize(
    ("result", "expected"),
    [
        ("OUTCOME_RESULT_NO_INFRINGEMENT", d.OutcomeResult.NO_INFRINGEMENT),
        ("OUTCOME_RESULT_SEIZED", d.OutcomeResult.SEIZED),
        ("OUTCOME_RESULT_HOLDER_NOT_CONFIRMED", d.OutcomeResult.HOLDER_NOT_CONFIRMED),
    ],
)
def test_each_outcome_result_arrives_as_its_member(result: str, expected: object) -> None:
    msg = outcome_request()
    msg.MergeFrom(json_format.ParseDict({"result": result}, apb.Outcome()))
    assert convert.outcome_from_pb(msg, NOW).result is expected


@pytest.mark.parametrize(
    ("control", "expected"),
    [
        ("CONTROL_TYPE_DOCUMENT", d.ControlType.DOCUMENT),
        ("CONTROL_TYPE_PHYSICAL", d.ControlType.PHYSICAL),
        ("CONTROL_TYPE_POST_CLEARANCE", d.ControlType.POST_CLEARANCE),
    ],
)
def test_each_control_type_arrives_as_its_member_and_goes_back(
    control: str, expected: object
) -> None:
    msg = outcome_request()
    msg.MergeFrom(json_format.ParseDict({"control": control}, apb.Outcome()))
    got = convert.outcome_from_pb(msg, NOW)
    assert got.control is expected
    assert as_dict(convert.outcome_to_pb(got))["control"] == control


def test_a_bad_outcome_names_every_field() -> None:
    msg = apb.Outcome(
        outcome_id="o" * 65,
        decision_id="  ",
        result=9,  # type: ignore[arg-type]
        control=7,  # type: ignore[arg-type]
        officer="x" * 65,
        notes="n" * 4097,
        recordation_ids=[f"T-{n}" for n in range(101)],
    )
    msg.seized_value.amount = -1
    msg.recorded_at.seconds = 2**62
    with pytest.raises(d.InvalidInput) as caught:
        convert.outcome_from_pb(msg, NOW)
    assert {v.field: v.description for v in caught.value.violations} == {
        "outcome.outcome_id": "at most 64 characters",
        "outcome.decision_id": "is required",
        "outcome.result": "has unknown value 9",
        "outcome.control": "has unknown value 7",
        "outcome.recorded_at": "is not a valid timestamp",
        "outcome.seized_value.amount": "must be finite, non-negative",
        "outcome.notes": "at most 4096 bytes allowed",
        "outcome.officer": "at most 64 characters allowed",
        "outcome.recordation_ids": "at most 100 allowed",
    }


def test_an_empty_outcome_names_what_is_required() -> None:
    with pytest.raises(d.InvalidInput) as caught:
        convert.outcome_from_pb(apb.Outcome(), NOW)
    assert {v.field: v.description for v in caught.value.violations} == {
        "outcome.outcome_id": "is required",
        "outcome.decision_id": "is required",
        "outcome.result": "is required",
    }


@pytest.mark.parametrize("amount", [float("inf"), float("nan")])
def test_a_seized_value_must_be_finite(amount: float) -> None:
    msg = outcome_request()
    msg.seized_value.amount = amount
    with pytest.raises(d.InvalidInput) as caught:
        convert.outcome_from_pb(msg, NOW)
    assert [v.field for v in caught.value.violations] == ["outcome.seized_value.amount"]


def test_outcome_texts_at_their_limits_are_accepted() -> None:
    msg = outcome_request()
    msg.outcome_id = "o" * 64
    msg.officer = "x" * 64
    msg.notes = "n" * 4096
    del msg.recordation_ids[:]
    msg.recordation_ids.extend(f"T-{n}" for n in range(100))
    msg.seized_value.amount = 0
    got = convert.outcome_from_pb(msg, NOW)
    assert (len(got.outcome_id), len(got.recordation_ids)) == (64, 100)


# --- to the wire ---


def test_every_field_of_a_declaration_leaves_as_the_contract_writes_it() -> None:
    assert as_dict(convert.declaration_to_pb(EVERY_FIELD)) == golden(
        "requests/every_field.json", dpb.Declaration()
    )


def test_brand_and_model_leave_in_their_own_fields() -> None:
    msg = convert.declaration_to_pb(
        d.Declaration(
            declaration_id="D-GOLDEN-2",
            declared_at=datetime(2025, 3, 1, 10, 0, tzinfo=UTC),
            direction=d.Direction.IMPORT,
            customs_office="CNSHA01",
            transport_mode=d.TransportMode.SEA,
            importer=d.Party("IMP-1", "Harbour Trading Co", "CN"),
            exporter=d.Party("EXP-1", "Pearl River Export Ltd", "CN"),
            origin_country="CN",
            departure_country="CN",
            destination_country="DE",
            items=(COUNTERFEIT_ITEM,),
        )
    )
    assert as_dict(msg) == golden("requests/counterfeit_brand.json", dpb.Declaration())


def test_every_field_of_an_assessment_leaves_as_the_contract_writes_it() -> None:
    assert as_dict(convert.assessment_to_pb(FULL_ASSESSMENT)) == golden(
        "assessments/convert_every_field.json", apb.Assessment()
    )


def test_an_assessment_without_model_or_referral_leaves_them_unset() -> None:
    bare = d.Assessment(
        decision_id="DEC-1",
        declaration_id="D-1",
        recommendation=d.Recommendation.RELEASE,
        lane=d.Lane.GREEN,
        risk_score=0.0,
        decided_at=datetime(2025, 3, 1, tzinfo=UTC),
        versions=d.Versions(),
    )
    msg = convert.assessment_to_pb(bare)
    assert not msg.HasField("model_score")
    assert not msg.HasField("referral")
    assert as_dict(msg) == {
        "decision_id": "DEC-1",
        "declaration_id": "D-1",
        "recommendation": "RECOMMENDATION_RELEASE",
        "lane": "LANE_GREEN",
        "versions": {},
        "decided_at": "2025-03-01T00:00:00Z",
    }


def test_every_field_of_an_outcome_leaves_as_it_arrived() -> None:
    assert as_dict(convert.outcome_to_pb(SEIZED)) == golden(
        "requests/outcome_seized.json", apb.Outcome()
    )


def test_an_outcome_without_control_or_seized_value_leaves_them_unset() -> None:
    bare = d.Outcome("OUT-1", "DEC-1", d.OutcomeResult.NO_INFRINGEMENT, NOW)
    assert as_dict(convert.outcome_to_pb(bare)) == {
        "outcome_id": "OUT-1",
        "decision_id": "DEC-1",
        "result": "OUTCOME_RESULT_NO_INFRINGEMENT",
        "recorded_at": "2025-03-05T00:00:00Z",
    }


def test_the_golden_files_are_plain_json() -> None:
    """Readable in review: UTF-8 JSON objects, so a diff shows what changed."""
    for path in sorted(GOLDEN.rglob("*.json")):
        assert isinstance(json.loads(path.read_text(encoding="utf-8")), dict), path
