"""Declarations read from JSON files for `riskd screen`, with errors at the field's line and
column under its documented (snake_case) name.

The protobuf JSON parser reports neither position nor the proto field name, so each object is
first checked field by field against the message descriptor, and the offset of each key is
taken from a scan of the text (`key_offsets`).
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from datetime import datetime
from json.decoder import scanstring  # type: ignore[attr-defined]
from pathlib import Path

from google.protobuf import json_format
from google.protobuf.descriptor import Descriptor, FieldDescriptor
from google.protobuf.message_factory import GetMessageClass

from riskd.cli.errors import CommandError
from riskd.v1 import declaration_pb2

Key = tuple[str | int, ...]
_SPACE = re.compile(r"[ \t\n\r]*")
_TIMESTAMP = "google.protobuf.Timestamp"
TIMESTAMP_FORMAT = "RFC 3339 with a time zone, e.g. 2025-03-01T10:00:00Z"


class DeclarationFileError(CommandError):
    def __init__(self, path: Path, line: int, column: int, message: str) -> None:
        super().__init__(f"{path}:{line}:{column}: {message}")


def read_declarations(path: Path) -> Iterator[declaration_pb2.Declaration]:
    """Declarations from a JSON file (one object, or a list) or a JSONL file (one per line),
    in the proto's canonical JSON mapping; errors name file, line and column."""
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError as exc:
        raise CommandError(f"{path}: not UTF-8 text (byte {exc.start}); expected JSON") from exc
    if path.suffix == ".jsonl":
        for number, line in enumerate(text.splitlines(), start=1):
            if line.strip():
                yield from _documents(path, line, number)
        return
    if not text.strip():
        raise DeclarationFileError(path, 1, 1, "the file is empty; expected a JSON Declaration")
    yield from _documents(path, text, 1)


def _documents(path: Path, text: str, first_line: int) -> Iterator[declaration_pb2.Declaration]:
    try:
        document = json.loads(text)
    except json.JSONDecodeError as exc:
        raise DeclarationFileError(path, first_line + exc.lineno - 1, exc.colno, exc.msg) from exc
    offsets = key_offsets(text)

    def where(key: Key) -> tuple[int, int]:
        while key not in offsets:
            key = key[:-1]
        offset = offsets[key]
        line = text.count("\n", 0, offset)
        return first_line + line, offset - (text.rfind("\n", 0, offset) + 1) + 1

    many = isinstance(document, list)
    records: list[tuple[Key, object]] = (
        [((i,), r) for i, r in enumerate(document)] if many else [((), document)]
    )
    for key, record in records:
        if not isinstance(record, dict):
            raise DeclarationFileError(path, *where(key), "expected a JSON object (a Declaration)")
        problem = field_problem(record, declaration_pb2.Declaration.DESCRIPTOR, key)
        if problem is not None:
            at, name, message = problem
            raise DeclarationFileError(path, *where(at), f"{name}: {message}")
        yield json_format.ParseDict(record, declaration_pb2.Declaration())


Problem = tuple[Key, str, str]  # key path as written, field path (proto names), message


def field_problem(
    record: dict[str, object], descriptor: Descriptor, at: Key = (), shown: str = ""
) -> Problem | None:
    """The first field of `record` that is not a valid `descriptor` message field: its key
    path as written (for its position), its path in proto field names such as
    `items[2].hs_code`, and what is wrong; None if all are valid."""
    by_name = {f.name: f for f in descriptor.fields} | {f.json_name: f for f in descriptor.fields}
    for name, value in record.items():
        field = by_name.get(name)
        if field is None:
            known = ", ".join(f.name for f in descriptor.fields)
            return (*at, name), _join(shown, name), f"no such field in {descriptor.name} ({known})"
        if value is None:
            continue
        key, path = (*at, name), _join(shown, field.name)
        repeated = field.is_repeated
        if repeated and not isinstance(value, list):
            return key, path, f"expected a JSON list, got {_json_type(value)}"
        elements = list(enumerate(value)) if isinstance(value, list) and repeated else [(-1, value)]
        for index, element in elements:
            where, named = ((*key, index), f"{path}[{index}]") if index >= 0 else (key, path)
            problem = _value_problem(field, element, where, named)
            if problem is not None:
                return problem
    return None


