"""YAML with positions: a rule directory file, validated against its typed definition.

ruamel.yaml's round-trip tree remembers where each key and value was written. `Document`
validates the file's plain data against a model of `riskd.rules.definition` and turns each
validation error into a `Problem` at the file, line and column of the key or value at fault,
naming the key and what was expected, so that every mistake in a file is reported at once.
"""

from __future__ import annotations

import difflib
import functools
import types
import typing
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

from pydantic import BaseModel, Discriminator, Tag, TypeAdapter, ValidationError
from pydantic.fields import FieldInfo
from pydantic_core import ErrorDetails
from ruamel.yaml import YAML
from ruamel.yaml.comments import CommentedMap, CommentedSeq
from ruamel.yaml.constructor import RoundTripConstructor
from ruamel.yaml.error import MarkedYAMLError
from typing_extensions import TypeAliasType

from riskd.rules.ast import BRANCHES, Op
from riskd.rules.errors import Pos, Problem, error

Path_ = tuple[str | int, ...]


class _Constructor(RoundTripConstructor):
    """Dates stay texts as written, so that a bad one is reported at its line and column by
    validation (the typed definition reads dates) rather than failing the whole file."""


_Constructor.add_constructor("tag:yaml.org,2002:timestamp", _Constructor.construct_yaml_str)


def _yaml() -> YAML:
    yaml = YAML(typ="rt")
    yaml.Constructor = _Constructor
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
    if isinstance(value, dict):
        return "a mapping"
    if isinstance(value, list):
        return "a list"
    return type(value).__name__


