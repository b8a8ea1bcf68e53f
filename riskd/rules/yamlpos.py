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
from collections.abc import Callable, Sequence
from dataclasses import dataclass
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

from riskd.rules.errors import Pos, Problem, error
from riskd.rules.terms import BRANCHES, Op

KeyPath = tuple[str | int, ...]  # keys and list indices from the top of a file


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
    if isinstance(value, dict):
        return "a mapping"
    if isinstance(value, list):
        return "a list"
    return type(value).__name__


def plain(value: Any) -> Any:
    """ruamel's annotated values as plain JSON-like data."""
    if isinstance(value, dict):
        return {plain(k): plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [plain(v) for v in value]
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

    def pos(self, path: KeyPath, *, key: bool = False) -> Pos:
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

    def at(self, path: KeyPath) -> Any:
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

    def plain(self, path: KeyPath = ()) -> Any:
        return plain(self.at(path))

    def fail(self, code: str, path: KeyPath, message: str) -> None:
        self.problems.append(error(code, self.pos(path), message))

    def validate(
        self, kind: Any, path: KeyPath = (), *, report: bool = True, **replaced: Any
    ) -> Any:
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

    def _problem(self, kind: Any, base: KeyPath, err: ErrorDetails) -> Problem:
        where = locate(kind, tuple(err["loc"]))
        return _problem(self, (*base, *where.path), where, err)


@functools.cache
def _adapter(kind: Any) -> TypeAdapter[Any]:
    return TypeAdapter(kind)


@dataclass(frozen=True, slots=True)
class Where:
    """An error's place in the data, and the model and key it concerns."""

    path: KeyPath
    owner: type[BaseModel] | None  # the model whose key it is
    at_key: bool = False  # the mapping key itself is at fault


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
        elif _is_model(inner) and "kind" in inner.model_fields:
            for value in typing.get_args(inner.model_fields["kind"].annotation):
                found[value] = inner
    return found


def locate(kind: Any, loc: tuple[str | int, ...]) -> Where:
    """Follow a pydantic error location through the types: drop the tags of unions from it
    and find the model whose key it is."""
    path: list[str | int] = []
    owner: type[BaseModel] | None = None
    for index, part in enumerate(loc):
        kind, meta = _unwrap(kind)
        if _is_union(kind):
            tagged = any(
                isinstance(m, Discriminator) or (isinstance(m, FieldInfo) and m.discriminator)
                for m in meta
            )
            if tagged and part in _tags(kind):
                kind = _tags(kind)[part]
                continue
            members = [m for m in typing.get_args(kind) if m is not type(None)]
            kind = _unwrap(members[0])[0] if len(members) == 1 else kind
        if part == "[key]":
            return Where(tuple(path), owner, at_key=True)
        path.append(part)
        if _is_model(kind):
            fields = kind.model_fields
            owner, name = kind, next((n for n, f in fields.items() if part in (n, f.alias)), None)
            kind = fields[name].annotation if name else Any
            continue
        args = typing.get_args(kind)
        if typing.get_origin(kind) in (list, tuple) and args:
            kind = args[0]
        elif typing.get_origin(kind) is dict and args:
            kind = args[1]
            if loc[index + 1 : index + 2] == ("[key]",):
                return Where(tuple(path), owner, at_key=True)
        else:
            kind = Any
    return Where(tuple(path), owner)


def near(word: str, allowed: Sequence[str]) -> str:
    """` Did you mean 'x'?` for a close spelling, else nothing."""
    found = difflib.get_close_matches(word, list(allowed), n=1)
    return f" Did you mean {found[0]!r}?" if found else ""


def _number(value: object) -> str:
    return f"{value:g}" if isinstance(value, float) else str(value)


def _name(path: KeyPath) -> str:
    """The key an error is about, for messages: `severity`, `in (item 2)`."""
    names = [p for p in path if isinstance(p, str)]
    key = names[-1] if names else "the file"
    if path and isinstance(path[-1], int):
        return f"{key} (item {path[-1] + 1})"
    return key


@dataclass(frozen=True, slots=True)
class _Error:
    """One pydantic error, placed in the document."""

    doc: Document
    path: KeyPath
    where: Where
    kind: str
    value: Any
    message: str
    ctx: dict[str, Any]

    @property
    def name(self) -> str:
        return _name(self.path)

    @property
    def meaning(self) -> str:
        """The description the definition gives the key, if any."""
        owner, key = self.where.owner, self.path[-1] if self.path else None
        info = owner.model_fields.get(str(key)) if owner is not None else None
        return (info.description if info is not None else None) or ""

    def at(self, code: str, message: str, *, key: bool = False, below: KeyPath = ()) -> Problem:
        return error(code, self.doc.pos((*self.path, *below), key=key), message)


def _unknown_key(e: _Error) -> Problem:
    what = getattr(e.where.owner, "where", "this mapping")
    allowed: tuple[str, ...] = e.where.owner.keys() if e.where.owner is not None else ()  # type: ignore[attr-defined]
    word = "operator" if what == "a comparison" else "key"
    key = str(e.path[-1])
    return e.at(
        "E-KEY",
        f"unknown {word} {key!r} in {what}.{near(key, allowed)} "
        f"Expected one of {', '.join(allowed)}",
        key=True,
    )


def _missing(e: _Error) -> Problem:
    what = getattr(e.where.owner, "where", "this mapping")
    template = getattr(e.where.owner, "needs", "{where} needs {key!r}")
    message = template.format(where=what, key=e.path[-1], doc=e.meaning)
    return error("E-MISSING", e.doc.pos(e.path[:-1]), message)


def _no_condition(e: _Error) -> Problem:
    """A mapping that is no condition, or has more than one kind of condition in it."""
    if not isinstance(e.value, dict):
        return e.at(
            "E-TYPE",
            f"{e.name}: expected a condition (all, any, not, on_list, match, or field with an "
            f"operator), found {describe(e.value)}",
        )
    ops = {op.value for op in Op}
    strays = [k for k in e.value if k not in BRANCHES and k not in ops]
    if strays and not any(k in BRANCHES for k in e.value):
        stray = str(strays[0])
        return e.at(
            "E-KEY",
            f"unknown key {stray!r} in a condition.{near(stray, BRANCHES)} "
            f"Expected one of {', '.join(BRANCHES)}",
            key=True,
            below=(strays[0],),
        )
    found = ", ".join(map(str, e.value)) or "none"
    return e.at("E-CONDITION", f"{e.message}; found {found}")


def _own(e: _Error) -> Problem:
    """Errors the definition raises itself, with a code and a message for officers."""
    message = e.message
    if e.kind == "E-TYPE":
        message = f"{e.name}: {message}, found {describe(e.value)}"
    return e.at(e.kind, message, below=tuple(e.ctx.get("at") or ()))


def _bad_tag(e: _Error) -> Problem:
    tag = str(e.ctx.get("discriminator", "")).strip("'")
    expected = str(e.ctx.get("expected_tags", "")).replace("'", "")
    return e.at(
        "E-VALUE", f"{tag} must be one of {expected}, not {e.ctx.get('tag')!r}", below=(tag,)
    )


def _no_tag(e: _Error) -> Problem:
    tag = str(e.ctx.get("discriminator", "")).strip("'")
    return e.at("E-MISSING", f"{e.name} needs {tag!r}")


def _not_allowed(e: _Error) -> Problem:
    expected = str(e.ctx.get("expected", "")).replace("'", "")
    return e.at("E-VALUE", f"{e.name} must be one of {expected}, not {e.value!r}")


_LIMITS = {
    "greater_than": "above {gt}",
    "greater_than_equal": "at least {ge}",
    "less_than": "below {lt}",
    "less_than_equal": "at most {le}",
}


def _out_of_range(e: _Error) -> Problem:
    limit = _LIMITS[e.kind].format(**{k: _number(v) for k, v in e.ctx.items()})
    why = f" ({e.meaning})" if e.meaning else ""
    return e.at("E-VALUE", f"{e.name} must be {limit}, not {_number(e.value)}{why}")


def _length(e: _Error) -> Problem:
    short = e.kind == "too_short"
    size = e.ctx.get("min_length" if short else "max_length")
    condition = e.name in ("all", "any")
    noun = ("condition" if condition else "value") + ("" if size == 1 else "s")
    count = len(e.value) if isinstance(e.value, list | str) else e.value
    return e.at(
        "E-CONDITION" if condition else "E-VALUE",
        f"{e.name!r} needs {'at least' if short else 'at most'} "
        f"{'one' if size == 1 else size} {noun}, found {count}",
    )


def _bad_form(e: _Error) -> Problem:
    return e.at("E-VALUE", f"{e.name} {e.value!r} must be {e.meaning or e.ctx.get('pattern')}")


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


def _wrong_type(e: _Error) -> Problem:
    if e.where.at_key:
        return e.at(
            "E-TYPE",
            f"{_name(e.path[:-1])}: write the key {e.path[-1]!r} in quotes: YAML reads bare "
            "digits as a number and drops leading zeros",
            key=True,
        )
    hint = ""
    if (
        e.kind == "string_type"
        and isinstance(e.value, int | float)
        and not isinstance(e.value, bool)
    ):
        hint = " (write it in quotes: YAML reads bare digits as a number)"
    expected = _TYPES.get(e.kind, "another kind of value")
    return e.at("E-TYPE", f"{e.name}: expected {expected}, found {describe(e.value)}{hint}")


_HANDLERS: dict[str, Callable[[_Error], Problem]] = {
    "extra_forbidden": _unknown_key,
    "missing": _missing,
    "E-CONDITION": _no_condition,
    "union_tag_invalid": _bad_tag,
    "union_tag_not_found": _no_tag,
    "enum": _not_allowed,
    "literal_error": _not_allowed,
    "too_short": _length,
    "too_long": _length,
    "string_pattern_mismatch": _bad_form,
    **dict.fromkeys(_LIMITS, _out_of_range),
    **dict.fromkeys(_TYPES, _wrong_type),
}


def _problem(doc: Document, path: KeyPath, where: Where, err: ErrorDetails) -> Problem:
    e = _Error(doc, path, where, err["type"], err["input"], err["msg"], dict(err.get("ctx") or {}))
    if e.kind == "E-CONDITION" and "comparison" in e.message:  # one comparison, no operator
        return _own(e)
    if where.at_key:
        return _wrong_type(e)
    handler = _HANDLERS.get(e.kind, _own if e.kind.startswith("E-") else None)
    if handler is None:
        return e.at("E-VALUE", f"{e.name}: {e.message}")
    return handler(e)


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
