"""Step 1 (parse) and steps 2-3 (resolve, type-check) alone, and errors with positions."""

from __future__ import annotations

from pathlib import Path

import pytest
from ruamel.yaml import YAML

from riskd.rules.ast import AllOf, AnyOf, Leaf, NotOf, OnList
from riskd.rules.check import check_condition, never_fires
from riskd.rules.errors import Pos, Problem, Severity, sorted_problems
from riskd.rules.lists import ListKind, WatchList
from riskd.rules.loader import compile_directory
from riskd.rules.parse import parse_condition
from riskd.rules.terms import Op
from riskd.rules.yamlpos import Document
from tests.rules.factory import TODAY, write_dir


def condition_of(text: str) -> tuple[object, list[Problem]]:
    problems: list[Problem] = []
    document = Document("c.yaml", YAML().load(text), problems)
    return parse_condition(document), problems


def test_a_nested_condition_parses_into_its_tree_with_positions() -> None:
    tree, problems = condition_of(
        "all:\n"
        "  - {field: transport_mode, in: [POSTAL, COURIER]}\n"
        "  - any:\n"
        "      - {field: unit_value_usd, lt: 15}\n"
        "      - not: {on_list: suspects}\n"
    )
    assert problems == []
    assert isinstance(tree, AllOf)
    first, second = tree.children
    assert first == Leaf(
        Pos("c.yaml", 2, 5), "transport_mode", Op.IN, ("POSTAL", "COURIER"), Pos("c.yaml", 2, 13)
    )
    assert isinstance(second, AnyOf)
    assert second.children[0] == Leaf(
        Pos("c.yaml", 4, 9), "unit_value_usd", Op.LT, 15.0, Pos("c.yaml", 4, 17)
    )
    negation = second.children[1]
    assert isinstance(negation, NotOf) and negation.child == OnList(
        Pos("c.yaml", 5, 14), "suspects"
    )


def test_match_shorthand_expands_to_conditions_on_the_best_match() -> None:
    tree, problems = condition_of(
        "match: {min_score: 85, right_type: TRADEMARK, authorised: false}"
    )
    assert problems == []
    assert isinstance(tree, AllOf)
    assert [(c.field, c.op, c.operand) for c in tree.children if isinstance(c, Leaf)] == [
        ("match_score", Op.GE, 85.0),
        ("match_right_type", Op.IN, ("TRADEMARK",)),
        ("match_authorised", Op.EQ, False),
    ]


@pytest.mark.parametrize(
    ("text", "code", "line", "column", "says"),
    [
        ("{field: hs_chapter, in: [64]}", "E-TYPE", 1, 26, "in quotes"),
        ("{field: quantity}", "E-CONDITION", 1, 1, "exactly one operator"),
        ("{field: quantity, gt: 1, lt: 5}", "E-CONDITION", 1, 1, "exactly one operator"),
        ("{field: quantity, above: 1}", "E-KEY", 1, 19, "unknown operator 'above'"),
        ("all: []", "E-CONDITION", 1, 6, "at least one"),
        ("{all: [], any: []}", "E-CONDITION", 1, 1, "exactly one of"),
        ("{field: quantity, between: [5, 1]}", "E-VALUE", 1, 28, "low is above high"),
        ("[a, b]", "E-TYPE", 1, 1, "expected a condition"),
    ],
)
def test_shape_errors_name_line_column_and_what_was_expected(
    text: str, code: str, line: int, column: int, says: str
) -> None:
    _, problems = condition_of(text)
    assert any(
        p.code == code and (p.pos.line, p.pos.column) == (line, column) and says in p.message
        for p in problems
    ), problems


def leaf(field: str, op: Op, operand: object) -> Leaf:
    return Leaf(Pos("f", 1, 1), field, op, operand, Pos("f", 1, 1))  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("condition", "code", "severity"),
    [
        (leaf("quantity", Op.CONTAINS, ("x",)), "E-OPERATOR", Severity.ERROR),
        (leaf("brand", Op.LT, 3.0), "E-OPERATOR", Severity.ERROR),
        (leaf("hs_chapter", Op.EQ, 64.0), "E-TYPE", Severity.ERROR),
        (leaf("match_authorised", Op.EQ, "yes"), "E-TYPE", Severity.ERROR),
        (leaf("transport_mode", Op.EQ, "POST"), "W-NEVER-FIRES", Severity.WARNING),
        (leaf("transport_mod", Op.EQ, "POSTAL"), "E-UNKNOWN-FIELD", Severity.ERROR),
        (OnList(Pos("f", 1, 1), "suspect"), "E-UNKNOWN-LIST", Severity.ERROR),
    ],
)
def test_type_check_finds_each_mistake(condition: object, code: str, severity: Severity) -> None:
    lists = {"suspects": WatchList("suspects", ListKind.PARTIES, (), Pos("l", 1, 1))}
    problems = check_condition(condition, lists)  # type: ignore[arg-type]
    assert [(p.code, p.severity) for p in problems] == [(code, severity)]


