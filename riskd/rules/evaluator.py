"""Compiler step 4: lower checked conditions to a tree of Python closures for serving.

A condition is evaluated once per item, with the declaration's fields the same for every
item; a rule fires when its condition holds for at least one item and its hit names those
items' line numbers. A leaf whose field is unknown (absent) never holds, and `not` negates
that `false`: the same three-valued shortcut the polars lowering takes.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, date

import structlog

from riskd.domain import Declaration, ItemAssessment, RuleHit
from riskd.features import Features
from riskd.history import best_match
from riskd.rules.ast import AllOf, AnyOf, Condition, Leaf, NotOf, OnList, Rule, walk
from riskd.rules.fields import FIELDS, ItemContext, Level, Reader, Value
from riskd.rules.lists import WatchList
from riskd.rules.terms import Op

Predicate = Callable[[ItemContext], bool]
log = structlog.get_logger("riskd.rules")


def reader_of(name: str) -> Reader:
    """A catalogue field, or else a feature of the declaration (absent: unknown)."""
    field = FIELDS.get(name)
    if field is not None:
        return field.read

    def read_feature(c: ItemContext) -> Value:
        value = c.features.get(name)
        return float(value) if isinstance(value, int) and not isinstance(value, bool) else value

    return read_feature


def lower_leaf(leaf: Leaf) -> Predicate:
    """One comparison as a closure; every operator treats an unknown value as not holding."""
    read = reader_of(leaf.field)
    operand = leaf.operand
    op = leaf.op
    if op is Op.EXISTS:
        wanted = bool(operand)
        return lambda c: (read(c) is not None) == wanted
    if op in (Op.EQ, Op.NE):
        want_equal = op is Op.EQ
        return lambda c: (v := read(c)) is not None and (v == operand) == want_equal
    if op in (Op.IN, Op.NOT_IN):
        members = frozenset(operand) if isinstance(operand, tuple) else frozenset()
        want_in = op is Op.IN
        return lambda c: (v := read(c)) is not None and (v in members) == want_in
    if op is Op.PREFIX:
        prefixes = tuple(str(p) for p in operand) if isinstance(operand, tuple) else ()
        return lambda c: isinstance(v := read(c), str) and v.startswith(prefixes)
    if op is Op.CONTAINS:
        words = tuple(str(w) for w in operand) if isinstance(operand, tuple) else ()
        return lambda c: isinstance(v := read(c), str) and any(w in v.lower() for w in words)
    if op is Op.BETWEEN:
        low, high = (float(operand[0]), float(operand[1])) if isinstance(operand, tuple) else (0, 0)
        return lambda c: (v := _number(read(c))) is not None and low <= v <= high
    bound = float(operand) if isinstance(operand, int | float) else 0.0
    compare: Callable[[float], bool] = {
        Op.LT: lambda v: v < bound,
        Op.LE: lambda v: v <= bound,
        Op.GT: lambda v: v > bound,
        Op.GE: lambda v: v >= bound,
    }[op]
    return lambda c: (v := _number(read(c))) is not None and compare(v)


def _number(value: Value) -> float | None:
    return float(value) if isinstance(value, int | float) and not isinstance(value, bool) else None


def lower(condition: Condition, lists: Mapping[str, WatchList]) -> Predicate:
    """The whole condition tree as nested closures, built once at load."""
    if isinstance(condition, Leaf):
        return lower_leaf(condition)
    if isinstance(condition, AllOf):
        parts = tuple(lower(c, lists) for c in condition.children)
        return lambda c: all(p(c) for p in parts)
    if isinstance(condition, AnyOf):
        parts = tuple(lower(c, lists) for c in condition.children)
        return lambda c: any(p(c) for p in parts)
    if isinstance(condition, NotOf):
        inner = lower(condition.child, lists)
        return lambda c: not inner(c)
    watchlist = lists[condition.list_name]
    return lambda c: watchlist.holds(
        c.declaration, c.item, c.best_match, declared_on(c.declaration)
    )


def declared_on(declaration: Declaration) -> date:
    """The declaration's day in UTC: rule validity and list expiry are judged on it."""
    at = declaration.declared_at
    return (at.astimezone(UTC) if at.tzinfo is not None else at).date()


def depends_on_item(condition: Condition, lists: Mapping[str, WatchList]) -> bool:
    for node in walk(condition):
        if isinstance(node, Leaf):
            field = FIELDS.get(node.field)
            if field is not None and field.level in (Level.ITEM, Level.MATCH):
                return True
        if (
            isinstance(node, OnList)
            and node.list_name in lists
            and lists[node.list_name].item_level
        ):
            return True
    return False


