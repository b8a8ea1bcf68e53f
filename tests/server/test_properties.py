"""Property: whatever Declaration a client can build, riskd answers with an Assessment or
INVALID_ARGUMENT — never INTERNAL, never a hang."""

from __future__ import annotations

import grpc
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from riskd.v1 import admin_service_pb2 as adpb
from riskd.v1 import assessment_pb2 as apb
from riskd.v1 import declaration_pb2 as dpb
from riskd.v1 import screening_service_pb2 as pb
from tests import requests
from tests.server.conftest import ADMIN_AUTH, Client

ENUM = st.integers(min_value=-3, max_value=9)
SHORT = st.one_of(
    st.sampled_from(["", "CN", "US", "NIKE", "nike", "耐克", "N I K E", "640411", "USD"]),
    st.text(max_size=40),
)
NUMBER = st.one_of(
    st.floats(allow_nan=True, allow_infinity=True),
    st.floats(min_value=0, max_value=1e7),
)

parties = st.builds(dpb.Party, id=SHORT, name=SHORT, country=SHORT)
money = st.builds(dpb.Money, amount=NUMBER, currency=SHORT)
items = st.builds(
    dpb.Item,
    line_no=st.integers(min_value=0, max_value=2**32 - 1),
    hs_code=st.one_of(st.sampled_from(["640411", "8517120000", "2009"]), SHORT),
    description=st.one_of(SHORT, st.text(min_size=400, max_size=700)),
    brand=SHORT,
    model=SHORT,
    quantity=NUMBER,
    unit=SHORT,
    net_mass_kg=NUMBER,
    value=st.one_of(st.none(), money),
    origin_country=SHORT,
)


@st.composite
def arbitrary_declarations(draw: st.DrawFn) -> dpb.Declaration:
    msg = dpb.Declaration(
        declaration_id=draw(SHORT),
        direction=draw(ENUM),
        customs_office=draw(SHORT),
        transport_mode=draw(ENUM),
        procedure=draw(ENUM),
        origin_country=draw(SHORT),
        departure_country=draw(SHORT),
        destination_country=draw(SHORT),
        items=draw(st.lists(items, max_size=4)),
    )
    if draw(st.booleans()):
        msg.declared_at.seconds = draw(st.integers(min_value=-62135596800, max_value=253402300799))
        msg.declared_at.nanos = draw(st.integers(min_value=0, max_value=999_999_999))
    for name in ("declarant", "importer", "exporter", "consignee"):
        party = draw(st.one_of(st.none(), parties))
        if party is not None:
            getattr(msg, name).CopyFrom(party)
    return msg


@st.composite
def nearly_valid_declarations(draw: st.DrawFn) -> dpb.Declaration:
    """A valid declaration with a few fields replaced by arbitrary values."""
    msg = requests.declaration()
    msg.items[0].brand = draw(SHORT)
    msg.items[0].description = draw(SHORT) or "x"
    arbitrary = draw(arbitrary_declarations())
    fields = ["direction", "transport_mode", "procedure", "origin_country", "importer", "items"]
    for name in draw(st.lists(st.sampled_from(fields), max_size=2, unique=True)):
        msg.ClearField(name)  # type: ignore[arg-type]
        if name == "items":
            msg.items.extend(arbitrary.items)
        elif name == "importer":
            if arbitrary.HasField("importer"):
                msg.importer.CopyFrom(arbitrary.importer)
        else:
            setattr(msg, name, getattr(arbitrary, name))
    return msg


declarations = st.one_of(arbitrary_declarations(), nearly_valid_declarations())


