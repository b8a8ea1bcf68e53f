"""Outcomes read from a CSV file for `riskd outcomes import`, every bad row named.

Each row is turned into the `Outcome` message that `RecordOutcome` receives and checked by
the very function the server checks it with (`riskd.server.convert.outcome_from_pb`), so a
file accepts exactly what the API accepts; what only a file can get wrong (an unknown
column, a short row, a text that is no number or time) is checked here. A problem names
the file, the line the row starts on, and the column as the number of the field (1 for the
first), with the column's name in the message.
"""

from __future__ import annotations

import csv
import hashlib
import math
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, TypeVar

from google.protobuf.timestamp_pb2 import Timestamp

from riskd.cli.errors import CommandError
from riskd.domain import ControlType, InvalidInput, Outcome, OutcomeResult
from riskd.server.convert import outcome_from_pb
from riskd.v1 import assessment_pb2 as apb
from riskd.v1 import declaration_pb2 as dpb

if TYPE_CHECKING:
    from _csv import Reader as CsvReader

REQUIRED = ("decision_id", "result")
OPTIONAL = (
    "outcome_id",
    "recorded_at",
    "control",
    "recordation_ids",
    "seized_amount",
    "seized_currency",
    "officer",
    "notes",
)
COLUMNS = (*REQUIRED, *OPTIONAL)
# the message field a violation of `outcome_from_pb` names -> the file's column
_COLUMN_OF = {
    "outcome.outcome_id": "outcome_id",
    "outcome.decision_id": "decision_id",
    "outcome.result": "result",
    "outcome.control": "control",
    "outcome.recorded_at": "recorded_at",
    "outcome.seized_value.amount": "seized_amount",
    "outcome.notes": "notes",
    "outcome.officer": "officer",
    "outcome.recordation_ids": "recordation_ids",
}
E = TypeVar("E", bound=StrEnum)
TIME_FORMAT = "ISO 8601 with a time zone, e.g. 2026-03-01T10:00:00Z"


@dataclass(frozen=True, slots=True)
class RowProblem:
    file: str
    line: int
    column: int
    message: str

    def __str__(self) -> str:
        return f"{self.file}:{self.line}:{self.column}: {self.message}"


@dataclass(frozen=True, slots=True)
class OutcomeRow:
    """A valid row: the outcome it records, and where it was written."""

    line: int
    outcome: Outcome


@dataclass(frozen=True, slots=True)
class OutcomeFile:
    rows: tuple[OutcomeRow, ...]
    problems: tuple[RowProblem, ...]


def derived_outcome_id(outcome: apb.Outcome) -> str:
    """The id of a row that gives none, from what the row says (not when it was recorded):
    the same row imported again is the same outcome, which the store counts once."""
    said = outcome.SerializeToString(deterministic=True)
    return "import-" + hashlib.sha256(said).hexdigest()[:24]


def read_outcomes(path: Path, now: datetime, display: str | None = None) -> OutcomeFile:
    """Every row of the file checked; the valid outcomes and the problems, in file order.
    `now` is the recording time of rows without `recorded_at`. CommandError for a file
    that is no UTF-8 text."""
    shown = display or str(path)
    problems: list[RowProblem] = []
    rows: list[OutcomeRow] = []
    with path.open(encoding="utf-8-sig", newline="") as handle:
        reader = csv.reader(handle)
        try:
            _read(reader, shown, now, rows, problems)
        except UnicodeDecodeError as exc:
            raise CommandError(
                f"{shown}: not UTF-8 text (near line {reader.line_num + 1}); expected CSV"
            ) from exc
        except csv.Error as exc:
            problems.append(RowProblem(shown, reader.line_num, 1, f"not valid CSV: {exc}"))
    return OutcomeFile(tuple(rows), tuple(problems))


def _read(
    reader: CsvReader,
    file: str,
    now: datetime,
    rows: list[OutcomeRow],
    problems: list[RowProblem],
) -> None:
    header = next(reader, None)
    if header is None:
        problems.append(RowProblem(file, 1, 1, _expected_header("an empty file")))
        return
    header = [name.strip() for name in header]
    problems.extend(_header_problems(file, header))
    if problems:
        return
    seen: dict[str, tuple[int, Outcome]] = {}
    end = reader.line_num
    for fields in reader:
        line, end = end + 1, reader.line_num
        if not any(text.strip() for text in fields):
            continue  # a blank line
        row = _Row(file, line, header, fields, problems)
        outcome = row.outcome(now)
        if outcome is None:
            continue
        earlier = seen.get(outcome.outcome_id)
        if earlier is not None and replace(earlier[1], recorded_at=outcome.recorded_at) != outcome:
            row.fail(
                "outcome_id",
                f"outcome_id {outcome.outcome_id!r} is used on line {earlier[0]} for another "
                f"outcome (decision {earlier[1].decision_id!r}, {earlier[1].result.value})",
            )
            continue
        seen.setdefault(outcome.outcome_id, (line, outcome))
        rows.append(OutcomeRow(line, outcome))


