"""Bearer-token checks per service: AdminService always needs its own token; the
ScreeningService needs one only when it is configured. Health and reflection stay open."""

from __future__ import annotations

import hmac
from collections.abc import Callable
from typing import Any

import grpc

ADMIN_PREFIX = "/riskd.v1.AdminService/"
SCREENING_PREFIX = "/riskd.v1.ScreeningService/"


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


class TokenAuth(grpc.ServerInterceptor):  # type: ignore[misc]
    def __init__(self, admin_token: str | None, screening_token: str | None) -> None:
        self._admin = admin_token
        self._screening = screening_token

    def intercept_service(
        self,
        continuation: Callable[[grpc.HandlerCallDetails], grpc.RpcMethodHandler | None],
        details: grpc.HandlerCallDetails,
    ) -> grpc.RpcMethodHandler | None:
        method: str = details.method
        if method.startswith(ADMIN_PREFIX):
            expected, service = self._admin, "AdminService"
            if expected is None:
                return _deny(
                    continuation(details),
                    grpc.StatusCode.PERMISSION_DENIED,
                    "AdminService is disabled: no admin token is configured",
                )
        elif method.startswith(SCREENING_PREFIX) and self._screening is not None:
            expected, service = self._screening, "ScreeningService"
        else:
            return continuation(details)
        handler = continuation(details)
        given = _bearer(details.invocation_metadata)
        if given is None:
            return _deny(
                handler,
                grpc.StatusCode.UNAUTHENTICATED,
                f"{service} needs 'authorization: Bearer <token>' metadata",
            )
        if not hmac.compare_digest(given.encode(), expected.encode()):
            return _deny(handler, grpc.StatusCode.PERMISSION_DENIED, f"wrong token for {service}")
        return handler
