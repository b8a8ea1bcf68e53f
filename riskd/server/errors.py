"""The one place that maps domain errors to gRPC status codes with google.rpc details."""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any, NoReturn, TypeVar

import grpc
import structlog
from google.protobuf import any_pb2
from google.rpc import code_pb2, error_details_pb2, status_pb2
from grpc_status import rpc_status

from riskd.domain import (
    Conflict,
    DeadlineExceeded,
    FieldViolation,
    InvalidInput,
    NotFound,
    ReloadRefused,
    ResourceExhausted,
    RiskdError,
    StoreUnavailable,
)

log = structlog.get_logger("riskd.server")

F = TypeVar("F", bound=Callable[..., Any])


def _packed(detail: Any) -> any_pb2.Any:
    packed = any_pb2.Any()
    packed.Pack(detail)
    return packed


def bad_request_status(
    violations: tuple[FieldViolation, ...] | list[FieldViolation], message: str
) -> status_pb2.Status:
    detail = error_details_pb2.BadRequest(
        field_violations=[
            error_details_pb2.BadRequest.FieldViolation(field=v.field, description=v.description)
            for v in violations
        ]
    )
    return status_pb2.Status(
        code=code_pb2.INVALID_ARGUMENT, message=message, details=[_packed(detail)]
    )


def status_of(error: RiskdError) -> status_pb2.Status:
    """The google.rpc.Status a domain error is reported with."""
    if isinstance(error, InvalidInput):
        return bad_request_status(error.violations, f"invalid request: {error}")
    if isinstance(error, NotFound):
        return status_pb2.Status(code=code_pb2.NOT_FOUND, message=str(error))
    if isinstance(error, Conflict):
        return status_pb2.Status(code=code_pb2.ALREADY_EXISTS, message=str(error))
    if isinstance(error, StoreUnavailable):
        return status_pb2.Status(code=code_pb2.UNAVAILABLE, message=str(error))
    if isinstance(error, DeadlineExceeded):
        return status_pb2.Status(code=code_pb2.DEADLINE_EXCEEDED, message=str(error))
    if isinstance(error, ResourceExhausted):
        return status_pb2.Status(code=code_pb2.RESOURCE_EXHAUSTED, message=str(error))
    if isinstance(error, ReloadRefused):
        detail = error_details_pb2.PreconditionFailure(
            violations=[
                error_details_pb2.PreconditionFailure.Violation(
                    type=error.what, subject=error.what, description=problem
                )
                for problem in error.problems
            ]
        )
        return status_pb2.Status(
            code=code_pb2.FAILED_PRECONDITION, message=str(error), details=[_packed(detail)]
        )
    return status_pb2.Status(code=code_pb2.INTERNAL, message="internal error")


def abort(context: grpc.ServicerContext, status: status_pb2.Status) -> NoReturn:
    context.abort_with_status(rpc_status.to_status(status))
    raise AssertionError("abort_with_status returned")  # pragma: no cover


def reported(method: F) -> F:
    """Servicer method decorator: domain errors become their status; anything else is a bug,
    logged with its traceback and reported as INTERNAL without leaking details."""

    @functools.wraps(method)
    def wrapper(self: Any, request: Any, context: grpc.ServicerContext) -> Any:
        try:
            return method(self, request, context)
        except RiskdError as error:
            if isinstance(error, ReloadRefused):
                log.warning("reload refused", what=error.what, problems=list(error.problems))
            abort(context, status_of(error))
        except Exception:
            if context.code() is not None:  # already aborted by the method itself
                raise
            log.exception("unhandled error", method=method.__name__)
            abort(context, status_pb2.Status(code=code_pb2.INTERNAL, message="internal error"))

    return wrapper  # type: ignore[return-value]
