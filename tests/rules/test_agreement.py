"""The serving evaluator and the polars lowering of the same rules agree on every declaration.

Random rules (random condition trees over every documented field, watchlists of every kind
with random validity) over random declarations: the set of (declaration, rule) hits must be
the same both ways, and so must the rule's shadow state.
"""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from riskd.domain import Declaration, Direction, Item, ItemAssessment, TransportMode
from riskd.rules.ast import Leaf, Rule
from riskd.rules.backtest import evaluate_frame
from riskd.rules.check import check_condition
from riskd.rules.errors import errors_of
from riskd.rules.evaluator import compile_rules, declared_on, item_contexts
from riskd.rules.frame import Screened, frame_of, prepare_frame
from riskd.rules.lists import WatchList
from riskd.rules.terms import Op, RuleSeverity
from tests.rules.strategies import POS, RATES, rules, screened, vocabularies, watchlists


def _serving_hits(
    rule_set: list[Rule], lists: dict[str, WatchList], batch: list[Screened]
) -> set[tuple[str, str, bool]]:
    compiled = compile_rules("v", rule_set, lists, RATES)
    found = set()
    for s in batch:
        contexts = item_contexts(s.declaration, s.items, s.features, RATES)
        for index, rule in enumerate(compiled.rules):
            hit = rule.hit(contexts, declared_on(s.declaration))
            if hit is not None:
                found.add((s.declaration.declaration_id, f"r{index}", hit.shadow))
    return found


def _polars_hits(
    rule_set: list[Rule], lists: dict[str, WatchList], batch: list[Screened]
) -> set[tuple[str, str, bool]]:
    prepared = prepare_frame(frame_of(batch), RATES)
    hits = evaluate_frame(prepared, rule_set, lists)
    found = set()
    for row in hits.iter_rows(named=True):
        for index in range(len(rule_set)):
            if row[f"r{index}"]:
                found.add((row["declaration_id"], f"r{index}", bool(row[f"s{index}"])))
    return found


@st.composite
def cases(draw: st.DrawFn) -> tuple[list[Rule], dict[str, WatchList], list[Screened]]:
    n_rules = draw(st.integers(1, 5))
    n_declarations = draw(st.integers(1, 8))
    vocabulary = draw(vocabularies()) if draw(st.booleans()) else None
    return (
        [draw(rules(i, vocabulary)) for i in range(n_rules)],
        draw(watchlists()),
        [draw(screened(i)) for i in range(n_declarations)],
    )


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(cases())
def test_evaluator_and_polars_agree(
    case: tuple[list[Rule], dict[str, WatchList], list[Screened]],
) -> None:
    rule_set, lists, batch = case
    for rule in rule_set:
        assert not errors_of(check_condition(rule.when, lists))
    assert _serving_hits(rule_set, lists, batch) == _polars_hits(rule_set, lists, batch)


def test_agreement_is_not_vacuous() -> None:
    """The generated cases do fire rules both ways, and not always."""
    fired = silent = 0

    @settings(max_examples=60, deadline=None, database=None)
    @given(cases())
    def count(case: tuple[list[Rule], dict[str, WatchList], list[Screened]]) -> None:
        nonlocal fired, silent
        rule_set, lists, batch = case
        hits = _serving_hits(rule_set, lists, batch)
        fired += len(hits)
        silent += len(rule_set) * len(batch) - len(hits)

    count()
    assert fired > 20 and silent > 20


# the truth of each comparison with 10, written out independently of both lowerings
TRUTH_AT_10: dict[Op, tuple[bool, bool, bool]] = {  # for quantities 9, 10, 11
    Op.LT: (True, False, False),
    Op.LE: (True, True, False),
    Op.GT: (False, False, True),
    Op.GE: (False, True, True),
    Op.EQ: (False, True, False),
    Op.NE: (True, False, True),
}
BOUNDARY_CASES = [
    *(
        ("quantity", op, 10.0, quantity, expected)
        for op, truths in TRUTH_AT_10.items()
        for quantity, expected in zip((9.0, 10.0, 11.0), truths, strict=True)
    ),
    *(
        ("quantity", Op.BETWEEN, (9.0, 10.0), quantity, expected)
        for quantity, expected in ((8.0, False), (9.0, True), (10.0, True), (11.0, False))
    ),
]


@pytest.mark.parametrize(("field", "op", "operand", "quantity", "expected"), BOUNDARY_CASES)
def test_both_lowerings_agree_at_the_boundaries(
    field: str, op: Op, operand: object, quantity: float, expected: bool
) -> None:
    """Boundaries decided table by table (random cases meet them only now and then)."""
    goods = Item(1, "64041100", "shoes", quantity=quantity)
    declaration = Declaration(
        "D1",
        datetime(2026, 5, 1, tzinfo=UTC),
        Direction.IMPORT,
        "2244",
        TransportMode.SEA,
        (goods,),
    )
    batch = [Screened(declaration, (ItemAssessment(1),), {})]
    rule = Rule(
        id="R0",
        title="t",
        owner="o",
        severity=RuleSeverity.LOW,
        action=None,
        score=0.5,
        when=Leaf(POS, field, op, operand, POS),  # type: ignore[arg-type]
        pos=POS,
        version="v",
    )
    wanted = {("D1", "r0", False)} if expected else set()
    assert _serving_hits([rule], {}, batch) == wanted
    assert _polars_hits([rule], {}, batch) == wanted
