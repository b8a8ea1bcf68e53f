"""Credentials per group of methods, each with its own bearer token:

| group | methods | without a configured token |
|---|---|---|
| screening | Screen, ScreenBatch, ScreenStream | open (declaration systems on a closed network) |
| outcomes | RecordOutcome | closed: outcomes become training labels |
| decisions | GetDecision | closed: a stored decision carries party data |
| admin | every AdminService method | closed |

`method_groups` in the settings moves a method to another group (e.g. GetDecision into
`admin`). Health and reflection stay open. Transport security (TLS, and mutual TLS, which
admits only clients with a certificate from the configured CA) is set up in
`riskd.server.app`; the tokens then travel encrypted.
"""

from __future__ import annotations

import hmac
from collections.abc import Callable, Mapping
from typing import Any

import grpc

SCREENING_SERVICE = "/riskd.v1.ScreeningService/"
ADMIN_SERVICE = "/riskd.v1.AdminService/"

DEFAULT_GROUPS: Mapping[str, str] = {
    "Screen": "screening",
    "ScreenBatch": "screening",
    "ScreenStream": "screening",
    "RecordOutcome": "outcomes",
    "GetDecision": "decisions",
}
OPEN_WITHOUT_TOKEN = frozenset({"screening"})
GROUPS = ("screening", "outcomes", "decisions", "admin")


def _deny(
    like: grpc.RpcMethodHandler | None, code: grpc.StatusCode, message: str
) -> grpc.RpcMethodHandler:
    """A handler of the same streaming shape as the one it replaces, that only refuses."""

    def behaviour(request: Any, context: grpc.ServicerContext) -> Any:
        context.abort(code, message)

    if like is not None and like.request_streaming and like.response_streaming:
        return grpc.stream_stream_rpc_method_handler(behaviour)
    if like is not None and like.request_streaming:
        return grpc.stream_unary_rpc_method_handler(behaviour)
    if like is not None and like.response_streaming:
        return grpc.unary_stream_rpc_method_handler(behaviour)
    return grpc.unary_unary_rpc_method_handler(behaviour)


def _bearer(metadata: tuple[tuple[str, str | bytes], ...] | None) -> str | None:
    for key, value in metadata or ():
        if key == "authorization" and isinstance(value, str) and value.startswith("Bearer "):
            return value.removeprefix("Bearer ").strip()
    return None


def group_of(method: str, overrides: Mapping[str, str]) -> str | None:
    """The credential group of a full method name (None: health, reflection, unknown)."""
    if method.startswith(ADMIN_SERVICE):
        return overrides.get(method.removeprefix(ADMIN_SERVICE), "admin")
    if method.startswith(SCREENING_SERVICE):
        name = method.removeprefix(SCREENING_SERVICE)
        return overrides.get(name, DEFAULT_GROUPS.get(name, "screening"))
    return None


class TokenAuth(grpc.ServerInterceptor):  # type: ignore[misc]
    def __init__(
        self, tokens: Mapping[str, str | None], method_groups: Mapping[str, str] | None = None
    ) -> None:
        self._tokens = dict(tokens)
        self._groups = dict(method_groups or {})

    def intercept_service(
        self,
        continuation: Callable[[grpc.HandlerCallDetails], grpc.RpcMethodHandler | None],
        details: grpc.HandlerCallDetails,
    ) -> grpc.RpcMethodHandler | None:
        group = group_of(details.method, self._groups)
        if group is None:
            return continuation(details)
        expected = self._tokens.get(group)
        if expected is None:
            if group in OPEN_WITHOUT_TOKEN:
                return continuation(details)
            return _deny(
                continuation(details),
                grpc.StatusCode.PERMISSION_DENIED,
                f"{details.method} is closed: no {group}_token is configured",
            )
        handler = continuation(details)
        given = _bearer(details.invocation_metadata)
        if given is None:
            return _deny(
                handler,
                grpc.StatusCode.UNAUTHENTICATED,
                f"{details.method} needs 'authorization: Bearer <{group} token>' metadata",
            )
        if not hmac.compare_digest(given.encode(), expected.encode()):
            return _deny(
                handler, grpc.StatusCode.PERMISSION_DENIED, f"wrong token for the {group} methods"
            )
        return handler