def _expected_header(found: str) -> str:
    return (
        f"expected a header row naming the columns ({', '.join(REQUIRED)} required; "
        f"{', '.join(OPTIONAL)} optional), found {found}"
    )


def _header_problems(file: str, header: Sequence[str]) -> list[RowProblem]:
    problems = []
    for number, name in enumerate(header, start=1):
        if name not in COLUMNS:
            problems.append(
                RowProblem(
                    file, 1, number, f"unknown column {name!r}; expected {', '.join(COLUMNS)}"
                )
            )
        elif name in header[: number - 1]:
            problems.append(RowProblem(file, 1, number, f"column {name!r} appears twice"))
    for name in REQUIRED:
        if name not in header:
            problems.append(RowProblem(file, 1, 1, f"the header lacks the column {name!r}"))
    return problems


@dataclass(slots=True)
class _Row:
    file: str
    line: int
    header: Sequence[str]
    fields: Sequence[str]
    problems: list[RowProblem]
    failed: set[str] = field(default_factory=set)  # the columns already reported

    def column(self, name: str) -> int:
        return self.header.index(name) + 1 if name in self.header else 1

    def fail(self, name: str, message: str) -> None:
        self.failed.add(name)
        self.problems.append(RowProblem(self.file, self.line, self.column(name), message))

    def text(self, name: str) -> str:
        index = self.column(name) - 1
        if name not in self.header or index >= len(self.fields):
            return ""
        return self.fields[index].strip()

    def outcome(self, now: datetime) -> Outcome | None:
        """The row's outcome, or None with its problems reported."""
        if len(self.fields) != len(self.header):
            self.problems.append(
                RowProblem(
                    self.file,
                    self.line,
                    min(len(self.fields), len(self.header)) + 1,
                    f"expected {len(self.header)} fields as in the header, found "
                    f"{len(self.fields)}",
                )
            )
            return None
        before = len(self.problems)
        message = apb.Outcome(
            outcome_id=self.text("outcome_id"),
            decision_id=self.text("decision_id"),
            result=self._result(),
            control=self._control(),
            recordation_ids=[r.strip() for r in self.text("recordation_ids").split("|") if r],
            officer=self.text("officer"),
            notes=self.text("notes"),
        )
        self._recorded_at(message)
        self._seized(message)
        if not message.outcome_id:
            message.outcome_id = derived_outcome_id(message)
        try:
            outcome = outcome_from_pb(message, now)
        except InvalidInput as exc:
            for violation in exc.violations:
                name = _COLUMN_OF.get(violation.field, violation.field)
                if name not in self.failed:  # an unreadable value reads as a missing one
                    self.fail(name, f"{name} {violation.description}")
            return None
        return outcome if len(self.problems) == before else None

    def _member(self, name: str, kind: type[E]) -> E | None:
        """The enum member written in the column (any case), or None: empty or reported."""
        written = self.text(name)
        if not written:
            return None  # the API names a missing result; a missing control is none
        try:
            return kind(written.upper())
        except ValueError:
            allowed = ", ".join(m.value for m in kind)
            self.fail(name, f"{name} must be one of {allowed}, not {written!r}")
            return None

    def _result(self) -> apb.OutcomeResult.ValueType:
        member = self._member("result", OutcomeResult)
        if member is None:
            return apb.OUTCOME_RESULT_UNSPECIFIED
        return apb.OutcomeResult.Value(f"OUTCOME_RESULT_{member.value}")

    def _control(self) -> apb.ControlType.ValueType:
        member = self._member("control", ControlType)
        if member is None:
            return apb.CONTROL_TYPE_UNSPECIFIED
        return apb.ControlType.Value(f"CONTROL_TYPE_{member.value}")

    def _recorded_at(self, message: apb.Outcome) -> None:
        written = self.text("recorded_at")
        if not written:
            return
        try:
            moment = datetime.fromisoformat(written)
        except ValueError:
            self.fail("recorded_at", f"recorded_at {written!r} is not a time ({TIME_FORMAT})")
            return
        if moment.tzinfo is None:
            self.fail("recorded_at", f"recorded_at {written!r} needs a time zone ({TIME_FORMAT})")
            return
        stamp = Timestamp()
        stamp.FromDatetime(moment)
        message.recorded_at.CopyFrom(stamp)

    def _seized(self, message: apb.Outcome) -> None:
        amount, currency = self.text("seized_amount"), self.text("seized_currency").upper()
        if not amount:
            if currency:
                self.fail("seized_currency", "seized_currency is given without seized_amount")
            return
        try:
            value = float(amount)
        except ValueError:
            self.fail("seized_amount", f"seized_amount must be a number, not {amount!r}")
            return
        if not math.isfinite(value):
            self.fail("seized_amount", f"seized_amount must be finite, not {amount!r}")
            return
        if len(currency) != 3 or not currency.isalpha():
            self.fail(
                "seized_currency",
                f"seized_currency must be a 3-letter ISO 4217 code, not {currency!r}",
            )
            return
        message.seized_value.CopyFrom(dpb.Money(amount=value, currency=currency))