def test_unknown_names_come_with_a_suggestion() -> None:
    lists = {"suspects": WatchList("suspects", ListKind.PARTIES, (), Pos("l", 1, 1))}
    assert (
        "did you mean 'suspects'"
        in check_condition(OnList(Pos("f", 1, 1), "suspect"), lists)[0].message
    )
    assert (
        "Did you mean 'transport_mode'"
        in check_condition(leaf("transport_mod", Op.EQ, "POSTAL"), {})[0].message
    )


def test_well_typed_conditions_pass() -> None:
    for condition in (
        leaf("quantity", Op.BETWEEN, (1.0, 2.0)),
        leaf("brand", Op.EXISTS, True),
        leaf("hs_code", Op.PREFIX, ("64",)),
        leaf("match_raises_risk", Op.EQ, True),
    ):
        assert check_condition(condition, {}) == []


@pytest.mark.parametrize(
    ("condition", "never"),
    [
        (AllOf(Pos("f"), (leaf("quantity", Op.GT, 10.0), leaf("quantity", Op.LT, 5.0))), True),
        (AllOf(Pos("f"), (leaf("quantity", Op.GE, 5.0), leaf("quantity", Op.LE, 5.0))), False),
        (AllOf(Pos("f"), (leaf("quantity", Op.GT, 5.0), leaf("quantity", Op.LE, 5.0))), True),
        (
            AllOf(
                Pos("f"),
                (leaf("origin_country", Op.EQ, "CN"), leaf("origin_country", Op.IN, ("HK", "TR"))),
            ),
            True,
        ),
        (
            AllOf(
                Pos("f"),
                (leaf("origin_country", Op.EQ, "CN"), leaf("origin_country", Op.IN, ("CN", "TR"))),
            ),
            False,
        ),
        (
            AnyOf(
                Pos("f"), (leaf("quantity", Op.BETWEEN, (3.0, 2.0)), leaf("quantity", Op.GT, 1.0))
            ),
            False,
        ),
        (leaf("transport_mode", Op.IN, ("CAR", "BOAT")), True),
    ],
)
def test_never_fires_spots_contradictions(condition: object, never: bool) -> None:
    assert (never_fires(condition, {}, TODAY) is not None) is never  # type: ignore[arg-type]


BROKEN = """
rules:
  - id: GOOD-RULE
    title: fine
    owner: me
    severity: LOW
    score: 0.5
    when: {field: quantity, gt: 1}
  - id: bad id
    title: broken
    owner: me
    severity: HUGE
    action: INSPECT
    when:
      all:
        - {field: transport_mode, eq: POSTAL}
        - {field: quantity, contains: x}
        - {on_list: nowhere}
  - id: GOOD-RULE
    title: twice
    owner: me
    severity: LOW
    score: 0.5
    valid_until: 2020-01-01
    when: {field: quantity, gt: 1}
    surprise: 1
"""


def test_a_directory_check_reports_every_problem_sorted_by_position(tmp_path: Path) -> None:
    directory = compile_directory(write_dir(tmp_path / "r", {"a.yaml": BROKEN}), today=TODAY)
    found = [
        (p.code, p.pos.line, p.pos.column)
        for p in directory.problems
        if p.pos.file.endswith("a.yaml")
    ]
    assert found == [
        ("E-VALUE", 8, 9),  # rule id
        ("E-VALUE", 11, 15),  # severity
        ("E-VALUE", 12, 13),  # action
        ("E-OPERATOR", 16, 11),  # contains on a number, checked although the rule is broken
        ("E-UNKNOWN-LIST", 17, 11),
        ("E-KEY", 25, 5),  # surprise
    ]
    assert not directory.ok and directory.compiled is None
    assert list(directory.problems) == sorted_problems(directory.problems)


def test_yaml_syntax_errors_have_positions(tmp_path: Path) -> None:
    text = "rules:\n  - id: X\n    title: [unclosed\n"
    directory = compile_directory(write_dir(tmp_path / "r", {"a.yaml": text}), today=TODAY)
    (problem,) = [p for p in directory.problems if p.code == "E-YAML"]
    assert problem.pos.file.endswith("a.yaml") and problem.pos.line >= 3


def test_warnings_for_duplicates_and_expired_rules_do_not_refuse(tmp_path: Path) -> None:
    text = BROKEN.split("  - id: bad id")[0] + BROKEN.split("        - {on_list: nowhere}\n")[1]
    text = text.replace("    surprise: 1\n", "")
    directory = compile_directory(write_dir(tmp_path / "r", {"a.yaml": text}), today=TODAY)
    codes = sorted(p.code for p in directory.problems)
    assert codes == ["W-DUPLICATE-ID", "W-DUPLICATE-ID", "W-EXPIRED-RULE", "W-NO-POLICY"]
    assert directory.ok
