"""The store interface the server and the training code depend on."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from riskd.domain import Assessment, Conflict, Declaration, Outcome, StoredDecision
from riskd.store.codec import decode


@dataclass(frozen=True, slots=True)
class OutcomeRecorded:
    outcome: Outcome
    already_recorded: bool


def repeated_outcome(
    outcome: Outcome, stored_decision_id: str, stored_json: str
) -> OutcomeRecorded:
    """The answer to an outcome id that is already stored: the stored outcome when it is for
    the same decision (recording is idempotent), Conflict when the id names another."""
    if stored_decision_id != outcome.decision_id:
        raise Conflict(
            f"outcome {outcome.outcome_id!r} is recorded for decision {stored_decision_id!r}"
        )
    return OutcomeRecorded(decode(stored_json, Outcome), already_recorded=True)


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
