"""Compiler steps 2 and 3: resolve names (fields, watchlists) and type-check conditions.

Also the rule-set level checks an officer wants before a roll-out: duplicate ids, rules out of
force, rules that can never fire (contradictory conditions, values a field never takes,
watchlists whose entries have all expired) and unknown tags. A field name must be in the
catalogue or be one of the model's features: a misspelt name would otherwise make a rule that
loads and never fires, so it refuses the rule set like every other error.
"""

from __future__ import annotations

import difflib
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from datetime import date

from riskd.domain import TransportMode
from riskd.rules.ast import AllOf, AnyOf, Condition, Leaf, OnList, Rule, walk
from riskd.rules.definition import OPS_OF_TYPE, field_types
from riskd.rules.errors import Problem, error, warning
from riskd.rules.fields import FIELDS, Field, FieldType
from riskd.rules.lists import WatchList
from riskd.rules.terms import Op

SECTOR_TAGS = (
    "TRADEMARK",
    "COPYRIGHT",
    "PATENT",
    "MEDIA",
    "FOOD_MEDICINE",
    "AGRICULTURE",
    "HIGH_TECH",
    "EXHIBITION",
    "TIPOFF",
    "WATCHLIST",
    "UNDERVALUATION",
)
KNOWN_TAGS = frozenset(SECTOR_TAGS + tuple(m.value for m in TransportMode))

FIELD_TYPES: Mapping[str, FieldType] = field_types()


def field_of(name: str) -> Field | None:
    return FIELDS.get(name)


def check_rules(
    rules: Sequence[Rule], lists: Mapping[str, WatchList], today: date
) -> list[Problem]:
    problems: list[Problem] = []
    for rule in rules:
        problems.extend(check_condition(rule.when, lists))
        problems.extend(_rule_warnings(rule, lists, today))
    counts = Counter(r.id for r in rules)
    for rule in rules:
        if counts[rule.id] > 1:
            problems.append(
                warning(
                    "W-DUPLICATE-ID", rule.pos, f"rule id {rule.id} is used {counts[rule.id]} times"
                )
            )
    return problems


def check_lists(lists: Iterable[WatchList], today: date) -> list[Problem]:
    problems = []
    seen: dict[str, WatchList] = {}
    for watchlist in lists:
        if watchlist.name in seen:
            problems.append(
                error(
                    "E-DUPLICATE-LIST",
                    watchlist.pos,
                    f"watchlist {watchlist.name!r} is already defined at "
                    f"{seen[watchlist.name].pos}",
                )
            )
        seen.setdefault(watchlist.name, watchlist)
        expired = [e for e in watchlist.entries if e.expires < today]
        if expired:
            problems.append(
                warning(
                    "W-EXPIRED-ENTRY",
                    expired[0].pos,
                    f"{len(expired)} entries of {watchlist.name!r} have expired "
                    "and no longer match; remove or renew them",
                )
            )
    return problems


def check_condition(condition: Condition, lists: Mapping[str, WatchList]) -> list[Problem]:
    """Resolve every field and list name and check each operator suits its field."""
    problems: list[Problem] = []
    for node in walk(condition):
        if isinstance(node, OnList) and node.list_name not in lists:
            near = difflib.get_close_matches(node.list_name, list(lists), n=1)
            hint = f"; did you mean {near[0]!r}?" if near else ""
            problems.append(
                error("E-UNKNOWN-LIST", node.pos, f"no watchlist named {node.list_name!r}{hint}")
            )
        elif isinstance(node, Leaf):
            problems.extend(_check_leaf(node))
    return problems