def item_contexts(
    declaration: Declaration,
    items: tuple[ItemAssessment, ...],
    features: Features,
    rates_to_usd: Mapping[str, float],
) -> list[ItemContext]:
    """One context per item (a single item-less one for a declaration without items)."""
    matches = {i.line_no: i.matches for i in items}
    if not declaration.items:
        return [ItemContext(declaration, None, None, features, rates_to_usd)]
    return [
        ItemContext(
            declaration, item, best_match(matches.get(item.line_no, ())), features, rates_to_usd
        )
        for item in declaration.items
    ]


@dataclass(frozen=True, slots=True)
class CompiledRule:
    rule: Rule
    predicate: Predicate
    per_item: bool

    def hit(self, contexts: list[ItemContext], on: date) -> RuleHit | None:
        rule = self.rule
        if not rule.in_force(on):
            return None
        if self.per_item:
            lines = tuple(
                c.item.line_no for c in contexts if c.item is not None and self.predicate(c)
            )
            if not lines:
                return None
        elif self.predicate(contexts[0]):
            lines = ()
        else:
            return None
        return RuleHit(
            rule_id=rule.id,
            version=rule.version,
            title=rule.title,
            action=rule.action,
            score=rule.score,
            shadow=rule.in_shadow(on),
            line_nos=lines,
        )


@dataclass(frozen=True, slots=True)
class CompiledRules:
    """A prepared rule set (the `RuleSet` the pipeline calls): compiled once, evaluated often."""

    version: str
    rules: tuple[CompiledRule, ...]
    lists: Mapping[str, WatchList]
    rates_to_usd: Mapping[str, float]

    def __len__(self) -> int:
        return len(self.rules)

    def evaluate(
        self,
        declaration: Declaration,
        items: tuple[ItemAssessment, ...],
        features: Features,
    ) -> tuple[RuleHit, ...]:
        contexts = item_contexts(declaration, items, features, self.rates_to_usd)
        on = declared_on(declaration)
        hits = tuple(h for h in (r.hit(contexts, on) for r in self.rules) if h is not None)
        for hit in hits:
            if hit.shadow:
                # on trial: logged for evaluation, ignored by the policy
                log.info(
                    "shadow rule hit",
                    rule_id=hit.rule_id,
                    rule_version=hit.version,
                    declaration_id=declaration.declaration_id,
                    rules=self.version,
                )
        return hits


def compile_rules(
    version: str, rules: list[Rule], lists: Mapping[str, WatchList], rates: Mapping[str, float]
) -> CompiledRules:
    """Rules already checked without errors, lowered to closures."""
    compiled = tuple(
        CompiledRule(r, lower(r.when, lists), depends_on_item(r.when, lists)) for r in rules
    )
    return CompiledRules(version, compiled, dict(lists), dict(rates))


def explain(
    condition: Condition, context: ItemContext, lists: Mapping[str, WatchList], depth: int = 0
) -> list[str]:
    """The condition tree with each node's truth and each leaf's value, for test failures."""
    mark = "✓" if lower(condition, lists)(context) else "✗"
    pad = "  " * depth
    if isinstance(condition, AllOf | AnyOf):
        name = "all" if isinstance(condition, AllOf) else "any"
        lines = [f"{pad}{mark} {name}:  ({condition.pos})"]
        for child in condition.children:
            lines.extend(explain(child, context, lists, depth + 1))
        return lines
    if isinstance(condition, NotOf):
        return [
            f"{pad}{mark} not:  ({condition.pos})",
            *explain(condition.child, context, lists, depth + 1),
        ]
    if isinstance(condition, OnList):
        entries = lists[condition.list_name].hits(
            context.declaration, context.item, context.best_match, declared_on(context.declaration)
        )
        sources = f"   [listed by {', '.join(e.source for e in entries)}]" if entries else ""
        return [f"{pad}{mark} on_list {condition.list_name}{sources}  ({condition.pos})"]
    value = reader_of(condition.field)(context)
    operand = condition.operand
    shown = list(operand) if isinstance(operand, tuple) else operand
    return [
        f"{pad}{mark} {condition.field} {condition.op.value} {shown!r}   "
        f"[{condition.field} = {value!r}]  ({condition.pos})"
    ]
