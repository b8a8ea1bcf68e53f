"""Load on a riskd deployment from outside, as declaration systems make it: N concurrent calls
of `Screen`, `ScreenBatch` or `ScreenStream` for a fixed time, measured at the client.

The client must not be the bottleneck on a small machine, so requests are serialised once
before the clock starts and sent as bytes on grpc's asyncio channels (many calls in flight on
one thread, no protobuf work per call except reading stream answers for their in-band
errors); `processes` runs that loop in several processes for more than one core.
"""

from __future__ import annotations

import asyncio
import multiprocessing
import time
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import grpc
import grpc.aio

from riskd.v1 import declaration_pb2, screening_service_pb2

SERVICE = "/riskd.v1.ScreeningService/"
PERCENTILES = (50, 90, 99)
DISTINCT_BATCHES = 64  # batches cycled through: enough variety, bounded memory


@dataclass(frozen=True, slots=True)
class Tls:
    """Files for a TLS channel: the CA to trust (system roots if None), and for mutual TLS
    the client's certificate chain and key."""

    ca: Path | None = None
    cert: Path | None = None
    key: Path | None = None

    def credentials(self) -> grpc.ChannelCredentials:
        def read(path: Path | None) -> bytes | None:
            return path.read_bytes() if path is not None else None

        return grpc.ssl_channel_credentials(
            root_certificates=read(self.ca),
            private_key=read(self.key),
            certificate_chain=read(self.cert),
        )


@dataclass(frozen=True, slots=True)
class LoadPlan:
    """What to send: `batch` declarations per `ScreenBatch` call (1: unary `Screen`), or with
    `stream` one open `ScreenStream` per concurrent caller with `batch` declarations in
    flight on it."""

    target: str
    concurrency: int
    duration: float
    batch: int = 1
    stream: bool = False
    processes: int = 1
    warmup: float = 1.0
    timeout: float = 30.0
    token: str | None = None
    tls: Tls | None = None

    @property
    def method(self) -> str:
        if self.stream:
            return "ScreenStream"
        return "ScreenBatch" if self.batch > 1 else "Screen"

    def check(self) -> None:
        if self.concurrency < 1 or self.batch < 1 or self.processes < 1:
            raise ValueError("concurrency, batch and processes must be at least 1")
        if self.duration <= 0 or self.warmup < 0 or self.timeout <= 0:
            raise ValueError("duration and timeout must be positive, warmup not negative")
        if self.processes > self.concurrency:
            raise ValueError("more processes than concurrent calls")


@dataclass(slots=True)
class Tally:
    """What one client process saw after its warm-up."""

    seconds: float = 0.0
    calls: int = 0
    declarations: int = 0
    latencies: list[float] = field(default_factory=list)  # seconds, successful calls
    errors: Counter[str] = field(default_factory=Counter)  # status code -> calls

    def add(self, other: Tally) -> None:
        self.calls += other.calls
        self.declarations += other.declarations
        self.latencies.extend(other.latencies)
        self.errors.update(other.errors)


@dataclass(frozen=True, slots=True)
class LoadResult:
    plan: LoadPlan
    seconds: float
    calls: int
    declarations: int
    calls_per_second: float
    declarations_per_second: float
    latency_ms: dict[str, float]  # p50, p90, p99, max of successful calls
    errors: dict[str, int]

    def as_dict(self) -> dict[str, object]:
        return {
            "target": self.plan.target,
            "method": self.plan.method,
            "concurrency": self.plan.concurrency,
            "batch": self.plan.batch,
            "processes": self.plan.processes,
            "seconds": round(self.seconds, 3),
            "calls": self.calls,
            "declarations": self.declarations,
            "calls_per_second": round(self.calls_per_second, 1),
            "declarations_per_second": round(self.declarations_per_second, 1),
            "latency_ms": self.latency_ms,
            "errors": self.errors,
        }


