"""The evaluation as a self-contained HTML report (template `riskd/templates/evaluation.html.j2`,
plotly inlined, no network needed).

The report puts the model beside the rules-only baseline (and production) at each inspection
rate, with the counts behind every rate, and says in words at which rates the baseline catches
more infringing value than the model: that is where a roll-out would lose seizures.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import plotly.graph_objects as go

from riskd.reporting import figures_html, pct, rate_of, readable, render, small
from training.evaluate import Evaluation, Scored
from training.metrics import RATES, SelectionMetrics, precision_curve, rate_key

COLOURS = ("#1565c0", "#6a1b9a", "#ef6c00")  # model, production, rules only


@dataclass(frozen=True, slots=True)
class Lead:
    """At one inspection rate, a scorer that catches more infringing value than the model."""

    rate: str
    scorer: str
    value: float
    share: float
    model_value: float
    model_share: float


def _scorers(evaluation: Evaluation) -> list[tuple[str, Scored]]:
    """(legend name, scorer): the model first, production next, the rules-only baseline last."""
    out = [(f"model {evaluation.candidate.name}", evaluation.candidate)]
    if evaluation.production is not None:
        out.append((f"production {evaluation.production.name}", evaluation.production))
    out.append((f"rules only ({evaluation.baseline.name})", evaluation.baseline))
    return out


def leads_over_model(evaluation: Evaluation) -> list[Lead]:
    """Every inspection rate at which production or the rules-only baseline catches more
    infringing value than the model."""
    model = evaluation.candidate.metrics
    leads = []
    for name, scored in _scorers(evaluation)[1:]:
        for rate in RATES:
            key = rate_key(rate)
            if scored.metrics.value_at[key] > model.value_at[key]:
                leads.append(
                    Lead(
                        rate=f"{rate:.0%}",
                        scorer=name,
                        value=scored.metrics.value_at[key],
                        share=scored.metrics.value_share_at[key],
                        model_value=model.value_at[key],
                        model_share=model.value_share_at[key],
                    )
                )
    return leads


def _rows(evaluation: Evaluation) -> list[dict[str, Any]]:
    """Per inspection rate: what each scorer's selection inspected, caught and was worth."""
    rows = []
    for rate in RATES:
        key = rate_key(rate)
        cells = []
        for name, scored in _scorers(evaluation):
            m = scored.metrics
            cells.append(
                {
                    "name": name,
                    "precision": rate_of(m.caught_at[key], m.inspected_at[key]),
                    "recall": rate_of(m.caught_at[key], m.positives),
                    "value": f"{pct(m.value_share_at[key])} ({m.value_at[key]:,.0f} USD)",
                }
            )
        rows.append({"rate": f"{rate:.0%}", "cells": cells})
    return rows


def _summary(metrics: SelectionMetrics) -> dict[str, str]:
    return {
        "auc": "–" if metrics.auc is None else f"{metrics.auc:.3f}",
        "average_precision": (
            "–" if metrics.average_precision is None else f"{metrics.average_precision:.3f}"
        ),
        "brier": f"{metrics.brier:.4f}",
    }


def _coloured(evaluation: Evaluation) -> list[tuple[str, Scored, str]]:
    """The scorers with their colours; the baseline keeps its colour with or without
    production."""
    scorers = _scorers(evaluation)
    colours = COLOURS[: len(scorers) - 1] + COLOURS[-1:]
    return [(name, scored, c) for (name, scored), c in zip(scorers, colours, strict=True)]


def _curve_figures(evaluation: Evaluation) -> tuple[go.Figure, go.Figure]:
    by_rate, pr = go.Figure(), go.Figure()
    for label, scored, colour in _coloured(evaluation):
        rate, precision, recall = precision_curve(evaluation.labels, scored.scores)
        by_rate.add_scatter(x=rate, y=precision, name=label, mode="lines", line_color=colour)
        pr.add_scatter(x=recall, y=precision, name=label, mode="lines", line_color=colour)
    for r in RATES:
        by_rate.add_vline(x=r, line_dash="dot", line_color="#999")
    by_rate.update_layout(
        xaxis_title="inspected (share of declarations, log scale; dotted: 1, 2, 5, 10 %)",
        yaxis_title="precision (infringing among inspected)",
        xaxis_type="log",
        xaxis_tickvals=[0.01, 0.02, 0.05, 0.1, 0.2, 0.5, 1.0],  # no crowded minor labels
        xaxis_tickformat=".0%",
        yaxis_tickformat=".0%",
    )
    pr.update_layout(
        xaxis_title="recall (share of infringing declarations caught)",
        yaxis_title="precision",
        xaxis_tickformat=".0%",
        yaxis_tickformat=".0%",
    )
    return readable(by_rate, height=440), readable(pr, height=440)


