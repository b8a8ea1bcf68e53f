"""`riskd cases list|show|answer|expire` against a store holding a detention and its cases
(set up through the store, as the server leaves them), each answer checked in the store."""

from __future__ import annotations

import sqlite3
from datetime import UTC, datetime
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from riskd.cli.main import cli
from riskd.domain import CaseState, OutcomeResult, Recommendation
from riskd.pipeline import assess, build_snapshot
from riskd.store import SqliteStore
from tests import factory

SNAPSHOT = build_snapshot(register=factory.register())
DEADLINE = datetime(2026, 3, 5, 16, 0, tzinfo=UTC)  # end of Thu 5 March in Shanghai


@pytest.fixture
def world(tmp_path: Path) -> tuple[str, str]:
    """A store path and the id of its one detained decision, with three cases: two holders'
    notices of that decision (CN) and one German notice of it."""
    path = tmp_path / "riskd.db"
    declaration = factory.declaration("D-CASES", items=(factory.item(brand="NIKE"),))
    assessment = assess(SNAPSHOT, declaration)
    assert assessment.recommendation is Recommendation.DETAIN
    decision = assessment.decision_id
    store = SqliteStore(path)
    store.save_decisions([(declaration, assessment)])
    store.open_cases(
        [
            factory.case("N-1-NIKE", decision_id=decision),
            factory.case(
                "N-1-OTHER",
                decision_id=decision,
                holder="Other Holder",
                deadline=DEADLINE.replace(day=6),
            ),
            factory.case(
                "N-1-DE",
                decision_id=decision,
                jurisdiction="DE",
                clock="standard",
                opened_at=datetime(2026, 3, 31, 8, 0, tzinfo=UTC),
                deadline=datetime(2026, 4, 16, 22, 0, tzinfo=UTC),
            ),
        ]
    )
    store.close()
    return str(path), decision


def run(*args: str) -> Result:
    return CliRunner().invoke(cli, ["cases", *args])


def stored(path: str, case_id: str) -> tuple[str, list[tuple[str, str]]]:
    """The case's state and the (outcome id, result) pairs of its decision, as stored."""
    store = SqliteStore(Path(path), create=False)
    try:
        case = store.get_case(case_id)
        outcomes = store.get_decision(case.decision_id).outcomes
        return case.state.value, [(o.outcome_id, o.result.value) for o in outcomes]
    finally:
        store.close()


def test_list_is_nearest_deadline_first_with_time_left(world: tuple[str, str]) -> None:
    path, _ = world
    result = run("list", "--store", path, "--at", "2026-03-03T10:00:00Z")
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert [line.split()[0] for line in lines] == ["case", "N-1-NIKE", "N-1-OTHER", "N-1-DE"]
    assert "2026-03-05 16:00  2d 06h" in lines[1]
    assert "3d 06h" in lines[2] and "Other Holder" in lines[2]


def test_list_overdue_shows_only_open_cases_past_their_deadline(world: tuple[str, str]) -> None:
    path, _ = world
    result = run("list", "--store", path, "--overdue", "--at", "2026-03-06T00:00:00+00:00")
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert [line.split()[0] for line in lines] == ["case", "N-1-NIKE"]
    assert "overdue 8h 00m" in lines[1]


def test_show_prints_the_case_and_its_events(world: tuple[str, str]) -> None:
    path, decision = world
    result = run("show", "N-1-NIKE", "--store", path)
    assert result.exit_code == 0, result.output
    assert f"decision      {decision}" in result.output
    assert "holder        Nike Innovate C.V. <brand-protection@nike.example>" in result.output
    assert "riskd        opened -> OPEN" in result.output


def test_a_confirmation_is_recorded_as_a_seizure_and_counted(world: tuple[str, str]) -> None:
    path, decision = world
    result = run(
        "answer",
        "N-1-NIKE",
        "--confirmed",
        "--by",
        "H. Holder",
        "--note",
        "bond posted",
        "--store",
        path,
    )
    assert result.exit_code == 0, result.output
    assert "N-1-NIKE: CONFIRMED; outcome SEIZED recorded as N-1-NIKE-CONFIRMED" in result.output
    assert stored(path, "N-1-NIKE") == ("CONFIRMED", [("N-1-NIKE-CONFIRMED", "SEIZED")])
    with sqlite3.connect(path) as conn:
        counted = conn.execute(
            "SELECT infringing FROM entity_profile_outcomes WHERE decision_id = ?", (decision,)
        ).fetchall()
    assert counted == [(1,)]
    shown = run("show", "N-1-NIKE", "--store", path).output
    assert "H. Holder" in shown and "holder confirmed -> CONFIRMED (bond posted)" in shown


