"""The parsed form of rule files: rules, their conditions and their embedded tests.

Conditions form a small tree of five node kinds. Every node keeps the position it was written
at, so each later step (type-check, test failures, backtest report) can point back to it.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING

from riskd.domain import Recommendation
from riskd.rules.errors import Pos
from riskd.rules.terms import Op, Operand, RuleSeverity

if TYPE_CHECKING:  # the definition builds on riskd.rules.terms, not on this module
    from riskd.features import FeatureValue
    from riskd.rules.definition import DeclarationSpec, TestMatchSpec


@dataclass(frozen=True, slots=True)
class Leaf:
    """A field compared with a constant. Unknown values (absent field) never satisfy it."""

    pos: Pos
    field: str
    op: Op
    operand: Operand
    field_pos: Pos


@dataclass(frozen=True, slots=True)
class AllOf:
    pos: Pos
    children: tuple[Condition, ...]


@dataclass(frozen=True, slots=True)
class AnyOf:
    pos: Pos
    children: tuple[Condition, ...]


@dataclass(frozen=True, slots=True)
class NotOf:
    pos: Pos
    child: Condition


@dataclass(frozen=True, slots=True)
class OnList:
    """Membership of the declaration (party, route) or the item (mark) in a watchlist."""

    pos: Pos
    list_name: str


Condition = Leaf | AllOf | AnyOf | NotOf | OnList


@dataclass(frozen=True, slots=True)
class RuleTest:
    """One embedded test: a declaration and whether the rule is expected to fire on it."""

    name: str
    pos: Pos
    declaration: DeclarationSpec  # converted to domain types by riskd.rules.testdecl
    matches: tuple[TestMatchSpec, ...]
    features: Mapping[str, FeatureValue]
    fires: bool
    action: Recommendation | None
    line_nos: tuple[int, ...] | None


@dataclass(frozen=True, slots=True)
class Rule:
    id: str
    title: str
    owner: str
    severity: RuleSeverity
    action: Recommendation | None
    score: float
    when: Condition
    pos: Pos
    version: str  # content hash of the rule as written
    description: str = ""
    valid_from: date | None = None
    valid_until: date | None = None
    tags: tuple[str, ...] = ()
    shadow: bool = False
    shadow_until: date | None = None
    tests: tuple[RuleTest, ...] = ()

    def in_force(self, on: date) -> bool:
        return (self.valid_from is None or self.valid_from <= on) and (
            self.valid_until is None or on <= self.valid_until
        )

    def in_shadow(self, on: date) -> bool:
        """Shadow rules are evaluated and logged but do not change the recommendation."""
        return self.shadow or (self.shadow_until is not None and on <= self.shadow_until)


def walk(condition: Condition) -> list[Condition]:
    """All nodes of a condition tree, parents before children."""
    nodes: list[Condition] = [condition]
    if isinstance(condition, AllOf | AnyOf):
        for child in condition.children:
            nodes.extend(walk(child))
    elif isinstance(condition, NotOf):
        nodes.extend(walk(condition.child))
    return nodes
