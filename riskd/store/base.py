"""The store interface the server and the training code depend on."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from riskd.domain import Assessment, Declaration, Outcome, StoredDecision


@dataclass(frozen=True, slots=True)
class OutcomeRecorded:
    outcome: Outcome
    already_recorded: bool


class DecisionStore(Protocol):
    def save_decisions(self, decided: list[tuple[Declaration, Assessment]]) -> None:
        """Durably store decisions (all or none) before they are returned to the caller."""

    def get_decision(self, decision_id: str) -> StoredDecision:
        """The stored decision with its outcomes; NotFound when unknown."""

    def record_outcome(self, outcome: Outcome) -> OutcomeRecorded:
        """Store an outcome; the same outcome id twice is idempotent; NotFound for an unknown
        decision; Conflict when the id was used for another decision."""

    def counts(self) -> tuple[int, int]:
        """Numbers of stored decisions and outcomes."""

    def close(self) -> None: ...