def _check_leaf(leaf: Leaf) -> list[Problem]:
    kind = FIELD_TYPES.get(leaf.field)
    if kind is None:
        found = difflib.get_close_matches(leaf.field, list(FIELD_TYPES), n=1)
        hint = f" Did you mean {found[0]!r}?" if found else ""
        return [
            error(
                "E-UNKNOWN-FIELD",
                leaf.field_pos,
                f"no field named {leaf.field!r}: not in the catalogue (`riskd rules fields`) "
                f"nor a model feature, so the rule could never fire.{hint}",
            )
        ]
    name = leaf.field
    if leaf.op not in OPS_OF_TYPE[kind]:
        allowed = ", ".join(sorted(o.value for o in OPS_OF_TYPE[kind]))
        return [
            error(
                "E-OPERATOR",
                leaf.pos,
                f"{leaf.op.value!r} does not apply to {name} ({kind.value}); "
                f"expected one of {allowed}",
            )
        ]
    if leaf.op in (Op.EQ, Op.NE):
        expected = {FieldType.STRING: str, FieldType.NUMBER: float, FieldType.BOOLEAN: bool}
        if not isinstance(leaf.operand, expected[kind]) or (
            kind is FieldType.NUMBER and isinstance(leaf.operand, bool)
        ):
            quote = " (write it in quotes)" if kind is FieldType.STRING else ""
            return [
                error(
                    "E-TYPE",
                    leaf.pos,
                    f"{name} is a {kind.value}; {leaf.op.value} needs a "
                    f"{kind.value}{quote}, not {leaf.operand!r}",
                )
            ]
    field = field_of(name)
    if field is not None and field.values and leaf.op in (Op.EQ, Op.NE, Op.IN, Op.NOT_IN):
        given = leaf.operand if isinstance(leaf.operand, tuple) else (leaf.operand,)
        unknown = [v for v in given if v not in field.values]
        if unknown:
            return [
                warning(
                    "W-NEVER-FIRES",
                    leaf.pos,
                    f"{field.name} never takes the value(s) {', '.join(map(str, unknown))}; "
                    f"its values are {', '.join(field.values)}",
                )
            ]
    return []


def _rule_warnings(rule: Rule, lists: Mapping[str, WatchList], today: date) -> list[Problem]:
    problems = []
    if rule.valid_until is not None and rule.valid_until < today:
        problems.append(
            warning(
                "W-EXPIRED-RULE",
                rule.pos,
                f"rule {rule.id} expired on {rule.valid_until}; it no longer fires",
            )
        )
    if rule.action is None and rule.score == 0.0:
        problems.append(
            warning(
                "W-NO-EFFECT", rule.pos, f"rule {rule.id} has neither an action nor a score above 0"
            )
        )
    for tag in rule.tags:
        if tag not in KNOWN_TAGS:
            problems.append(
                warning(
                    "W-TAG",
                    rule.pos,
                    f"unknown tag {tag!r}; known tags are {', '.join(sorted(KNOWN_TAGS))}",
                )
            )
    reason = never_fires(rule.when, lists, today)
    if reason is not None:
        problems.append(
            warning("W-NEVER-FIRES", rule.pos, f"rule {rule.id} can never fire: {reason}")
        )
    return problems


def never_fires(condition: Condition, lists: Mapping[str, WatchList], today: date) -> str | None:
    """A reason why the condition can never hold, when a simple analysis can tell."""
    if isinstance(condition, OnList):
        watchlist = lists.get(condition.list_name)
        if watchlist is not None and not any(e.expires >= today for e in watchlist.entries):
            return f"every entry of watchlist {watchlist.name!r} has expired"
        return None
    if isinstance(condition, AnyOf):
        reasons = [never_fires(c, lists, today) for c in condition.children]
        return None if any(r is None for r in reasons) else "; ".join(r for r in reasons if r)
    if isinstance(condition, AllOf):
        for child in condition.children:
            reason = never_fires(child, lists, today)
            if reason is not None:
                return reason
        return _contradiction([c for c in condition.children if isinstance(c, Leaf)])
    if isinstance(condition, Leaf):
        return _contradiction([condition])
    return None


def _contradiction(leaves: list[Leaf]) -> str | None:
    """Conditions on one field that no single value satisfies together."""
    by_field: dict[str, list[Leaf]] = {}
    for leaf in leaves:
        by_field.setdefault(leaf.field, []).append(leaf)
    for name, group in by_field.items():
        field = field_of(name)
        allowed: set[str] | None = set(field.values) if field and field.values else None
        low, high = float("-inf"), float("inf")
        strict_low = strict_high = False
        for leaf in group:
            operand = leaf.operand
            if leaf.op is Op.EQ and isinstance(operand, str):
                allowed = {operand} if allowed is None else allowed & {operand}
            elif leaf.op is Op.IN and isinstance(operand, tuple):
                values = {str(v) for v in operand}
                allowed = values if allowed is None else allowed & values
            elif isinstance(operand, float) and not isinstance(operand, bool):
                if leaf.op in (Op.GT, Op.GE, Op.EQ) and operand >= low:
                    low, strict_low = operand, leaf.op is Op.GT
                if leaf.op in (Op.LT, Op.LE, Op.EQ) and operand <= high:
                    high, strict_high = operand, leaf.op is Op.LT
            elif leaf.op is Op.BETWEEN and isinstance(operand, tuple):
                low, high = max(low, float(operand[0])), min(high, float(operand[1]))
        if allowed is not None and not allowed:
            return f"no value of {name} satisfies all its conditions"
        if low > high or (low == high and (strict_low or strict_high)):
            return f"no number satisfies all the conditions on {name}"
    return None
