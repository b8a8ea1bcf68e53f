"""Compiler step 1: rule files (YAML with positions) to `Rule`s with condition trees.

This step checks shape only: which keys, which kinds of values. Whether a field exists and
whether a value suits it is the next steps' business (`riskd.rules.check`).
"""

from __future__ import annotations

import hashlib
import json
import re

from riskd.domain import Recommendation
from riskd.rules.ast import (
    AllOf,
    AnyOf,
    Condition,
    Leaf,
    NotOf,
    OnList,
    Op,
    Operand,
    Rule,
    RuleSeverity,
    RuleTest,
)
from riskd.rules.errors import Pos, error
from riskd.rules.yamlpos import Node, unknown_keys

RULE_ID = re.compile(r"^[A-Z][A-Z0-9]*(?:[-_.][A-Z0-9]+)*$")
RULE_KEYS = (
    "id",
    "title",
    "owner",
    "severity",
    "action",
    "score",
    "description",
    "valid_from",
    "valid_until",
    "tags",
    "shadow",
    "shadow_until",
    "when",
    "tests",
)
TEST_KEYS = ("name", "fires", "action", "line_nos", "declaration", "matches", "features")
MATCH_KEYS = ("min_score", "right_type", "recordation", "authorised", "raises_risk")
BRANCHES = ("all", "any", "not", "on_list", "match", "field")
ENUM_NAMES = ", ".join(r.value for r in Recommendation)


