"""The policy file and how the policy combines rules, model and matches into a lane."""

from __future__ import annotations

from pathlib import Path

import pytest

from riskd.domain import Lane, Match, Money, Procedure, Recommendation, RuleHit
from riskd.model import ModelScore
from riskd.policy import Combine, Decision, Policy, recommend
from riskd.register.model import EMPTY_REGISTER
from riskd.rules.loader import compile_directory
from tests.rules.factory import TODAY, assessed, declaration, item, match, write_dir

POLICY = """
policy:
  lanes: {blue: 0.3, yellow: 0.5, red: 0.7, detain: 0.95}
  combine: {method: noisy_or, rule_weight: 1.0, model_weight: 0.5, match_weight: 0.8}
  matches: {detain_from_score: 90}
  random_selection: {rate: 0.02, salt: s-1}
  referral: {threshold: {amount: 1000000, currency: CNY}}
  exhibition: {minimum: DOCUMENT_CHECK, on_match: DOCUMENT_CHECK}
  capacity: {default: 0.05, offices: {"2244": 0.08}}
"""


def load(tmp_path: Path, text: str = POLICY) -> tuple[Policy, list[str]]:
    directory = compile_directory(write_dir(tmp_path / "r", {"policy.yaml": text}), today=TODAY)
    return directory.policy, [f"{p.code}@{p.pos.line}:{p.pos.column}" for p in directory.problems]


def test_the_policy_file_sets_every_part(tmp_path: Path) -> None:
    policy, problems = load(tmp_path)
    assert problems == []
    assert (
        policy.audit_from,
        policy.document_check_from,
        policy.inspection_from,
        policy.detain_from,
    ) == (0.3, 0.5, 0.7, 0.95)
    assert policy.combine is Combine.NOISY_OR and policy.model_weight == 0.5
    assert policy.match_detain_from == 90 and policy.random_rate == 0.02
    assert policy.referral_threshold == Money(138000.0, "USD")  # held in USD
    assert policy.exhibition_minimum is Recommendation.DOCUMENT_CHECK
    assert policy.capacity_of("2244") == 0.08 and policy.capacity_of("9999") == 0.05
    assert policy.rates_to_base["CNY"] == 0.138
    assert policy.version.startswith("policy-")


def test_the_policy_version_is_its_content_hash(tmp_path: Path) -> None:
    a, _ = load(tmp_path / "a")
    b, _ = load(tmp_path / "b")
    c, _ = load(tmp_path / "c", POLICY.replace("rate: 0.02", "rate: 0.03"))
    assert a.version == b.version != c.version


@pytest.mark.parametrize(
    ("old", "new", "value"),
    [
        ("rate: 0.02", "rate: 0.0", "0.0"),
        ("method: noisy_or", "method: sum", "sum"),
        ("red: 0.7", "red: 1.7", "1.7"),
        ("currency: CNY", "currency: XYZ", "XYZ"),
        ("on_match: DOCUMENT_CHECK", "on_match: WAVE", "WAVE"),
    ],
)
def test_policy_mistakes_are_refused_at_their_position(
    tmp_path: Path, old: str, new: str, value: str
) -> None:
    text = POLICY.replace(old, new)
    lines = text.lstrip("\n").splitlines()
    line = next(i for i, t in enumerate(lines) if new in t)
    expected = f"E-VALUE@{line + 1}:{lines[line].index(value, lines[line].index(new)) + 1}"
    _, problems = load(tmp_path, text)
    assert expected in problems


def test_lanes_must_rise(tmp_path: Path) -> None:
    _, problems = load(tmp_path, POLICY.replace("blue: 0.3", "blue: 0.8"))
    assert "E-VALUE@2:10" in problems  # the lanes mapping


def decide(
    policy: Policy,
    hits: tuple[RuleHit, ...] = (),
    model: float | None = None,
    matches: tuple[Match, ...] = (),
    procedure: Procedure = Procedure.STANDARD,
) -> Decision:
    d = declaration(item(value=Money(10.0, "USD")), procedure=procedure)
    score = ModelScore(model) if model is not None else None
    return recommend(
        policy,
        EMPTY_REGISTER,
        d,
        assessed(d, {1: matches}),
        hits,
        score,
        draw_random=False,
    )


