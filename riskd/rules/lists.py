"""Watchlists and tip-offs: named lists of parties, marks or routes beside the rules.

Every entry says why it is listed (`reason`), on whose word (`source`, e.g. the reference of a
public or right-holder tip-off) and until when (`expires`). An entry matches only declarations
lodged from `since` (if given) up to and including `expires`, so expired entries stop matching
by themselves without anyone editing the file.
"""

from __future__ import annotations

import enum
import typing
from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date

from riskd.domain import Declaration, Item, Match
from riskd.rules.definition import AnyWatchList, EntrySpec, ListFile, ListSpec
from riskd.rules.errors import Pos
from riskd.rules.fields import ROLES
from riskd.rules.yamlpos import Document, KeyPath


class ListKind(enum.StrEnum):
    PARTIES = "parties"
    MARKS = "marks"
    ROUTES = "routes"


@dataclass(frozen=True, slots=True)
class Entry:
    """One listed party, mark or route; `key` holds the listed values by name."""

    key: Mapping[str, str]
    reason: str
    source: str
    expires: date
    pos: Pos
    since: date | None = None

    def active(self, on: date) -> bool:
        return (self.since is None or self.since <= on) and on <= self.expires

    @property
    def window(self) -> tuple[date | None, date]:
        return (self.since, self.expires)


def normalise_mark(text: str) -> str:
    """Marks on lists compare with declared brands case- and space-insensitively."""
    return " ".join(text.split()).lower()


@dataclass(frozen=True, slots=True)
class WatchList:
    name: str
    kind: ListKind
    entries: tuple[Entry, ...]
    pos: Pos
    description: str = ""
    _by_value: Mapping[tuple[str, str], tuple[Entry, ...]] = field(
        init=False, repr=False, compare=False
    )

    def __post_init__(self) -> None:
        index: dict[tuple[str, str], list[Entry]] = defaultdict(list)
        for entry in self.entries:
            for key, value in entry.key.items():
                if key != "role":
                    index[(key, value)].append(entry)
        object.__setattr__(self, "_by_value", {k: tuple(v) for k, v in index.items()})

    @property
    def item_level(self) -> bool:
        return self.kind is ListKind.MARKS

    def _active(self, key: str, value: str | None, on: date) -> list[Entry]:
        if not value:
            return []
        return [e for e in self._by_value.get((key, value), ()) if e.active(on)]

    def hits(
        self, declaration: Declaration, item: Item | None, best: Match | None, on: date
    ) -> list[Entry]:
        """The active entries this declaration (or item, for marks) is on."""
        if self.kind is ListKind.PARTIES:
            found = []
            for role in ROLES:
                party = getattr(declaration, role)
                for entry in self._active("party", party.id if party else None, on):
                    if entry.key.get("role", role) == role:
                        found.append(entry)
            return found
        if self.kind is ListKind.MARKS:
            brand = normalise_mark(item.brand) if item is not None else None
            recordation = best.recordation_id if best is not None else None
            return self._active("mark", brand, on) + self._active("recordation", recordation, on)
        route = route_of(declaration)
        return [
            e
            for e in self.entries
            if e.active(on) and all(route.get(k) == v for k, v in e.key.items())
        ]

    def holds(
        self, declaration: Declaration, item: Item | None, best: Match | None, on: date
    ) -> bool:
        return bool(self.hits(declaration, item, best, on))


def route_of(declaration: Declaration) -> dict[str, str]:
    return {
        "origin": declaration.origin_country,
        "departure": declaration.departure_country,
        "destination": declaration.destination_country,
        "transport_mode": declaration.transport_mode.value,
    }


def parse_lists(doc: Document) -> list[WatchList]:
    """The `lists:` of one file; problems go to the document. A broken list keeps its sound
    entries, so that rules naming it are not reported as well."""
    valid: ListFile | None = doc.validate(ListFile)
    if valid is not None:
        return [_watchlist(doc, ("lists", i), spec) for i, spec in enumerate(valid.lists)]
    found = []
    written = doc.at(("lists",))
    for index in range(len(written) if isinstance(written, list) else 0):
        path = ("lists", index)
        spec: ListSpec | None = doc.validate(AnyWatchList, path, report=False)
        if spec is None:
            spec = _sound_part(doc, path)
        if spec is not None:
            found.append(_watchlist(doc, path, spec))
    return found


def _sound_part(doc: Document, path: KeyPath) -> ListSpec | None:
    """A broken list with only the entries that are sound on their own."""
    written = doc.plain(path)
    if not isinstance(written, dict) or not isinstance(written.get("entries"), list):
        return None
    bare: ListSpec | None = doc.validate(AnyWatchList, path, report=False, entries=[])
    if bare is None:
        return None
    entry = typing.get_args(type(bare).model_fields["entries"].annotation)[0]
    entries = [
        doc.validate(entry, (*path, "entries", i), report=False)
        for i in range(len(written["entries"]))
    ]
    return bare.model_copy(update={"entries": [e for e in entries if e is not None]})


def _watchlist(doc: Document, path: KeyPath, spec: ListSpec) -> WatchList:
    entries = tuple(
        _entry(doc, (*path, "entries", i), e) for i, e in enumerate(spec.entries) if e is not None
    )
    return WatchList(spec.name, ListKind(spec.kind), entries, doc.pos(path), spec.description)


def _entry(doc: Document, path: KeyPath, spec: EntrySpec) -> Entry:
    key = {k: normalise_mark(v) if k == "mark" else v.strip() for k, v in spec.listed().items()}
    return Entry(key, spec.reason, spec.source, spec.expires, doc.pos(path), spec.since)
