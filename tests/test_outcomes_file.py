"""The outcomes CSV reader: any outcome the API accepts, written as a row, reads back as the
same outcome; a row without an id reads with the same derived id every time."""

from __future__ import annotations

import csv
from datetime import UTC, datetime
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from riskd.cli.errors import CommandError
from riskd.cli.outcomes_file import COLUMNS, read_outcomes
from riskd.domain import ControlType, Money, Outcome, OutcomeResult

NOW = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)
# texts as people write them in a spreadsheet: no surrounding blanks, any script, commas,
# quotes and line breaks inside
_CHARS = st.characters(codec="utf-8", exclude_categories=("Cs", "Cc", "Zl", "Zp"))


def _text(max_size: int, *, allow_break: bool = False) -> st.SearchStrategy[str]:
    alphabet = st.one_of(_CHARS, st.just("\n")) if allow_break else _CHARS
    return st.text(alphabet, max_size=max_size).map(str.strip)


_ID = st.text(st.characters(codec="ascii", categories=("L", "N")), min_size=1, max_size=20)

outcomes = st.builds(
    Outcome,
    outcome_id=_ID.map(lambda s: f"O-{s}"),
    decision_id=_ID.map(lambda s: f"DEC-{s}"),
    result=st.sampled_from(OutcomeResult),
    recorded_at=st.datetimes(
        min_value=datetime(2000, 1, 1), max_value=datetime(2100, 1, 1), timezones=st.just(UTC)
    ),
    control=st.none() | st.sampled_from(ControlType),
    recordation_ids=st.lists(_ID, max_size=4).map(tuple),
    seized_value=st.none()
    | st.builds(
        Money,
        amount=st.floats(0, 1e12, allow_nan=False),
        currency=st.sampled_from(["EUR", "USD", "CNY"]),
    ),
    officer=_text(64),
    notes=_text(300, allow_break=True),
)


def _row(outcome: Outcome) -> dict[str, str]:
    seized = outcome.seized_value
    return {
        "outcome_id": outcome.outcome_id,
        "decision_id": outcome.decision_id,
        "result": outcome.result.value,
        "recorded_at": outcome.recorded_at.isoformat(),
        "control": outcome.control.value if outcome.control else "",
        "recordation_ids": "|".join(outcome.recordation_ids),
        "seized_amount": repr(seized.amount) if seized else "",
        "seized_currency": seized.currency if seized else "",
        "officer": outcome.officer,
        "notes": outcome.notes,
    }


def _write(path: Path, rows: list[dict[str, str]], columns: tuple[str, ...] = COLUMNS) -> None:
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=columns, extrasaction="ignore")
        writer.writeheader()
        writer.writerows(rows)


@settings(max_examples=60, deadline=None)
@given(written=st.lists(outcomes, min_size=1, max_size=5, unique_by=lambda o: o.outcome_id))
def test_rows_read_back_as_the_outcomes_written(
    tmp_path_factory: pytest.TempPathFactory, written: list[Outcome]
) -> None:
    path = tmp_path_factory.mktemp("file") / "outcomes.csv"
    _write(path, [_row(o) for o in written])
    read = read_outcomes(path, NOW)
    assert read.problems == ()
    assert [row.outcome for row in read.rows] == written


@settings(max_examples=30, deadline=None)
@given(written=outcomes)
def test_a_row_without_id_gets_the_same_id_each_time(
    tmp_path_factory: pytest.TempPathFactory, written: Outcome
) -> None:
    path = tmp_path_factory.mktemp("file") / "outcomes.csv"
    columns = tuple(c for c in COLUMNS if c not in ("outcome_id", "recorded_at"))
    _write(path, [_row(written)], columns)
    first = read_outcomes(path, NOW).rows[0].outcome
    again = read_outcomes(path, datetime(2027, 1, 1, tzinfo=UTC)).rows[0].outcome
    assert first.outcome_id == again.outcome_id
    assert first.outcome_id.startswith("import-")
    assert first.recorded_at == NOW


def test_a_repeated_id_must_repeat_the_outcome(tmp_path: Path) -> None:
    path = tmp_path / "outcomes.csv"
    path.write_text(
        "outcome_id,decision_id,result,recorded_at\n"
        "O-1,DEC-1,SEIZED,2026-03-02T10:00:00Z\n"
        "O-1,DEC-1,SEIZED,2026-03-05T10:00:00Z\n"  # the same outcome sent again: fine
        "O-1,DEC-1,NO_INFRINGEMENT,\n",
        encoding="utf-8",
    )
    read = read_outcomes(path, NOW, "outcomes.csv")
    assert [str(p) for p in read.problems] == [
        "outcomes.csv:4:1: outcome_id 'O-1' is used on line 2 for another outcome "
        "(decision 'DEC-1', SEIZED)"
    ]
    assert [row.line for row in read.rows] == [2, 3]


def test_lines_are_counted_across_quoted_line_breaks(tmp_path: Path) -> None:
    path = tmp_path / "outcomes.csv"
    path.write_text(
        'decision_id,result,notes\nDEC-1,SEIZED,"two\nlines"\nDEC-2,SEIZD,\n', encoding="utf-8"
    )
    (problem,) = read_outcomes(path, NOW, "outcomes.csv").problems
    assert str(problem).startswith("outcomes.csv:4:2: result must be one of")


def test_a_file_that_is_no_text_is_one_error(tmp_path: Path) -> None:
    path = tmp_path / "outcomes.csv"
    path.write_bytes(b"decision_id,result\nDEC-1,SEIZED\n\xff\xfe\x00garbage\n")
    with pytest.raises(CommandError, match=r"outcomes\.csv: not UTF-8 text"):
        read_outcomes(path, NOW, "outcomes.csv")


def test_a_field_past_the_csv_limit_is_named(tmp_path: Path) -> None:
    path = tmp_path / "outcomes.csv"
    path.write_text(f'decision_id,result,notes\nDEC-1,SEIZED,"{"n" * 200_000}"\n', "utf-8")
    (problem,) = read_outcomes(path, NOW, "outcomes.csv").problems
    assert str(problem).startswith("outcomes.csv:2:1: not valid CSV: field larger than")