def hit(score: float = 0.0, action: Recommendation | None = None, shadow: bool = False) -> RuleHit:
    return RuleHit("R", "v", "t", action, score, shadow)


def test_max_lets_the_strongest_signal_decide_and_noisy_or_adds_them_up() -> None:
    policy = Policy(audit_from=0.3, document_check_from=0.5, inspection_from=0.7)
    two = (hit(0.45), hit(0.45))
    assert decide(policy, two).risk_score == pytest.approx(0.45)
    noisy = Policy(
        audit_from=0.3, document_check_from=0.5, inspection_from=0.7, combine=Combine.NOISY_OR
    )
    result = decide(noisy, two, model=0.2)
    assert result.risk_score == pytest.approx(1 - 0.55 * 0.55 * 0.8)
    assert result.recommendation is Recommendation.PHYSICAL_INSPECTION


def test_lanes_follow_the_thresholds() -> None:
    policy = Policy(audit_from=0.3, document_check_from=0.5, inspection_from=0.7, detain_from=0.9)
    expected = [
        (0.1, Lane.GREEN, Recommendation.RELEASE),
        (0.35, Lane.BLUE, Recommendation.RELEASE),
        (0.6, Lane.YELLOW, Recommendation.DOCUMENT_CHECK),
        (0.8, Lane.RED, Recommendation.PHYSICAL_INSPECTION),
        (0.95, Lane.RED, Recommendation.DETAIN),
    ]
    for risk, lane, recommendation in expected:
        result = decide(policy, (hit(risk),))
        assert (result.lane, result.recommendation) == (lane, recommendation)


def test_actions_are_a_floor_and_shadow_hits_change_nothing() -> None:
    policy = Policy()
    assert decide(policy, (hit(0.0, Recommendation.DOCUMENT_CHECK),)).recommendation is (
        Recommendation.DOCUMENT_CHECK
    )
    shadow = decide(policy, (hit(0.99, Recommendation.DETAIN, shadow=True),))
    assert shadow.recommendation is Recommendation.RELEASE and shadow.reasons == ()


def test_strong_matches_detain_weaker_ones_add_risk() -> None:
    policy = Policy(match_detain_from=90.0, match_weight=0.8)
    strong = decide(policy, matches=(match(95.0),))
    assert strong.recommendation is Recommendation.DETAIN and strong.notify
    weak = decide(policy, matches=(match(80.0),))
    assert weak.risk_score == pytest.approx(0.64)
    assert weak.recommendation is Recommendation.DOCUMENT_CHECK and not weak.notify


def test_exhibition_goods_get_their_own_handling() -> None:
    policy = Policy(
        exhibition_minimum=Recommendation.DOCUMENT_CHECK,
        exhibition_on_match=Recommendation.DOCUMENT_CHECK,
    )
    quiet = decide(policy, procedure=Procedure.EXHIBITION)
    assert quiet.recommendation is Recommendation.DOCUMENT_CHECK
    matched = decide(policy, matches=(match(99.0),), procedure=Procedure.EXHIBITION)
    assert matched.recommendation is Recommendation.DOCUMENT_CHECK and matched.notify


def test_random_selection_is_reproducible_and_near_its_rate() -> None:
    policy = Policy(random_rate=0.05, random_salt="x")
    drawn = [policy.randomly_selected(f"D{i}") for i in range(20_000)]
    assert drawn == [policy.randomly_selected(f"D{i}") for i in range(20_000)]
    assert 0.04 < sum(drawn) / len(drawn) < 0.06
    other = Policy(random_rate=0.05, random_salt="y")
    assert drawn != [other.randomly_selected(f"D{i}") for i in range(20_000)]


def test_a_policy_without_random_selection_cannot_be_made() -> None:
    with pytest.raises(ValueError, match="random_rate"):
        Policy(random_rate=0.0)


def test_office_codes_must_be_quoted(tmp_path: Path) -> None:
    _, problems = load(tmp_path, POLICY.replace('"2244": 0.08', "0101: 0.08"))
    assert "E-TYPE@8:39" in problems  # at the key
