"""Backtest reports: a terminal table (rich) and a self-contained HTML page with charts.

The HTML page (template `riskd/templates/backtest.html.j2`) embeds plotly.js once (no CDN),
so it opens on an officer's machine offline. Rules are listed by precision, those measured on
fewer than `MIN_SUPPORT` inspected hits marked and listed after the well-measured ones.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import TextIO

import plotly.graph_objects as go
from rich.console import Console
from rich.table import Table

from riskd.reporting import (
    MIN_SUPPORT,
    figures_html,
    pct,
    ranked,
    rate_of,
    readable,
    render,
    small,
)
from riskd.rules.backtest import BacktestResult, RuleStats

SEIZED, NOTHING_FOUND, NOT_INSPECTED = "#c62828", "#90a4ae", "#cfd8dc"
LABEL_POSITIONS = ("top center", "bottom center", "middle right", "middle left")


def ranked_rules(result: BacktestResult) -> list[RuleStats]:
    """Rules by precision; rules measured on few inspected hits after, then unmeasured ones."""
    return ranked(result.rules, rate=lambda r: r.precision, cases=lambda r: r.inspected_hits)


def _few(rule: RuleStats) -> bool:
    return 0 < rule.inspected_hits < MIN_SUPPORT


def print_report(result: BacktestResult, out: TextIO) -> None:
    console = Console(file=out, highlight=False, width=160)
    console.print(
        f"[bold]Backtest of {result.version}[/bold]: {result.declarations:,} declarations, "
        f"{result.inspected:,} inspected ({result.random_inspected:,} by random selection), "
        f"{result.seizures:,} with seizures"
    )
    for note in result.notes:
        console.print(f"[yellow]note:[/yellow] {note}")
    table = Table(
        show_lines=False,
        caption=f"* precision on fewer than {MIN_SUPPORT} inspected hits: listed after the others",
        caption_justify="left",
    )
    for name in (
        "rule",
        "mode",
        "hits",
        "hit rate",
        "inspected",
        "seizures",
        "precision",
        "recall",
        "only this rule",
        "most overlap",
    ):
        table.add_column(
            name, justify="left" if name in ("rule", "mode", "most overlap") else "right"
        )
    for rule in ranked_rules(result):
        overlap = (
            f"{rule.max_overlap_rule} {pct(rule.max_overlap)}" if rule.max_overlap_rule else ""
        )
        table.add_row(
            rule.rule_id,
            "shadow" if rule.shadow else "live",
            f"{rule.hits:,}",
            pct(rule.hit_rate),
            f"{rule.inspected_hits:,}",
            f"{rule.seizures:,}",
            pct(rule.precision) + (" *" if _few(rule) else ""),
            pct(rule.recall),
            f"{rule.unique_hits:,}",
            overlap,
        )
    console.print(table)
    offices = Table(title="Inspection load per office (rules alone)")
    for name in ("office", "declarations", "flagged", "inspections", "rate", "capacity", ""):
        offices.add_column(name, justify="left" if name in ("office", "") else "right")
    for office in result.offices:
        offices.add_row(
            office.office,
            f"{office.declarations:,}",
            f"{office.flagged:,}",
            f"{office.inspections:,}",
            pct(office.inspection_rate),
            pct(office.capacity),
            "[red]over capacity[/red]" if office.over_capacity else "",
        )
    console.print(offices)
    c = result.comparison
    if c is not None:
        console.print(
            f"[bold]Against the baseline[/bold]: flags {c.flagged_candidate:,} declarations "
            f"(baseline {c.flagged_baseline:,}); {c.flagged_only_by_candidate:,} newly flagged, "
            f"{c.flagged_only_by_baseline:,} no longer flagged; catches "
            f"{c.seizures_caught_only_by_candidate:,} seizures the baseline missed and misses "
            f"{c.seizures_caught_only_by_baseline:,} it caught."
        )
        for label, ids in (
            ("added", c.rules_added),
            ("removed", c.rules_removed),
            ("changed", c.rules_changed),
        ):
            if ids:
                console.print(f"  rules {label}: {', '.join(ids)}")


def _rows_height(rows: int) -> int:
    return 160 + 26 * max(rows, 1)


def _hits_figure(rules: list[RuleStats]) -> go.Figure:
    """Hits per rule, split by what inspection found; horizontal so names never overlap."""
    ids = [r.rule_id for r in rules]
    figure = go.Figure()
    for name, colour, values in (
        ("seized", SEIZED, [r.seizures for r in rules]),
        ("inspected, nothing found", NOTHING_FOUND, [r.inspected_hits - r.seizures for r in rules]),
        ("not inspected", NOT_INSPECTED, [r.hits - r.inspected_hits for r in rules]),
    ):
        figure.add_bar(name=name, y=ids, x=values, orientation="h", marker_color=colour)
    figure.add_scatter(  # the total at the end of each bar
        y=ids,
        x=[r.hits for r in rules],
        mode="text",
        text=[f" {r.hits:,}" for r in rules],
        textposition="middle right",
        showlegend=False,
        hoverinfo="skip",
    )
    figure.update_layout(
        barmode="stack",
        xaxis_title="declarations hit",
        yaxis_autorange="reversed",
        yaxis_type="category",
        legend_traceorder="normal",
    )
    return readable(figure, height=_rows_height(len(ids)))


def _precision_figure(result: BacktestResult, rules: list[RuleStats]) -> go.Figure:
    """Precision against recall; rules measured on few inspected hits drawn hollow and grey,
    without a label, so that a lucky 100 % on one inspection does not stand out."""
    base_rate = result.seizures / result.inspected if result.inspected else 0.0
    measured = [r for r in rules if r.precision is not None]
    largest = max([1, *(r.hits for r in measured)])
    figure = go.Figure()
    for few, name in (
        (False, f"rules on {MIN_SUPPORT} or more inspected hits"),
        (True, f"fewer than {MIN_SUPPORT} inspected hits (uncertain)"),
    ):
        part = [r for r in measured if small(r.inspected_hits) == few]
        if not part:
            continue
        figure.add_scatter(
            name=name,
            x=[r.recall or 0.0 for r in part],
            y=[r.precision for r in part],
            mode="markers" if few else "markers+text",
            showlegend=True,
            text=None if few else [r.rule_id for r in part],
            textposition=[LABEL_POSITIONS[i % len(LABEL_POSITIONS)] for i in range(len(part))],
            customdata=[[r.rule_id, r.seizures, r.inspected_hits] for r in part],
            hovertemplate="%{customdata[0]}: %{customdata[1]} of %{customdata[2]} inspected"
            " hits seized<extra></extra>",
            marker={
                "size": [10 + 26 * r.hits / largest for r in part],
                "color": "rgba(0,0,0,0)" if few else "#1565c0",
                "line": {"color": "#9e9e9e" if few else "#0d47a1", "width": 1.5},
            },
        )
    figure.add_hline(
        y=base_rate,
        line_dash="dot",
        annotation_text=f"seizure rate of all inspections {pct(base_rate)}",
        annotation_position="top left",
    )
    figure.update_layout(
        xaxis_title="recall (share of all seizures the rule hits)",
        yaxis_title="precision (seizures among inspected hits)",
        xaxis_tickformat=".0%",
        yaxis_tickformat=".0%",
        yaxis_range=[-0.05, 1.1],
    )
    return readable(figure, height=520)


def _overlap_figure(result: BacktestResult, keep: list[int]) -> go.Figure:
    ids = [result.rules[i].rule_id for i in keep]
    figure = go.Figure(
        go.Heatmap(
            # the diagonal (a rule with itself, always 100 %) left blank so the overlaps read
            z=[[None if i == j else result.overlap[i][j] for j in keep] for i in keep],
            x=ids,
            y=ids,
            zmin=0,
            zmax=1,
            colorscale="Blues",
            colorbar={"title": {"text": "share of the row<br>rule's hits"}, "tickformat": ".0%"},
            hovertemplate="%{z:.0%} of %{y}'s hits are also hit by %{x}<extra></extra>",
        )
    )
    figure.update_layout(yaxis_autorange="reversed", xaxis_tickangle=-45)
    return readable(figure, height=_rows_height(len(ids)) + 140)


def _load_figure(result: BacktestResult) -> go.Figure:
    offices = [o.office for o in result.offices]
    figure = go.Figure()
    figure.add_bar(
        name="inspection rate the rules alone cause (red: over capacity)",
        x=offices,
        y=[o.inspection_rate for o in result.offices],
        marker_color=["#c62828" if o.over_capacity else "#1565c0" for o in result.offices],
        text=[f"{o.inspections:,}" for o in result.offices],
        textposition="inside",
        insidetextanchor="start",
        textfont_color="white",
    )
    figure.add_scatter(
        name="capacity target",
        x=offices,
        mode="markers",
        y=[o.capacity for o in result.offices],
        marker={"symbol": "line-ew", "size": 44, "line": {"width": 4, "color": "#222"}},
    )
    figure.update_layout(
        yaxis_tickformat=".1%",
        yaxis_title="share of the office's declarations",
        xaxis_title="office",
        xaxis_type="category",
    )
    return readable(figure, height=420)


def _office_hits_figure(result: BacktestResult, keep: list[int]) -> go.Figure:
    figure = go.Figure(
        go.Heatmap(
            z=[list(result.office_hits[i]) for i in keep],
            x=[o.office for o in result.offices],
            y=[result.rules[i].rule_id for i in keep],
            colorscale="Oranges",
            colorbar={"title": {"text": "hits"}},
            texttemplate="%{z}",
            hovertemplate="%{y} at %{x}: %{z} hits<extra></extra>",
        )
    )
    figure.update_layout(yaxis_autorange="reversed", xaxis_type="category", xaxis_title="office")
    return readable(figure, height=_rows_height(len(keep)))


def _comparison_figure(result: BacktestResult) -> go.Figure | None:
    c = result.comparison
    if c is None:
        return None
    figure = go.Figure()
    figure.add_bar(
        x=[
            "newly flagged",
            "no longer flagged",
            "seizures newly caught",
            "seizures no longer caught",
        ],
        y=[
            c.flagged_only_by_candidate,
            c.flagged_only_by_baseline,
            c.seizures_caught_only_by_candidate,
            c.seizures_caught_only_by_baseline,
        ],
        marker_color=["#1565c0", "#90a4ae", "#2e7d32", "#c62828"],
        text=[
            c.flagged_only_by_candidate,
            c.flagged_only_by_baseline,
            c.seizures_caught_only_by_candidate,
            c.seizures_caught_only_by_baseline,
        ],
        textposition="outside",
        cliponaxis=False,
    )
    figure.update_layout(yaxis_title="declarations", showlegend=False)
    return readable(figure, height=360)


def html_report(result: BacktestResult) -> str:
    rules = ranked_rules(result)
    with_hits = [r for r in rules if r.hits]
    position = {r.rule_id: i for i, r in enumerate(result.rules)}
    keep = [position[r.rule_id] for r in with_hits]
    named: dict[str, go.Figure | None] = {
        "hits": _hits_figure(with_hits) if with_hits else None,
        "precision": _precision_figure(result, rules) if with_hits else None,
        "overlap": _overlap_figure(result, keep) if len(keep) > 1 else None,
        "load": _load_figure(result) if result.offices else None,
        "office_hits": (_office_hits_figure(result, keep) if keep and result.office_hits else None),
        "comparison": _comparison_figure(result),
    }
    drawn = {k: f for k, f in named.items() if f is not None}
    figures = dict(zip(drawn, figures_html(list(drawn.values())), strict=True))
    return render(
        "backtest.html.j2",
        r=result,
        rules=rules,
        without_hits=[r.rule_id for r in rules if not r.hits],
        figures=figures,
        pct=pct,
        rate_of=rate_of,
        generated=datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
    )
