"""Entity profiles: what was known about a party, route or commodity before a declaration.

A profile is a key built from a few declaration fields (an importer, a commodity and its
origin, a declarant working for an importer…) and a handful of running counts. Training
computes the counts point-in-time over the history table (`riskd.features.frame`); serving
reads the same counts from the store (`riskd.store.profiles`). The key and the feature
formulas are defined here, once, so that `importer_seizure_rate` means the same in both.

Counting conventions (one place, here):
- `declarations` counts every earlier declaration (or item, for item-level profiles) with
  the key; earlier means strictly before the declaration's own timestamp.
- `inspections` counts the earlier ones whose inspection outcome was already known, and
  `seizures` those of them found infringing. An outcome is known from its `known_at` time
  (the time the result was recorded); a declaration never sees its own outcome. An outcome
  is recorded per declaration, so in item-level profiles each of its items counts as seized
  when the declaration was.
- the seizure rate is smoothed towards the overall rate known at the time, so a party with
  one clean inspection is not "0 % risk".
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Literal, Protocol, TypeVar

import polars as pl

from riskd.domain import Declaration, Item, Party

Level = Literal["declaration", "item"]

# Weight of the overall seizure rate in a profile's smoothed rate, in pseudo-inspections:
# with 1, a party with 1 seizure in 1 inspection and an overall rate of 5 % scores 0.525.
PRIOR_STRENGTH = 1.0

# Joins the parts of a composite key; a character that never occurs in identifiers.
KEY_SEPARATOR = "\x1f"

# The profile over all declarations; its rate is the prior of every other profile.
OVERALL = "overall"


@dataclass(frozen=True, slots=True)
class ProfileSpec:
    """A risk profile: its name (the feature prefix) and the key fields it groups by."""

    name: str
    fields: tuple[str, ...]
    level: Level = "declaration"


# Key fields: declaration-level fields are the history table's column names; item-level
# ones are `hs6` (the first six digits of the HS code) and `item_origin` (the item's origin,
# else the declaration's).
PROFILES: tuple[ProfileSpec, ...] = (
    ProfileSpec("declarant", ("declarant_id",)),
    ProfileSpec("importer", ("importer_id",)),
    ProfileSpec("exporter", ("exporter_id",)),
    ProfileSpec("consignee", ("consignee_id",)),
    ProfileSpec("route", ("departure_country", "customs_office", "transport_mode")),
    ProfileSpec("declarant_importer", ("declarant_id", "importer_id")),
    ProfileSpec("commodity", ("hs6",), "item"),
    ProfileSpec("commodity_origin", ("hs6", "item_origin"), "item"),
    ProfileSpec("commodity_route", ("hs6", "item_origin", "departure_country"), "item"),
    ProfileSpec("importer_commodity", ("importer_id", "hs6"), "item"),
    ProfileSpec("exporter_commodity", ("exporter_id", "hs6"), "item"),
)

PROFILE_COUNTS = ("declarations", "inspections", "seizures")


def profile_feature_names(spec: ProfileSpec) -> tuple[str, str, str]:
    """The three features a profile contributes."""
    return (f"{spec.name}_declarations", f"{spec.name}_inspections", f"{spec.name}_seizure_rate")


@dataclass(frozen=True, slots=True)
class ProfileCounts:
    """Running counts of one profile key; `log_unit_value_*` give the typical unit value."""

    declarations: float = 0.0
    inspections: float = 0.0
    seizures: float = 0.0
    log_unit_value_sum: float = 0.0
    log_unit_value_n: float = 0.0


EMPTY_COUNTS = ProfileCounts()


# A count or rate: a plain float at serving, a polars column expression in training.
Num = TypeVar("Num", float, pl.Expr)


def prior_rate(overall_seizures: Num, overall_inspections: Num) -> Num:
    """The overall seizure rate, Laplace-smoothed so that it exists before any outcome."""
    return (overall_seizures + 1.0) / (overall_inspections + 2.0)


def smoothed_rate(seizures: Num, inspections: Num, prior: Num) -> Num:
    """A profile's seizure rate shrunk towards the prior by `PRIOR_STRENGTH`."""
    return (seizures + PRIOR_STRENGTH * prior) / (inspections + PRIOR_STRENGTH)


