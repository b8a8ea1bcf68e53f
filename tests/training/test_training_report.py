"""The evaluation report from figures set by hand: says where the rules-only baseline catches
more value than the model, shows counts beside rates, and draws its charts."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from tests.screenshot import assert_shows_charts, screenshot
from training.evaluate import Evaluation, Scored
from training.metrics import SelectionMetrics
from training.report import leads_over_model, render_html

KEYS = ("0.01", "0.02", "0.05", "0.1")
N, POSITIVES = 1000, 80  # 10 / 20 / 50 / 100 declarations inspected at 1 / 2 / 5 / 10 %
INSPECTED = dict(zip(KEYS, (10, 20, 50, 100), strict=True))


def _metrics(caught: tuple[int, ...], value: tuple[float, ...], auc: float) -> SelectionMetrics:
    total_value = 1_000_000.0
    return SelectionMetrics(
        n=N,
        positives=POSITIVES,
        inspected_at=dict(INSPECTED),
        caught_at=dict(zip(KEYS, caught, strict=True)),
        precision_at={k: c / INSPECTED[k] for k, c in zip(KEYS, caught, strict=True)},
        recall_at={k: c / POSITIVES for k, c in zip(KEYS, caught, strict=True)},
        value_at=dict(zip(KEYS, value, strict=True)),
        value_share_at={k: v / total_value for k, v in zip(KEYS, value, strict=True)},
        auc=auc,
        average_precision=0.4,
        brier=0.07,
        calibration=[
            {"predicted": 0.02, "observed": 0.01, "n": 500.0},
            {"predicted": 0.2, "observed": 0.25, "n": 480.0},
            {"predicted": 0.7, "observed": 0.8, "n": 20.0},
        ],
    )


def _evaluation(baseline_value: tuple[float, ...]) -> Evaluation:
    rng = np.random.default_rng(5)
    labels = rng.random(N) < POSITIVES / N
    model_scores = np.clip(labels * 0.5 + rng.random(N) * 0.5, 0, 1)
    rules_scores = rng.random(N)
    return Evaluation(
        model_version="m-7",
        period=("2025-01-01", "2025-03-31"),
        labels=labels,
        candidate=Scored(
            "m-7", model_scores, _metrics((8, 15, 30, 45), (90e3, 200e3, 400e3, 500e3), 0.81)
        ),
        production=None,
        production_note=None,
        baseline=Scored(
            "rule hits and risky matches",
            rules_scores,
            _metrics((5, 9, 20, 40), baseline_value, 0.66),
        ),
        random_sample=None,
        importance={"best_match_score": 120.0, "importer_seizure_rate": 40.5},
        contributions={"best_match_score": 0.31, "importer_seizure_rate": 0.12},
        contribution_examples=[
            {
                "declaration_id": "D-1",
                "reasons": [
                    {"feature": "best_match_score", "value": "97", "contribution": 1.2},
                    {"feature": "direction", "value": "IMPORT", "contribution": 0.0},
                ],
            }
        ],
    )


def test_the_report_says_where_the_rules_catch_more_value(tmp_path: Path) -> None:
    # the rules catch more at 1 % (120k against 90k) and at 10 % (650k against 500k)
    evaluation = _evaluation((120e3, 150e3, 300e3, 650e3))
    leads = leads_over_model(evaluation)
    assert [(lead.rate, lead.value, lead.model_value) for lead in leads] == [
        ("1%", 120e3, 90e3),
        ("10%", 650e3, 500e3),
    ]
    page = render_html(evaluation)
    flat = " ".join(page.split())
    assert "catches more infringing value than this model at inspection rates 1%, 10%:" in flat
    assert "at 10%, rules only (rule hits and risky matches) catches 650,000 USD" in flat
    assert "30.0% (15 of 50)" not in flat and "60.0% (30 of 50)" in flat  # precision @5 %
    assert "56.2% (45 of 80)" in flat  # recall @10 % with its counts
    assert "direction = IMPORT" not in flat  # a zero contribution is no reason
    assert "model m-7" in flat and "inspection_rate" not in flat
    (tmp_path / "evaluation.html").write_text(page, encoding="utf-8")
    assert_shows_charts(screenshot(tmp_path / "evaluation.html", tmp_path / "evaluation.png"))


def test_the_report_says_when_the_model_catches_at_least_as_much() -> None:
    evaluation = _evaluation((50e3, 150e3, 300e3, 500e3))
    assert leads_over_model(evaluation) == []
    flat = " ".join(render_html(evaluation).split())
    assert "The model catches at least as much infringing value as rules only" in flat
