"""`riskd report`: statistics, situation and early warning from the decision store."""

from __future__ import annotations

import html
import json
from pathlib import Path

import click
import plotly.express as px
import polars as pl
from rich.console import Console
from rich.table import Table

from riskd.cli.tables import require_store
from riskd.statistics import Warning, early_warnings, load_decisions, summary_by

DIMENSIONS = {
    "customs_office": "office",
    "channel": "channel",
    "sector": "sector",
    "right": "recorded right",
}


def _table(frame: pl.DataFrame, key: str, title: str, limit: int = 15) -> Table:
    table = Table(
        title,
        "declarations",
        "inspected",
        "controls",
        "seizures",
        "hit rate",
        "seized value",
        title=f"by {title}",
        title_justify="left",
    )
    for row in frame.head(limit).iter_rows(named=True):
        table.add_row(
            str(row[key]),
            f"{row['declarations']:,}",
            f"{row['inspection_rate']:.1%}",
            f"{row['controls']:,}",
            f"{row['seizures']:,}",
            f"{row['hit_rate']:.1%}",
            f"{row['seized_value']:,.0f}",
        )
    return table


def _html(decisions: pl.DataFrame, warnings: list[Warning]) -> str:
    weekly = (
        decisions.with_columns(pl.col("declared_at").dt.truncate("1w").alias("week"))
        .group_by("week", "lane")
        .agg(pl.len().alias("declarations"))
        .sort("week")
    )
    figures = [
        px.bar(
            weekly.to_pandas(),
            x="week",
            y="declarations",
            color="lane",
            title="Declarations per week by lane",
            color_discrete_map={
                "GREEN": "#2e7d32",
                "BLUE": "#1565c0",
                "YELLOW": "#f9a825",
                "RED": "#c62828",
            },
        )
    ]
    for key, label in DIMENSIONS.items():
        summary = summary_by(decisions, key).head(20)
        if summary.is_empty():
            continue
        figures.append(
            px.bar(
                summary.to_pandas(),
                x=key,
                y=["inspection_rate", "hit_rate"],
                barmode="group",
                title=f"Inspection rate and hit rate (seizures per control) by {label}",
                labels={key: label, "value": "rate"},
            )
        )
    parts = [
        fig.to_html(full_html=False, include_plotlyjs=(index == 0))
        for index, fig in enumerate(figures)
    ]
    warning_rows = "".join(f"<li>{html.escape(w.render())}</li>" for w in warnings) or (
        "<li>No group's seizure rate rose beyond its usual variation.</li>"
    )
    total = len(decisions)
    seized = int(decisions["seized"].sum()) if total else 0
    return (
        "<!doctype html><html><head><meta charset='utf-8'><title>riskd statistics</title>"
        "<style>body{font-family:sans-serif;margin:2em;max-width:1100px}</style></head><body>"
        f"<h1>Decisions and outcomes</h1><p>{total:,} decisions, "
        f"{int(decisions['controlled'].sum()) if total else 0:,} controls, {seized:,} seizures.</p>"
        f"<h2>Early warning</h2><ul>{warning_rows}</ul>" + "".join(parts) + "</body></html>"
    )


@click.command()
@click.option(
    "--store",
    "store_path",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    default=Path("var/riskd.db"),
    show_default=True,
    help="SQLite decision store.",
)
@click.option(
    "--out", type=click.Path(dir_okay=False, path_type=Path), help="Write an HTML report."
)
@click.option("--json", "as_json", is_flag=True, help="Print the statistics as JSON.")
@click.option("--z", "z_threshold", default=3.0, show_default=True, help="Early-warning z-score.")
def report(store_path: Path, out: Path | None, as_json: bool, z_threshold: float) -> None:
    """Statistics of decisions and outcomes per office, channel, sector and recorded right,
    with early warnings where a seizure rate rose beyond its usual variation."""
    require_store(store_path)
    decisions = load_decisions(store_path)
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
        console.print(f"{len(decisions):,} decisions in {store_path}")
        for key, label in DIMENSIONS.items():
            console.print(_table(summary_by(decisions, key), key, label))
        for warning in warnings:
            console.print(f"[bold red]warning[/bold red] {warning.render()}")
    if out is not None:
        out.write_text(_html(decisions, warnings), encoding="utf-8")
        click.echo(f"report written to {out}", err=True)