def percentiles(samples: Sequence[float]) -> dict[str, float]:
    """Nearest-rank percentiles and the maximum, in milliseconds."""
    if not samples:
        return {}
    ordered = sorted(samples)
    out = {
        f"p{q}": round(ordered[max(0, -(-q * len(ordered) // 100) - 1)] * 1000, 3)
        for q in PERCENTILES
    }
    out["max"] = round(ordered[-1] * 1000, 3)
    return out


def payloads(plan: LoadPlan, declarations: Sequence[declaration_pb2.Declaration]) -> list[bytes]:
    """The serialised requests the callers cycle through."""
    if not declarations:
        raise ValueError("no declarations to send")
    if plan.stream:
        return [
            screening_service_pb2.ScreenStreamRequest(declaration=d).SerializeToString()
            for d in declarations
        ]
    if plan.batch == 1:
        return [
            screening_service_pb2.ScreenRequest(declaration=d).SerializeToString()
            for d in declarations
        ]
    n = len(declarations)
    return [
        screening_service_pb2.ScreenBatchRequest(
            declarations=[declarations[(start * plan.batch + k) % n] for k in range(plan.batch)]
        ).SerializeToString()
        for start in range(min(DISTINCT_BATCHES, max(1, n // plan.batch)))
    ]


def run_load(plan: LoadPlan, declarations: Sequence[declaration_pb2.Declaration]) -> LoadResult:
    """Send the load of `plan`, built from `declarations`, and measure it."""
    plan.check()
    requests = payloads(plan, declarations)
    if plan.processes == 1:
        tallies = [_run_process((plan, plan.concurrency, 0, requests))]
    else:
        shares = [
            plan.concurrency // plan.processes + (p < plan.concurrency % plan.processes)
            for p in range(plan.processes)
        ]
        context = multiprocessing.get_context("spawn")
        with context.Pool(plan.processes) as pool:
            jobs = [(plan, share, sum(shares[:p]), requests) for p, share in enumerate(shares)]
            tallies = pool.map(_run_process, jobs)
    total = Tally()
    for tally in tallies:
        total.add(tally)
    seconds = max(t.seconds for t in tallies)
    return LoadResult(
        plan=plan,
        seconds=seconds,
        calls=total.calls,
        declarations=total.declarations,
        # each process measured over its own window: rates add up
        calls_per_second=sum(t.calls / t.seconds for t in tallies if t.seconds),
        declarations_per_second=sum(t.declarations / t.seconds for t in tallies if t.seconds),
        latency_ms=percentiles(total.latencies),
        errors=dict(sorted(total.errors.items())),
    )


def _run_process(job: tuple[LoadPlan, int, int, list[bytes]]) -> Tally:
    plan, callers, offset, requests = job
    return asyncio.run(_load(plan, callers, offset, requests))


def _channel(plan: LoadPlan) -> grpc.aio.Channel:
    # a connection of its own per caller, as separate declaration systems would have: with
    # several server processes on one port the kernel spreads connections, not calls
    options = [("grpc.use_local_subchannel_pool", 1)]
    if plan.tls is not None:
        return grpc.aio.secure_channel(plan.target, plan.tls.credentials(), options=options)
    return grpc.aio.insecure_channel(plan.target, options=options)


async def _load(plan: LoadPlan, callers: int, offset: int, requests: list[bytes]) -> Tally:
    metadata = (("authorization", f"Bearer {plan.token}"),) if plan.token else None
    channels = [_channel(plan) for _ in range(callers)]
    try:
        await asyncio.gather(*(asyncio.wait_for(c.channel_ready(), plan.timeout) for c in channels))
        started = time.perf_counter()
        counted_from = started + plan.warmup
        until = counted_from + plan.duration
        tally = Tally()
        caller = _streaming if plan.stream else _unary
        await asyncio.gather(
            *(
                caller(plan, channel, metadata, requests, offset + n, counted_from, until, tally)
                for n, channel in enumerate(channels)
            )
        )
        tally.seconds = max(time.perf_counter(), until) - counted_from
        return tally
    finally:
        await asyncio.gather(*(c.close() for c in channels))


async def _unary(
    plan: LoadPlan,
    channel: grpc.aio.Channel,
    metadata: tuple[tuple[str, str], ...] | None,
    requests: list[bytes],
    n: int,
    counted_from: float,
    until: float,
    tally: Tally,
) -> None:
    call = channel.unary_unary(SERVICE + plan.method)  # bytes in, bytes out
    while (started := time.perf_counter()) < until:
        request = requests[n % len(requests)]
        n += 1
        try:
            await call(request, timeout=plan.timeout, metadata=metadata)
            code = None
        except grpc.aio.AioRpcError as error:
            code = error.code().name
        if started >= counted_from:
            _count(tally, started, code, plan.batch)


async def _streaming(
    plan: LoadPlan,
    channel: grpc.aio.Channel,
    metadata: tuple[tuple[str, str], ...] | None,
    requests: list[bytes],
    n: int,
    counted_from: float,
    until: float,
    tally: Tally,
) -> None:
    """One stream for the caller's whole run: `batch` declarations written, then their
    answers read; the latency is that round's, and a declaration answered with an in-band
    error counts under its code."""
    method = channel.stream_stream(SERVICE + "ScreenStream")
    while time.perf_counter() < until:
        stream = method(timeout=plan.timeout + until - time.perf_counter(), metadata=metadata)
        try:
            while (started := time.perf_counter()) < until:
                for _ in range(plan.batch):
                    await stream.write(requests[n % len(requests)])
                    n += 1
                answered = 0
                for _ in range(plan.batch):
                    raw = await stream.read()
                    if raw is grpc.aio.EOF:
                        raise _StreamEnded
                    answer = screening_service_pb2.ScreenStreamResponse.FromString(raw)
                    if not answer.HasField("error"):
                        answered += 1
                    elif started >= counted_from:
                        tally.errors[f"in-stream {answer.error.code}"] += 1
                if started >= counted_from:
                    tally.calls += 1
                    tally.declarations += answered
                    tally.latencies.append(time.perf_counter() - started)
            await stream.done_writing()
            return
        except (grpc.aio.AioRpcError, asyncio.InvalidStateError):
            # the call's status says why it ended; a stream the server refuses at once
            # (RESOURCE_EXHAUSTED) while a write is under way ends INTERNAL on the client
            code = await stream.code()
            if time.perf_counter() >= counted_from:
                tally.errors[code.name] += 1
        except _StreamEnded:
            tally.errors["stream ended early"] += 1
        finally:
            stream.cancel()


class _StreamEnded(Exception):
    """The server closed a stream before answering every declaration written on it."""


def _count(tally: Tally, started: float, code: str | None, declarations: int) -> None:
    if code is None:
        tally.calls += 1
        tally.declarations += declarations
        tally.latencies.append(time.perf_counter() - started)
    else:
        tally.errors[code] += 1
