"""A bare grpcio server with riskd's screening methods and message types whose handlers return
a constant answer: what gRPC, protobuf and Python cost on this machine with no screening at
all, the baseline `bench_server` measures riskd against.

`python -m bench.echo_server --listen HOST:PORT --answers DIR` serves until SIGTERM; DIR holds
the serialised answers (`screen.bin`, `batch.bin`, `stream.bin`), taken from riskd itself so
that both servers send the same bytes.
"""

from __future__ import annotations

import argparse
import signal
import sys
import threading
from collections.abc import Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from types import FrameType

import grpc

from riskd.v1 import screening_service_pb2 as pb

SERVICE = "riskd.v1.ScreeningService"


def echo_handler(answers: Path) -> grpc.GenericRpcHandler:
    screen = pb.ScreenResponse.FromString((answers / "screen.bin").read_bytes())
    batch = pb.ScreenBatchResponse.FromString((answers / "batch.bin").read_bytes())
    stream = pb.ScreenStreamResponse.FromString((answers / "stream.bin").read_bytes())

    def on_screen(request: pb.ScreenRequest, context: grpc.ServicerContext) -> pb.ScreenResponse:
        return screen

    def on_batch(
        request: pb.ScreenBatchRequest, context: grpc.ServicerContext
    ) -> pb.ScreenBatchResponse:
        return batch

    def on_stream(
        requests: Iterator[pb.ScreenStreamRequest], context: grpc.ServicerContext
    ) -> Iterator[pb.ScreenStreamResponse]:
        for _ in requests:
            yield stream

    return grpc.method_handlers_generic_handler(
        SERVICE,
        {
            "Screen": grpc.unary_unary_rpc_method_handler(
                on_screen,
                request_deserializer=pb.ScreenRequest.FromString,
                response_serializer=pb.ScreenResponse.SerializeToString,
            ),
            "ScreenBatch": grpc.unary_unary_rpc_method_handler(
                on_batch,
                request_deserializer=pb.ScreenBatchRequest.FromString,
                response_serializer=pb.ScreenBatchResponse.SerializeToString,
            ),
            "ScreenStream": grpc.stream_stream_rpc_method_handler(
                on_stream,
                request_deserializer=pb.ScreenStreamRequest.FromString,
                response_serializer=pb.ScreenStreamResponse.SerializeToString,
            ),
        },
    )


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.echo_server", description=__doc__)
    parser.add_argument("--listen", required=True, help="host:port to serve on")
    parser.add_argument("--answers", required=True, type=Path, help="folder of the answers")
    parser.add_argument("--threads", type=int, default=8, help="worker threads (as riskd's)")
    args = parser.parse_args(argv)
    server = grpc.server(ThreadPoolExecutor(max_workers=args.threads))
    server.add_generic_rpc_handlers((echo_handler(args.answers),))
    server.add_insecure_port(args.listen)
    server.start()
    stop = threading.Event()

    def on_signal(signum: int, frame: FrameType | None) -> None:
        stop.set()

    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGINT, on_signal)
    print(f"echo serving on {args.listen}", file=sys.stderr, flush=True)
    stop.wait()
    server.stop(1).wait()
    return 0


if __name__ == "__main__":
    sys.exit(main())
