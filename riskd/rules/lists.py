"""Watchlists and tip-offs: named lists of parties, marks or routes beside the rules.

Every entry says why it is listed (`reason`), on whose word (`source`, e.g. the reference of a
public or right-holder tip-off) and until when (`expires`). An entry matches only declarations
lodged from `since` (if given) up to and including `expires`, so expired entries stop matching
by themselves without anyone editing the file.
"""

from __future__ import annotations

import enum
from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date

from riskd.domain import Declaration, Item, Match, TransportMode
from riskd.rules.errors import Pos, Problem, error
from riskd.rules.fields import ROLES
from riskd.rules.yamlpos import Node, unknown_keys


class ListKind(enum.StrEnum):
    PARTIES = "parties"
    MARKS = "marks"
    ROUTES = "routes"


ROUTE_KEYS = ("origin", "departure", "destination", "transport_mode")
_KEYS_OF_KIND: Mapping[ListKind, tuple[str, ...]] = {
    ListKind.PARTIES: ("party", "role"),
    ListKind.MARKS: ("mark", "recordation"),
    ListKind.ROUTES: ROUTE_KEYS,
}
_COMMON_KEYS = ("reason", "source", "since", "expires")


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


def parse_lists(root: Node) -> list[WatchList]:
    """The `lists:` of one file; problems go to the node's problem list."""
    problems = root.problems
    top = root.mapping("a mapping with the key 'lists'")
    if top is None:
        return []
    problems.extend(unknown_keys(top, ("lists",), "a list file"))
    nodes = top["lists"][1].sequence("a list of watchlists") if "lists" in top else None
    found = []
    for node in nodes or []:
        parsed = _parse_list(node, problems)
        if parsed is not None:
            found.append(parsed)
    return found


def _parse_list(node: Node, problems: list[Problem]) -> WatchList | None:
    spec = node.mapping("a watchlist: a mapping with name, kind and entries")
    if spec is None:
        return None
    problems.extend(unknown_keys(spec, ("name", "kind", "description", "entries"), "a watchlist"))
    for required in ("name", "kind", "entries"):
        if required not in spec:
            node.fail("E-MISSING", f"a watchlist needs {required!r}")
    if any(k not in spec for k in ("name", "kind", "entries")):
        return None
    name = spec["name"][1].text("the list's name")
    kind_node = spec["kind"][1]
    kind_text = kind_node.text("parties, marks or routes")
    if kind_text not in {k.value for k in ListKind}:
        if kind_text is not None:
            kind_node.fail("E-VALUE", f"kind must be parties, marks or routes, not {kind_text!r}")
        return None
    kind = ListKind(kind_text)
    description = spec["description"][1].text() or "" if "description" in spec else ""
    entries = []
    for entry_node in spec["entries"][1].sequence("a list of entries") or []:
        entry = _parse_entry(entry_node, kind, problems)
        if entry is not None:
            entries.append(entry)
    if name is None:
        return None
    return WatchList(name, kind, tuple(entries), node.pos, description)


def _parse_entry(node: Node, kind: ListKind, problems: list[Problem]) -> Entry | None:
    spec = node.mapping(f"an entry of a {kind.value} list")
    if spec is None:
        return None
    own = _KEYS_OF_KIND[kind]
    problems.extend(unknown_keys(spec, own + _COMMON_KEYS, f"an entry of a {kind.value} list"))
    ok = True
    for required in ("reason", "source", "expires"):
        if required not in spec:
            node.fail(
                "E-MISSING",
                f"every listed entry needs {required!r} (why, on whose word, until when)",
            )
            ok = False
    key: dict[str, str] = {}
    for name in own:
        if name in spec:
            text = spec[name][1].text()
            if text is None:
                ok = False
                continue
            key[name] = normalise_mark(text) if name == "mark" else text.strip()
    _check_key(node, kind, key, spec, problems)
    reason = spec["reason"][1].text() if "reason" in spec else None
    source = spec["source"][1].text() if "source" in spec else None
    expires = spec["expires"][1].day() if "expires" in spec else None
    since = spec["since"][1].day() if "since" in spec else None
    if not ok or reason is None or source is None or expires is None:
        return None
    if since is not None and since > expires:
        problems.append(error("E-VALUE", spec["since"][0], "since is after expires"))
    return Entry(key, reason, source, expires, node.pos, since)


def _check_key(
    node: Node,
    kind: ListKind,
    key: dict[str, str],
    spec: dict[str, tuple[Pos, Node]],
    problems: list[Problem],
) -> None:
    if kind is ListKind.PARTIES:
        if "party" not in key:
            node.fail("E-MISSING", "a parties entry needs 'party' (the party id)")
        role = key.get("role")
        if role is not None and role not in ROLES:
            problems.append(
                error(
                    "E-VALUE",
                    spec["role"][0],
                    f"role must be one of {', '.join(ROLES)}, not {role!r}",
                )
            )
    elif kind is ListKind.MARKS:
        if not key:
            node.fail("E-MISSING", "a marks entry needs 'mark' or 'recordation'")
    elif not key:
        node.fail("E-MISSING", f"a routes entry needs at least one of {', '.join(ROUTE_KEYS)}")
    elif "transport_mode" in key and key["transport_mode"] not in {m.value for m in TransportMode}:
        problems.append(
            error(
                "E-VALUE",
                spec["transport_mode"][0],
                f"unknown transport mode {key['transport_mode']!r}",
            )
        )
