"""Loading a history into an empty store: its declarations screened as the server screens
them, its outcomes recorded as `RecordOutcome` records them, the cases that follow opened
and answered, so that a new deployment (the demo) starts with decisions, outcomes, cases and
entity profiles that agree with each other.

The history is replayed in time order: each declaration is assessed as of its declaration
time against the snapshot of the settings (register, rules, model, policy), with the entity
profiles as they stood then, and stored with its profile counts and notification cases in
one transaction (`DecisionStore.save_decisions`, a batch of declarations at a time); each
outcome is recorded once the replay has passed its recording time, through
`riskd.cases.referrals.record_and_refer` (profiles, referrals), and a holder's case of the
decision is moved as the outcome says (SEIZED: CONFIRMED; otherwise DECLINED). Profiles are
counted here only: a store seeded with
`riskd-train seed-profiles` is not loaded into (it would count the history twice).

Outcomes come from a CSV file keyed by declaration id, the form `fixtures.generate` writes
(`outcomes.csv`): outcome_id, declaration_id, control, result, recordation_ids (`|`),
seized_value_usd, recorded_at. Decision ids are `H-<declaration_id>`.
"""

from __future__ import annotations

import csv
import heapq
from collections.abc import Callable, Iterator
from dataclasses import dataclass, replace
from datetime import datetime
from pathlib import Path
from typing import TypeVar

from riskd.cases.answers import move_case
from riskd.cases.notices import DetentionNotices
from riskd.cases.referrals import record_and_refer
from riskd.cli.errors import CommandError
from riskd.domain import (
    Assessment,
    Case,
    CaseKind,
    CaseState,
    ControlType,
    Declaration,
    Money,
    Outcome,
    OutcomeResult,
)
from riskd.features import NO_HISTORY, profile_keys
from riskd.pipeline import Snapshot, assess
from riskd.store.base import Store
from riskd.store.profiles import DeclarationCounts, ProfileStore, declaration_counts

T = TypeVar("T")

# Declarations stored per transaction. A declaration's history features see the profiles
# as of its batch's start: the declarations of its own batch (seconds of a busy port's
# traffic) are not yet counted, as with concurrent calls to the server.
BATCH = 100

LOADED_BY = "history"
OUTCOME_COLUMNS = ("outcome_id", "declaration_id", "result", "recorded_at")


def history_decision_id(declaration_id: str) -> str:
    return f"H-{declaration_id}"


@dataclass(slots=True)
class Loaded:
    declarations: int = 0
    outcomes: int = 0
    unknown: int = 0  # outcomes of declarations not in the history
    cases: int = 0
    answered: int = 0
    referrals: int = 0

    def summary(self) -> str:
        return (
            f"{self.declarations:,} decisions, {self.outcomes:,} outcomes"
            f" ({self.unknown:,} of declarations not in the history skipped),"
            f" {self.cases:,} notification cases ({self.answered:,} answered),"
            f" {self.referrals:,} referrals"
        )


@dataclass(frozen=True, slots=True)
class _Row:
    declaration_id: str
    outcome: Outcome  # with decision_id still to be set


def _iso_time(text: str) -> datetime:
    moment = datetime.fromisoformat(text)
    if moment.tzinfo is None:
        raise ValueError("no time zone")
    return moment


_EXPECTED = {
    "result": ", ".join(OutcomeResult),
    "control": ", ".join(ControlType),
    "recorded_at": "an ISO 8601 time with its zone, e.g. 2025-03-01T10:00:00Z",
    "seized_value_usd": "a number",
}


@dataclass(frozen=True, slots=True)
class _Cells:
    """The values of one row, each converted or refused at its line and column."""

    where: str
    header: list[str]
    row: dict[str, str]

    def __call__(self, column: str, convert: Callable[[str], T]) -> T | None:
        text = self.row.get(column) or ""
        if not text:
            return None
        try:
            return convert(text)
        except ValueError:
            at = f"{self.where}:{self.header.index(column) + 1}"
            raise CommandError(f"{at}: {column} {text!r} is not {_EXPECTED[column]}") from None


