"""Method handlers built from the service descriptors, with deserialisation that cannot fail.

grpcio answers a request it cannot parse with INTERNAL. Here the deserialiser returns an
`Unparseable` marker instead of raising, and the method reports it as INVALID_ARGUMENT, as
any other bad input.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import grpc
from google.protobuf import symbol_database
from google.protobuf.descriptor import ServiceDescriptor
from google.protobuf.message import DecodeError, Message

from riskd.domain import FieldViolation, InvalidInput


@dataclass(frozen=True, slots=True)
class Unparseable:
    """Bytes that are not a valid message of the request type."""

    type_name: str
    error: str

    def as_error(self) -> InvalidInput:
        return InvalidInput(
            [FieldViolation("(request)", f"not a valid {self.type_name} message: {self.error}")]
        )


def _safe_deserializer(message_type: type[Message]) -> Callable[[bytes], Message | Unparseable]:
    name = message_type.DESCRIPTOR.full_name

    def deserialize(data: bytes) -> Message | Unparseable:
        try:
            return message_type.FromString(data)
        except (DecodeError, RuntimeError, ValueError) as exc:
            return Unparseable(name, str(exc) or type(exc).__name__)

    return deserialize


def generic_handler(service: ServiceDescriptor, servicer: Any) -> grpc.GenericRpcHandler:
    """A handler for every method of `service`, calling the servicer method of the same name."""
    db = symbol_database.Default()
    handlers: dict[str, grpc.RpcMethodHandler] = {}
    for method in service.methods:
        request_type = db.GetSymbol(method.input_type.full_name)
        response_type = db.GetSymbol(method.output_type.full_name)
        behaviour = getattr(servicer, method.name)
        kwargs = {
            "request_deserializer": _safe_deserializer(request_type),
            "response_serializer": response_type.SerializeToString,
        }
        match (method.client_streaming, method.server_streaming):
            case (False, False):
                handlers[method.name] = grpc.unary_unary_rpc_method_handler(behaviour, **kwargs)
            case (False, True):
                handlers[method.name] = grpc.unary_stream_rpc_method_handler(behaviour, **kwargs)
            case (True, False):
                handlers[method.name] = grpc.stream_unary_rpc_method_handler(behaviour, **kwargs)
            case (True, True):
                handlers[method.name] = grpc.stream_stream_rpc_method_handler(behaviour, **kwargs)
    return grpc.method_handlers_generic_handler(service.full_name, handlers)
