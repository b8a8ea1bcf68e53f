"""Features of one declaration at serving time, with the same meaning as in training.

`declaration_features` computes every feature of `riskd.features.schema.FEATURE_NAMES`
except the rule-hit ones, which `with_rule_hits` adds once the rules have run. History
features come from a `HistoryProvider` (the store's entity profiles); without one, every
party and commodity is new. Values are converted to US dollars by `riskd.history.to_usd` at
the snapshot's rates (None: the built-in table). The training table (`riskd.features.frame`)
computes the same names from the history table; a test checks that both agree row by row.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from riskd.domain import Declaration, Item, ItemAssessment, Match, RuleHit
from riskd.features.profiles import (
    EMPTY_COUNTS,
    NO_HISTORY,
    OVERALL,
    PROFILES,
    HistoryProvider,
    ProfileCounts,
    declaration_fields,
    hs6,
    item_fields,
    log_unit_value,
    prior_rate,
    profile_feature_names,
    smoothed_rate,
    spec_key,
)
from riskd.history import BUILTIN_RATES_TO_USD, RatesToUsd, match_columns, rule_hit_columns, to_usd

FeatureValue = float | str | None
Features = Mapping[str, FeatureValue]

OVERALL_KEY = "all"


def value_usd(item: Item, rates_to_usd: RatesToUsd | None) -> float | None:
    """The item's value in US dollars by `riskd.history.to_usd` (None: the built-in rates)."""
    return to_usd(item.value, BUILTIN_RATES_TO_USD if rates_to_usd is None else rates_to_usd)


@dataclass(frozen=True, slots=True)
class ProfileKeys:
    """The profile keys of one declaration: declaration-level once, item-level per item."""

    declaration: dict[str, str | None]
    items: tuple[dict[str, str | None], ...]

    def all_pairs(self) -> list[tuple[str, str]]:
        pairs = {(OVERALL, OVERALL_KEY)}
        pairs.update((name, key) for name, key in self.declaration.items() if key is not None)
        for keys in self.items:
            pairs.update((name, key) for name, key in keys.items() if key is not None)
        return sorted(pairs)


def profile_keys(declaration: Declaration) -> ProfileKeys:
    """Every profile key the declaration belongs to (None where a key field is missing)."""
    fields = declaration_fields(declaration)
    decl_keys = {s.name: spec_key(s, fields) for s in PROFILES if s.level == "declaration"}
    item_keys = tuple(
        {s.name: spec_key(s, item_fields(fields, item)) for s in PROFILES if s.level == "item"}
        for item in declaration.items
    )
    return ProfileKeys(decl_keys, item_keys)


def declaration_features(
    declaration: Declaration,
    items: tuple[ItemAssessment, ...],
    history: HistoryProvider = NO_HISTORY,
    rates_to_usd: Mapping[str, float] | None = None,
    keys: ProfileKeys | None = None,
) -> dict[str, FeatureValue]:
    """All features but the rule hits, for one declaration and its item matches. `keys` are
    the declaration's profile keys (`profile_keys`), when the caller needs them again to
    count the declaration; computed here otherwise."""
    features: dict[str, FeatureValue] = {
        "direction": declaration.direction.value,
        "transport_mode": declaration.transport_mode.value,
        "procedure": declaration.procedure.value,
        "customs_office": declaration.customs_office or None,
        "origin_country": declaration.origin_country or None,
        "departure_country": declaration.departure_country or None,
    }
    features.update(_goods_features(declaration, rates_to_usd))
    features.update(match_features([m for item in items for m in item.matches]))
    keys = keys if keys is not None else profile_keys(declaration)
    features.update(_history_features(declaration, keys, history, rates_to_usd))
    return features


def with_rule_hits(features: Features, rule_hits: Sequence[RuleHit]) -> dict[str, FeatureValue]:
    """The features plus the rule-hit ones (shadow rules do not count)."""
    return {**features, **rule_hit_columns(rule_hits)}


def _lead_index(values: Sequence[float | None]) -> int:
    """The item of highest value (the first on ties): its HS code speaks for the declaration."""
    ranked = [-1.0 if v is None else v for v in values]
    return ranked.index(max(ranked)) if ranked else 0


def _goods_features(
    declaration: Declaration, rates_to_usd: Mapping[str, float] | None
) -> dict[str, FeatureValue]:
    goods = declaration.items
    values = [value_usd(i, rates_to_usd) for i in goods]
    known = [v for v in values if v is not None]
    lead = goods[_lead_index(values)] if goods else None
    lead_code = hs6(lead.hs_code) if lead is not None else ""
    lead_value = values[_lead_index(values)] if goods else None
    return {
        "hs_chapter": lead_code[:2] or None,
        "hs_heading": lead_code[:4] or None,
        "n_items": float(len(goods)),
        "total_value_usd": float(sum(known)) if known else None,
        "max_item_value_usd": max(known) if known else None,
        "total_mass_kg": float(sum(i.net_mass_kg for i in goods)),
        "total_quantity": float(sum(i.quantity for i in goods)),
        "log_unit_value": (
            log_unit_value(lead_value, lead.net_mass_kg) if lead is not None else None
        ),
    }


