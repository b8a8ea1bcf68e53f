"""What the servicers share: the snapshot holder, the store, the settings and counters.

Screening is `assess` against the current snapshot, then a durable store write, then one JSON
log line per decision. Nothing here knows protobuf.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime

import structlog

from riskd.domain import Assessment, Declaration
from riskd.pipeline import SnapshotHolder, assess
from riskd.settings import Settings
from riskd.store.base import DecisionStore

decision_log = structlog.get_logger("riskd.decision")


@dataclass
class Runtime:
    settings: Settings
    holder: SnapshotHolder
    store: DecisionStore
    started_at: datetime = field(default_factory=lambda: datetime.now(UTC))
    _served: int = 0
    _lock: threading.Lock = field(default_factory=threading.Lock)

    @property
    def decisions_served(self) -> int:
        return self._served

    def screen(self, declarations: list[Declaration]) -> list[Assessment]:
        """Assess against one snapshot, store all (one transaction), log, return."""
        started = time.perf_counter()
        snapshot = self.holder.current()
        assessed = [assess(snapshot, d) for d in declarations]
        self.store.save_decisions(list(zip(declarations, assessed, strict=True)))
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