def read_history_outcomes(path: Path) -> list[tuple[datetime, int, _Row]]:
    """The outcomes of a CSV file keyed by declaration id, ordered by recording time; a bad
    value is a CommandError naming file, line and column."""
    rows: list[tuple[datetime, int, _Row]] = []
    with path.open(newline="", encoding="utf-8") as handle:
        reader = csv.DictReader(handle)
        header = list(reader.fieldnames or [])
        missing = [c for c in OUTCOME_COLUMNS if c not in header]
        if missing:
            raise CommandError(
                f"{path}:1: no column {', '.join(missing)}: not an outcomes file keyed by "
                "declaration_id"
            )
        for line, row in enumerate(reader, start=2):
            value = _Cells(f"{path}:{line}", header, row)
            result = value("result", OutcomeResult)
            recorded_at = value("recorded_at", _iso_time)
            if result is None or recorded_at is None:
                raise CommandError(f"{path}:{line}: result and recorded_at are required")
            amount = value("seized_value_usd", float)
            outcome = Outcome(
                outcome_id=row["outcome_id"],
                decision_id="",
                result=result,
                recorded_at=recorded_at,
                control=value("control", ControlType),
                recordation_ids=tuple(
                    r for r in (row.get("recordation_ids") or "").split("|") if r
                ),
                seized_value=Money(amount, "USD") if amount else None,
                officer=LOADED_BY,
            )
            rows.append((recorded_at, line, _Row(row["declaration_id"], outcome)))
    rows.sort(key=lambda r: (r[0], r[1]))
    return rows


def load_history(
    declarations: Iterator[Declaration],
    outcomes: list[tuple[datetime, int, _Row]],
    *,
    snapshot: Snapshot,
    store: Store,
    profiles: ProfileStore | None,
    notices: DetentionNotices,
    step: Callable[[], None] = lambda: None,
) -> Loaded:
    """Replay declarations (in declaration time order) and outcomes (in recording time
    order) into an empty store; `step` hears of each declaration."""
    if store.counts() != (0, 0):
        decisions, recorded = store.counts()
        raise CommandError(
            f"the store holds {decisions:,} decisions and {recorded:,} outcomes already; a "
            "history is loaded into an empty store only"
        )
    done = Loaded()
    decision_of: dict[str, str] = {}
    pending = list(outcomes)
    heapq.heapify(pending)
    rates = snapshot.policy.rates_to_base

    def record_until(moment: datetime | None) -> None:
        while pending and (moment is None or pending[0][0] <= moment):
            _, _, row = heapq.heappop(pending)
            decision_id = decision_of.get(row.declaration_id)
            if decision_id is None:
                done.unknown += 1
                continue
            _record(row, decision_id)

    def _record(row: _Row, decision_id: str) -> None:
        outcome = replace(row.outcome, decision_id=decision_id)
        referred_before = _has_referral(decision_id)
        record_and_refer(store, profiles, outcome, snapshot.policy, notices.jurisdiction)
        done.outcomes += 1
        done.referrals += int(not referred_before and _has_referral(decision_id))
        to = CaseState.CONFIRMED if outcome.result is OutcomeResult.SEIZED else CaseState.DECLINED
        for case in store.cases(decision_id=decision_id, state=CaseState.OPEN):
            named = not outcome.recordation_ids or case.recordation_id in outcome.recordation_ids
            if case.kind is CaseKind.NOTIFICATION and named:
                move_case(
                    store,
                    case,
                    to,
                    at=outcome.recorded_at,
                    by=LOADED_BY,
                    note=f"outcome {outcome.outcome_id}",
                )
                done.answered += 1

    def _has_referral(decision_id: str) -> bool:
        return any(c.kind is CaseKind.REFERRAL for c in store.cases(decision_id=decision_id))

    batch: list[tuple[Declaration, Assessment]] = []
    counted: list[DeclarationCounts] = []
    cases: list[Case] = []

    def flush() -> None:
        if not batch:
            return
        store.save_decisions(batch, counted, cases)
        for declaration, assessment in batch:
            decision_of[declaration.declaration_id] = assessment.decision_id
        done.declarations += len(batch)
        done.cases += len(cases)
        batch.clear()
        counted.clear()
        cases.clear()

    for declaration in declarations:
        if pending and pending[0][0] <= declaration.declared_at:
            flush()  # the outcomes due now may follow the declarations waiting
            record_until(declaration.declared_at)
        keys = profile_keys(declaration)
        assessment = assess(
            snapshot,
            declaration,
            decision_id=history_decision_id(declaration.declaration_id),
            now=declaration.declared_at,
            history=profiles if profiles is not None else NO_HISTORY,
            profile_keys=keys,
        )
        batch.append((declaration, assessment))
        if profiles is not None:
            counted.append(declaration_counts(declaration, rates, keys))
        cases.extend(notices.cases_of([assessment]))
        if len(batch) >= BATCH:
            flush()
        step()
    flush()
    record_until(None)
    return done
