"""YAML with positions: a thin walker over ruamel.yaml's round-trip tree.

`Node` pairs a loaded value with where it was written; its accessors check the shape an
officer was expected to write and, if it is wrong, record a `Problem` naming file, line,
column and what was expected, then return None so parsing continues and every mistake in a
file is reported at once.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Any

from ruamel.yaml import YAML
from ruamel.yaml.comments import CommentedMap, CommentedSeq
from ruamel.yaml.error import MarkedYAMLError

from riskd.rules.errors import Pos, Problem, error


def _yaml() -> YAML:
    yaml = YAML(typ="rt")
    yaml.allow_duplicate_keys = False
    return yaml


def describe(value: object) -> str:
    """How an officer would name what they wrote."""
    if value is None:
        return "nothing"
    if isinstance(value, bool):
        return f"the boolean {str(value).lower()}"
    if isinstance(value, int | float):
        return f"the number {value}"
    if isinstance(value, str):
        return f"the text {value!r}"
    if isinstance(value, date):
        return f"the date {value.isoformat()}"
    if isinstance(value, CommentedMap | dict):
        return "a mapping"
    if isinstance(value, CommentedSeq | list):
        return "a list"
    return type(value).__name__


@dataclass(slots=True)
class Node:
    value: Any
    pos: Pos
    problems: list[Problem]

    def fail(self, code: str, message: str) -> None:
        self.problems.append(error(code, self.pos, message))

    def expected(self, what: str) -> None:
        self.fail("E-TYPE", f"expected {what}, found {describe(self.value)}")

    def is_map(self) -> bool:
        return isinstance(self.value, CommentedMap)

    def is_seq(self) -> bool:
        return isinstance(self.value, CommentedSeq)

    def items(self) -> Iterator[tuple[str, Pos, Node]]:
        """Key, key position and value node of a mapping (nothing if this is not one)."""
        if not isinstance(self.value, CommentedMap):
            return
        for key in self.value:
            kline, kcol = self.value.lc.key(key)
            vline, vcol = self.value.lc.value(key)
            key_pos = Pos(self.pos.file, kline + 1, kcol + 1)
            yield (
                str(key),
                key_pos,
                Node(self.value[key], Pos(self.pos.file, vline + 1, vcol + 1), self.problems),
            )

    def mapping(self, what: str) -> dict[str, tuple[Pos, Node]] | None:
        if not self.is_map():
            self.expected(what)
            return None
        return {key: (key_pos, node) for key, key_pos, node in self.items()}

    def sequence(self, what: str) -> list[Node] | None:
        if not isinstance(self.value, CommentedSeq):
            self.expected(what)
            return None
        nodes = []
        for index, value in enumerate(self.value):
            line, col = self.value.lc.item(index)
            nodes.append(Node(value, Pos(self.pos.file, line + 1, col + 1), self.problems))
        return nodes

    def text(self, what: str = "a text") -> str | None:
        if isinstance(self.value, bool) or not isinstance(self.value, str | int | float):
            self.expected(what)
            return None
        return str(self.value)

    def number(self, what: str = "a number") -> float | None:
        if isinstance(self.value, bool) or not isinstance(self.value, int | float):
            self.expected(what)
            return None
        return float(self.value)

    def boolean(self, what: str = "true or false") -> bool | None:
        if not isinstance(self.value, bool):
            self.expected(what)
            return None
        return self.value

    def day(self, what: str = "a date written YYYY-MM-DD") -> date | None:
        if isinstance(self.value, datetime):
            return self.value.date()
        if isinstance(self.value, date):
            return self.value
        if isinstance(self.value, str):
            try:
                return date.fromisoformat(self.value)
            except ValueError:
                pass
        self.expected(what)
        return None

    def texts(self, what: str = "a text or a list of texts") -> tuple[str, ...] | None:
        """One text or a list of them, as officers write either."""
        if isinstance(self.value, CommentedSeq):
            nodes = self.sequence(what) or []
            values = [n.text() for n in nodes]
            return tuple(v for v in values if v is not None) if None not in values else None
        single = self.text(what)
        return None if single is None else (single,)

    def plain(self) -> Any:
        """The value as plain Python data (dicts and lists), for hashing and test inputs."""
        return _plain(self.value)


def _plain(value: Any) -> Any:
    if isinstance(value, CommentedMap | dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, CommentedSeq | list):
        return [_plain(v) for v in value]
    if isinstance(value, date):
        return value.isoformat()
    return value


def load(path: Path, display: str, problems: list[Problem]) -> Node | None:
    """Load one YAML file; a syntax error becomes a Problem at its position."""
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        problems.append(error("E-READ", Pos(display, 1, 1), f"cannot read the file: {exc}"))
        return None
    try:
        value = _yaml().load(text)
    except MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        pos = Pos(display, mark.line + 1, mark.column + 1) if mark else Pos(display, 1, 1)
        problems.append(error("E-YAML", pos, f"not valid YAML: {exc.problem or exc.context}"))
        return None
    except Exception as exc:  # ruamel raises a few unmarked errors, e.g. duplicate keys
        problems.append(error("E-YAML", Pos(display, 1, 1), f"not valid YAML: {exc}"))
        return None
    return Node(value, Pos(display, 1, 1), problems)


def unknown_keys(
    mapping: dict[str, tuple[Pos, Node]], allowed: tuple[str, ...], where: str
) -> list[Problem]:
    """Keys nobody reads are mistakes; name the ones that were meant."""
    found = []
    for key, (pos, _) in mapping.items():
        if key not in allowed:
            found.append(
                error(
                    "E-KEY",
                    pos,
                    f"unknown key {key!r} in {where}; expected one of {', '.join(allowed)}",
                )
            )
    return found
