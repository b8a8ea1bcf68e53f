"""The jurisdiction calendar: legal clocks counted in working days, deadlines in UTC.

A detention notice gives the right holder (or customs itself) a period of working days to
act; what a working day is depends on the jurisdiction: its weekend, its public holidays
(from the `holidays` library, which also knows China's make-up working days on weekends)
and its time zone. The clocks themselves are law, not code: they live in a YAML file
(`riskd/cases/calendar.yaml` is shipped) that cites the provision each comes from, and a
mistake in it is reported at its file, line and column, as in rule files.

Counting follows the common rule of the three shipped regimes: the day of the notice is not
counted, the period ends with the n-th working day after it, and the deadline is the end of
that day (midnight that closes it) in the jurisdiction's time zone, held in UTC.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from typing import Annotated, ClassVar, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import holidays
from pydantic import AfterValidator, BaseModel, ConfigDict, Field
from pydantic_core import PydanticCustomError

from riskd.rules.errors import Problem, sorted_problems
from riskd.rules.yamlpos import Document, load

SHIPPED = Path(__file__).with_name("calendar.yaml")

WEEKDAYS = ("MON", "TUE", "WED", "THU", "FRI", "SAT", "SUN")
Weekday = Literal["MON", "TUE", "WED", "THU", "FRI", "SAT", "SUN"]

# the longest period a clock may have: a typo of 100 for 10 is refused, not obeyed
MAX_WORKING_DAYS = 60
# how far past a week per working day a count may look before the calendar is taken to be
# broken (a weekend of every day, a holiday table gone wrong)
MAX_SEARCH_DAYS = 366


class CalendarError(ValueError):
    """A calendar file that cannot be used; every problem names file, line and column."""

    def __init__(self, problems: list[Problem]) -> None:
        self.problems = tuple(sorted_problems(problems))
        super().__init__("\n".join(str(p) for p in self.problems))


# --- the file, as written ---------------------------------------------------------------


class _Spec(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    @classmethod
    def keys(cls) -> tuple[str, ...]:
        return tuple(cls.model_fields)


def _country(code: str) -> str:
    if code not in holidays.list_supported_countries():
        raise PydanticCustomError(
            "E-VALUE",
            f"country {code!r} is not a holiday country known to the holidays library "
            "(an ISO 3166-1 alpha-2 code such as CN, DE, US)",
        )
    return code


def _zone(name: str) -> str:
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise PydanticCustomError(
            "E-VALUE",
            f"time_zone {name!r} is not an IANA time zone (e.g. Europe/Berlin)",
        ) from None
    return name


class HolidaysSpec(_Spec):
    where: ClassVar[str] = "holidays"
    country: Annotated[str, AfterValidator(_country)]
    subdivision: str | None = None


class ClockSpec(_Spec):
    where: ClassVar[str] = "a clock"
    working_days: int = Field(ge=1, le=MAX_WORKING_DAYS, description="the period")
    extension_days: int = Field(
        default=0, ge=0, le=MAX_WORKING_DAYS, description="how far it may be extended"
    )
    law: str = Field(min_length=1)
    description: str = ""


class JurisdictionSpec(_Spec):
    where: ClassVar[str] = "a jurisdiction"
    name: str = ""
    holidays: HolidaysSpec
    time_zone: Annotated[str, AfterValidator(_zone)]
    weekend: list[Weekday] = Field(default=["SAT", "SUN"], max_length=6)
    detention_clock: str
    clocks: dict[str, ClockSpec] = Field(min_length=1)


class CalendarFile(_Spec):
    where: ClassVar[str] = "the calendar file"
    jurisdictions: dict[str, JurisdictionSpec] = Field(min_length=1)


# --- the calendar, as used ---------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Clock:
    """One legal period: `working_days`, extendable by `extension_days` (0: not at all)."""

    name: str
    working_days: int
    extension_days: int
    law: str
    description: str = ""


@dataclass(frozen=True, slots=True)
class Jurisdiction:
    """Where a clock runs: its working days and time zone, and its clocks by name."""

    code: str
    name: str
    country: str
    subdivision: str | None
    time_zone: str
    weekend: frozenset[int]  # Monday is 0, as `date.weekday()` counts
    detention_clock: str
    clocks: dict[str, Clock] = field(hash=False)

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.time_zone)

    def clock(self, name: str | None = None) -> Clock:
        """The clock of that name (by default the one a detention starts); KeyError naming
        the clocks there are."""
        wanted = name or self.detention_clock
        try:
            return self.clocks[wanted]
        except KeyError:
            known = ", ".join(sorted(self.clocks))
            raise KeyError(f"{self.code} has no clock {wanted!r}; it has {known}") from None

    def is_working_day(self, day: date) -> bool:
        """Neither a public holiday nor a weekend day, unless the law made that weekend day a
        working day (as China does around its golden weeks)."""
        listed = _holidays(self.country, self.subdivision)
        if day in listed:  # also fills the library's tables for that year
            return False
        return day.weekday() not in self.weekend or day in listed.weekend_workdays

    def working_day_after(self, day: date, n: int) -> date:
        """The n-th working day after `day` (`day` itself is never counted); n >= 1."""
        if n < 1:
            raise ValueError(f"a period counts at least one working day, not {n}")
        start, counted = day, 0
        horizon = start + timedelta(days=7 * n + MAX_SEARCH_DAYS)
        while counted < n:
            day += timedelta(days=1)
            if day > horizon:  # a holiday table gone wrong, not a legal period
                raise ValueError(f"{self.code} has no {n} working days after {start:%Y-%m-%d}")
            counted += self.is_working_day(day)
        return day

    def end_of_day(self, day: date) -> datetime:
        """The moment `day` ends in the jurisdiction (the midnight that closes it), in UTC."""
        closing = datetime.combine(day + timedelta(days=1), time(0), tzinfo=self.zone)
        return closing.astimezone(UTC)

    def local_day(self, moment: datetime) -> date:
        """The calendar day a moment falls on in the jurisdiction."""
        if moment.tzinfo is None:
            raise ValueError("a moment needs a time zone to be placed on a calendar")
        return moment.astimezone(self.zone).date()

    def deadline(
        self, notified_at: datetime, clock: str | None = None, *, extended: bool = False
    ) -> datetime:
        """When the clock started by a notice at `notified_at` runs out, in UTC: the end of
        the last working day of its period (with its extension, if `extended`)."""
        chosen = self.clock(clock)
        if extended and chosen.extension_days == 0:
            raise ValueError(
                f"the {chosen.name} clock of {self.code} cannot be extended ({chosen.law})"
            )
        days = chosen.working_days + (chosen.extension_days if extended else 0)
        return self.end_of_day(self.working_day_after(self.local_day(notified_at), days))


@functools.cache
def _holidays(country: str, subdivision: str | None) -> holidays.HolidayBase:
    """The library's holidays of a country; built once, they extend by year as asked."""
    return holidays.country_holidays(country, subdiv=subdivision)


