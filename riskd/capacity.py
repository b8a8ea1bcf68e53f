"""Inspection load per customs office, for keeping risk-based selection within capacity.

The policy gives each office a target share of declarations physically inspected. Serving
tracks each office's share over its most recent decisions; while an office is at or over its
target, inspections that only a risk score asked for become document checks (see
`riskd.policy.recommend`). Officers' rule actions, detentions and the random compliance
sample are never cut: they are commands, or the unbiased sample retraining depends on.
"""

from __future__ import annotations

import threading
from collections import deque
from dataclasses import dataclass, field

# Decisions an office's share is taken over, and how many it needs before it counts: a share
# over a handful of decisions would throttle an office on its first inspection of the day.
WINDOW = 1000
MINIMUM = 100


@dataclass
class InspectionLoad:
    """Rolling share of physical inspections (detentions included) per office."""

    window: int = WINDOW
    minimum: int = MINIMUM
    _recent: dict[str, deque[bool]] = field(default_factory=dict)
    _inspected: dict[str, int] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def share(self, office: str) -> float | None:
        """The office's current inspection share; None until it has `minimum` decisions."""
        with self._lock:
            recent = self._recent.get(office)
            if recent is None or len(recent) < self.minimum:
                return None
            return self._inspected[office] / len(recent)

    def record(self, office: str, inspected: bool) -> None:
        with self._lock:
            recent = self._recent.setdefault(office, deque(maxlen=self.window))
            count = self._inspected.get(office, 0)
            if len(recent) == recent.maxlen and recent[0]:
                count -= 1
            recent.append(inspected)
            self._inspected[office] = count + int(inspected)
