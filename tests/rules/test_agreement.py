"""The serving evaluator and the polars lowering of the same rules agree on every declaration.

Random rules (random condition trees over every documented field, watchlists of every kind
with random validity) over random declarations: the set of (declaration, rule) hits must be
the same both ways, and so must the rule's shadow state.
"""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from riskd.rules.ast import Rule
from riskd.rules.backtest import evaluate_frame
from riskd.rules.check import check_condition
from riskd.rules.errors import errors_of
from riskd.rules.evaluator import compile_rules, declared_on, item_contexts
from riskd.rules.frame import Screened, frame_of, prepare_frame
from riskd.rules.lists import WatchList
from tests.rules.strategies import RATES, rules, screened, vocabularies, watchlists


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