def match_features(matches: Sequence[Match]) -> dict[str, FeatureValue]:
    """The trademark-match features of all matches of a declaration (the history table's
    declaration-level match columns)."""
    return dict(match_columns(matches))


def _history_features(
    declaration: Declaration,
    keys: ProfileKeys,
    history: HistoryProvider,
    rates_to_usd: Mapping[str, float] | None,
) -> dict[str, FeatureValue]:
    counts = history.lookup(keys.all_pairs())
    overall = counts.get((OVERALL, OVERALL_KEY), EMPTY_COUNTS)
    prior = prior_rate(overall.seizures, overall.inspections)
    features: dict[str, FeatureValue] = {}
    for spec in PROFILES:
        names = profile_feature_names(spec)
        if spec.level == "declaration":
            key = keys.declaration[spec.name]
            per_key = [] if key is None else [counts.get((spec.name, key), EMPTY_COUNTS)]
        else:
            per_key = [
                counts.get((spec.name, k), EMPTY_COUNTS)
                for k in (item[spec.name] for item in keys.items)
                if k is not None
            ]
        features.update(_profile_values(names, per_key, prior))
    features["unit_value_vs_typical"] = _unit_value_gap(declaration, keys, counts, rates_to_usd)
    return features


def _profile_values(
    names: tuple[str, str, str], per_key: Sequence[ProfileCounts], prior: float
) -> dict[str, FeatureValue]:
    """A profile's features; for item-level profiles the maximum over the items."""
    if not per_key:
        return dict.fromkeys(names)
    return {
        names[0]: max(c.declarations for c in per_key),
        names[1]: max(c.inspections for c in per_key),
        names[2]: max(smoothed_rate(c.seizures, c.inspections, prior) for c in per_key),
    }


def _unit_value_gap(
    declaration: Declaration,
    keys: ProfileKeys,
    counts: Mapping[tuple[str, str], ProfileCounts],
    rates_to_usd: Mapping[str, float] | None,
) -> float | None:
    """The lowest log-ratio of an item's unit value to the typical one of its HS code."""
    gaps: list[float] = []
    for item, item_keys in zip(declaration.items, keys.items, strict=True):
        key = item_keys["commodity"]
        luv = log_unit_value(value_usd(item, rates_to_usd), item.net_mass_kg)
        typical = counts.get(("commodity", key), EMPTY_COUNTS) if key is not None else EMPTY_COUNTS
        if luv is not None and typical.log_unit_value_n > 0:
            gaps.append(luv - typical.log_unit_value_sum / typical.log_unit_value_n)
    return min(gaps) if gaps else None


def profile_increments(
    declaration: Declaration,
    rates_to_usd: Mapping[str, float] | None = None,
    keys: ProfileKeys | None = None,
) -> list[tuple[tuple[str, str], ProfileCounts]]:
    """What a new declaration adds to its profiles (declarations and unit values); `keys`
    are its profile keys when the caller has them already (from the feature lookup)."""
    keys = keys if keys is not None else profile_keys(declaration)
    added: list[tuple[tuple[str, str], ProfileCounts]] = [((OVERALL, OVERALL_KEY), _ONE)]
    added += [((n, k), _ONE) for n, k in keys.declaration.items() if k is not None]
    for item, item_keys in zip(declaration.items, keys.items, strict=True):
        luv = log_unit_value(value_usd(item, rates_to_usd), item.net_mass_kg)
        counts = _ONE if luv is None else ProfileCounts(1.0, 0.0, 0.0, luv, 1.0)
        added += [((n, k), counts) for n, k in item_keys.items() if k is not None]
    return added


def outcome_increments(
    declaration: Declaration, infringing: bool
) -> list[tuple[tuple[str, str], ProfileCounts]]:
    """What a known inspection outcome adds to the declaration's profiles.

    An outcome is recorded per declaration (`RecordOutcome` names no lines), so each of its
    items counts as seized when the declaration was; training reads labels the same way.
    """
    keys = profile_keys(declaration)
    seized = ProfileCounts(0.0, 1.0, float(infringing))
    added: list[tuple[tuple[str, str], ProfileCounts]] = [((OVERALL, OVERALL_KEY), seized)]
    added += [((n, k), seized) for n, k in keys.declaration.items() if k is not None]
    for item_keys in keys.items:
        added += [((n, k), seized) for n, k in item_keys.items() if k is not None]
    return added


_ONE = ProfileCounts(declarations=1.0)


def add_counts(a: ProfileCounts, b: ProfileCounts) -> ProfileCounts:
    return ProfileCounts(
        a.declarations + b.declarations,
        a.inspections + b.inspections,
        a.seizures + b.seizures,
        a.log_unit_value_sum + b.log_unit_value_sum,
        a.log_unit_value_n + b.log_unit_value_n,
    )


def is_missing(value: FeatureValue) -> bool:
    return value is None or (isinstance(value, float) and math.isnan(value))