def test_after_one_holder_confirmed_another_decline_records_no_outcome(
    world: tuple[str, str],
) -> None:
    path, _ = world
    assert run("answer", "N-1-NIKE", "--confirmed", "--store", path).exit_code == 0
    result = run("answer", "N-1-OTHER", "--declined", "--store", path)
    assert result.exit_code == 0, result.output
    assert "no outcome recorded: another holder of the decision confirmed" in result.output
    assert stored(path, "N-1-OTHER") == ("DECLINED", [("N-1-NIKE-CONFIRMED", "SEIZED")])


def test_a_decline_is_recorded_as_holder_not_confirmed(world: tuple[str, str]) -> None:
    path, _ = world
    assert run("answer", "N-1-OTHER", "--declined", "--store", path).exit_code == 0
    assert stored(path, "N-1-OTHER") == (
        "DECLINED",
        [("N-1-OTHER-DECLINED", OutcomeResult.HOLDER_NOT_CONFIRMED.value)],
    )


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (
            ["answer", "N-1-NIKE"],
            "say what the holder answered: --confirmed, --declined or --extend",
        ),
        (["answer", "N-NONE", "--confirmed"], "no case 'N-NONE'"),
        (["answer", "N-1-NIKE", "--extend"], "the ex_officio clock of CN cannot be extended"),
        (["show", "N-NONE"], "no case 'N-NONE'"),
        (["list", "--state", "LOST"], "'LOST' is not one of"),
        (["list", "--overdue", "--state", "CLOSED"], "--overdue lists open cases"),
        (["list", "--at", "yesterday"], "not an ISO 8601 date or time: 'yesterday'"),
    ],
)
def test_every_mistake_is_one_line_and_exit_2(
    world: tuple[str, str], args: list[str], message: str
) -> None:
    path, _ = world
    result = run(*args, "--store", path)
    assert result.exit_code == 2
    assert result.output.count("\n") == 1 and "Traceback" not in result.output
    assert message in result.output


def test_a_case_answered_twice_is_refused(world: tuple[str, str]) -> None:
    path, _ = world
    assert run("answer", "N-1-NIKE", "--declined", "--store", path).exit_code == 0
    result = run("answer", "N-1-NIKE", "--confirmed", "--store", path)
    assert result.exit_code == 2 and result.output.count("\n") == 1
    assert "is DECLINED and cannot become CONFIRMED" in result.output
    assert stored(path, "N-1-NIKE")[0] == "DECLINED"


def test_an_eu_standard_clock_is_extended_once_by_ten_working_days(world: tuple[str, str]) -> None:
    path, _ = world
    result = run("answer", "N-1-DE", "--extend", "--note", "holder asked", "--store", path)
    assert result.exit_code == 0, result.output
    # 10 working days after the 16 April deadline, over May Day: 17 April .. 30 April
    assert "N-1-DE: deadline extended to 2026-04-30T22:00:00+00:00" in result.output
    again = run("answer", "N-1-DE", "--extend", "--store", path)
    assert again.exit_code == 2 and "was extended already" in again.output
    assert stored(path, "N-1-DE") == ("OPEN", [])


def test_expire_marks_overdue_open_cases_and_records_them(world: tuple[str, str]) -> None:
    path, _ = world
    result = run("expire", "--store", path, "--at", "2026-03-07T00:00:00Z")
    assert result.exit_code == 0, result.output
    assert result.output.splitlines() == [
        "N-1-NIKE: EXPIRED; release advised",
        "N-1-OTHER: EXPIRED; release advised",
        "2 cases expired as of 2026-03-07T00:00:00+00:00",
    ]
    assert stored(path, "N-1-NIKE") == (
        CaseState.EXPIRED.value,
        [
            ("N-1-NIKE-EXPIRED", "HOLDER_NOT_CONFIRMED"),
            ("N-1-OTHER-EXPIRED", "HOLDER_NOT_CONFIRMED"),
        ],
    )
    assert stored(path, "N-1-DE")[0] == "OPEN"
    assert run("expire", "--store", path, "--at", "2026-03-07T00:00:00Z").output.endswith(
        "0 cases expired as of 2026-03-07T00:00:00+00:00\n"
    )
