"""Step 4 alone: each operator's serving semantics, items, validity and shadow mode."""

from __future__ import annotations

from datetime import date

import pytest

from riskd.domain import Declaration, Money, Party, Procedure, RightType, RuleHit
from riskd.features import FeatureValue
from riskd.history import best_match
from riskd.rules.ast import AllOf, AnyOf, Condition, Leaf, NotOf, Rule
from riskd.rules.errors import Pos
from riskd.rules.evaluator import compile_rules, lower, lower_leaf
from riskd.rules.terms import Op, RuleSeverity
from tests.rules.factory import RATES, assessed, context, declaration, item, match

P = Pos("t.yaml", 1, 1)


def leaf(field: str, op: Op, operand: object) -> Leaf:
    return Leaf(P, field, op, operand, P)  # type: ignore[arg-type]


SHOES = declaration(
    item(1, "64041100", brand="VELOX", quantity=10.0, value=Money(40.0, "USD")),
    origin_country="HK",
    importer=Party("IMP-1"),
)


@pytest.mark.parametrize(
    ("condition", "holds"),
    [
        (leaf("transport_mode", Op.EQ, "POSTAL"), True),
        (leaf("transport_mode", Op.NE, "POSTAL"), False),
        (leaf("origin_country", Op.IN, ("CN", "HK")), True),
        (leaf("origin_country", Op.NOT_IN, ("CN", "HK")), False),
        (leaf("hs_code", Op.PREFIX, ("6404", "42")), True),
        (leaf("hs_chapter", Op.EQ, "64"), True),
        (leaf("hs_heading", Op.EQ, "6404"), True),
        (leaf("description", Op.CONTAINS, ("sho",)), True),
        (leaf("unit_value_usd", Op.LT, 4.0), False),
        (leaf("unit_value_usd", Op.LE, 4.0), True),
        (leaf("unit_value_usd", Op.BETWEEN, (4.0, 4.0)), True),
        (leaf("value_usd", Op.GT, 39.99), True),
        (leaf("total_value_usd", Op.GE, 40.0), True),
        (leaf("n_items", Op.EQ, 1.0), True),
        (leaf("importer_id", Op.EQ, "IMP-1"), True),
        (leaf("exporter_id", Op.EXISTS, False), True),
        (leaf("brand", Op.EXISTS, True), True),
        (leaf("match_score", Op.EQ, 0.0), True),  # no match reads as score 0
        (leaf("importer_seizure_rate", Op.EQ, 0.0), True),  # a missing feature reads as 0
    ],
)
def test_each_operator_on_a_known_declaration(condition: Leaf, holds: bool) -> None:
    assert lower_leaf(condition)(context(SHOES)) is holds


@pytest.mark.parametrize("op", [Op.EQ, Op.NE, Op.IN, Op.NOT_IN, Op.PREFIX, Op.CONTAINS])
def test_an_unknown_value_satisfies_no_comparison(op: Op) -> None:
    operand: object = ("CN",) if op not in (Op.EQ, Op.NE) else "CN"
    condition = leaf("exporter_id", op, operand)
    assert lower_leaf(condition)(context(SHOES)) is False
    assert lower(NotOf(P, condition), {})(context(SHOES)) is True


def test_unit_value_is_unknown_without_quantity_or_known_currency() -> None:
    for goods in (
        item(quantity=0.0, value=Money(5.0, "USD")),
        item(quantity=3.0, value=Money(5.0, "XXX")),
        item(quantity=3.0),
    ):
        assert lower_leaf(leaf("unit_value_usd", Op.EXISTS, False))(context(declaration(goods)))


def test_values_convert_by_the_currency_table() -> None:
    ctx = context(declaration(item(quantity=2.0, value=Money(100.0, "cny"))))
    assert lower_leaf(leaf("unit_value_usd", Op.EQ, 100.0 * RATES["CNY"] / 2))(ctx)


def test_match_fields_read_the_best_scoring_match() -> None:
    weak, strong = (
        match(70.0, recordation_id="A"),
        match(96.0, recordation_id="B", right_type=RightType.COPYRIGHT),
    )
    assert best_match((weak, strong)) is strong
    ctx = context(SHOES, matches={1: (weak, strong)})
    assert lower_leaf(leaf("match_recordation_id", Op.EQ, "B"))(ctx)
    assert lower_leaf(leaf("match_right_type", Op.IN, ("COPYRIGHT",)))(ctx)


def rule(when: Condition, **kw: object) -> Rule:
    values: dict[str, object] = {
        "id": "R-1",
        "title": "t",
        "owner": "o",
        "severity": RuleSeverity.LOW,
        "action": None,
        "score": 0.5,
        "when": when,
        "pos": P,
        "version": "v1",
    }
    values.update(kw)
    return Rule(**values)  # type: ignore[arg-type]


def evaluate(
    r: Rule, d: Declaration, features: dict[str, FeatureValue] | None = None
) -> tuple[RuleHit, ...]:
    compiled = compile_rules("set-1", [r], {}, RATES)
    return compiled.evaluate(d, assessed(d), features or {})


TWO_ITEMS = declaration(item(1, "61091000"), item(2, "64041100"), item(3, "64039900"))


def test_an_item_rule_fires_on_any_item_and_names_those_lines() -> None:
    (hit,) = evaluate(rule(leaf("hs_chapter", Op.EQ, "64")), TWO_ITEMS)
    assert hit.line_nos == (2, 3) and hit.rule_id == "R-1" and hit.version == "v1"


def test_conditions_hold_per_item_not_across_items() -> None:
    both = AllOf(P, (leaf("hs_code", Op.EQ, "61091000"), leaf("hs_code", Op.EQ, "64041100")))
    assert evaluate(rule(both), TWO_ITEMS) == ()
    either = AnyOf(P, both.children)
    assert evaluate(rule(either), TWO_ITEMS)[0].line_nos == (1, 2)


def test_a_declaration_rule_hit_names_no_lines() -> None:
    (hit,) = evaluate(rule(leaf("transport_mode", Op.EQ, "POSTAL")), TWO_ITEMS)
    assert hit.line_nos == ()


def test_history_features_come_from_the_features_mapping() -> None:
    r = rule(leaf("importer_inspections", Op.GE, 3.0))
    assert evaluate(r, SHOES, {"importer_inspections": 4.0})
    assert not evaluate(r, SHOES, {"importer_inspections": 2.0})
    assert not evaluate(r, SHOES)


def test_validity_and_shadow_are_judged_on_the_declaration_day() -> None:
    on = leaf("transport_mode", Op.EQ, "POSTAL")
    assert evaluate(rule(on, valid_from=date(2026, 11, 26)), SHOES) == ()
    assert evaluate(rule(on, valid_until=date(2026, 11, 24)), SHOES) == ()
    assert evaluate(rule(on, valid_from=date(2026, 11, 25), valid_until=date(2026, 11, 25)), SHOES)
    (trial,) = evaluate(rule(on, shadow_until=date(2026, 11, 25)), SHOES)
    (live,) = evaluate(rule(on, shadow_until=date(2026, 11, 24)), SHOES)
    assert trial.shadow and not live.shadow


def test_procedure_and_enums_compare_by_short_name() -> None:
    exhibit = declaration(procedure=Procedure.EXHIBITION)
    assert evaluate(rule(leaf("procedure", Op.EQ, "EXHIBITION")), exhibit)


def test_the_compiled_set_carries_its_version_and_size() -> None:
    compiled = compile_rules("rules-abc", [rule(leaf("n_items", Op.GT, 0.0))], {}, RATES)
    assert compiled.version == "rules-abc" and len(compiled) == 1
