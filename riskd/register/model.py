"""Recordations: rights that holders recorded with customs for ex-officio protection."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date

from riskd.domain import RightType
from riskd.register.classes import hs_prefixes_of


@dataclass(frozen=True, slots=True)
class GenuineGoods:
    """What the holder recorded about the genuine goods, as real recordations carry it
    (China's customs recordation, the US e-Recordation, the EU application for action):
    who makes, exports and imports them, where from, through which ports, at what price,
    and who is known to infringe. Each part may be empty."""

    manufacturers: frozenset[str] = frozenset()  # party ids
    exporters: frozenset[str] = frozenset()
    importers: frozenset[str] = frozenset()
    origins: frozenset[str] = frozenset()  # ISO country codes, upper case
    ports: frozenset[str] = frozenset()  # customs office codes
    price_min: float | None = None  # unit price of the genuine goods
    price_max: float | None = None
    price_currency: str = ""
    known_infringers: frozenset[str] = frozenset()

    def supplier(self, exporter: str, importer: str) -> str:
        """The recorded genuine party among the declaration's exporter and importer ("")."""
        if exporter and exporter in self.manufacturers | self.exporters:
            return exporter
        if importer and importer in self.importers:
            return importer
        return ""


NO_GENUINE_GOODS = GenuineGoods()


@dataclass(frozen=True, slots=True)
class Recordation:
    recordation_id: str
    right_type: RightType
    mark: str
    holder: str
    valid_from: date
    valid_until: date | None = None
    aliases: tuple[str, ...] = ()
    holder_contact: str = ""
    nice_classes: tuple[str, ...] = ()
    hs_prefixes: tuple[str, ...] = ()
    licensees: frozenset[str] = frozenset()
    # Whether the mark is an everyday word, where the register says so (None: decided by
    # word frequencies, riskd.text.vocabulary).
    everyday_word: bool | None = None
    genuine: GenuineGoods = NO_GENUINE_GOODS

    @property
    def has_classes(self) -> bool:
        """Whether the recordation names the goods it protects."""
        return bool(self.hs_prefixes or self.nice_classes)

    def is_active(self, on: date) -> bool:
        """In force on that day: recordations protect only within their validity period."""
        return self.valid_from <= on and (self.valid_until is None or on <= self.valid_until)

    def covers_goods(self, hs_code: str) -> bool:
        """Whether the goods fall in the protected classes: the recorded HS prefixes, else the
        HS chapters of the recorded Nice classes; a recordation naming neither covers all
        goods (copyrights and patents are often recorded so)."""
        prefixes = self.hs_prefixes or hs_prefixes_of(self.nice_classes)
        if not prefixes:
            return not self.nice_classes  # only service classes: no goods
        return hs_code.startswith(prefixes)

    def authorises(self, party_ids: Iterable[str]) -> bool:
        """Goods from an authorised licensee (or the entrusting party's OEM) do not infringe."""
        return not self.licensees.isdisjoint(party_ids)

    def names(self) -> tuple[str, ...]:
        """The mark and its aliases, in any script."""
        return (self.mark, *self.aliases)


@dataclass(frozen=True, slots=True)
class Register:
    """One immutable version of the register; its version is a hash of its content."""

    version: str
    recordations: tuple[Recordation, ...]
    by_id: Mapping[str, Recordation] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "by_id", {r.recordation_id: r for r in self.recordations})

    def __len__(self) -> int:
        return len(self.recordations)

    def active_count(self, on: date) -> int:
        return sum(1 for r in self.recordations if r.is_active(on))


EMPTY_REGISTER = Register(version="empty", recordations=())
