"""The serving snapshot and `assess()`, which runs a declaration through every stage.

    declaration ─► normalise ─► match ─► features ─► rules ─► model ─► recommend

A Snapshot holds everything a decision depends on, each part with its version. It is
immutable: a reload builds a new one off the serving path and `SnapshotHolder.swap`
replaces the reference in one step, so a request sees either the old or the new snapshot,
never a mixture.
"""

from __future__ import annotations

import os
import threading
import time
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime

from riskd.domain import Assessment, Declaration, ItemAssessment, RuleHit, Versions
from riskd.features import (
    NO_HISTORY,
    FeatureValue,
    HistoryProvider,
    ProfileKeys,
    declaration_features,
    with_rule_hits,
)
from riskd.matching import Matcher, build_matcher
from riskd.model import ModelScore, RiskModel, model_reasons, score_many
from riskd.policy import Policy, degraded, recommend
from riskd.register.model import EMPTY_REGISTER, Register
from riskd.rules import NO_RULES, RuleSet


@dataclass(frozen=True, slots=True)
class Snapshot:
    register: Register
    matcher: Matcher
    rules: RuleSet
    model: RiskModel | None
    policy: Policy
    loaded_at: datetime
    # parts that failed to load at start and are served empty ("model", "register"): every
    # decision is then at least a document check, with reason SERVICE_DEGRADED
    degraded: frozenset[str] = frozenset()

    @property
    def versions(self) -> Versions:
        return Versions(
            register=self.register.version,
            rules=self.rules.version,
            model=self.model.version if self.model is not None else "",
            policy=self.policy.version,
        )

    def with_register(self, register: Register) -> Snapshot:
        """A new snapshot with another register (and its matcher, built here, once)."""
        return replace(
            self,
            register=register,
            matcher=build_matcher(register),
            loaded_at=_now(),
            degraded=self.degraded - {"register"},
        )

    def with_rules(self, rules: RuleSet, policy: Policy | None = None) -> Snapshot:
        return replace(self, rules=rules, policy=policy or self.policy, loaded_at=_now())

    def with_model(self, model: RiskModel | None) -> Snapshot:
        return replace(self, model=model, loaded_at=_now(), degraded=self.degraded - {"model"})


def build_snapshot(
    register: Register = EMPTY_REGISTER,
    rules: RuleSet = NO_RULES,
    model: RiskModel | None = None,
    policy: Policy | None = None,
) -> Snapshot:
    return Snapshot(
        register=register,
        matcher=build_matcher(register),
        rules=rules,
        model=model,
        policy=policy or Policy(),
        loaded_at=_now(),
    )


class SnapshotHolder:
    """The one mutable reference of the serving state. Reads take no lock (a reference read
    is atomic); swaps are serialised so that two reloads cannot interleave."""

    def __init__(self, snapshot: Snapshot) -> None:
        self._snapshot = snapshot
        self._swap_lock = threading.Lock()

    def current(self) -> Snapshot:
        return self._snapshot

    @property
    def swap_lock(self) -> threading.Lock:
        """Held by a reload while it builds the next snapshot from the current one."""
        return self._swap_lock

    def swap(self, snapshot: Snapshot) -> None:
        self._snapshot = snapshot


def new_decision_id() -> str:
    return str(uuid.uuid4())


def new_decision_ids(count: int) -> list[str]:
    """`count` random (version 4) UUIDs from one read of the system's random source."""
    random = os.urandom(16 * count)
    return [str(uuid.UUID(bytes=random[16 * i : 16 * (i + 1)], version=4)) for i in range(count)]


@dataclass(frozen=True, slots=True)
class Evidence:
    """What a declaration's recommendation is made from: its item matches, its features
    (with the rule hits), the rule hits and the model's score."""

    items: tuple[ItemAssessment, ...]
    features: dict[str, FeatureValue]
    rule_hits: tuple[RuleHit, ...]
    model_score: ModelScore | None