def rule_version(node: Node) -> str:
    """Content hash of the rule as written, recorded with each of its hits."""
    text = json.dumps(node.plain(), sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(text.encode()).hexdigest()[:12]


def parse_rule_file(root: Node) -> tuple[list[Rule], list[Condition]]:
    """The `rules:` of one file, and the conditions of rules whose other parts are broken
    (so that their conditions are still checked); problems go to the node's problem list."""
    problems = root.problems
    top = root.mapping("a mapping with the key 'rules'")
    if top is None:
        return [], []
    problems.extend(unknown_keys(top, ("rules",), "a rule file"))
    nodes = top["rules"][1].sequence("a list of rules") if "rules" in top else None
    rules: list[Rule] = []
    orphans: list[Condition] = []
    for node in nodes or []:
        rule, when = parse_rule(node)
        if rule is not None:
            rules.append(rule)
        elif when is not None:
            orphans.append(when)
    return rules, orphans


def parse_rule(node: Node) -> tuple[Rule | None, Condition | None]:
    """The rule, or None if any part is broken, and its condition if that part is sound."""
    problems = node.problems
    spec = node.mapping("a rule: a mapping with id, title, owner, severity, action/score, when")
    if spec is None:
        return None, None
    before = len(problems)
    problems.extend(unknown_keys(spec, RULE_KEYS, "a rule"))
    missing = [k for k in ("id", "title", "owner", "severity", "when") if k not in spec]
    for key in missing:
        node.fail("E-MISSING", f"a rule needs {key!r}")
    if "action" not in spec and "score" not in spec:
        node.fail("E-MISSING", "a rule needs an 'action' or a 'score' (or both)")
    rule_id = _rule_id(spec["id"][1]) if "id" in spec else None
    title = spec["title"][1].text("the rule's title") if "title" in spec else None
    owner = spec["owner"][1].text("the owning team or officer") if "owner" in spec else None
    severity = _enum(spec, "severity", RuleSeverity)
    action = _enum(spec, "action", Recommendation)
    score = _score(spec["score"][1]) if "score" in spec else None
    when = parse_condition(spec["when"][1]) if "when" in spec else None
    tags = _tags(spec["tags"][1]) if "tags" in spec else ()
    description = spec["description"][1].text() or "" if "description" in spec else ""
    valid_from = spec["valid_from"][1].day() if "valid_from" in spec else None
    valid_until = spec["valid_until"][1].day() if "valid_until" in spec else None
    if valid_from and valid_until and valid_from > valid_until:
        problems.append(
            error("E-VALUE", spec["valid_until"][0], "valid_until is before valid_from")
        )
    shadow = bool(spec["shadow"][1].boolean()) if "shadow" in spec else False
    shadow_until = spec["shadow_until"][1].day() if "shadow_until" in spec else None
    tests = _tests(spec["tests"][1]) if "tests" in spec else ()
    if None in (rule_id, title, owner, severity, when) or missing or len(problems) > before:
        return None, when
    assert rule_id and title and owner and severity and when
    rule = Rule(
        id=rule_id,
        title=title,
        owner=owner,
        severity=RuleSeverity(severity),
        action=Recommendation(action) if action else None,
        score=score or 0.0,
        when=when,
        pos=node.pos,
        version=rule_version(node),
        description=description,
        valid_from=valid_from,
        valid_until=valid_until,
        tags=tags,
        shadow=shadow,
        shadow_until=shadow_until,
        tests=tests,
    )
    return rule, when


def _rule_id(node: Node) -> str | None:
    text = node.text("the rule id")
    if text is not None and not RULE_ID.match(text):
        node.fail(
            "E-VALUE",
            f"rule id {text!r} must be upper case letters and digits joined by "
            "'-', '_' or '.', e.g. TM-FOOTWEAR-POST",
        )
        return None
    return text


def _enum(
    spec: dict[str, tuple[Pos, Node]], key: str, kind: type[RuleSeverity] | type[Recommendation]
) -> str | None:
    if key not in spec:
        return None
    node = spec[key][1]
    names = [m.value for m in kind]
    text = node.text(f"one of {', '.join(names)}")
    if text is not None and text not in names:
        node.fail("E-VALUE", f"{key} must be one of {', '.join(names)}, not {text!r}")
        return None
    return text


def _score(node: Node) -> float | None:
    value = node.number("a score between 0 and 1")
    if value is not None and not 0.0 <= value <= 1.0:
        node.fail("E-VALUE", f"score must be between 0 and 1, not {value}")
        return None
    return value


def _tags(node: Node) -> tuple[str, ...]:
    values = node.texts("a list of tags, e.g. [MEDIA, POSTAL]")
    return tuple(v.upper() for v in values or ())


def parse_condition(node: Node) -> Condition | None:
    """One condition node: all/any/not/on_list/match, or a field comparison."""
    spec = node.mapping("a condition: all, any, not, on_list, match or field with an operator")
    if spec is None:
        return None
    branch = [k for k in BRANCHES if k in spec]
    if len(branch) != 1:
        node.fail(
            "E-CONDITION",
            "a condition has exactly one of all, any, not, on_list, match, "
            f"field; found {', '.join(spec) or 'none'}",
        )
        return None
    kind = branch[0]
    if kind in ("all", "any"):
        _only(spec, (kind,), f"an {kind!r} condition")
        children_nodes = spec[kind][1].sequence(f"a list of conditions under {kind!r}")
        if children_nodes is None:
            return None
        if not children_nodes:
            spec[kind][1].fail("E-CONDITION", f"{kind!r} needs at least one condition")
            return None
        # a broken child is already reported; keep its siblings so their checks run too
        children = tuple(c for c in map(parse_condition, children_nodes) if c is not None)
        group = AllOf if kind == "all" else AnyOf
        return group(node.pos, children) if children else None
    if kind == "not":
        _only(spec, ("not",), "a 'not' condition")
        child = parse_condition(spec["not"][1])
        return None if child is None else NotOf(node.pos, child)
    if kind == "on_list":
        _only(spec, ("on_list",), "an 'on_list' condition")
        name = spec["on_list"][1].text("the name of a watchlist")
        return None if name is None else OnList(node.pos, name)
    if kind == "match":
        _only(spec, ("match",), "a 'match' condition")
        return _match(spec["match"][1], node.pos)
    return _leaf(node, spec)


def _only(spec: dict[str, tuple[Pos, Node]], allowed: tuple[str, ...], where: str) -> None:
    for key, (pos, node) in spec.items():
        if key not in allowed:
            node.problems.append(error("E-KEY", pos, f"unexpected key {key!r} in {where}"))


def _leaf(node: Node, spec: dict[str, tuple[Pos, Node]]) -> Leaf | None:
    field_node = spec["field"][1]
    field = field_node.text("a field name")
    ops = [k for k in spec if k != "field"]
    known = [k for k in ops if k in {o.value for o in Op}]
    for key in ops:
        if key not in known:
            node.problems.append(
                error(
                    "E-KEY",
                    spec[key][0],
                    f"unknown operator {key!r}; expected one of {', '.join(o.value for o in Op)}",
                )
            )
    if len(known) != 1:
        if not ops or len(known) > 1:
            node.fail(
                "E-CONDITION",
                f"a comparison of field {field!r} needs exactly one operator "
                f"({', '.join(o.value for o in Op)})",
            )
        return None
    op = Op(known[0])
    operand = _operand(op, spec[op.value][1])
    if field is None or operand is None:
        return None
    return Leaf(node.pos, field, op, operand, field_node.pos)


def _operand(op: Op, node: Node) -> Operand | None:
    """The constant of a comparison, in the shape its operator needs."""
    if op in (Op.EQ, Op.NE):
        if isinstance(node.value, bool):
            return node.value
        if isinstance(node.value, int | float):
            return float(node.value)
        return node.text("a text, a number or true/false")
    if op in (Op.LT, Op.LE, Op.GT, Op.GE):
        return node.number(f"a number to compare with ({op.value})")
    if op is Op.BETWEEN:
        items = node.sequence("two numbers [low, high]")
        if items is None:
            return None
        bounds = [n.number() for n in items]
        if len(bounds) != 2 or None in bounds:
            node.fail("E-VALUE", "between needs exactly two numbers [low, high]")
            return None
        low, high = float(bounds[0] or 0.0), float(bounds[1] or 0.0)
        if low > high:
            node.fail("E-VALUE", f"between [{low}, {high}]: low is above high")
        return (low, high)
    if op is Op.EXISTS:
        return node.boolean("true (the field is known) or false")
    if op in (Op.IN, Op.NOT_IN):
        items = node.sequence(f"a list of values for {op.value!r}")
        if items is None:
            return None
        values: list[str] = []
        for item in items:
            if isinstance(item.value, int | float) and not isinstance(item.value, bool):
                item.fail(
                    "E-TYPE",
                    f"write {item.value!r} in quotes: {op.value} compares texts "
                    "(HS codes keep their leading zeros only as text)",
                )
                return None
            text = item.text("a text")
            if text is None:
                return None
            values.append(text)
        return tuple(values)
    texts = node.texts(f"a text or a list of texts for {op.value!r}")
    if texts is None:
        return None
    if not texts or any(not t for t in texts):
        node.fail("E-VALUE", f"{op.value} needs non-empty texts")
        return None
    return tuple(t.lower() for t in texts) if op is Op.CONTAINS else texts


def _match(node: Node, pos: Pos) -> Condition | None:
    """`match:` is shorthand for conditions on the item's best match with a recorded right."""
    spec = node.mapping(f"a mapping with {', '.join(MATCH_KEYS)}")
    if spec is None:
        return None
    node.problems.extend(unknown_keys(spec, MATCH_KEYS, "a 'match' condition"))
    leaves: list[Condition] = []
    fields = {
        "min_score": ("match_score", Op.GE),
        "right_type": ("match_right_type", Op.IN),
        "recordation": ("match_recordation_id", Op.IN),
        "authorised": ("match_authorised", Op.EQ),
        "raises_risk": ("match_raises_risk", Op.EQ),
    }
    for key, (key_pos, value_node) in spec.items():
        if key not in fields:
            continue
        field, op = fields[key]
        operand: Operand | None
        if op is Op.IN:
            operand = value_node.texts()
        elif op is Op.EQ:
            operand = value_node.boolean()
        else:
            operand = value_node.number("a minimum score between 0 and 100")
        if operand is None:
            return None
        leaves.append(Leaf(value_node.pos, field, op, operand, key_pos))
    if "min_score" not in spec:
        leaves.append(Leaf(pos, "match_score", Op.GT, 0.0, pos))
    return leaves[0] if len(leaves) == 1 else AllOf(pos, tuple(leaves))


def _tests(node: Node) -> tuple[RuleTest, ...]:
    tests = []
    for index, test_node in enumerate(node.sequence("a list of tests") or [], start=1):
        parsed = _test(test_node, index)
        if parsed is not None:
            tests.append(parsed)
    return tuple(tests)


def _test(node: Node, index: int) -> RuleTest | None:
    spec = node.mapping("a test: a mapping with name, fires and declaration")
    if spec is None:
        return None
    node.problems.extend(unknown_keys(spec, TEST_KEYS, "a rule test"))
    for key in ("fires", "declaration"):
        if key not in spec:
            node.fail("E-MISSING", f"a rule test needs {key!r}")
    name = spec["name"][1].text() if "name" in spec else f"test {index}"
    fires = spec["fires"][1].boolean() if "fires" in spec else None
    action = _enum(spec, "action", Recommendation)
    line_nos = None
    if "line_nos" in spec:
        numbers = [
            n.number("a line number") for n in spec["line_nos"][1].sequence("line numbers") or []
        ]
        line_nos = tuple(int(n) for n in numbers if n is not None)
    if fires is None or "declaration" not in spec:
        return None
    return RuleTest(
        name=name or f"test {index}",
        pos=node.pos,
        declaration=spec["declaration"][1],
        matches=spec["matches"][1] if "matches" in spec else None,
        features=spec["features"][1] if "features" in spec else None,
        fires=fires,
        action=Recommendation(action) if action else None,
        line_nos=line_nos,
    )
