"""Recordations: rights that holders recorded with customs for ex-officio protection."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date

from riskd.domain import RightType
from riskd.register.classes import hs_prefixes_of


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
