"""Start-up wiring only: build the server from settings, register the services, health and
reflection, load the first snapshot. `create_server` is apart from `serve` so that tests run
a real server in-process on a free port."""

from __future__ import annotations

import dataclasses
import gc
import multiprocessing
import os
import signal
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from types import FrameType

import grpc
import structlog
from grpc_health.v1 import health, health_pb2, health_pb2_grpc
from pydantic import SecretStr

from riskd.cases.calendar import SHIPPED, load_calendar
from riskd.cases.notices import DetentionNotices
from riskd.loading import Refusals, initial_snapshot
from riskd.log import configure_logging
from riskd.pipeline import Snapshot, SnapshotHolder
from riskd.server.admin import AdminServicer
from riskd.server.auth import TokenAuth
from riskd.server.handlers import generic_handler
from riskd.server.metrics import Metrics, MetricsInterceptor
from riskd.server.reflection import enable_reflection
from riskd.server.runtime import Runtime
from riskd.server.screening import ScreeningServicer
from riskd.server.store_health import StoreHealth
from riskd.server.watch import SourceWatcher
from riskd.settings import Settings
from riskd.store.base import Store
from riskd.store.factory import open_store, profiles_beside
from riskd.v1 import admin_service_pb2, screening_service_pb2

log = structlog.get_logger("riskd.server")

SCREENING = screening_service_pb2.DESCRIPTOR.services_by_name["ScreeningService"]
ADMIN = admin_service_pb2.DESCRIPTOR.services_by_name["AdminService"]
SERVICE_NAMES = (SCREENING.full_name, ADMIN.full_name)


@dataclass
class RiskdServer:
    server: grpc.Server
    port: int
    runtime: Runtime
    health: health.HealthServicer
    watcher: SourceWatcher
    store_health: StoreHealth
    metrics: Metrics

    def start(self, worker: int = 0) -> None:
        """Start serving; worker `worker` of several serves its metrics on the port + it."""
        gc.freeze()  # the first snapshot's index is never walked by the cycle collector
        listen = self.runtime.settings.metrics_listen
        if listen is not None:
            self.metrics.serve(listen, port_offset=worker)
        self.server.start()
        self.watcher.start()
        for name in ("", *SERVICE_NAMES):
            self.health.set(name, health_pb2.HealthCheckResponse.SERVING)
        snapshot = self.runtime.holder.current()
        for part in RELOADABLE:  # a part served empty after a refusal at start is degraded
            _part_health(self.health, part, part not in snapshot.degraded)
        versions = dataclasses.asdict(self.runtime.holder.current().versions)
        log.info("serving", port=self.port, pid=os.getpid(), versions=versions)

    def drain(self, grace: float | None = None) -> threading.Event:
        """Report NOT_SERVING, refuse new calls, give in-flight calls the grace period."""
        self.health.enter_graceful_shutdown()
        self.watcher.stop()
        self.store_health.stop()
        grace_seconds = self.runtime.settings.grace_seconds if grace is None else grace
        stopped: threading.Event = self.server.stop(grace_seconds)
        return stopped

    def close(self) -> None:
        self.drain(0).wait()
        self.runtime.close()


def detention_notices(settings: Settings) -> DetentionNotices:
    """The calendar and jurisdiction of the settings (`cases_calendar`, `cases_jurisdiction`);
    CalendarError or UnknownJurisdiction when they cannot be used."""
    calendar = load_calendar(settings.cases_calendar or SHIPPED)
    return DetentionNotices(calendar, settings.cases_jurisdiction)