def gather(
    snapshot: Snapshot,
    declarations: Sequence[Declaration],
    *,
    history: HistoryProvider = NO_HISTORY,
    profile_keys: Sequence[ProfileKeys] | None = None,
    stage_seconds: Callable[[str, float], None] | None = None,
) -> list[Evidence]:
    """Match, features and rules per declaration, then the model once for all of them (one
    call into LightGBM instead of one per declaration; the same scores). None of it
    depends on the other declarations: what does (an office's inspection load) is in
    `decide`."""
    keys: Sequence[ProfileKeys | None] = profile_keys or [None] * len(declarations)
    found = []
    for declaration, declaration_keys in zip(declarations, keys, strict=True):
        started = time.perf_counter()
        items = tuple(
            ItemAssessment(
                item.line_no,
                snapshot.matcher.match_item(item, declaration, snapshot.policy.in_base_currency),
            )
            for item in declaration.items
        )
        matched = time.perf_counter()
        features = declaration_features(
            declaration, items, history, snapshot.policy.rates_to_base, declaration_keys
        )
        featured = time.perf_counter()
        rule_hits = snapshot.rules.evaluate(declaration, items, features)
        found.append((items, with_rule_hits(features, rule_hits), rule_hits))
        if stage_seconds is not None:
            stage_seconds("match", matched - started)
            stage_seconds("features", featured - matched)
            stage_seconds("rules", time.perf_counter() - featured)
    started = time.perf_counter()
    scores: Sequence[ModelScore | None] = (
        score_many(snapshot.model, [inputs for _, inputs, _ in found])
        if snapshot.model is not None
        else [None] * len(found)
    )
    if stage_seconds is not None and found:
        each = (time.perf_counter() - started) / len(found)
        for _ in found:
            stage_seconds("model", each)
    return [
        Evidence(items, inputs, rule_hits, score)
        for (items, inputs, rule_hits), score in zip(found, scores, strict=True)
    ]


def decide(
    snapshot: Snapshot,
    declaration: Declaration,
    evidence: Evidence,
    *,
    decision_id: str | None = None,
    now: datetime | None = None,
    office_load: float | None = None,
    stage_seconds: Callable[[str, float], None] | None = None,
) -> Assessment:
    """The recommendation from a declaration's evidence, as an assessment. `office_load` is
    the office's current share of physical inspections (`riskd.capacity.InspectionLoad`),
    which the decisions before this one have changed."""
    started = time.perf_counter()
    model_score = evidence.model_score
    decision = recommend(
        snapshot.policy,
        snapshot.register,
        declaration,
        evidence.items,
        evidence.rule_hits,
        model_score,
        office_load=office_load,
    )
    if stage_seconds is not None:
        stage_seconds("policy", time.perf_counter() - started)
    assessment = Assessment(
        decision_id=decision_id or new_decision_id(),
        declaration_id=declaration.declaration_id,
        recommendation=decision.recommendation,
        lane=decision.lane,
        risk_score=decision.risk_score,
        decided_at=now or _now(),
        versions=snapshot.versions,
        reasons=decision.reasons + model_reasons(model_score),
        items=evidence.items,
        rule_hits=evidence.rule_hits,
        model_score=model_score.probability if model_score is not None else None,
        contributions=model_score.contributions if model_score is not None else (),
        notify=decision.notify,
        referral=decision.referral,
        random_selection=decision.random_selection,
        features=evidence.features,
    )
    if snapshot.degraded:
        parts = " and ".join(sorted(snapshot.degraded))
        return degraded(assessment, f"the {parts} failed to load and is served empty")
    return assessment


def assess(
    snapshot: Snapshot,
    declaration: Declaration,
    *,
    decision_id: str | None = None,
    now: datetime | None = None,
    history: HistoryProvider = NO_HISTORY,
    profile_keys: ProfileKeys | None = None,
    office_load: float | None = None,
    stage_seconds: Callable[[str, float], None] | None = None,
) -> Assessment:
    """Screen one declaration against one snapshot. Pure apart from the id and the clock.

    `history` gives the entity profiles (party, route and commodity history) as known now;
    the server passes the store's (a `riskd.store.profiles.ProfileStore`), and the
    declaration's `profile_keys`, which it counts the declaration under afterwards (so they
    are computed once). `office_load` is
    the office's current share of physical inspections (`riskd.capacity.InspectionLoad`).
    `stage_seconds`, if given, is told the time each stage took (for the metrics). Several
    declarations: `gather` them at once, then `decide` each."""
    (evidence,) = gather(
        snapshot,
        [declaration],
        history=history,
        profile_keys=None if profile_keys is None else [profile_keys],
        stage_seconds=stage_seconds,
    )
    return decide(
        snapshot,
        declaration,
        evidence,
        decision_id=decision_id,
        now=now,
        office_load=office_load,
        stage_seconds=stage_seconds,
    )


def _now() -> datetime:
    return datetime.now(UTC)