def _value_figure(evaluation: Evaluation) -> go.Figure:
    """Share of infringing value caught at each rate, one bar per scorer, amounts on them."""
    figure = go.Figure()
    for name, scored, colour in _coloured(evaluation):
        m = scored.metrics
        keys = [rate_key(r) for r in RATES]
        figure.add_bar(
            name=name,
            x=[f"{r:.0%}" for r in RATES],
            y=[m.value_share_at[k] for k in keys],
            text=[pct(m.value_share_at[k], 0) for k in keys],
            textposition="outside",
            cliponaxis=False,
            marker_color=colour,
        )
    figure.update_layout(
        barmode="group",
        xaxis_title="inspection rate",
        yaxis_title="share of infringing value caught",
        yaxis_tickformat=".0%",
    )
    return readable(figure, height=420)


def _calibration_figure(bins: list[dict[str, float]]) -> go.Figure:
    figure = go.Figure()
    figure.add_scatter(
        x=[0, 1],
        y=[0, 1],
        name="perfectly calibrated",
        mode="lines",
        line={"dash": "dash", "color": "#9e9e9e"},
    )
    figure.add_scatter(
        x=[b["predicted"] for b in bins],
        y=[b["observed"] for b in bins],
        name="model (hollow: fewer than 30 declarations in the bin)",
        mode="lines+markers",
        line_color=COLOURS[0],
        marker={
            "size": 9,
            "symbol": ["circle-open" if small(int(b["n"])) else "circle" for b in bins],
        },
        customdata=[int(b["n"]) for b in bins],
        hovertemplate="mean score %{x:.3f}, observed %{y:.1%} of %{customdata}<extra></extra>",
    )
    # the axes end a little past the data: scores of a rare outcome sit near zero
    top = min(1.0, 1.15 * max([0.01, *(max(b["predicted"], b["observed"]) for b in bins)]))
    figure.update_layout(
        xaxis_range=[0, top],
        yaxis_range=[0, top],
        xaxis_title="mean score in the bin",
        yaxis_title="observed infringing share",
        xaxis_tickformat=".0%",
        yaxis_tickformat=".0%",
    )
    return readable(figure, height=440)


def _bar_figure(values: dict[str, float], axis: str) -> go.Figure:
    top = list(values.items())[:20]
    figure = go.Figure(
        go.Bar(
            x=[v for _, v in top],
            y=[k for k, _ in top],
            orientation="h",
            marker_color="#1565c0",
        )
    )
    figure.update_layout(xaxis_title=axis, yaxis_autorange="reversed", showlegend=False)
    return readable(figure, height=120 + 26 * max(1, len(top)))


def render_html(evaluation: Evaluation) -> str:
    by_rate, pr = _curve_figures(evaluation)
    bins = evaluation.candidate.metrics.calibration
    named = {
        "by_rate": by_rate,
        "pr": pr,
        "value": _value_figure(evaluation),
        "calibration": _calibration_figure(bins),
        "importance": _bar_figure(evaluation.importance, "total gain"),
        "contributions": _bar_figure(evaluation.contributions, "mean |contribution| (log-odds)"),
    }
    figures = dict(zip(named, figures_html(list(named.values())), strict=True))
    candidate = evaluation.candidate.metrics
    random: dict[str, Any] | None = None
    if evaluation.random_sample is not None:
        rs = evaluation.random_sample
        key = rate_key(0.05)
        random = {
            "n": rs.n,
            "positives": rs.positives,
            "auc": _summary(rs)["auc"],
            "p5": rate_of(rs.caught_at[key], rs.inspected_at[key]),
        }
    return render(
        "evaluation.html.j2",
        version=evaluation.model_version,
        n=candidate.n,
        positives=candidate.positives,
        period=evaluation.period,
        production_note=evaluation.production_note,
        rates=[f"{r:.0%}" for r in RATES],
        scorers=[(name, _summary(s.metrics)) for name, s in _scorers(evaluation)],
        rows=_rows(evaluation),
        leads=leads_over_model(evaluation),
        baseline=_scorers(evaluation)[-1][0],
        random=random,
        bins=bins,
        importance=list(evaluation.importance.items())[:20],
        contributions=list(evaluation.contributions.items())[:20],
        figures=figures,
        examples=evaluation.contribution_examples,
    )