def plain(value: Any) -> Any:
    """ruamel's annotated values as plain JSON-like data, dates as ISO texts."""
    if isinstance(value, dict):
        return {plain(k): plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [plain(v) for v in value]
    if isinstance(value, date):
        return value.isoformat()
    for kind in (bool, str, int, float):
        if isinstance(value, kind):
            return kind(value)
    return value


@dataclass(slots=True)
class Document:
    """One loaded YAML file: its tree with positions, and the problems found in it."""

    file: str
    tree: Any
    problems: list[Problem]

    def pos(self, path: Path_, *, key: bool = False) -> Pos:
        """Where the value at `path` (or, with `key`, its key) was written; where the path
        leaves the tree, the last position on it."""
        line, column = 0, 0
        node = self.tree
        for depth, part in enumerate(path):
            last = depth == len(path) - 1
            if isinstance(node, CommentedMap) and part in node:
                line, column = node.lc.key(part) if key and last else node.lc.value(part)
                node = node[part]
            elif isinstance(node, CommentedSeq) and isinstance(part, int) and part < len(node):
                line, column = node.lc.item(part)
                node = node[part]
            else:
                break
        return Pos(self.file, line + 1, column + 1)

    def at(self, path: Path_) -> Any:
        """The value at `path`, or None where the path leaves the tree."""
        node = self.tree
        for part in path:
            if isinstance(node, list):
                if not (isinstance(part, int) and part < len(node)):
                    return None
            elif not (isinstance(node, dict) and part in node):
                return None
            node = node[part]
        return node

    def plain(self, path: Path_ = ()) -> Any:
        return plain(self.at(path))

    def fail(self, code: str, path: Path_, message: str, *, key: bool = False) -> None:
        self.problems.append(error(code, self.pos(path, key=key), message))

    def validate(self, kind: Any, path: Path_ = (), *, report: bool = True, **replaced: Any) -> Any:
        """The value at `path` as `kind` (a model or type of `riskd.rules.definition`), or
        None; with `report`, each error becomes a Problem at its spot. `replaced` keys of a
        mapping are validated as given instead of as written."""
        data = self.plain(path)
        if replaced and isinstance(data, dict):
            data = {**data, **replaced}
        try:
            return _adapter(kind).validate_python(data)
        except ValidationError as exc:
            if report:
                self.problems.extend(self._problem(kind, path, e) for e in exc.errors())
            return None

    def _problem(self, kind: Any, base: Path_, err: ErrorDetails) -> Problem:
        where = locate(kind, tuple(err["loc"]))
        path = base + where.path
        return _problem(self, path, where, err)


@functools.cache
def _adapter(kind: Any) -> TypeAdapter[Any]:
    return TypeAdapter(kind)


@dataclass(frozen=True, slots=True)
class Where:
    """An error's place in the data, and the model and key it concerns."""

    path: Path_
    owner: type[BaseModel] | None  # the model whose key it is
    key: str | None
    at_key: bool = False  # the mapping key itself is at fault
    union: Any = None  # the union whose choice failed


def _unwrap(kind: Any) -> tuple[Any, list[Any]]:
    """A type without its aliases and Annotated wrappers, and the metadata found on the way."""
    meta: list[Any] = []
    while True:
        if isinstance(kind, TypeAliasType):
            kind = kind.__value__
        elif typing.get_origin(kind) is typing.Annotated:
            meta.extend(kind.__metadata__)
            kind = kind.__origin__
        else:
            return kind, meta


def _is_model(kind: Any) -> bool:
    return isinstance(kind, type) and issubclass(kind, BaseModel)


def _is_union(kind: Any) -> bool:
    return typing.get_origin(kind) in (typing.Union, types.UnionType)


def _tags(kind: Any) -> dict[object, Any]:
    """The members of a tagged union by tag."""
    found: dict[object, Any] = {}
    for member in typing.get_args(kind):
        inner, meta = _unwrap(member)
        tags = [m.tag for m in meta if isinstance(m, Tag)]
        if tags:
            found[tags[0]] = inner
        elif (
            isinstance(inner, type)
            and issubclass(inner, BaseModel)
            and "kind" in inner.model_fields
        ):
            for value in typing.get_args(inner.model_fields["kind"].annotation):
                found[value] = inner
    return found


def locate(kind: Any, loc: tuple[str | int, ...]) -> Where:
    """Follow a pydantic error location through the types: drop union tags from it and find
    the model and key it is in."""
    path: list[str | int] = []
    owner: type[BaseModel] | None = None
    key: str | None = None
    union: Any = None
    for index, part in enumerate(loc):
        kind, meta = _unwrap(kind)
        if _is_union(kind):
            members = [m for m in typing.get_args(kind) if m is not type(None)]
            tagged = any(isinstance(m, Discriminator) for m in meta) or any(
                isinstance(m, FieldInfo) and m.discriminator for m in meta
            )
            if tagged:
                chosen = _tags(kind).get(part)
                if chosen is not None:
                    kind = chosen
                    continue
            kind, _ = _unwrap(members[0]) if len(members) == 1 else (kind, [])
        if part == "[key]":
            return Where(tuple(path), owner, key, at_key=True)
        if isinstance(kind, type) and issubclass(kind, BaseModel):
            name = next((n for n, f in kind.model_fields.items() if part in (n, f.alias)), None)
            owner, key = kind, str(part)
            path.append(part)
            kind = kind.model_fields[name].annotation if name else Any
            continue
        origin = typing.get_origin(kind)
        args = typing.get_args(kind)
        path.append(part)
        if origin in (list, tuple) and args:
            kind = args[0]
        elif origin is dict and args:
            kind = args[1]
            if index + 1 < len(loc) and loc[index + 1] == "[key]":
                return Where(tuple(path), owner, key, at_key=True)
        else:
            kind = Any
    kind, meta = _unwrap(kind)
    if _is_union(kind):
        union = kind
    return Where(tuple(path), owner, key, union=union)


def near(word: str, allowed: Sequence[str]) -> str:
    """` Did you mean 'x'?` for a close spelling, else nothing."""
    found = difflib.get_close_matches(word, list(allowed), n=1)
    return f" Did you mean {found[0]!r}?" if found else ""


_TYPES = {
    "string_type": "a text",
    "float_type": "a number",
    "int_type": "a whole number",
    "bool_type": "true or false",
    "list_type": "a list",
    "model_type": "a mapping",
    "model_attributes_type": "a mapping",
    "dict_type": "a mapping",
    "date_type": "a date written YYYY-MM-DD",
    "date_parsing": "a date written YYYY-MM-DD",
    "date_from_datetime_parsing": "a date written YYYY-MM-DD",
    "date_from_datetime_inexact": "a date written YYYY-MM-DD",
}
_LIMITS = {
    "greater_than": "above {gt}",
    "greater_than_equal": "at least {ge}",
    "less_than": "below {lt}",
    "less_than_equal": "at most {le}",
}


def _number(value: object) -> str:
    return f"{value:g}" if isinstance(value, float) else str(value)


def _name(path: Path_) -> str:
    """The key an error is about, for messages: `severity`, `in (item 2)`."""
    names = [p for p in path if isinstance(p, str)]
    key = names[-1] if names else "the file"
    if path and isinstance(path[-1], int):
        return f"{key} (item {path[-1] + 1})"
    return key


def _problem(doc: Document, path: Path_, where: Where, err: ErrorDetails) -> Problem:
    kind, value, ctx = err["type"], err["input"], err.get("ctx") or {}
    name = _name(path)
    what = getattr(where.owner, "where", "this mapping")
    if kind == "extra_forbidden":
        allowed = where.owner.keys() if where.owner is not None else ()  # type: ignore[attr-defined]
        word = "operator" if what == "a comparison" else "key"
        return error(
            "E-KEY",
            doc.pos(path, key=True),
            f"unknown {word} {path[-1]!r} in {what}.{near(str(path[-1]), allowed)} "
            f"Expected one of {', '.join(allowed)}",
        )
    if kind == "missing":
        info = where.owner.model_fields.get(str(path[-1])) if where.owner else None
        template = getattr(where.owner, "needs", "{where} needs {key!r}")
        doc_text = (info.description if info else None) or ""
        message = template.format(where=what, key=path[-1], doc=doc_text)
        return error("E-MISSING", doc.pos(path[:-1]), message)
    if kind == "E-CONDITION" and not isinstance(value, dict):
        return error(
            "E-TYPE",
            doc.pos(path),
            f"{name}: expected a condition (all, any, not, on_list, match, or field with an "
            f"operator), found {describe(value)}",
        )
    if kind == "E-CONDITION" and "comparison" not in err["msg"]:
        found = ", ".join(map(str, value)) or "none"
        ops = [op.value for op in Op]
        strays = [k for k in value if str(k) not in BRANCHES and str(k) not in ops]
        if strays and not any(k in BRANCHES for k in value):
            stray = str(strays[0])
            return error(
                "E-KEY",
                doc.pos((*path, strays[0]), key=True),
                f"unknown key {stray!r} in a condition.{near(stray, BRANCHES)} "
                f"Expected one of {', '.join(BRANCHES)}",
            )
        return error("E-CONDITION", doc.pos(path), f"{err['msg']}; found {found}")
    if kind.startswith("E-"):
        at = tuple(ctx.get("at") or ())
        message = err["msg"]
        if kind == "E-TYPE":
            message = f"{name}: {message}, found {describe(value)}"
        return error(kind, doc.pos(path + at), message)
    if kind == "union_tag_invalid":
        tag = ctx.get("discriminator", "").strip("'")
        expected = str(ctx.get("expected_tags", "")).replace("'", "")
        return error(
            "E-VALUE",
            doc.pos((*path, tag)),
            f"{tag} must be one of {expected}, not {ctx.get('tag')!r}",
        )
    if kind == "union_tag_not_found":
        tag = ctx.get("discriminator", "").strip("'")
        return error("E-MISSING", doc.pos(path), f"{name} needs {tag!r}")
    if where.at_key:
        return error(
            "E-TYPE",
            doc.pos(path, key=True),
            f"{_name(path[:-1])}: write the key {path[-1]!r} in quotes: YAML reads bare digits "
            "as a number and drops leading zeros",
        )
    if kind in ("enum", "literal_error"):
        expected = str(ctx.get("expected", "")).replace("'", "")
        return error("E-VALUE", doc.pos(path), f"{name} must be one of {expected}, not {value!r}")
    if kind in _LIMITS:
        limit = _LIMITS[kind].format(**{k: _number(v) for k, v in ctx.items()})
        info = where.owner.model_fields.get(str(path[-1])) if where.owner else None
        why = f" ({info.description})" if info is not None and info.description else ""
        return error("E-VALUE", doc.pos(path), f"{name} must be {limit}, not {_number(value)}{why}")
    if kind in ("too_short", "too_long"):
        size = ctx.get("min_length") if kind == "too_short" else ctx.get("max_length")
        bound = "at least" if kind == "too_short" else "at most"
        condition = name in ("all", "any")
        noun = "condition" if condition else "value"
        count = len(value) if isinstance(value, list | str) else value
        return error(
            "E-CONDITION" if condition else "E-VALUE",
            doc.pos(path),
            f"{name!r} needs {bound} {'one' if size == 1 else size} {noun}"
            f"{'' if size == 1 else 's'}, found {count}",
        )
    if kind == "string_pattern_mismatch":
        info = where.owner.model_fields.get(str(path[-1])) if where.owner else None
        form = info.description if info is not None and info.description else ctx.get("pattern")
        return error("E-VALUE", doc.pos(path), f"{name} {value!r} must be {form}")
    if kind in _TYPES:
        hint = ""
        if kind == "string_type" and isinstance(value, int | float) and not isinstance(value, bool):
            hint = " (write it in quotes: YAML reads bare digits as a number)"
        return error(
            "E-TYPE",
            doc.pos(path),
            f"{name}: expected {_TYPES[kind]}, found {describe(value)}{hint}",
        )
    return error("E-VALUE", doc.pos(path), f"{name}: {err['msg']}")


def load(path: Path, display: str, problems: list[Problem]) -> Document | None:
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
    return Document(display, value, problems)


def parse_text(text: str, display: str, problems: list[Problem]) -> Document:
    """A document from text, for tests of single conditions."""
    return Document(display, _yaml().load(text), problems)
