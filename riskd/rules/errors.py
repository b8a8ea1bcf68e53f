"""The one problem type of the rule compiler, and the exception that carries a list of them.

Every step (parse, resolve, type-check, lower, test) reports `Problem`s naming file, line and
column, so an officer's editor or terminal can jump straight to the spot. Errors refuse a rule
set; warnings are reported and the set is still accepted.
"""

from __future__ import annotations

import enum
from collections.abc import Iterable
from dataclasses import dataclass

from riskd.domain import ReloadRefused


class Severity(enum.StrEnum):
    ERROR = "error"
    WARNING = "warning"


@dataclass(frozen=True, slots=True)
class Pos:
    """Where something was written: file and 1-based line and column."""

    file: str
    line: int = 0
    column: int = 0

    def __str__(self) -> str:
        return f"{self.file}:{self.line}:{self.column}" if self.line else self.file


UNKNOWN_POS = Pos("<unknown>")


@dataclass(frozen=True, slots=True)
class Problem:
    code: str
    pos: Pos
    message: str
    severity: Severity = Severity.ERROR

    def __str__(self) -> str:
        return f"{self.pos}: {self.severity.value} {self.code}: {self.message}"

    @property
    def sort_key(self) -> tuple[str, int, int, str]:
        return (self.pos.file, self.pos.line, self.pos.column, self.code)


def error(code: str, pos: Pos, message: str) -> Problem:
    return Problem(code, pos, message, Severity.ERROR)


def warning(code: str, pos: Pos, message: str) -> Problem:
    return Problem(code, pos, message, Severity.WARNING)


def sorted_problems(problems: Iterable[Problem]) -> list[Problem]:
    """Problems in the order an officer reads the files: by file, line, column."""
    return sorted(problems, key=lambda p: p.sort_key)


def errors_of(problems: Iterable[Problem]) -> list[Problem]:
    return [p for p in problems if p.severity is Severity.ERROR]


def warnings_of(problems: Iterable[Problem]) -> list[Problem]:
    return [p for p in problems if p.severity is Severity.WARNING]


class RuleSetRefused(ReloadRefused):
    """A rule directory failed its check or its own tests; the old rule set keeps serving."""

    def __init__(self, problems: Iterable[Problem]) -> None:
        self.all_problems = tuple(sorted_problems(problems))
        super().__init__("rule set", [str(p) for p in errors_of(self.all_problems)])
