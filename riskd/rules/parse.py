"""Compiler step 1: rule files to `Rule`s with condition trees, each node at its position.

The shape of a rule file (which keys, which kinds of values) is `riskd.rules.definition`'s;
this step validates a file against it and builds the rules from what validated, taking each
node's line and column from the YAML. Whether a field exists and whether a value suits it is
the next steps' business (`riskd.rules.check`).
"""

from __future__ import annotations

import hashlib
import json
from typing import Any

from riskd.rules.ast import AllOf, AnyOf, Condition, Leaf, NotOf, OnList, Rule, RuleTest
from riskd.rules.definition import (
    AllOfSpec,
    AnyOfSpec,
    Comparison,
    ConditionSpec,
    MatchConditionSpec,
    MatchSpec,
    NotSpec,
    RuleFile,
    RuleSpec,
)
from riskd.rules.definition import (
    Condition as ConditionType,
)
from riskd.rules.errors import Pos
from riskd.rules.terms import Op
from riskd.rules.yamlpos import Document, KeyPath


def rule_version(written: Any) -> str:
    """Content hash of the rule as written, recorded with each of its hits."""
    text = json.dumps(written, sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(text.encode()).hexdigest()[:12]


def parse_rule_file(doc: Document) -> tuple[list[Rule], list[Condition]]:
    """The `rules:` of one file, and the conditions of rules whose other parts are broken
    (so that their conditions are still checked); problems go to the document."""
    valid: RuleFile | None = doc.validate(RuleFile)
    if valid is not None:
        return [rule(doc, ("rules", i), spec) for i, spec in enumerate(valid.rules)], []
    rules: list[Rule] = []
    orphans: list[Condition] = []
    written = doc.at(("rules",))
    for index in range(len(written) if isinstance(written, list) else 0):
        path = ("rules", index)
        spec: RuleSpec | None = doc.validate(RuleSpec, path, report=False)
        if spec is not None:
            rules.append(rule(doc, path, spec))
            continue
        when = parse_condition(doc, (*path, "when"), report=False)
        if when is not None:
            orphans.append(when)
    return rules, orphans


def rule(doc: Document, path: KeyPath, spec: RuleSpec) -> Rule:
    return Rule(
        id=spec.id,
        title=spec.title,
        owner=spec.owner,
        severity=spec.severity,
        action=spec.action,
        score=spec.score or 0.0,
        when=condition(doc, (*path, "when"), spec.when),
        pos=doc.pos(path),
        version=rule_version(doc.plain(path)),
        description=spec.description,
        valid_from=spec.valid_from,
        valid_until=spec.valid_until,
        tags=tuple(t.upper() for t in spec.tags),
        shadow=spec.shadow,
        shadow_until=spec.shadow_until,
        tests=tuple(
            RuleTest(
                name=test.name or f"test {n + 1}",
                pos=doc.pos((*path, "tests", n)),
                declaration=test.declaration,
                matches=tuple(test.matches),
                features=dict(test.features),
                fires=test.fires,
                action=test.action,
                line_nos=tuple(test.line_nos) if test.line_nos is not None else None,
            )
            for n, test in enumerate(spec.tests)
        ),
    )


def parse_condition(doc: Document, path: KeyPath = (), *, report: bool = True) -> Condition | None:
    """The condition at `path`, or None if it does not validate."""
    spec: ConditionSpec | None = doc.validate(ConditionType, path, report=report)
    return None if spec is None else condition(doc, path, spec)


def condition(doc: Document, path: KeyPath, spec: ConditionSpec) -> Condition:
    pos = doc.pos(path)
    if isinstance(spec, AllOfSpec | AnyOfSpec):
        key = "all" if isinstance(spec, AllOfSpec) else "any"
        children = spec.all if isinstance(spec, AllOfSpec) else spec.any
        nodes = tuple(condition(doc, (*path, key, i), c) for i, c in enumerate(children))
        return AllOf(pos, nodes) if key == "all" else AnyOf(pos, nodes)
    if isinstance(spec, NotSpec):
        return NotOf(pos, condition(doc, (*path, "not"), spec.not_))
    if isinstance(spec, MatchConditionSpec):
        return _match(doc, (*path, "match"), spec.match, pos)
    if isinstance(spec, Comparison):
        op, operand = spec.operator()
        return Leaf(pos, spec.field, op, operand, doc.pos((*path, "field")))
    return OnList(pos, spec.on_list)


def _match(doc: Document, path: KeyPath, spec: MatchSpec, pos: Pos) -> Condition:
    """`match:` is shorthand for conditions on the item's best match, in the order written."""
    leaves: list[Condition] = []
    for key in doc.at(path) or {}:
        value = doc.pos((*path, key))
        where = doc.pos((*path, key), key=True)
        if key == "min_score" and spec.min_score is not None:
            leaves.append(Leaf(value, "match_score", Op.GE, spec.min_score, where))
        elif key == "right_type" and spec.right_type is not None:
            types = tuple(r.value for r in spec.right_type)
            leaves.append(Leaf(value, "match_right_type", Op.IN, types, where))
        elif key == "recordation" and spec.recordation is not None:
            ids = tuple(spec.recordation)
            leaves.append(Leaf(value, "match_recordation_id", Op.IN, ids, where))
        elif key in ("authorised", "raises_risk") and getattr(spec, key) is not None:
            leaves.append(Leaf(value, f"match_{key}", Op.EQ, bool(getattr(spec, key)), where))
    if spec.min_score is None:
        leaves.append(Leaf(pos, "match_score", Op.GT, 0.0, pos))
    return leaves[0] if len(leaves) == 1 else AllOf(pos, tuple(leaves))
