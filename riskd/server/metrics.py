"""Prometheus metrics of one server process, served over HTTP on `metrics_listen`.

Each server has its own registry (no module-level state: tests start many servers in one
process). With `--processes N`, worker `i` serves its metrics on the port + `i`, so that a
scraper sees every worker; docs/operations.md lists the series.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from typing import Any

import grpc
from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, start_http_server
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.registry import Collector

from riskd.domain import Assessment, Versions

_LATENCY_BUCKETS = (0.0005, 0.001, 0.002, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 5.0)


class Metrics:
    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        r = self.registry
        self.requests = Counter(
            "riskd_requests", "gRPC calls by method and status code", ["method", "code"],
            registry=r,
        )  # fmt: skip
        self.latency = Histogram(
            "riskd_request_seconds", "gRPC call latency by method", ["method"],
            buckets=_LATENCY_BUCKETS, registry=r,
        )  # fmt: skip
        self.stage = Histogram(
            "riskd_stage_seconds",
            "time per declaration in a stage (match, features, rules, model, policy, store)",
            ["stage"],
            buckets=_LATENCY_BUCKETS, registry=r,
        )  # fmt: skip
        self.recommendations = Counter(
            "riskd_recommendations", "decisions by recommendation and lane",
            ["recommendation", "lane"], registry=r,
        )  # fmt: skip
        self.matches = Counter(
            "riskd_matches", "listed matches by method and whether they raise risk",
            ["method", "raises_risk"], registry=r,
        )  # fmt: skip
        self.reloads = Counter(
            "riskd_reloads", "snapshot reloads by part and result", ["part", "result"],
            registry=r,
        )  # fmt: skip
        self.store_errors = Counter(
            "riskd_store_errors", "calls that met a store fault", registry=r
        )
        self.streams = Gauge("riskd_streams_open", "open ScreenStream calls", registry=r)

    def stage_seconds(self, stage: str, seconds: float) -> None:
        self.stage.labels(stage).observe(seconds)

    def decided(self, assessments: list[Assessment]) -> None:
        for a in assessments:
            self.recommendations.labels(a.recommendation.value, a.lane.value).inc()
            for item in a.items:
                for m in item.matches:
                    self.matches.labels(m.method.value, str(m.raises_risk).lower()).inc()

    def watch_versions(self, versions: Callable[[], Versions]) -> None:
        """Report the versions in service, read at each scrape."""
        self.registry.register(_VersionsCollector(versions))

    def serve(self, listen: str, port_offset: int = 0) -> None:
        """Serve /metrics on `host:port` of `listen`, the port moved by `port_offset`."""
        host, _, port = listen.rpartition(":")
        start_http_server(int(port) + port_offset, addr=host or "127.0.0.1", registry=self.registry)


class _VersionsCollector(Collector):
    def __init__(self, versions: Callable[[], Versions]) -> None:
        self._versions = versions

    def collect(self) -> Iterator[GaugeMetricFamily]:
        family = GaugeMetricFamily(
            "riskd_serving_versions",
            "1 for the versions in service",
            labels=["register", "rules", "model", "policy"],
        )
        v = self._versions()
        family.add_metric([v.register, v.rules, v.model, v.policy], 1.0)
        yield family


class MetricsInterceptor(grpc.ServerInterceptor):  # type: ignore[misc]
    """Counts and times every call of the riskd services (health and reflection aside)."""

    def __init__(self, metrics: Metrics) -> None:
        self._metrics = metrics

    def intercept_service(
        self,
        continuation: Callable[[grpc.HandlerCallDetails], grpc.RpcMethodHandler | None],
        details: grpc.HandlerCallDetails,
    ) -> grpc.RpcMethodHandler | None:
        handler = continuation(details)
        method: str = details.method
        if handler is None or not method.startswith("/riskd."):
            return handler
        name = method.rsplit("/", 1)[-1]
        metrics = self._metrics

        def finish(context: grpc.ServicerContext, started: float, failed: bool) -> None:
            code = context.code()
            if code is None:
                code = grpc.StatusCode.UNKNOWN if failed else grpc.StatusCode.OK
            label = code.name if isinstance(code, grpc.StatusCode) else str(code)
            metrics.requests.labels(name, label).inc()
            metrics.latency.labels(name).observe(time.perf_counter() - started)

        if handler.unary_unary is not None:
            inner = handler.unary_unary

            def unary(request: Any, context: grpc.ServicerContext) -> Any:
                started, failed = time.perf_counter(), True
                try:
                    answer = inner(request, context)
                    failed = False
                    return answer
                finally:
                    finish(context, started, failed)

            return grpc.unary_unary_rpc_method_handler(
                unary, handler.request_deserializer, handler.response_serializer
            )
        if handler.stream_stream is not None:
            streamed = handler.stream_stream

            def stream(requests: Iterator[Any], context: grpc.ServicerContext) -> Iterator[Any]:
                started, failed = time.perf_counter(), True
                metrics.streams.inc()
                try:
                    yield from streamed(requests, context)
                    failed = False
                finally:
                    metrics.streams.dec()
                    finish(context, started, failed)

            return grpc.stream_stream_rpc_method_handler(
                stream, handler.request_deserializer, handler.response_serializer
            )
        return handler
