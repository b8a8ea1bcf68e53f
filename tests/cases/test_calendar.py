"""The jurisdiction calendar against deadlines counted by hand on a printed calendar, and
its working-day arithmetic against properties that hold for any day and period."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from riskd.cases.calendar import CalendarError, JurisdictionCalendar, load_calendar


@pytest.fixture(scope="module")
def calendar() -> JurisdictionCalendar:
    return load_calendar()


SHIPPED = load_calendar()


def at(text: str) -> datetime:
    return datetime.fromisoformat(text)


# (jurisdiction, clock, extended, notified at, deadline), each counted by hand
HAND_COUNTED = [
    # China, ex officio, over the 2026 National Day golden week: 1-7 October off (4 October a
    # Sunday, 6 and 7 substituted for the make-up Sunday 20 September and Saturday 10
    # October). Notified Wed 30 September at 18:00 in Shanghai: Thu 8 October is the first
    # working day, Fri 9 the second, and the make-up Saturday 10 the third; the deadline is
    # midnight closing 10 October in Shanghai (UTC+8).
    ("CN", "ex_officio", False, "2026-09-30T10:00:00+00:00", "2026-10-10T16:00:00+00:00"),
    # the same notice written down an hour after midnight in Shanghai (1 October local):
    # counting starts the day after, which is in the golden week too
    ("CN", "ex_officio", False, "2026-09-30T17:00:00+00:00", "2026-10-10T16:00:00+00:00"),
    # an ordinary week: Mon 9 March 2026 -> Tue 10, Wed 11, Thu 12
    ("CN", "ex_officio", False, "2026-03-09T02:00:00+00:00", "2026-03-12T16:00:00+00:00"),
    # Germany, Regulation 608/2013 art. 23, over Easter 2026 (Good Friday 3 April, Easter
    # Monday 6 April). Notified Tue 31 March: 1, 2, 7, 8, 9, 10, 13, 14, 15, 16 April; the
    # deadline is midnight closing Thu 16 April in Berlin (CEST, UTC+2).
    ("DE", "standard", False, "2026-03-31T08:00:00+00:00", "2026-04-16T22:00:00+00:00"),
    # extended by 10 working days: 17, 20-24, 27-30 April
    ("DE", "standard", True, "2026-03-31T08:00:00+00:00", "2026-04-30T22:00:00+00:00"),
    # perishable goods, 3 working days: 1, 2 and 7 April
    ("DE", "perishable", False, "2026-03-31T08:00:00+00:00", "2026-04-07T22:00:00+00:00"),
    # 22:30 UTC on 31 March is already 1 April in Berlin: counting starts on 2 April
    ("DE", "standard", False, "2026-03-31T22:30:00+00:00", "2026-04-17T22:00:00+00:00"),
    # small consignments, 10 working days over the change to winter time (25 October 2026):
    # notified Fri 23 October: 26-30 October, 2-6 November; midnight in CET is 23:00 UTC
    ("DE", "small_consignment", False, "2026-10-23T09:00:00+00:00", "2026-11-06T23:00:00+00:00"),
    # United States, 19 CFR 133.21(b), over Thanksgiving (Thu 26 November 2026; the Friday
    # after is no federal holiday). Decided Tue 24 November: 25, 27, 30 November, 1 and 2
    # December; midnight closing 2 December in New York (EST, UTC-5).
    ("US", "detention_notice", False, "2026-11-24T15:00:00+00:00", "2026-12-03T05:00:00+00:00"),
    # decided on Saturday 27 June: 29, 30 June, 1, 2 July, then Independence Day observed on
    # Fri 3 July, and Mon 6 July; midnight closing 6 July in New York (EDT, UTC-4)
    ("US", "detention_notice", False, "2026-06-27T15:00:00+00:00", "2026-07-07T04:00:00+00:00"),
]


@pytest.mark.parametrize(("code", "clock", "extended", "notified", "expected"), HAND_COUNTED)
def test_deadline_counted_by_hand(
    calendar: JurisdictionCalendar,
    code: str,
    clock: str,
    extended: bool,
    notified: str,
    expected: str,
) -> None:
    deadline = calendar.deadline(code, at(notified), clock, extended=extended)
    assert deadline == at(expected)
    assert deadline.tzinfo is UTC


def test_make_up_weekend_day_is_a_working_day(calendar: JurisdictionCalendar) -> None:
    china = calendar["CN"]
    assert china.is_working_day(date(2026, 10, 10))  # Saturday, worked for the golden week
    assert china.is_working_day(date(2026, 9, 20))  # Sunday, likewise
    assert not china.is_working_day(date(2026, 10, 11))  # an ordinary Sunday
    assert not china.is_working_day(date(2026, 10, 7))  # Wednesday, substituted day off


def test_the_detention_clock_is_the_default(calendar: JurisdictionCalendar) -> None:
    notified = at("2026-03-31T08:00:00+00:00")
    assert calendar.deadline("DE", notified) == calendar.deadline("DE", notified, "standard")
    assert calendar["CN"].clock().working_days == 3
    assert calendar["US"].clock().working_days == 5


def test_clocks_that_cannot_be_extended_refuse(calendar: JurisdictionCalendar) -> None:
    with pytest.raises(ValueError, match="perishable clock of DE cannot be extended"):
        calendar.deadline("DE", at("2026-03-31T08:00:00+00:00"), "perishable", extended=True)


def test_unknown_names_are_named(calendar: JurisdictionCalendar) -> None:
    with pytest.raises(KeyError, match=r"no jurisdiction .XX.*CN, DE, US"):
        calendar["XX"]
    with pytest.raises(KeyError, match="DE has no clock 'ex_officio'"):
        calendar["DE"].clock("ex_officio")


def test_a_moment_without_zone_is_refused(calendar: JurisdictionCalendar) -> None:
    with pytest.raises(ValueError, match="time zone"):
        calendar.deadline("CN", datetime(2026, 3, 9, 10, 0))


days = st.dates(min_value=date(2024, 1, 1), max_value=date(2030, 12, 31))


@given(code=st.sampled_from(sorted(SHIPPED.jurisdictions)), day=days, n=st.integers(1, 30))
def test_deadline_falls_on_a_working_day_and_grows(code: str, day: date, n: int) -> None:
    place = SHIPPED[code]
    last = place.working_day_after(day, n)
    assert place.is_working_day(last)
    assert last.weekday() not in place.weekend or last in _weekend_workdays(place.country)
    assert place.working_day_after(day, n + 1) > last
    # exactly n working days lie in (day, last]
    between = [day + timedelta(days=k) for k in range(1, (last - day).days + 1)]
    assert sum(place.is_working_day(d) for d in between) == n


@given(code=st.sampled_from(sorted(SHIPPED.jurisdictions)), day=days, n=st.integers(1, 30))
def test_deadline_is_the_end_of_the_local_day(code: str, day: date, n: int) -> None:
    place = SHIPPED[code]
    notified = datetime(day.year, day.month, day.day, 12, tzinfo=place.zone)
    deadline = place.deadline(notified.astimezone(UTC), place.detention_clock)
    local = deadline.astimezone(place.zone)
    assert (local.hour, local.minute, local.second) == (0, 0, 0)
    assert place.is_working_day(local.date() - timedelta(days=1))


def _weekend_workdays(country: str) -> set[date]:
    import holidays

    listed = holidays.country_holidays(country, years=range(2024, 2032))
    return set(listed.weekend_workdays)


# --- bad files ---------------------------------------------------------------------------

BAD = """\
jurisdictions:
  CN:
    holidays: {country: XX}
    time_zone: Asia/Shanghaii
    weekend: [SAT, SUNDAY]
    detention_clock: ex_officio
    clocks:
      ex_officio:
        working_days: 0
        law: Regulations on Customs Protection of IPR, art. 16
        extension: 10
