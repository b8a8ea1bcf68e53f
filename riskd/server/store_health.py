"""Health follows the store: a store fault turns the service NOT_SERVING, so that load
balancers send the calls to replicas that can store them, until a check write passes again.

Without traffic nothing would ever find out that the store recovered, so a thread tries a
small write (`DecisionStore.check`) every `interval` seconds while the store is down.
"""

from __future__ import annotations

import threading
from collections.abc import Callable

import structlog

from riskd.domain import StoreUnavailable
from riskd.store.base import DecisionStore

log = structlog.get_logger("riskd.store")


class StoreHealth:
    def __init__(
        self, store: DecisionStore, set_serving: Callable[[bool], None], interval: float = 1.0
    ) -> None:
        self._store = store
        self._set_serving = set_serving
        self._interval = interval
        self._lock = threading.Lock()
        self._down = False
        self._stop = threading.Event()

    @property
    def down(self) -> bool:
        return self._down

    def fault(self, error: StoreUnavailable) -> None:
        """A call met a store fault: report NOT_SERVING and watch for the recovery."""
        with self._lock:
            if self._down:
                return
            self._down = True
        log.error("store unavailable; NOT_SERVING until it recovers", error=str(error))
        self._set_serving(False)
        threading.Thread(target=self._recover, name="riskd-store-health", daemon=True).start()

    def _recover(self) -> None:
        while not self._stop.wait(self._interval):
            try:
                self._store.check()
            except StoreUnavailable:
                continue
            except Exception:
                log.exception("store check failed")
                continue
            with self._lock:
                self._down = False
            log.info("store available again; SERVING")
            self._set_serving(True)
            return

    def stop(self) -> None:
        self._stop.set()
