"""Compiler step 5: lower checked conditions to polars expressions for backtests.

The expressions run over the prepared frame (`riskd.rules.frame.prepare_frame`, one row per
item, one column per field). Every leaf is null-free: an unknown value makes it false, the
same shortcut the serving evaluator takes, so `not` behaves alike in both. A rule's
expression per item row is aggregated with `any` per declaration, as the evaluator fires a
rule when its condition holds for any item. The agreement of both lowerings is a property
test (tests/rules/test_agreement.py).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Hashable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date

import polars as pl

from riskd.rules.ast import AllOf, AnyOf, Condition, Leaf, NotOf, Rule, walk
from riskd.rules.fields import FIELDS, ROLES
from riskd.rules.lists import Entry, ListKind, WatchList
from riskd.rules.terms import Op

DAY = pl.col("declared_date")


def lowered_column(field: str) -> str:
    """The frame column holding a text field in lower case, computed once for every
    `contains` on it (see `riskd.rules.backtest.evaluate_frame`)."""
    return f"{field}__lower"


def contains_fields(rules: Iterable[Rule]) -> set[str]:
    return {
        node.field
        for rule in rules
        for node in walk(rule.when)
        if isinstance(node, Leaf) and node.op is Op.CONTAINS
    }


def lower_leaf_expr(leaf: Leaf) -> pl.Expr:
    column = pl.col(leaf.field)
    operand = leaf.operand
    op = leaf.op
    if op is Op.EXISTS:
        return column.is_not_null() if operand else column.is_null()
    if op is Op.EQ:
        expr = column == pl.lit(operand)
    elif op is Op.NE:
        expr = column != pl.lit(operand)
    elif op in (Op.IN, Op.NOT_IN):
        values = list(operand) if isinstance(operand, tuple) else []
        inside = column.is_in(values)
        expr = inside if op is Op.IN else column.is_not_null() & ~inside
    elif op is Op.PREFIX:
        prefixes = [str(p) for p in operand] if isinstance(operand, tuple) else []
        expr = pl.any_horizontal([column.str.starts_with(p) for p in prefixes])
    elif op is Op.CONTAINS:
        words = [str(w) for w in operand] if isinstance(operand, tuple) else []
        expr = pl.col(lowered_column(leaf.field)).str.contains_any(words)
    elif op is Op.BETWEEN:
        low, high = operand if isinstance(operand, tuple) else (0.0, 0.0)
        expr = column.is_between(float(low), float(high), closed="both")
    else:
        bound = float(operand) if isinstance(operand, int | float) else 0.0
        expr = {
            Op.LT: column < bound,
            Op.LE: column <= bound,
            Op.GT: column > bound,
            Op.GE: column >= bound,
        }[op]
    return expr.fill_null(False)


@dataclass
class SharedConditions:
    """The distinct leaves and list memberships of a rule set, each lowered to one column.

    Officers' rules repeat conditions (the postal channel, a group of HS headings); over a
    history of millions of rows computing each distinct one once, and combining the boolean
    columns per rule, is several times cheaper than evaluating every rule's tree in full."""

    columns: dict[Hashable, tuple[str, pl.Expr]] = field(default_factory=dict)

    def column(self, key: Hashable, build: Callable[[], pl.Expr]) -> pl.Expr:
        if key not in self.columns:
            name = f"_condition_{len(self.columns)}"
            self.columns[key] = (name, build().alias(name))
        return pl.col(self.columns[key][0])

    def exprs(self) -> list[pl.Expr]:
        return [expr for _, expr in self.columns.values()]


