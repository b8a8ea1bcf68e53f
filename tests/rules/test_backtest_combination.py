"""The backtest combines rule scores as the policy says, and as serving does.

`riskd.rules.backtest.rules_recommendation` is the polars lowering of what
`riskd.policy.recommend` decides from rule hits alone; the lanes of a backtest are only
worth reading if the two agree. The worked examples are counted by hand; the property draws
rule sets and hits and compares the two ways.
"""

from __future__ import annotations

import polars as pl
import pytest
from hypothesis import given
from hypothesis import strategies as st

from riskd.domain import Recommendation, RuleHit
from riskd.policy import Combine, Policy, recommend
from riskd.register.model import Register
from riskd.rules.ast import Leaf, Op, Rule, RuleSeverity
from riskd.rules.backtest import rules_recommendation
from riskd.rules.errors import Pos
from tests import factory

LANES = {"document_check_from": 0.5, "inspection_from": 0.7}
NOISY_OR = Policy(combine=Combine.NOISY_OR, **LANES)  # type: ignore[arg-type]
MAX = Policy(combine=Combine.MAX, **LANES)  # type: ignore[arg-type]
POS = Pos("rules.yaml", 1, 1)


def rule(n: int, score: float, action: Recommendation | None = None) -> Rule:
    return Rule(
        id=f"R{n}",
        title=f"rule {n}",
        owner="risk office",
        severity=RuleSeverity.LOW,
        action=action,
        score=score,
        when=Leaf(POS, "transport_mode", Op.EQ, "POSTAL", POS),
        pos=POS,
        version=f"v{n}",
    )


def backtest_severity(
    policy: Policy, rules: list[Rule], fired: list[bool], shadow: list[bool]
) -> int:
    """The severity the backtest gives one declaration on which `fired` rules hit."""
    row = {f"r{i}": [f] for i, f in enumerate(fired)} | {f"s{i}": [s] for i, s in enumerate(shadow)}
    hits = pl.DataFrame(row, schema={c: pl.Boolean for c in row})
    got = hits.select(rules_recommendation(hits, rules, policy).alias("severity"))
    return int(got["severity"][0])


def serving_severity(
    policy: Policy, rules: list[Rule], fired: list[bool], shadow: list[bool]
) -> int:
    hits = tuple(
        RuleHit(r.id, r.version, title=r.title, action=r.action, score=r.score, shadow=s)
        for r, f, s in zip(rules, fired, shadow, strict=True)
        if f
    )
    decision = recommend(
        policy,
        Register(version="none", recordations=()),
        factory.declaration(),
        items=(),
        rule_hits=hits,
        model=None,
        draw_random=False,
    )
    return decision.recommendation.severity


@pytest.mark.parametrize(
    ("scores", "noisy_or", "strongest"),
    [
        # 1 - 0.6 * 0.6 = 0.64: two rules of 0.4 reach the document check (0.5) together;
        # the strongest alone, 0.4, releases.
        ((0.4, 0.4), 1, 0),
        # 1 - 0.6^3 = 0.784 reaches the physical inspection (0.7); the strongest does not.
        ((0.4, 0.4, 0.4), 2, 0),
        # 1 - 0.4 * 0.9 = 0.64 against 0.6: both a document check.
        ((0.6, 0.1), 1, 1),
        # 1 - 0.5 * 0.5 = 0.75 reaches the inspection; 0.5 alone is a document check.
        ((0.5, 0.5), 2, 1),
        # A single rule is its own score either way: 0.69 is just below the inspection.
        ((0.69,), 1, 1),
        ((0.7,), 2, 2),
        # A certain rule (1.0) inspects but does not detain: the policy sets no detain threshold.
        ((1.0,), 2, 2),
        ((1.0, 0.5), 2, 2),
        # 1 - 0.8 * 0.8 = 0.36: below the document check both ways.
        ((0.2, 0.2), 0, 0),
    ],
)
def test_rule_scores_combine_as_counted_by_hand(
    scores: tuple[float, ...], noisy_or: int, strongest: int
) -> None:
    rules = [rule(n, s) for n, s in enumerate(scores)]
    fired, shadow = [True] * len(rules), [False] * len(rules)
    assert backtest_severity(NOISY_OR, rules, fired, shadow) == noisy_or
    assert backtest_severity(MAX, rules, fired, shadow) == strongest


def test_shadow_and_silent_rules_add_nothing() -> None:
    rules = [rule(0, 0.4), rule(1, 0.4), rule(2, 0.4, Recommendation.DETAIN)]
    # R1 did not fire, R2 fired in shadow: only R0's 0.4 counts, which releases
    assert backtest_severity(NOISY_OR, rules, [True, False, True], [False, False, True]) == 0


def test_an_action_sets_a_floor_above_the_score() -> None:
    rules = [rule(0, 0.0, Recommendation.PHYSICAL_INSPECTION), rule(1, 0.1)]
    assert backtest_severity(NOISY_OR, rules, [True, True], [False, False]) == 2
    assert backtest_severity(NOISY_OR, rules, [False, True], [False, False]) == 0


def test_a_detain_threshold_detains_from_the_score() -> None:
    policy = Policy(combine=Combine.NOISY_OR, detain_from=0.9, **LANES)  # type: ignore[arg-type]
    rules = [rule(0, 0.7), rule(1, 0.7)]  # 1 - 0.09 = 0.91
    assert backtest_severity(policy, rules, [True, True], [False, False]) == 3
    assert backtest_severity(policy, rules, [True, False], [False, False]) == 2


def test_no_rules_release() -> None:
    hits = pl.DataFrame({"declaration_id": ["D1"]})
    assert hits.select(rules_recommendation(hits, [], NOISY_OR))[0, 0] == 0


SCORES = st.sampled_from([0.0, 0.1, 0.2, 0.25, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 1.0])
ACTIONS = st.one_of(st.none(), st.sampled_from(list(Recommendation)))


@given(
    drawn=st.lists(st.tuples(SCORES, ACTIONS, st.booleans(), st.booleans()), max_size=6),
    combine=st.sampled_from(list(Combine)),
    detain_from=st.one_of(st.none(), st.sampled_from([0.8, 0.9, 0.95])),
    weight=st.sampled_from([0.5, 1.0, 1.5]),
)
def test_backtest_decides_as_serving_does(
    drawn: list[tuple[float, Recommendation | None, bool, bool]],
    combine: Combine,
    detain_from: float | None,
    weight: float,
) -> None:
    policy = Policy(
        combine=combine,
        detain_from=detain_from,
        rule_weight=weight,
        **LANES,  # type: ignore[arg-type]
    )
    rules = [rule(n, score, action) for n, (score, action, _, _) in enumerate(drawn)]
    fired = [f for _, _, f, _ in drawn]
    shadow = [s for _, _, _, s in drawn]
    assert backtest_severity(policy, rules, fired, shadow) == serving_severity(
        policy, rules, fired, shadow
    )
