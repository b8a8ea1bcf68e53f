"""ScreeningService: protobuf in, domain call, protobuf out."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from datetime import UTC, datetime

import grpc
from google.rpc import code_pb2

from riskd.domain import Declaration, FieldViolation, InvalidInput, ResourceExhausted, RiskdError
from riskd.server import convert
from riskd.server.errors import reported, status_of
from riskd.server.handlers import Unparseable
from riskd.server.runtime import Runtime
from riskd.v1 import screening_service_pb2 as pb


def _check(request: object) -> None:
    if isinstance(request, Unparseable):
        raise request.as_error()


def _deadline_left(context: grpc.ServicerContext) -> None:
    remaining = context.time_remaining()
    if remaining is not None and remaining <= 0:
        context.abort(grpc.StatusCode.DEADLINE_EXCEEDED, "deadline exceeded before screening")


class ScreeningServicer:
    def __init__(self, runtime: Runtime) -> None:
        self._runtime = runtime
        self._streams = 0  # open ScreenStream calls
        self._stream_lock = threading.Lock()

    @reported
    def Screen(self, request: pb.ScreenRequest, context: grpc.ServicerContext) -> pb.ScreenResponse:
        _check(request)
        if not request.HasField("declaration"):
            raise InvalidInput([FieldViolation("declaration", "is required")])
        limits = self._runtime.settings.limits
        declaration = convert.declaration_from_pb(request.declaration, limits, "declaration.")
        _deadline_left(context)
        (assessment,) = self._runtime.screen([declaration], context.time_remaining)
        return pb.ScreenResponse(assessment=convert.assessment_to_pb(assessment))

    @reported
    def ScreenBatch(
        self, request: pb.ScreenBatchRequest, context: grpc.ServicerContext
    ) -> pb.ScreenBatchResponse:
        _check(request)
        limits = self._runtime.settings.limits
        count = len(request.declarations)
        if count == 0:
            raise InvalidInput([FieldViolation("declarations", "at least one is required")])
        if count > limits.max_batch:
            raise InvalidInput(
                [FieldViolation("declarations", f"{count} given; at most {limits.max_batch}")]
            )
        items = sum(len(msg.items) for msg in request.declarations)
        if items > limits.max_call_items:
            raise ResourceExhausted(
                f"{items} goods lines in one call; at most {limits.max_call_items} "
                "(limits.max_call_items): split the batch"
            )
        declarations: list[Declaration] = []
        violations: list[FieldViolation] = []
        for index, msg in enumerate(request.declarations):
            try:
                declarations.append(
                    convert.declaration_from_pb(msg, limits, f"declarations[{index}].")
                )
            except InvalidInput as error:
                violations.extend(error.violations)
        if violations:
            raise InvalidInput(violations)
        _deadline_left(context)
        assessed = self._runtime.screen(declarations, context.time_remaining)
        return pb.ScreenBatchResponse(assessments=[convert.assessment_to_pb(a) for a in assessed])

    def ScreenStream(
        self, requests: Iterator[pb.ScreenStreamRequest], context: grpc.ServicerContext
    ) -> Iterator[pb.ScreenStreamResponse]:
        """Each open stream holds a worker thread for its life, so at most `max_streams` are
        open at once; beyond, a stream is refused with RESOURCE_EXHAUSTED, leaving threads
        for unary calls."""
        limits = self._runtime.settings.limits
        with self._stream_lock:
            if self._streams >= limits.max_streams:
                context.abort(
                    grpc.StatusCode.RESOURCE_EXHAUSTED,
                    f"{self._streams} streams are open, at most {limits.max_streams} "
                    "(limits.max_streams): use ScreenBatch, or retry later",
                )
            self._streams += 1
        try:
            yield from self._stream(requests, context)
        finally:
            with self._stream_lock:
                self._streams -= 1

    def _stream(
        self, requests: Iterator[pb.ScreenStreamRequest], context: grpc.ServicerContext
    ) -> Iterator[pb.ScreenStreamResponse]:
        limits = self._runtime.settings.limits
        for request in requests:
            declaration_id = ""
            try:
                _check(request)
                declaration_id = request.declaration.declaration_id
                if not request.HasField("declaration"):
                    raise InvalidInput([FieldViolation("declaration", "is required")])
                declaration = convert.declaration_from_pb(
                    request.declaration, limits, "declaration."
                )
                _deadline_left(context)
                (assessment,) = self._runtime.screen([declaration], context.time_remaining)
            except RiskdError as error:
                status = status_of(error)
                violations = error.violations if isinstance(error, InvalidInput) else ()
                yield pb.ScreenStreamResponse(
                    declaration_id=declaration_id,
                    error=pb.ScreenError(
                        code=code_pb2.Code.Name(status.code),
                        message=status.message,
                        field_violations=[
                            pb.FieldViolation(field=v.field, description=v.description)
                            for v in violations
                        ],
                    ),
                )
                continue
            yield pb.ScreenStreamResponse(
                declaration_id=declaration_id, assessment=convert.assessment_to_pb(assessment)
            )

    @reported
    def RecordOutcome(
        self, request: pb.RecordOutcomeRequest, context: grpc.ServicerContext
    ) -> pb.RecordOutcomeResponse:
        _check(request)
        if not request.HasField("outcome"):
            raise InvalidInput([FieldViolation("outcome", "is required")])
        outcome = convert.outcome_from_pb(request.outcome, datetime.now(UTC))
        recorded = self._runtime.record_outcome(outcome)
        return pb.RecordOutcomeResponse(
            outcome=convert.outcome_to_pb(recorded.outcome),
            already_recorded=recorded.already_recorded,
        )

    @reported
    def GetDecision(
        self, request: pb.GetDecisionRequest, context: grpc.ServicerContext
    ) -> pb.GetDecisionResponse:
        _check(request)
        if not request.decision_id.strip():
            raise InvalidInput([FieldViolation("decision_id", "is required")])
        stored = self._runtime.store.get_decision(request.decision_id)
        return pb.GetDecisionResponse(
            assessment=convert.assessment_to_pb(stored.assessment),
            declaration=convert.declaration_to_pb(stored.declaration),
            outcomes=[convert.outcome_to_pb(o) for o in stored.outcomes],
        )
