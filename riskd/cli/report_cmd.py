"""`riskd report`: statistics, situation and early warning from the decision store."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import click
import plotly.graph_objects as go
import polars as pl
from rich.console import Console
from rich.table import Table

from riskd.cli.store_option import reading, store_option
from riskd.reporting import MIN_SUPPORT, figures_html, pct, ranked, readable, render, small
from riskd.statistics import Warning, early_warnings, load_decisions, summary_by
from riskd.store.factory import store_label

DIMENSIONS = {
    "customs_office": "office",
    "channel": "channel",
    "sector": "sector",
    "right": "recorded right",
}


LANE_COLOURS = {"GREEN": "#2e7d32", "BLUE": "#1565c0", "YELLOW": "#f9a825", "RED": "#c62828"}
INSPECTED_COLOUR, HIT_COLOUR = "#90a4ae", "#c62828"


def _groups(frame: pl.DataFrame, key: str, limit: int) -> list[dict[str, Any]]:
    """The groups of one dimension as report rows, ranked by hit rate with the small samples
    (fewer than `MIN_SUPPORT` controls) after the well-supported groups."""
    rows = [
        {
            "group": str(row[key]),
            "declarations": int(row["declarations"]),
            "inspected": round(row["inspection_rate"] * row["declarations"]),
            "controls": int(row["controls"]),
            "seizures": int(row["seizures"]),
            "seized_value": float(row["seized_value"]),
        }
        for row in frame.iter_rows(named=True)
    ]
    return ranked(
        rows,
        rate=lambda r: r["seizures"] / r["controls"] if r["controls"] else None,
        cases=lambda r: int(r["controls"]),
    )[:limit]


def _table(frame: pl.DataFrame, key: str, title: str, limit: int = 15) -> Table:
    table = Table(
        title,
        "declarations",
        "inspected",
        "controls",
        "seizures",
        "hit rate",
        "seized value",
        title=f"by {title}, ranked by hit rate",
        title_justify="left",
        caption=f"* fewer than {MIN_SUPPORT} controls: ranked after the others",
        caption_justify="left",
    )
    for row in _groups(frame, key, limit):
        hit_rate = pct(row["seizures"] / row["controls"]) if row["controls"] else "–"
        table.add_row(
            row["group"],
            f"{row['declarations']:,}",
            pct(row["inspected"] / row["declarations"]),
            f"{row['controls']:,}",
            f"{row['seizures']:,}",
            f"{hit_rate}{' *' if 0 < row['controls'] < MIN_SUPPORT else ''}",
            f"{row['seized_value']:,.0f}",
        )
    return table


def _weekly_figure(decisions: pl.DataFrame) -> go.Figure:
    weekly = (
        decisions.with_columns(pl.col("declared_at").dt.truncate("1w").alias("week"))
        .group_by("week", "lane")
        .agg(pl.len().alias("declarations"))
        .sort("week")
    )
    figure = go.Figure()
    for lane, colour in LANE_COLOURS.items():
        part = weekly.filter(pl.col("lane") == lane)
        if part.height:
            figure.add_bar(
                name=lane.lower(),
                x=part["week"].to_list(),
                y=part["declarations"].to_list(),
                marker_color=colour,
            )
    figure.update_layout(
        barmode="stack",
        xaxis_title="week (starting Monday)",
        yaxis_title="declarations",
        legend_title_text="lane",
        legend_traceorder="normal",
    )
    return readable(figure, height=380)


def _group_figure(rows: list[dict[str, Any]], label: str) -> go.Figure:
    """Inspection rate and hit rate per group as horizontal bars (names never overlap), each
    hit rate labelled with its counts and hatched where it rests on few controls."""
    names = [r["group"] for r in rows]
    figure = go.Figure()
    figure.add_bar(
        name="inspected (share of declarations)",
        y=names,
        x=[r["inspected"] / r["declarations"] for r in rows],
        orientation="h",
        marker_color=INSPECTED_COLOUR,
        text=[f"{r['inspected']:,} of {r['declarations']:,}" for r in rows],
    )
    figure.add_bar(
        name=f"hit rate (seizures per control; hatched: fewer than {MIN_SUPPORT} controls)",
        y=names,
        x=[r["seizures"] / r["controls"] if r["controls"] else 0.0 for r in rows],
        orientation="h",
        marker={
            "color": HIT_COLOUR,
            "pattern": {"shape": ["/" if small(r["controls"]) else "" for r in rows]},
            "opacity": [0.45 if small(r["controls"]) else 1.0 for r in rows],
        },
        text=[
            f"{r['seizures']:,} of {r['controls']:,}" if r["controls"] else "no controls"
            for r in rows
        ],
    )
    figure.update_traces(textposition="outside", textfont_color="#222", cliponaxis=False)
    widest = max([0.01, *(b for trace in figure.data for b in trace.x)])
    figure.update_layout(
        xaxis_range=[0, widest * 1.35],  # room for the counts beside the longest bar
        barmode="group",
        xaxis_title="share",
        xaxis_tickformat=".0%",
        yaxis_title=label,
        yaxis_autorange="reversed",
        yaxis_type="category",
    )
    return readable(figure, height=140 + 46 * len(rows))


def _html(decisions: pl.DataFrame, warnings: list[Warning]) -> str:
    lanes = decisions.group_by("lane").agg(pl.len().alias("declarations"))
    by_lane = dict(zip(lanes["lane"].to_list(), lanes["declarations"].to_list(), strict=True))
    sections = []
    figures = [_weekly_figure(decisions)]
    for key, label in DIMENSIONS.items():
        rows = _groups(summary_by(decisions, key), key, limit=20)
        if rows:
            sections.append({"label": label, "rows": rows})
            figures.append(_group_figure(rows, label))
    rendered = figures_html(figures)
    for section, figure in zip(sections, rendered[1:], strict=True):
        section["figure"] = figure
    total = len(decisions)
    return render(
        "statistics.html.j2",
        total=total,
        controls=int(decisions["controlled"].sum()) if total else 0,
        seizures=int(decisions["seized"].sum()) if total else 0,
        lanes=[(lane.lower(), by_lane.get(lane, 0)) for lane in LANE_COLOURS],
        weekly=rendered[0],
        sections=sections,
        warnings=[w.render() for w in warnings],
    )


@click.command()
@store_option
@click.option(
    "--out", type=click.Path(dir_okay=False, path_type=Path), help="Write an HTML report."
)
@click.option("--json", "as_json", is_flag=True, help="Print the statistics as JSON.")
@click.option("--z", "z_threshold", default=3.0, show_default=True, help="Early-warning z-score.")
def report(store_url: str, out: Path | None, as_json: bool, z_threshold: float) -> None:
    """Statistics of decisions and outcomes per office, channel, sector and recorded right,
    with early warnings where a seizure rate rose beyond its usual variation. Reads either
    engine's store (SQLite or PostgreSQL)."""
    with reading(store_url) as store:
        decisions = load_decisions(store)
    warnings = early_warnings(decisions, z_threshold=z_threshold)
    if as_json:
        payload = {
            "decisions": len(decisions),
            **{f"by_{key}": summary_by(decisions, key).to_dicts() for key in DIMENSIONS},
            "warnings": [w.render() for w in warnings],
        }
        click.echo(json.dumps(payload, indent=2, default=str))
    else:
        console = Console()
        console.print(f"{len(decisions):,} decisions in {store_label(store_url)}")
        for key, label in DIMENSIONS.items():
            console.print(_table(summary_by(decisions, key), key, label))
        for warning in warnings:
            console.print(f"[bold red]warning[/bold red] {warning.render()}")
    if out is not None:
        out.write_text(_html(decisions, warnings), encoding="utf-8")
        click.echo(f"report written to {out}", err=True)