def _join(shown: str, name: str) -> str:
    return f"{shown}.{name}" if shown else name


def _value_problem(field: FieldDescriptor, value: object, at: Key, shown: str) -> Problem | None:
    message = field.message_type
    if message is not None and message.full_name == _TIMESTAMP:
        if not isinstance(value, str) or not _parses(field, value):
            why = _date_reason(value)
            return at, shown, f"{value!r} is not a date and time{why}; expected {TIMESTAMP_FORMAT}"
        return None
    if message is not None and not message.full_name.startswith("google.protobuf."):
        if not isinstance(value, dict):
            return at, shown, f"expected a JSON object ({message.name}), got {_json_type(value)}"
        return field_problem(value, message, at, shown)
    if field.enum_type is not None:
        names = [v.name for v in field.enum_type.values]
        if value not in names and not (isinstance(value, int) and not isinstance(value, bool)):
            return at, shown, f"{value!r} is not one of {', '.join(names)}"
        return None
    if not _parses(field, value):
        return at, shown, f"{value!r} is not a valid {_type_name(field)}"
    return None


def _date_reason(value: object) -> str:
    """Why a timestamp does not parse, when Python's ISO reader can tell (`month must be in
    1..12`), else nothing."""
    if not isinstance(value, str):
        return f" (a JSON {_json_type(value).removeprefix('a ').removeprefix('an ')})"
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError as exc:
        text = str(exc)
        return "" if text.startswith("Invalid isoformat") else f" ({text})"
    return " (no time zone)" if parsed.tzinfo is None else ""


def _json_type(value: object) -> str:
    if isinstance(value, dict):
        return "an object"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, str):
        return "a string"
    if isinstance(value, bool):
        return "true/false"
    return "a number"


def _parses(field: FieldDescriptor, value: object) -> bool:
    container = field.containing_type
    assert container is not None  # a field of a message
    try:
        json_format.ParseDict({field.name: value}, GetMessageClass(container)())
    except json_format.ParseError:
        return False
    return True


def _type_name(field: FieldDescriptor) -> str:
    if field.message_type is not None:
        return field.message_type.name
    if field.type in (FieldDescriptor.TYPE_DOUBLE, FieldDescriptor.TYPE_FLOAT):
        return "number"
    if field.type == FieldDescriptor.TYPE_BOOL:
        return "boolean (true or false)"
    if field.type == FieldDescriptor.TYPE_STRING:
        return "string"
    return "integer"


def key_offsets(text: str) -> dict[Key, int]:
    """Offset in `text` (valid JSON) of every object key and list element, by its path; keys
    as written (JSON or proto names, mapped to proto names by the caller's path)."""
    offsets: dict[Key, int] = {}
    decoder = json.JSONDecoder()

    def skip(i: int) -> int:
        return _SPACE.match(text, i).end()  # type: ignore[union-attr]

    def value(i: int, at: Key) -> int:
        i = skip(i)
        offsets.setdefault(at, i)
        if text[i] == "{":
            i = skip(i + 1)
            while text[i] != "}":
                start = i
                key, i = scanstring(text, i + 1)
                offsets[(*at, key)] = start
                i = value(skip(i) + 1, (*at, key))  # past the colon
                i = skip(i)
                i = skip(i + 1) if text[i] == "," else i
            return i + 1
        if text[i] == "[":
            i = skip(i + 1)
            index = 0
            while text[i] != "]":
                i = skip(value(i, (*at, index)))
                i = skip(i + 1) if text[i] == "," else i
                index += 1
            return i + 1
        _, end = decoder.raw_decode(text, i)
        return int(end)

    value(0, ())
    return offsets
