"""AdminService: status and the reloads that swap the serving snapshot."""

from __future__ import annotations

from pathlib import Path

import grpc
import structlog
from google.protobuf.timestamp_pb2 import Timestamp

from riskd import __version__, loading
from riskd.server import convert
from riskd.server.errors import reported
from riskd.server.handlers import Unparseable
from riskd.server.runtime import Runtime
from riskd.v1 import admin_service_pb2 as pb

log = structlog.get_logger("riskd.admin")


def _ts(value: object) -> Timestamp:
    ts = Timestamp()
    ts.FromDatetime(value)  # type: ignore[arg-type]
    return ts


class AdminServicer:
    def __init__(self, runtime: Runtime) -> None:
        self._runtime = runtime

    @reported
    def GetStatus(
        self, request: pb.GetStatusRequest, context: grpc.ServicerContext
    ) -> pb.GetStatusResponse:
        snapshot = self._runtime.holder.current()
        decisions, outcomes = self._runtime.store.counts()
        return pb.GetStatusResponse(
            versions=convert.versions_to_pb(snapshot.versions),
            snapshot_loaded_at=_ts(snapshot.loaded_at),
            started_at=_ts(self._runtime.started_at),
            recordations=len(snapshot.register),
            rules=len(snapshot.rules),
            decisions_served=self._runtime.decisions_served,
            decisions_stored=decisions,
            outcomes_stored=outcomes,
            server_version=__version__,
        )

    @reported
    def ReloadRules(
        self, request: pb.ReloadRulesRequest, context: grpc.ServicerContext
    ) -> pb.ReloadRulesResponse:
        snapshot, warnings = loading.reload_rules(self._runtime.holder, self._runtime.settings)
        log.info("rules reloaded", versions=snapshot.versions.rules, warnings=warnings)
        return pb.ReloadRulesResponse(
            versions=convert.versions_to_pb(snapshot.versions), warnings=warnings
        )

    @reported
    def ReloadModel(
        self, request: pb.ReloadModelRequest, context: grpc.ServicerContext
    ) -> pb.ReloadModelResponse:
        snapshot = loading.reload_model(self._runtime.holder, self._runtime.settings)
        log.info("model reloaded", version=snapshot.versions.model)
        return pb.ReloadModelResponse(versions=convert.versions_to_pb(snapshot.versions))

    @reported
    def ReloadRegister(
        self, request: pb.ReloadRegisterRequest, context: grpc.ServicerContext
    ) -> pb.ReloadRegisterResponse:
        if isinstance(request, Unparseable):
            raise request.as_error()
        path = Path(request.path) if request.path else None
        snapshot = loading.reload_register(self._runtime.holder, self._runtime.settings, path)
        log.info(
            "register reloaded", version=snapshot.register.version, size=len(snapshot.register)
        )
        return pb.ReloadRegisterResponse(
            versions=convert.versions_to_pb(snapshot.versions),
            recordations=len(snapshot.register),
        )