def create_server(
    settings: Settings,
    *,
    snapshot: Snapshot | None = None,
    store: Store | None = None,
) -> RiskdServer:
    """Build and bind (not start) a server; `settings.listen` with port 0 picks a free port."""
    holder = SnapshotHolder(snapshot or initial_snapshot(settings))
    store = store or open_store(
        settings.store,
        synchronous=settings.store_synchronous,
        group_wait=settings.store_group_wait_ms / 1000,
    )
    rates = holder.current().policy.rates_to_base
    profiles = profiles_beside(store, rates) if settings.profiles else None
    health_servicer = health.HealthServicer(
        experimental_non_blocking=True,
        experimental_thread_pool=ThreadPoolExecutor(max_workers=1),
    )
    metrics = Metrics()

    def on_reload(part: str, result: str) -> None:
        metrics.reloads.labels(part, result).inc()
        _part_health(health_servicer, part, result == "accepted")

    metrics.watch_versions(lambda: holder.current().versions)
    runtime = Runtime(
        settings=settings,
        holder=holder,
        store=store,
        profiles=profiles,
        notices=detention_notices(settings),
        refusals=Refusals(on_reload),
        metrics=metrics,
    )
    limit = settings.limits.max_message_bytes
    server = grpc.server(
        ThreadPoolExecutor(max_workers=settings.threads, thread_name_prefix="riskd"),
        interceptors=[
            MetricsInterceptor(metrics),
            TokenAuth(
                {
                    "admin": _secret(settings.admin_token),
                    "screening": _secret(settings.screening_token),
                    "outcomes": _secret(settings.outcome_token),
                    "decisions": _secret(settings.decision_token),
                },
                settings.method_groups,
            ),
        ],
        options=[
            ("grpc.max_receive_message_length", limit),
            ("grpc.max_send_message_length", limit),
            ("grpc.so_reuseport", 1 if settings.processes > 1 else 0),
        ],
        maximum_concurrent_rpcs=settings.max_concurrent_rpcs,
    )
    server.add_generic_rpc_handlers(
        (
            generic_handler(SCREENING, ScreeningServicer(runtime)),
            generic_handler(ADMIN, AdminServicer(runtime)),
        )
    )
    health_pb2_grpc.add_HealthServicer_to_server(health_servicer, server)
    store_health = StoreHealth(store, lambda ok: _set_health(health_servicer, ok))
    runtime.on_store_fault = store_health.fault
    enable_reflection((*SERVICE_NAMES, health.SERVICE_NAME), server)
    credentials = server_credentials(settings)
    try:
        if credentials is None:
            port = server.add_insecure_port(settings.listen)
        else:
            port = server.add_secure_port(settings.listen, credentials)
    except RuntimeError:  # grpcio's "Failed to bind": the port is taken or the host not ours
        port = 0
    if port == 0:
        raise OSError(
            f"cannot listen on {settings.listen} (setting listen, RISKD_LISTEN, --listen): "
            "the port is in use or the address is not one of this host's"
        )
    return RiskdServer(
        server=server,
        port=port,
        runtime=runtime,
        health=health_servicer,
        watcher=SourceWatcher(runtime.holder, settings, runtime.refusals),
        store_health=store_health,
        metrics=metrics,
    )


def _secret(value: SecretStr | None) -> str | None:
    return value.get_secret_value() if value is not None else None


def server_credentials(settings: Settings) -> grpc.ServerCredentials | None:
    """TLS from the settings' PEM files (None: plain text); with a client CA, mutual TLS:
    only clients with a certificate it signed may connect."""
    if settings.tls_cert is None or settings.tls_key is None:
        return None
    client_ca = settings.tls_client_ca.read_bytes() if settings.tls_client_ca else None
    return grpc.ssl_server_credentials(
        [(settings.tls_key.read_bytes(), settings.tls_cert.read_bytes())],
        root_certificates=client_ca,
        require_client_auth=client_ca is not None,
    )


RELOADABLE = ("register", "rules", "model")


def _part_health(servicer: health.HealthServicer, part: str, accepted: bool) -> None:
    """Health service `riskd.reload.<part>`: SERVING while the last reload of the part was
    accepted, NOT_SERVING after a refused one (the part in service still serves: this is
    for monitoring, which `GetStatus.refused_reloads` then explains)."""
    servicer.set(f"riskd.reload.{part}", _health_status(accepted))


