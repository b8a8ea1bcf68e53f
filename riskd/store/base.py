"""The store interface the server, the reports and the training code depend on.

Engine-neutral: each engine (`riskd.store.sqlite`, `riskd.store.postgres`) builds on this
module and on `riskd.store.profiles`, never on the other engine; `riskd.store.factory`
chooses one from the `store` setting.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from typing import Protocol

from riskd.domain import (
    Assessment,
    Case,
    CaseState,
    Conflict,
    Declaration,
    NotFound,
    Outcome,
    RiskdError,
    StoredDecision,
)
from riskd.store.codec import decode, stored_decision
from riskd.store.profiles import DeclarationCounts, ProfileStore

# A row of the decisions-with-outcomes join both engines read: decision id, declaration JSON,
# assessment JSON, and one outcome's JSON (None for a decision without outcomes).
DecisionRow = tuple[str, str, str, str | None]


def redacted_url(url: str) -> str:
    """The URL without a password, for messages."""
    head, at, tail = url.rpartition("@")
    if not at:
        return url
    scheme, _, user = head.partition("://")
    return f"{scheme}://{user.split(':', 1)[0]}@{tail}"


def in_utc(moment: datetime | None, name: str) -> datetime | None:
    """A window bound in UTC, the zone every decision is stored in; a bound without a zone
    is refused rather than guessed."""
    if moment is None:
        return None
    if moment.tzinfo is None:
        raise ValueError(f"{name} needs a time zone (e.g. 2025-03-01T00:00:00+00:00)")
    return moment.astimezone(UTC)


def grouped_decisions(rows: Iterable[DecisionRow]) -> Iterator[StoredDecision]:
    """Decisions from join rows ordered by decision, then by outcome."""
    current: tuple[str, str, str] | None = None
    outcomes: list[str] = []
    for decision_id, declaration_json, assessment_json, outcome_json in rows:
        if current is None or current[0] != decision_id:
            if current is not None:
                yield stored_decision(current[1], current[2], outcomes)
            current, outcomes = (decision_id, declaration_json, assessment_json), []
        if outcome_json is not None:
            outcomes.append(outcome_json)
    if current is not None:
        yield stored_decision(current[1], current[2], outcomes)


@dataclass(frozen=True, slots=True)
class OutcomeRecorded:
    outcome: Outcome
    already_recorded: bool


def repeated_outcome(
    outcome: Outcome, stored_decision_id: str, stored_json: str
) -> OutcomeRecorded:
    """The answer to an outcome id that is already stored: the stored outcome when it is the
    same outcome sent again (recording is idempotent; the time it was sent may differ),
    Conflict when the id names another decision or says something else of it: a corrected
    outcome needs an id of its own, so that both stay on record."""
    if stored_decision_id != outcome.decision_id:
        raise Conflict(
            f"outcome {outcome.outcome_id!r} is recorded for decision {stored_decision_id!r}"
        )
    stored = decode(stored_json, Outcome)
    if replace(stored, recorded_at=outcome.recorded_at) != outcome:
        raise Conflict(
            f"outcome {outcome.outcome_id!r} is recorded with other content (result "
            f"{stored.result.value}); record a correction under a new outcome id"
        )
    return OutcomeRecorded(stored, already_recorded=True)


def repeated_case(case: Case, stored_json: str) -> bool:
    """Whether a case id that is already stored may be opened again: True (skip it) when
    the stored case is the same case, Conflict when the id holds another."""
    stored = decode(stored_json, Case)
    if stored != case:
        raise Conflict(
            f"case {case.case_id!r} is stored with other content ({stored.kind.value} "
            f"{stored.state.value} of decision {stored.decision_id!r})"
        )
    return True


def refused_move(case: Case, expected: CaseState, stored_state: str | None) -> RiskdError:
    """The error of a case move that found the stored case elsewhere than `expected`."""
    if stored_state is None:
        return NotFound(f"no case {case.case_id!r}")
    return Conflict(
        f"case {case.case_id!r} is {stored_state}, not {expected.value}: another move came "
        "first; read it again"
    )


class DecisionStore(Protocol):
    def save_decisions(
        self,
        decided: Sequence[tuple[Declaration, Assessment]],
        counted: Sequence[DeclarationCounts] = (),
        cases: Sequence[Case] = (),
    ) -> None:
        """Durably store decisions (all or none) before they are returned to the caller,
        and add `counted` to the entity profiles and open `cases` (the notification cases
        of a detention, as `CaseStore.open_cases`) in the same transaction (each
        declaration id counted once): no decision without its cases, no case without its
        decision. Concurrent calls may share one transaction (`riskd.store.writer`); a call
        returns only once its decisions are committed."""

    def get_decision(self, decision_id: str) -> StoredDecision:
        """The stored decision with its outcomes; NotFound when unknown."""

    def record_outcome(self, outcome: Outcome) -> OutcomeRecorded:
        """Store an outcome; the same outcome id twice is idempotent; NotFound for an unknown
        decision; Conflict when the id was used for another decision."""

    def check(self) -> None:
        """A small write and read: StoreUnavailable while the store cannot be used."""

    def counts(self) -> tuple[int, int]:
        """Numbers of stored decisions and outcomes."""

    def decisions(
        self, since: datetime | None = None, until: datetime | None = None
    ) -> Iterator[StoredDecision]:
        """Every decision with since <= decided_at < until (either bound may be open), in the
        order they were decided (ties by decision id), each with its outcomes in the order
        they were recorded: the last is the latest word on the declaration. Streams: a
        store larger than memory can be read."""

    def close(self) -> None: ...


class CaseStore(Protocol):
    """Where the cases that follow decisions are kept (detention notices, referrals,
    tip-offs). A case is written whole: each move replaces the stored case with the moved
    one, whose events keep the record of every earlier state."""

    def open_cases(self, cases: Iterable[Case]) -> int:
        """Store new cases (all or none); a case id already stored with the same content is
        skipped (opening is idempotent); Conflict when the id holds another case. The number
        of cases newly stored."""

    def get_case(self, case_id: str) -> Case:
        """The stored case; NotFound when unknown."""

    def save_case(self, case: Case, expected: CaseState) -> None:
        """Replace a stored case with its moved self, when the stored one is still in
        `expected` state; Conflict when another move came first (so two officers cannot both
        answer the same case), NotFound when unknown."""

    def cases(
        self,
        *,
        state: CaseState | None = None,
        decision_id: str | None = None,
        due_before: datetime | None = None,
    ) -> Iterator[Case]:
        """The cases (of a state, of a decision, with a deadline before a moment: each filter
        optional), by deadline then case id; streams."""

    def close(self) -> None: ...


class Store(DecisionStore, CaseStore, Protocol):
    """What each engine is: the decisions with their outcomes, and the cases that follow
    them, in one database (so a decision and its cases commit together)."""


def record_outcome(
    store: DecisionStore, profiles: ProfileStore | None, outcome: Outcome
) -> OutcomeRecorded:
    """Store the outcome, then count it in the profiles of the declaration it followed (a
    repeat of a stored outcome counts nothing): the one way an outcome is recorded, by the
    server's RecordOutcome and by `riskd outcomes import` alike."""
    recorded = store.record_outcome(outcome)
    if profiles is not None and not recorded.already_recorded:
        stored = store.get_decision(outcome.decision_id)
        profiles.record_outcome(outcome.decision_id, stored.declaration, outcome.result)
    return recorded
