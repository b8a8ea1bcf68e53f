"""Backtest reports: a terminal table (rich) and a self-contained HTML page with charts.

The HTML page embeds plotly.js once (no CDN), so it opens on an officer's machine offline.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any, TextIO

import plotly.graph_objects as go
from jinja2 import Environment, select_autoescape
from rich.console import Console
from rich.table import Table

from riskd.rules.backtest import BacktestResult


def _pct(value: float | None) -> str:
    return "–" if value is None else f"{100 * value:.1f}%"


def print_report(result: BacktestResult, out: TextIO) -> None:
    console = Console(file=out, highlight=False, width=160)
    console.print(
        f"[bold]Backtest of {result.version}[/bold]: {result.declarations:,} declarations, "
        f"{result.inspected:,} inspected ({result.random_inspected:,} by random selection), "
        f"{result.seizures:,} with seizures"
    )
    for note in result.notes:
        console.print(f"[yellow]note:[/yellow] {note}")
    table = Table(show_lines=False)
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
    for rule in result.rules:
        overlap = (
            f"{rule.max_overlap_rule} {_pct(rule.max_overlap)}" if rule.max_overlap_rule else ""
        )
        table.add_row(
            rule.rule_id,
            "shadow" if rule.shadow else "live",
            f"{rule.hits:,}",
            _pct(rule.hit_rate),
            f"{rule.inspected_hits:,}",
            f"{rule.seizures:,}",
            _pct(rule.precision),
            _pct(rule.recall),
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
            _pct(office.inspection_rate),
            _pct(office.capacity),
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


def _figures(result: BacktestResult) -> list[tuple[str, go.Figure]]:
    ids = [r.rule_id for r in result.rules]
    hits = go.Figure()
    hits.add_bar(name="seizures", x=ids, y=[r.seizures for r in result.rules])
    hits.add_bar(
        name="inspected, nothing found",
        x=ids,
        y=[r.inspected_hits - r.seizures for r in result.rules],
    )
    hits.add_bar(name="not inspected", x=ids, y=[r.hits - r.inspected_hits for r in result.rules])
    hits.update_layout(barmode="stack", yaxis_title="declarations hit", height=480)

    base_rate = result.seizures / result.inspected if result.inspected else 0.0
    scatter = go.Figure()
    measured = [r for r in result.rules if r.precision is not None]
    scatter.add_scatter(
        x=[r.recall or 0.0 for r in measured],
        y=[r.precision for r in measured],
        mode="markers+text",
        text=[r.rule_id for r in measured],
        textposition="top center",
        marker={
            "size": [8 + 30 * (r.hits / max(1, max(x.hits for x in measured))) for r in measured]
        },
        name="rules",
    )
    scatter.add_hline(
        y=base_rate,
        line_dash="dot",
        annotation_text=f"seizure rate of all inspections {_pct(base_rate)}",
    )
    scatter.update_layout(
        xaxis_title="recall of seizures",
        yaxis_title="precision",
        xaxis_tickformat=".0%",
        yaxis_tickformat=".0%",
        height=520,
    )

    heat = go.Figure(
        go.Heatmap(
            z=[list(row) for row in result.overlap],
            x=ids,
            y=ids,
            zmin=0,
            zmax=1,
            colorscale="Blues",
            colorbar={"title": "share of row's hits"},
        )
    )
    heat.update_layout(height=max(400, 22 * len(ids)), yaxis_autorange="reversed")

    offices = [o.office for o in result.offices]
    per_office = go.Figure(
        go.Heatmap(
            z=[list(row) for row in result.office_hits],
            x=offices,
            y=ids,
            colorscale="Oranges",
            colorbar={"title": "hits"},
        )
    )
    per_office.update_layout(
        height=max(400, 22 * len(ids)), yaxis_autorange="reversed", xaxis_type="category"
    )
    load = go.Figure()
    load.add_bar(
        name="inspection rate (rules)", x=offices, y=[o.inspection_rate for o in result.offices]
    )
    load.add_scatter(
        name="capacity target",
        x=offices,
        mode="markers",
        y=[o.capacity for o in result.offices],
        marker={"symbol": "line-ew-open", "size": 30},
    )
    load.update_layout(yaxis_tickformat=".1%", height=420, xaxis_type="category")
    figures = [
        ("Hits per rule and what inspections found", hits),
        ("Precision against recall (marker size: hits)", scatter),
        ("Overlap: share of the row rule's hits also hit by the column rule", heat),
        ("Inspection load per office against capacity", load),
        ("Hits per rule and office", per_office),
    ]
    c = result.comparison
    if c is not None:
        change = go.Figure()
        change.add_bar(
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
        )
        change.update_layout(height=380)
        figures.append(("Change against the baseline rule set", change))
    return figures


_TEMPLATE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Backtest {{ r.version }}</title>
<style>
body { font-family: system-ui, sans-serif; margin: 2rem; color: #222; }
table { border-collapse: collapse; margin: 1rem 0; font-size: 0.9rem; }
th, td { padding: 0.25rem 0.6rem; border-bottom: 1px solid #ddd; text-align: right; }
th:first-child, td:first-child { text-align: left; }
.note { color: #8a5a00; } .over { color: #b00020; font-weight: bold; }
</style></head><body>
<h1>Backtest of rule set {{ r.version }}</h1>
<p>{{ "{:,}".format(r.declarations) }} declarations, {{ "{:,}".format(r.inspected) }} inspected
({{ "{:,}".format(r.random_inspected) }} by random selection),
{{ "{:,}".format(r.seizures) }} with seizures. Generated {{ generated }}.</p>
<p>Precision counts seizures among the inspected hits; recall, among all seizures. Both see only
what was inspected: the random selection keeps that sample unbiased.</p>
{% for note in r.notes %}<p class="note">Note: {{ note }}</p>{% endfor %}
{% if r.comparison %}{% set c = r.comparison %}
<h2>Against the baseline</h2>
<p>Flags {{ c.flagged_candidate }} declarations (baseline {{ c.flagged_baseline }}):
{{ c.flagged_only_by_candidate }} newly flagged, {{ c.flagged_only_by_baseline }} no longer.
Catches {{ c.seizures_caught_only_by_candidate }} seizures the baseline missed; misses
{{ c.seizures_caught_only_by_baseline }} it caught.
Rules added: {{ c.rules_added|join(", ") or "none" }}; removed:
{{ c.rules_removed|join(", ") or "none" }}; changed: {{ c.rules_changed|join(", ") or "none" }}.</p>
{% endif %}
<h2>Rules</h2>
<table><tr><th>rule</th><th>mode</th><th>hits</th><th>hit rate</th><th>inspected</th>
<th>seizures</th><th>precision</th><th>recall</th><th>only this rule</th><th>most overlap</th></tr>
{% for s in r.rules %}<tr><td title="{{ s.title }}">{{ s.rule_id }}</td>
<td>{{ "shadow" if s.shadow else "live" }}</td><td>{{ s.hits }}</td><td>{{ pct(s.hit_rate) }}</td>
<td>{{ s.inspected_hits }}</td><td>{{ s.seizures }}</td><td>{{ pct(s.precision) }}</td>
<td>{{ pct(s.recall) }}</td><td>{{ s.unique_hits }}</td>
<td>{{ s.max_overlap_rule }} {{ pct(s.max_overlap) if s.max_overlap_rule else "" }}</td></tr>
{% endfor %}</table>
<h2>Inspection load per office</h2>
<table><tr><th>office</th><th>declarations</th><th>flagged</th><th>inspections</th><th>rate</th>
<th>capacity</th></tr>
{% for o in r.offices %}<tr><td>{{ o.office }}</td><td>{{ o.declarations }}</td>
<td>{{ o.flagged }}</td><td>{{ o.inspections }}</td>
<td class="{{ 'over' if o.over_capacity else '' }}">{{ pct(o.inspection_rate) }}</td>
<td>{{ pct(o.capacity) }}</td></tr>{% endfor %}</table>
{% for title, html in figures %}<h2>{{ title }}</h2>{{ html|safe }}{% endfor %}
</body></html>
"""


def html_report(result: BacktestResult) -> str:
    figures: list[tuple[str, Any]] = []
    for index, (title, figure) in enumerate(_figures(result)):
        figure.update_layout(margin={"t": 30})
        html = figure.to_html(full_html=False, include_plotlyjs=index == 0)
        figures.append((title, html))
    env = Environment(autoescape=select_autoescape(default=True))
    template = env.from_string(_TEMPLATE)
    return template.render(
        r=result,
        figures=figures,
        pct=_pct,
        generated=datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
    )