def _set_health(servicer: health.HealthServicer, serving: bool) -> None:
    """The whole server and its screening service SERVING or NOT_SERVING (AdminService
    answers either way: an operator needs GetStatus most when the store is down)."""
    for name in ("", SCREENING.full_name):
        servicer.set(name, _health_status(serving))


def _health_status(serving: bool) -> health_pb2.HealthCheckResponse.ServingStatus.ValueType:
    if serving:
        return health_pb2.HealthCheckResponse.SERVING
    return health_pb2.HealthCheckResponse.NOT_SERVING


def serve(settings: Settings) -> None:
    """Run until SIGTERM or SIGINT, then drain gracefully; with `processes` > 1, run that many
    server processes on one port (the kernel spreads connections), since one Python process
    screens on one core at a time."""
    configure_logging(settings.log_level)
    if settings.processes > 1:
        _serve_processes(settings)
    else:
        _serve_one(settings)


# A worker that dies this soon after it started, this many times in a row, is not started
# again (a setting or file it cannot serve with would only make it crash again).
_EARLY_DEATH_SECONDS = 10.0
_EARLY_DEATHS = 3


def _serve_processes(settings: Settings) -> None:
    """Run and supervise `processes` workers: a worker that dies (a crash, an OOM kill) is
    started again after a second, while the others serve on; SIGTERM or SIGINT are passed
    to every worker, which drain, and then this process exits."""
    if settings.listen.rsplit(":", 1)[-1] == "0":
        raise ValueError("several processes need a fixed port, not port 0")
    # upgrade the store's schema once, before the workers open it, and refuse a store of a
    # newer release here rather than in every worker
    open_store(settings.store, synchronous=settings.store_synchronous).close()
    detention_notices(settings)  # and a calendar that cannot be used
    context = multiprocessing.get_context("spawn")
    stopping = threading.Event()

    def start(number: int) -> multiprocessing.process.BaseProcess:
        child = context.Process(target=_serve_one, args=(settings, number), name=f"riskd-{number}")
        child.start()
        return child

    children = [start(n) for n in range(settings.processes)]
    started = [time.monotonic()] * len(children)
    early = [0] * len(children)

    def forward(signum: int, frame: FrameType | None) -> None:
        stopping.set()
        for child in children:
            if child.pid is not None and child.is_alive():
                os.kill(child.pid, signum)

    signal.signal(signal.SIGTERM, forward)
    signal.signal(signal.SIGINT, forward)
    while True:
        for number, child in enumerate(children):
            child.join(timeout=0.2)
            if child.exitcode is None or stopping.is_set():
                continue
            lived = time.monotonic() - started[number]
            early[number] = early[number] + 1 if lived < _EARLY_DEATH_SECONDS else 0
            if early[number] >= _EARLY_DEATHS:
                log.error("worker keeps dying at start; not restarted", worker=number)
                forward(signal.SIGTERM, None)
                break
            log.error("worker died; starting it again", worker=number, exitcode=child.exitcode)
            stopping.wait(1.0)
            if not stopping.is_set():
                children[number] = start(number)
                started[number] = time.monotonic()
        if stopping.is_set() and all(child.exitcode is not None for child in children):
            break


def _serve_one(settings: Settings, worker: int = 0) -> None:
    configure_logging(settings.log_level)
    riskd_server = create_server(settings)
    riskd_server.start(worker)
    stopping = threading.Event()

    def on_signal(signum: int, frame: FrameType | None) -> None:
        log.info("draining", signal=signal.Signals(signum).name, grace=settings.grace_seconds)
        stopping.set()

    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGINT, on_signal)
    stopping.wait()
    riskd_server.drain().wait()
    riskd_server.runtime.close()
    log.info("stopped")