@settings(
    max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(declaration=declarations)
def test_any_declaration_gets_an_assessment_or_invalid_argument(
    client: Client, declaration: dpb.Declaration
) -> None:
    try:
        response = client.screening.Screen(pb.ScreenRequest(declaration=declaration), timeout=10)
    except grpc.RpcError as error:
        assert error.code() is grpc.StatusCode.INVALID_ARGUMENT, (error.code(), error.details())
        assert error.details()
        event("invalid argument")
    else:
        event("assessed")
        assert response.assessment.decision_id
        assert 0.0 <= response.assessment.risk_score <= 1.0


# Every other RPC, with structured messages of arbitrary content: an answer or a status
# that names the caller's mistake, never INTERNAL or UNKNOWN.
EXPECTED = {
    grpc.StatusCode.INVALID_ARGUMENT,
    grpc.StatusCode.NOT_FOUND,
    grpc.StatusCode.ALREADY_EXISTS,
    grpc.StatusCode.FAILED_PRECONDITION,
    grpc.StatusCode.RESOURCE_EXHAUSTED,
}
outcomes = st.builds(
    apb.Outcome,
    outcome_id=SHORT,
    decision_id=SHORT,
    result=ENUM,
    control=ENUM,
    recordation_ids=st.lists(SHORT, max_size=3),
    seized_value=st.one_of(st.none(), money),
    officer=SHORT,
    notes=st.one_of(SHORT, st.text(min_size=300, max_size=5000)),
)


def _answered_or_expected(call: object) -> None:
    try:
        call()  # type: ignore[operator]
    except grpc.RpcError as error:
        assert error.code() in EXPECTED, (error.code(), error.details())
        assert error.details()


@settings(max_examples=80, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(outcome=outcomes, known=st.booleans())
def test_any_outcome_gets_an_answer_or_a_named_error(
    client: Client, outcome: apb.Outcome, known: bool
) -> None:
    if known:  # for a decision that exists, so that the checks past NOT_FOUND run too
        declaration = requests.declaration()
        decided = client.screening.Screen(pb.ScreenRequest(declaration=declaration), timeout=10)
        outcome.decision_id = decided.assessment.decision_id
    request = pb.RecordOutcomeRequest(outcome=outcome)
    _answered_or_expected(lambda: client.screening.RecordOutcome(request, timeout=10))


@settings(max_examples=40, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(batch=st.lists(declarations, max_size=4), decision_id=SHORT)
def test_any_batch_stream_or_lookup_gets_an_answer_or_a_named_error(
    client: Client, batch: list[dpb.Declaration], decision_id: str
) -> None:
    request = pb.ScreenBatchRequest(declarations=batch)
    _answered_or_expected(lambda: client.screening.ScreenBatch(request, timeout=20))
    streamed = client.screening.ScreenStream(
        iter([pb.ScreenStreamRequest(declaration=d) for d in batch]), timeout=20
    )
    for answer in streamed:  # a bad declaration is an error in the stream, not its end
        assert answer.HasField("assessment") or answer.error.code in {
            "INVALID_ARGUMENT",
            "FAILED_PRECONDITION",
        }, answer
    lookup = pb.GetDecisionRequest(decision_id=decision_id)
    _answered_or_expected(lambda: client.screening.GetDecision(lookup, timeout=10))


@settings(max_examples=30, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(path=st.one_of(st.just(""), st.text(max_size=60)), allow_empty=st.booleans())
def test_any_admin_request_gets_an_answer_or_a_named_error(
    client: Client, path: str, allow_empty: bool
) -> None:
    admin, auth = client.admin, ADMIN_AUTH
    _answered_or_expected(lambda: admin.GetStatus(adpb.GetStatusRequest(), metadata=auth))
    _answered_or_expected(lambda: admin.ReloadRules(adpb.ReloadRulesRequest(), metadata=auth))
    model = adpb.ReloadModelRequest(allow_empty=allow_empty)
    _answered_or_expected(lambda: admin.ReloadModel(model, metadata=auth))
    if path.startswith("/") or ".." in path:
        path = "missing/" + path.strip("/.")  # never a real file of this host
    register = adpb.ReloadRegisterRequest(path=path, allow_empty=False)
    _answered_or_expected(lambda: admin.ReloadRegister(register, metadata=auth))


@settings(max_examples=60, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    method=st.sampled_from(
        [
            "/riskd.v1.AdminService/GetStatus",
            "/riskd.v1.AdminService/ReloadRules",
            "/riskd.v1.AdminService/ReloadModel",
            "/riskd.v1.AdminService/ReloadRegister",
            "/riskd.v1.ScreeningService/Screen",
            "/riskd.v1.ScreeningService/ScreenBatch",
            "/riskd.v1.ScreeningService/RecordOutcome",
            "/riskd.v1.ScreeningService/GetDecision",
        ]
    ),
    body=st.binary(min_size=1, max_size=64),
)
def test_bytes_that_are_no_message_are_refused_by_every_unary_method(
    client: Client, method: str, body: bytes
) -> None:
    call = client.channel.unary_unary(method)  # raw bytes in, raw bytes out
    try:
        call(body, metadata=ADMIN_AUTH if "Admin" in method else None, timeout=10)
    except grpc.RpcError as error:
        assert error.code() in EXPECTED, (
            error.code(),
            error.details(),
        )
    # bytes that happen to parse as a message are answered like that message