"""


def _problems(tmp_path: Path, text: str) -> list[str]:
    path = tmp_path / "calendar.yaml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(CalendarError) as caught:
        load_calendar(path, "calendar.yaml")
    return [str(p) for p in caught.value.problems]


def test_every_mistake_is_named_at_its_line_and_column(tmp_path: Path) -> None:
    assert _problems(tmp_path, BAD) == [
        "calendar.yaml:3:25: error E-VALUE: country 'XX' is not a holiday country known to "
        "the holidays library (an ISO 3166-1 alpha-2 code such as CN, DE, US)",
        "calendar.yaml:4:16: error E-VALUE: time_zone 'Asia/Shanghaii' is not an IANA time "
        "zone (e.g. Europe/Berlin)",
        "calendar.yaml:5:20: error E-VALUE: weekend (item 2) must be one of MON, TUE, WED, "
        "THU, FRI, SAT or SUN, not 'SUNDAY'",
        "calendar.yaml:9:23: error E-VALUE: working_days must be at least 1, not 0 (the period)",
        "calendar.yaml:11:9: error E-KEY: unknown key 'extension' in a clock. Did you mean "
        "'extension_days'? Expected one of working_days, extension_days, law, description",
    ]


def test_clock_and_subdivision_are_checked(tmp_path: Path) -> None:
    text = """\
jurisdictions:
  DE:
    holidays: {country: DE, subdivision: ZZ}
    time_zone: Europe/Berlin
    detention_clock: standrad
    clocks:
      standard: {working_days: 10, law: "Regulation (EU) No 608/2013, art. 23"}
"""
    problems = _problems(tmp_path, text)
    assert problems[0].startswith(
        "calendar.yaml:3:42: error E-VALUE: subdivision 'ZZ' is not one of DE's (BB, BE, BW"
    )
    assert problems[1] == (
        "calendar.yaml:5:22: error E-VALUE: detention_clock 'standrad' is not one of the "
        "clocks of DE (standard)"
    )


def test_broken_yaml_is_named(tmp_path: Path) -> None:
    (problem,) = _problems(tmp_path, "jurisdictions:\n  CN: [unclosed\n")
    assert problem.startswith("calendar.yaml:3:1: error E-YAML: not valid YAML")


def test_a_subdivision_adds_its_holidays(tmp_path: Path) -> None:
    path = tmp_path / "calendar.yaml"
    path.write_text(
        """\
jurisdictions:
  DE-BY:
    holidays: {country: DE, subdivision: BY}
    time_zone: Europe/Berlin
    detention_clock: standard
    clocks:
      standard: {working_days: 1, law: "Regulation (EU) No 608/2013, art. 23"}
""",
        encoding="utf-8",
    )
    bavaria = load_calendar(path)["DE-BY"]
    # Epiphany (Tue 6 January 2026) is a holiday in Bavaria, not in all of Germany
    assert not bavaria.is_working_day(date(2026, 1, 6))
    assert SHIPPED["DE"].is_working_day(date(2026, 1, 6))