@dataclass(frozen=True, slots=True)
class JurisdictionCalendar:
    """The jurisdictions of one calendar file, by code."""

    jurisdictions: dict[str, Jurisdiction]
    source: str = ""

    def __getitem__(self, code: str) -> Jurisdiction:
        try:
            return self.jurisdictions[code]
        except KeyError:
            known = ", ".join(sorted(self.jurisdictions))
            raise KeyError(f"no jurisdiction {code!r} in the calendar; it has {known}") from None

    def deadline(
        self, code: str, notified_at: datetime, clock: str | None = None, *, extended: bool = False
    ) -> datetime:
        return self[code].deadline(notified_at, clock, extended=extended)


def load_calendar(path: Path = SHIPPED, display: str | None = None) -> JurisdictionCalendar:
    """The calendar of a YAML file (by default the shipped one); CalendarError naming every
    mistake at its file, line and column."""
    shown = display or str(path)
    problems: list[Problem] = []
    doc = load(path, shown, problems)
    if doc is None:
        raise CalendarError(problems)
    spec: CalendarFile | None = doc.validate(CalendarFile)
    if spec is None:
        raise CalendarError(problems)
    found: dict[str, Jurisdiction] = {}
    for code, j in spec.jurisdictions.items():
        if j.detention_clock not in j.clocks:
            known = ", ".join(sorted(j.clocks))
            doc.fail(
                "E-VALUE",
                ("jurisdictions", code, "detention_clock"),
                f"detention_clock {j.detention_clock!r} is not one of the clocks of "
                f"{code} ({known})",
            )
        if j.holidays.subdivision is not None:
            _subdivision(doc, code, j.holidays)
        found[code] = _jurisdiction(code, j)
    if problems:
        raise CalendarError(problems)
    return JurisdictionCalendar(found, shown)


def _subdivision(doc: Document, code: str, spec: HolidaysSpec) -> None:
    known = holidays.list_supported_countries()[spec.country]
    if spec.subdivision not in known:
        doc.fail(
            "E-VALUE",
            ("jurisdictions", code, "holidays", "subdivision"),
            f"subdivision {spec.subdivision!r} is not one of {spec.country}'s "
            f"({', '.join(known[:12])}{', ...' if len(known) > 12 else ''})",
        )


def _jurisdiction(code: str, spec: JurisdictionSpec) -> Jurisdiction:
    clocks = {
        name: Clock(name, c.working_days, c.extension_days, c.law, c.description)
        for name, c in spec.clocks.items()
    }
    return Jurisdiction(
        code=code,
        name=spec.name or code,
        country=spec.holidays.country,
        subdivision=spec.holidays.subdivision,
        time_zone=spec.time_zone,
        weekend=frozenset(WEEKDAYS.index(day) for day in spec.weekend),
        detention_clock=spec.detention_clock,
        clocks=clocks,
    )
