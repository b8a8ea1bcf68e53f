"""Entity profiles kept in the store: the serving side of the history features.

The counts of each profile key (see `riskd.features.profiles`) are kept in the store and
updated as decisions and outcomes arrive; a `ProfileStore`'s `lookup` is the
`HistoryProvider` the pipeline reads. This module holds what both engines share; each engine
(`SqliteProfiles`, `PostgresProfiles`) keeps the counts in its own tables. Updates come from
`riskd.features` (`profile_increments`, `outcome_increments`), the same definitions that
compute the training table, so a profile read here equals what training computed for a
declaration at the same moment.

Call order matters: a declaration's features are computed (assess) before the declaration
is added to its profiles, so it never counts itself. The server counts a declaration with its
decision, in the same transaction (`DecisionStore.save_decisions` with the declaration's
`DeclarationCounts`, computed from the profile keys its features were looked up under), so
the store never holds a decision without its counts or the reverse; `record_declarations`
counts declarations outside serving (seeding). An outcome
updates the profiles once per decision; a later, different outcome of the same decision
corrects the seizure count (training, too, labels a decision by its latest outcome).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Protocol

from riskd.domain import Declaration, OutcomeResult
from riskd.features import ProfileCounts, ProfileKeys, outcome_increments, profile_increments
from riskd.features.declaration import add_counts

Increment = tuple[tuple[str, str], ProfileCounts]


@dataclass(frozen=True, slots=True)
class DeclarationCounts:
    """What one screened declaration adds to its entity profiles; a store adds them once per
    declaration id, so a client's retry of a declaration is not counted again."""

    declaration_id: str
    increments: Sequence[Increment]


def declaration_counts(
    declaration: Declaration,
    rates_to_usd: Mapping[str, float] | None = None,
    keys: ProfileKeys | None = None,
) -> DeclarationCounts:
    """A declaration's counts, from the profile keys its features were looked up under
    (computed here when not given)."""
    return DeclarationCounts(
        declaration.declaration_id, profile_increments(declaration, rates_to_usd, keys)
    )


def _merge(increments: Iterable[Increment]) -> dict[tuple[str, str], ProfileCounts]:
    merged: dict[tuple[str, str], ProfileCounts] = {}
    for key, delta in increments:
        merged[key] = add_counts(merged.get(key, ProfileCounts()), delta)
    return merged


def count_rows(
    increments: Iterable[Increment],
) -> list[tuple[str, str, float, float, float, float, float]]:
    """The upsert rows of a batch of increments, one per (profile, key)."""
    return [
        (p, k, c.declarations, c.inspections, c.seizures, c.log_unit_value_sum, c.log_unit_value_n)
        for (p, k), c in _merge(increments).items()
    ]


def outcome_change(
    declaration: Declaration, infringing: bool, before: bool | None
) -> list[Increment]:
    """What an outcome adds to the profiles, given what the decision's earlier outcome said
    (None: it had none). A repeated outcome that says the same adds nothing; one that turns
    a seizure into a clearance (or back) only corrects the seizure counts."""
    if before is None:
        return list(outcome_increments(declaration, infringing))
    if before == infringing:
        return []
    sign = 1.0 if infringing else -1.0
    return [
        (key, ProfileCounts(seizures=sign * c.seizures))
        for key, c in outcome_increments(declaration, True)
    ]


class ProfileStore(Protocol):
    """Where serving keeps the entity profiles: SQLite beside the SQLite store, or PostgreSQL."""

    def lookup(
        self, keys: Sequence[tuple[str, str]]
    ) -> Mapping[tuple[str, str], ProfileCounts]: ...

    def record_declarations(self, declarations: Sequence[Declaration]) -> None: ...

    def record_outcome(
        self, decision_id: str, declaration: Declaration, result: OutcomeResult
    ) -> None: ...

    def close(self) -> None: ...
