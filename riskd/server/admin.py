"""AdminService: status and the reloads that swap the serving snapshot."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

import grpc
import structlog
from google.protobuf.timestamp_pb2 import Timestamp

from riskd import __version__, loading
from riskd.domain import ReloadRefused
from riskd.server import convert
from riskd.server.errors import reported
from riskd.server.handlers import Unparseable
from riskd.server.runtime import Runtime
from riskd.v1 import admin_service_pb2 as pb

log = structlog.get_logger("riskd.admin")
audit = structlog.get_logger("riskd.audit")  # one line per admin action
T = TypeVar("T")


def _ts(value: object) -> Timestamp:
    ts = Timestamp()
    ts.FromDatetime(value)  # type: ignore[arg-type]
    return ts


def _check(request: object) -> None:
    if isinstance(request, Unparseable):
        raise request.as_error()


class AdminServicer:
    def __init__(self, runtime: Runtime) -> None:
        self._runtime = runtime

    def _reload(self, part: str, reload: Callable[[], T], context: grpc.ServicerContext) -> T:
        """Run a reload, noting for GetStatus whether it was refused or accepted, and writing
        the admin action to the audit log (who asked, from where, what came of it)."""
        try:
            done = reload()
        except ReloadRefused as refused:
            self._runtime.refusals.refused(refused)
            audit.warning("admin action", action=f"reload {part}", peer=context.peer(),
                          result="refused", problems=list(refused.problems))  # fmt: skip
            raise
        self._runtime.refusals.accepted(part)
        audit.info("admin action", action=f"reload {part}", peer=context.peer(), result="accepted")
        return done

    @reported
    def GetStatus(
        self, request: pb.GetStatusRequest, context: grpc.ServicerContext
    ) -> pb.GetStatusResponse:
        _check(request)
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
            refused_reloads=[
                pb.RefusedReload(
                    part=r.part, problems=list(r.problems), refused_at=_ts(r.refused_at)
                )
                for r in self._runtime.refusals.current()
            ],
        )

    @reported
    def ReloadRules(
        self, request: pb.ReloadRulesRequest, context: grpc.ServicerContext
    ) -> pb.ReloadRulesResponse:
        _check(request)
        runtime = self._runtime
        snapshot, warnings = self._reload(
            "rules", lambda: loading.reload_rules(runtime.holder, runtime.settings), context
        )
        log.info("rules reloaded", versions=snapshot.versions.rules, warnings=warnings)
        return pb.ReloadRulesResponse(
            versions=convert.versions_to_pb(snapshot.versions), warnings=warnings
        )

    @reported
    def ReloadModel(
        self, request: pb.ReloadModelRequest, context: grpc.ServicerContext
    ) -> pb.ReloadModelResponse:
        _check(request)
        runtime = self._runtime
        snapshot = self._reload(
            "model",
            lambda: loading.reload_model(
                runtime.holder, runtime.settings, allow_empty=request.allow_empty
            ),
            context,
        )
        log.info("model reloaded", version=snapshot.versions.model)
        return pb.ReloadModelResponse(versions=convert.versions_to_pb(snapshot.versions))

    @reported
    def ReloadRegister(
        self, request: pb.ReloadRegisterRequest, context: grpc.ServicerContext
    ) -> pb.ReloadRegisterResponse:
        _check(request)
        path = Path(request.path) if request.path else None
        runtime = self._runtime
        snapshot = self._reload(
            "register",
            lambda: loading.reload_register(
                runtime.holder, runtime.settings, path, allow_empty=request.allow_empty
            ),
            context,
        )
        log.info(
            "register reloaded", version=snapshot.register.version, size=len(snapshot.register)
        )
        return pb.ReloadRegisterResponse(
            versions=convert.versions_to_pb(snapshot.versions),
            recordations=len(snapshot.register),
        )