def lower_expr(
    condition: Condition, lists: Mapping[str, WatchList], shared: SharedConditions | None = None
) -> pl.Expr:
    """The condition as a null-free boolean expression; with `shared`, its leaves and list
    memberships refer to the shared columns (to be added to the frame first)."""
    if isinstance(condition, Leaf):
        if shared is None:
            return lower_leaf_expr(condition)
        key = (condition.field, condition.op, condition.operand)
        return shared.column(key, lambda: lower_leaf_expr(condition))
    if isinstance(condition, AllOf):
        return pl.all_horizontal([lower_expr(c, lists, shared) for c in condition.children])
    if isinstance(condition, AnyOf):
        return pl.any_horizontal([lower_expr(c, lists, shared) for c in condition.children])
    if isinstance(condition, NotOf):
        return ~lower_expr(condition.child, lists, shared)
    watchlist = lists[condition.list_name]
    if shared is None:
        return list_expr(watchlist)
    return shared.column(("on_list", watchlist.name), lambda: list_expr(watchlist))


def _window(since: date | None, expires: date) -> pl.Expr:
    inside = pl.lit(expires) >= DAY
    return inside & (pl.lit(since) <= DAY) if since is not None else inside


def list_expr(watchlist: WatchList) -> pl.Expr:
    """Membership in a watchlist, with each entry active only within its dates."""
    parts: list[pl.Expr] = []
    if watchlist.kind is ListKind.ROUTES:
        columns = {
            "origin": "origin_country",
            "departure": "departure_country",
            "destination": "destination_country",
            "transport_mode": "transport_mode",
        }
        for entry in watchlist.entries:
            same = [pl.col(columns[k]) == pl.lit(v) for k, v in entry.key.items()]
            parts.append(pl.all_horizontal(same) & _window(*entry.window))
    else:
        groups: dict[tuple[str, tuple[date | None, date]], list[str]] = defaultdict(list)
        for entry in watchlist.entries:
            for column, value in _targets(watchlist.kind, entry):
                groups[(column, entry.window)].append(value)
        for (column, window), values in groups.items():
            parts.append(_member(column, values) & _window(*window))
    if not parts:
        return pl.lit(False)
    return pl.any_horizontal(parts).fill_null(False)


def _targets(kind: ListKind, entry: Entry) -> list[tuple[str, str]]:
    if kind is ListKind.PARTIES:
        roles = [entry.key["role"]] if "role" in entry.key else list(ROLES)
        return [(f"{role}_id", entry.key["party"]) for role in roles]
    targets = []
    if "mark" in entry.key:
        targets.append(("_brand_key", entry.key["mark"]))
    if "recordation" in entry.key:
        targets.append(("match_recordation_id", entry.key["recordation"]))
    return targets


def _member(column: str, values: list[str]) -> pl.Expr:
    if column == "_brand_key":
        # the same normalisation as riskd.rules.lists.normalise_mark
        key = pl.col("brand").str.replace_all(r"\s+", " ").str.strip_chars().str.to_lowercase()
        return key.is_in(values)
    return pl.col(column).is_in(values)


def rule_expr(
    rule: Rule, lists: Mapping[str, WatchList], shared: SharedConditions | None = None
) -> pl.Expr:
    """Per item row: the rule is in force on the declaration day and its condition holds."""
    in_force = pl.lit(True)
    if rule.valid_from is not None:
        in_force = in_force & (pl.lit(rule.valid_from) <= DAY)
    if rule.valid_until is not None:
        in_force = in_force & (pl.lit(rule.valid_until) >= DAY)
    return (in_force & lower_expr(rule.when, lists, shared)).fill_null(False)


def shadow_expr(rule: Rule) -> pl.Expr:
    """Per row: the rule is in shadow mode on the declaration day."""
    if rule.shadow:
        return pl.lit(True)
    if rule.shadow_until is not None:
        return pl.lit(rule.shadow_until) >= DAY
    return pl.lit(False)


def undocumented_fields(rules: list[Rule]) -> set[str]:
    """Fields rules name that are not in the catalogue (read from features, or unknown)."""
    return {
        node.field
        for rule in rules
        for node in walk(rule.when)
        if isinstance(node, Leaf) and node.field not in FIELDS
    }
