"""The model and the store's entity profiles inside `assess`, as the server wires them."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from riskd.domain import Outcome, OutcomeResult, Party, ReasonKind
from riskd.features import declaration_features
from riskd.model import load_production_model
from riskd.pipeline import assess, build_snapshot, decide, gather
from riskd.store.sqlite import SqliteProfiles, SqliteStore
from tests.factory import declaration, item


def test_assessment_carries_model_score_and_reasons(trained_registry: Path, tmp_path: Path) -> None:
    model = load_production_model(trained_registry)
    snapshot = build_snapshot(model=model)
    profiles = SqliteProfiles(tmp_path / "riskd.db")
    assessment = assess(snapshot, declaration("D-1"), history=profiles)
    assert assessment.model_score is not None
    assert 0.0 < assessment.model_score < 1.0
    assert 0 < len(assessment.contributions) <= 5
    assert assessment.risk_score >= assessment.model_score
    assert assessment.versions.model == "v1"
    model_reasons = [r for r in assessment.reasons if r.kind is ReasonKind.MODEL]
    raising = [c for c in assessment.contributions if c.contribution > 0]
    assert [r.code for r in model_reasons] == [f"MODEL_{c.feature.upper()}" for c in raising]
    for reason, contribution in zip(model_reasons, raising, strict=True):
        assert contribution.feature.replace("_", " ") in reason.message
        assert reason.weight == pytest.approx(assessment.model_score, abs=1e-4)


def test_profiles_count_what_came_before(tmp_path: Path) -> None:
    profiles = SqliteProfiles(tmp_path / "riskd.db")
    first = declaration("D-1", importer=Party("IMP-9"))
    profiles.record_declarations([first])
    profiles.record_outcome("dec-1", first, OutcomeResult.SEIZED)
    later = declaration("D-2", importer=Party("IMP-9"))
    features = declaration_features(later, (), profiles)
    assert features["importer_declarations"] == 1.0
    assert features["importer_inspections"] == 1.0
    # overall: 1 seizure in 1 inspection → prior (1+1)/(1+2); importer: (1 + prior)/(1 + 1)
    prior = 2 / 3
    assert features["importer_seizure_rate"] == pytest.approx((1 + prior) / 2)
    assert features["commodity_origin_declarations"] == 1.0
    # a party never seen has a count of zero and the prior as its rate
    stranger = declaration("D-3", importer=Party("IMP-NEW"))
    fresh = declaration_features(stranger, (), profiles)
    assert fresh["importer_declarations"] == 0.0
    assert fresh["importer_seizure_rate"] == pytest.approx(prior)
    # the holder did not confirm after all: the seizure is taken back, the inspection stays
    profiles.record_outcome("dec-1", first, OutcomeResult.NO_INFRINGEMENT)
    corrected = declaration_features(later, (), profiles)
    assert corrected["importer_inspections"] == 1.0
    assert corrected["importer_seizure_rate"] == pytest.approx((0 + 1 / 3) / 2)


def test_rebuild_from_the_store_equals_incremental_updates(tmp_path: Path) -> None:
    path = tmp_path / "riskd.db"
    store = SqliteStore(path)
    incremental = SqliteProfiles(tmp_path / "incremental.db")
    snapshot = build_snapshot()
    t0 = datetime(2025, 3, 1, tzinfo=UTC)
    for n in range(6):
        decl = declaration(
            f"D-{n}",
            declared_at=t0 + timedelta(hours=n),
            importer=Party(f"IMP-{n % 2}"),
            items=(item(), item(line_no=2, hs_code="420221", origin_country="VN")),
        )
        decided = assess(snapshot, decl, now=decl.declared_at)
        store.save_decisions([(decl, decided)])
        incremental.record_declarations([decl])
        if n % 3 == 0:
            result = OutcomeResult.SEIZED if n == 0 else OutcomeResult.NO_INFRINGEMENT
            store.record_outcome(
                Outcome(f"O-{n}", decided.decision_id, result, decl.declared_at + timedelta(1))
            )
            incremental.record_outcome(decided.decision_id, decl, result)
    rebuilt = SqliteProfiles(path)
    assert rebuilt.rebuild() == 6
    probe = replace(declaration("D-probe"), importer=Party("IMP-0"))
    assert declaration_features(probe, (), rebuilt) == declaration_features(probe, (), incremental)
    assert declaration_features(probe, (), rebuilt)["importer_inspections"] == 1.0


def test_a_call_of_many_is_assessed_as_each_alone(trained_registry: Path, tmp_path: Path) -> None:
    """`gather` scores a call's declarations in one model call and reads their profiles
    once: each gets the evidence and decision `assess` gives it alone."""
    snapshot = build_snapshot(model=load_production_model(trained_registry))
    profiles = SqliteProfiles(tmp_path / "riskd.db")
    seen = [declaration(f"D-SEEN-{n}", importer=Party(f"IMP-{n % 3}")) for n in range(5)]
    profiles.record_declarations(seen)
    profiles.record_outcome("dec-seen", seen[0], OutcomeResult.SEIZED)
    call = [
        declaration(
            f"D-CALL-{n}",
            importer=Party(f"IMP-{n % 4}"),
            items=(item(), item(line_no=2, hs_code="420221", origin_country="VN"))[: 1 + n % 2],
        )
        for n in range(7)
    ]
    now = datetime(2025, 3, 1, tzinfo=UTC)
    evidence = gather(snapshot, call, history=profiles)
    for decl, found in zip(call, evidence, strict=True):
        alone = assess(snapshot, decl, decision_id="same", now=now, history=profiles)
        assert found.model_score is not None
        assert decide(snapshot, decl, found, decision_id="same", now=now) == alone
