"""What the servicers share: the snapshot holder, the store, the settings and counters.

Screening is `assess` against the current snapshot, then a durable store write, then one JSON
log line per decision. Nothing here knows protobuf.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime

import structlog

from riskd.capacity import InspectionLoad
from riskd.cases.notices import DetentionNotices
from riskd.cases.referrals import record_and_refer
from riskd.domain import (
    Assessment,
    DeadlineExceeded,
    Declaration,
    Outcome,
    Recommendation,
    StoreUnavailable,
)
from riskd.features import NO_HISTORY, profile_keys
from riskd.features.profiles import read_once
from riskd.loading import Refusals
from riskd.pipeline import SnapshotHolder, decide, gather, new_decision_ids
from riskd.policy import degraded
from riskd.server.metrics import Metrics
from riskd.settings import Settings
from riskd.store.base import OutcomeRecorded, Store
from riskd.store.profiles import ProfileStore, declaration_counts

decision_log = structlog.get_logger("riskd.decision")

TimeLeft = Callable[[], float | None]


def _in_time(time_left: TimeLeft | None, doing: str) -> None:
    remaining = time_left() if time_left is not None else None
    if remaining is not None and remaining <= 0:
        raise DeadlineExceeded(f"deadline exceeded before {doing}; nothing was stored")


_INSPECTED = Recommendation.PHYSICAL_INSPECTION.severity


@dataclass
class Runtime:
    settings: Settings
    holder: SnapshotHolder
    store: Store
    # entity profiles (party, route, commodity history) behind the history features; None
    # serves without history
    profiles: ProfileStore | None = None
    # opens the notification cases of each detention with its decision; None opens none
    notices: DetentionNotices | None = None
    load: InspectionLoad = field(default_factory=InspectionLoad)
    refusals: Refusals = field(default_factory=Refusals)
    # called with the error when the store cannot be used (the server turns NOT_SERVING)
    on_store_fault: Callable[[StoreUnavailable], None] = field(default=lambda error: None)
    metrics: Metrics | None = None
    started_at: datetime = field(default_factory=lambda: datetime.now(UTC))
    _served: int = 0
    _lock: threading.Lock = field(default_factory=threading.Lock)

    @property
    def decisions_served(self) -> int:
        return self._served

    def screen(
        self, declarations: list[Declaration], time_left: TimeLeft | None = None
    ) -> list[Assessment]:
        """Assess against one snapshot, store all with their profile counts and the
        notification cases of their detentions (one transaction, perhaps shared with
        concurrent calls), log, return.

        `time_left` gives the seconds left of the caller's deadline (None: no deadline); it
        is asked before each decision and before the store write, so that a call whose
        client has stopped waiting stops, and nothing is stored that no client received."""
        started = time.perf_counter()
        snapshot = self.holder.current()
        rates = snapshot.policy.rates_to_base
        # once per declaration: for the lookup and for the counts
        all_keys = [profile_keys(declaration) for declaration in declarations]
        history = (
            read_once(self.profiles, [pair for keys in all_keys for pair in keys.all_pairs()])
            if self.profiles is not None
            else NO_HISTORY
        )
        stage_seconds = self.metrics.stage_seconds if self.metrics is not None else None
        evidence = gather(
            snapshot,
            declarations,
            history=history,
            profile_keys=all_keys,
            stage_seconds=stage_seconds,
        )
        assessed = []
        counted = []
        decision_ids = new_decision_ids(len(declarations))
        for declaration, keys, found, decision_id in zip(
            declarations, all_keys, evidence, decision_ids, strict=True
        ):
            _in_time(time_left, "screening")
            office = declaration.customs_office
            assessment = decide(
                snapshot,
                declaration,
                found,
                decision_id=decision_id,
                office_load=self.load.share(office),
                stage_seconds=stage_seconds,
            )
            self.load.record(office, assessment.recommendation.severity >= _INSPECTED)
            assessed.append(assessment)
            if self.profiles is not None:  # counted after its features: no self-reference
                counted.append(declaration_counts(declaration, rates, keys))
        _in_time(time_left, "storing the decisions")
        stored_from = time.perf_counter()
        cases = self.notices.cases_of(assessed) if self.notices is not None else []
        try:
            self.store.save_decisions(
                list(zip(declarations, assessed, strict=True)), counted, cases
            )
        except StoreUnavailable as error:
            self._store_fault(error)
            if self.settings.degrade != "document_check":
                raise
            why = f"the store is unavailable ({error}); this decision is not stored"
            assessed = [degraded(a, why) for a in assessed]
        else:
            if self.metrics is not None:
                count = max(len(assessed), 1)
                self.metrics.stage_seconds("store", (time.perf_counter() - stored_from) / count)
        if self.metrics is not None:
            self.metrics.decided(assessed)
        latency_ms = (time.perf_counter() - started) * 1000 / max(len(assessed), 1)
        with self._lock:
            self._served += len(assessed)
        for a in assessed:
            decision_log.info(
                "decision",
                decision_id=a.decision_id,
                declaration_id=a.declaration_id,
                recommendation=a.recommendation.value,
                lane=a.lane.value,
                risk_score=round(a.risk_score, 4),
                random_selection=a.random_selection,
                versions={
                    "register": a.versions.register,
                    "rules": a.versions.rules,
                    "model": a.versions.model,
                    "policy": a.versions.policy,
                },
                rule_hits=[h.rule_id for h in a.rule_hits if not h.shadow],
                shadow_rule_hits=[h.rule_id for h in a.rule_hits if h.shadow],
                latency_ms=round(latency_ms, 3),
            )
        return assessed

    def close(self) -> None:
        self.store.close()
        if self.profiles is not None:
            self.profiles.close()

    def _store_fault(self, error: StoreUnavailable) -> None:
        """Count a store fault and report it (the server turns NOT_SERVING)."""
        if self.metrics is not None:
            self.metrics.store_errors.inc()
        self.on_store_fault(error)

    def record_outcome(self, outcome: Outcome) -> OutcomeRecorded:
        """Store the outcome, count it in the profiles of the declaration it followed, and
        refer a seizure at or above the policy's referral threshold (`riskd.cases.referrals`)."""
        jurisdiction = (
            self.notices.jurisdiction if self.notices else self.settings.cases_jurisdiction
        )
        try:
            return record_and_refer(
                self.store, self.profiles, outcome, self.holder.current().policy, jurisdiction
            )
        except StoreUnavailable as error:
            self._store_fault(error)
            raise
