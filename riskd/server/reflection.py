"""Server reflection in both versions tools ask for: `grpc.reflection.v1`, which current
tools (`buf curl`, grpcurl) try first, and `grpc.reflection.v1alpha`, the only one
grpcio-reflection implements.

The v1 messages (proto/riskd/reflection/v1) are v1alpha's field for field, so the v1 service
carries each request and response across as its bytes and lets the v1alpha servicer answer:
one implementation and one descriptor pool behind both names.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator

import grpc
from grpc_reflection.v1alpha import reflection as v1alpha
from grpc_reflection.v1alpha import reflection_pb2 as v1alpha_pb2
from grpc_reflection.v1alpha import reflection_pb2_grpc as v1alpha_grpc

from riskd.reflection.v1 import reflection_pb2 as v1_pb2
from riskd.reflection.v1 import reflection_pb2_grpc as v1_grpc

V1_SERVICE_NAME: str = v1_pb2.DESCRIPTOR.services_by_name["ServerReflection"].full_name
V1ALPHA_SERVICE_NAME: str = v1alpha.SERVICE_NAME


class ReflectionV1(v1_grpc.ServerReflectionServicer):
    """`grpc.reflection.v1.ServerReflection`, answered by the v1alpha servicer."""

    def __init__(self, answers: v1alpha.ReflectionServicer) -> None:
        self._answers = answers

    def ServerReflectionInfo(
        self,
        request_iterator: Iterator[v1_pb2.ServerReflectionRequest],
        context: grpc.ServicerContext,
    ) -> Iterator[v1_pb2.ServerReflectionResponse]:
        requests = (
            v1alpha_pb2.ServerReflectionRequest.FromString(request.SerializeToString())
            for request in request_iterator
        )
        for response in self._answers.ServerReflectionInfo(requests, context):
            yield v1_pb2.ServerReflectionResponse.FromString(response.SerializeToString())


def enable_reflection(service_names: Iterable[str], server: grpc.Server) -> None:
    """Serve reflection v1 and v1alpha of `service_names` (and of both reflection services)
    from the default descriptor pool, where the generated stubs registered every file."""
    names = (*service_names, V1_SERVICE_NAME, V1ALPHA_SERVICE_NAME)
    answers = v1alpha.ReflectionServicer(names)
    v1alpha_grpc.add_ServerReflectionServicer_to_server(answers, server)
    v1_grpc.add_ServerReflectionServicer_to_server(ReflectionV1(answers), server)