class HistoryProvider(Protocol):
    """Profile counts as known now, read from wherever they are kept (the store)."""

    def lookup(self, keys: Sequence[tuple[str, str]]) -> Mapping[tuple[str, str], ProfileCounts]:
        """Counts for (profile name, key) pairs; missing pairs are simply absent."""
        ...


class _NoHistory:
    """No history at all: every profile is new, as for the very first declaration."""

    def lookup(self, keys: Sequence[tuple[str, str]]) -> Mapping[tuple[str, str], ProfileCounts]:
        return {}


NO_HISTORY: HistoryProvider = _NoHistory()


@dataclass(frozen=True, slots=True)
class KnownHistory:
    """Counts read once for several declarations, answered from memory: the server counts a
    call's declarations only after all of them are assessed, so each of them sees the same
    counts, and one read of the union of their keys replaces one read per declaration."""

    counts: Mapping[tuple[str, str], ProfileCounts]

    def lookup(self, keys: Sequence[tuple[str, str]]) -> Mapping[tuple[str, str], ProfileCounts]:
        return {pair: self.counts[pair] for pair in keys if pair in self.counts}


def read_once(history: HistoryProvider, keys: Sequence[tuple[str, str]]) -> KnownHistory:
    """The counts of all `keys` (the union over a call's declarations), in one lookup."""
    return KnownHistory(history.lookup(sorted(set(keys))))


_NON_DIGITS = re.compile(r"\D")


def hs6(hs_code: str) -> str:
    """The HS subheading (six digits) of a code written with or without dots."""
    return _NON_DIGITS.sub("", hs_code)[:6]


def key_part(value: str | None) -> str | None:
    """A key field as it takes part in a key: trimmed, and absent when empty."""
    if value is None:
        return None
    value = value.strip()
    return value or None


def make_key(parts: Sequence[str | None]) -> str | None:
    """A composite key, or None when any part is missing (the profile does not apply)."""
    cleaned = [key_part(p) for p in parts]
    if any(p is None for p in cleaned):
        return None
    return KEY_SEPARATOR.join(p for p in cleaned if p is not None)


def declaration_fields(declaration: Declaration) -> dict[str, str | None]:
    """The declaration-level key fields, named as in the history table."""

    def party_id(party: Party | None) -> str | None:
        return party.id if party is not None else None

    return {
        "declarant_id": party_id(declaration.declarant),
        "importer_id": party_id(declaration.importer),
        "exporter_id": party_id(declaration.exporter),
        "consignee_id": party_id(declaration.consignee),
        "departure_country": declaration.departure_country,
        "customs_office": declaration.customs_office,
        "transport_mode": declaration.transport_mode.value,
        "origin_country": declaration.origin_country,
    }


def item_fields(declaration_level: Mapping[str, str | None], item: Item) -> dict[str, str | None]:
    """The key fields of one item: the declaration's plus `hs6` and `item_origin`."""
    fields = dict(declaration_level)
    fields["hs6"] = hs6(item.hs_code)
    fields["item_origin"] = key_part(item.origin_country) or declaration_level.get("origin_country")
    return fields


def spec_key(spec: ProfileSpec, fields: Mapping[str, str | None]) -> str | None:
    return make_key([fields.get(f) for f in spec.fields])


def log_unit_value(value_usd: float | None, net_mass_kg: float | None) -> float | None:
    """Natural log of the value per kilogram, when both are positive and it is finite (the
    edge bounds both numbers; this keeps a profile finite whatever reaches it)."""
    if value_usd is None or net_mass_kg is None or value_usd <= 0 or net_mass_kg <= 0:
        return None
    ratio = value_usd / net_mass_kg
    if not 0.0 < ratio < math.inf:
        return None
    return math.log(ratio)
