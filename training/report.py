"""The evaluation as a self-contained HTML report (plotly inlined, no network needed)."""

from __future__ import annotations

from typing import Any

import plotly.graph_objects as go
from jinja2 import Environment, select_autoescape
from markupsafe import Markup

from training.evaluate import Evaluation, curves
from training.metrics import RATES, rate_key

_TEMPLATE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<title>riskd model evaluation — {{ version }}</title>
<style>
body { font-family: system-ui, sans-serif; margin: 2rem; max-width: 1100px; }
table { border-collapse: collapse; margin: 1rem 0; }
td, th { border: 1px solid #ccc; padding: .3rem .6rem; text-align: right; }
th:first-child, td:first-child { text-align: left; }
.note { color: #555; }
</style></head><body>
<h1>Model {{ version }}</h1>
<p>Evaluated on {{ n }} labelled declarations from {{ period[0] }} to {{ period[1] }}
({{ positives }} infringing).</p>
{% if production_note %}<p class="note">{{ production_note }}</p>{% endif %}
<h2>Precision, recall and value caught by inspection rate</h2>
<table><tr><th>scorer</th>
{% for r in rates %}<th>precision @{{ r }}</th>{% endfor %}
{% for r in rates %}<th>recall @{{ r }}</th>{% endfor %}<th>AUC</th></tr>
{% for row in table %}<tr><td>{{ row.name }}</td>
{% for v in row.precision %}<td>{{ "%.3f"|format(v) }}</td>{% endfor %}
{% for v in row.recall %}<td>{{ "%.3f"|format(v) }}</td>{% endfor %}
<td>{{ row.auc }}</td></tr>{% endfor %}
</table>
<table><tr><th>share of infringing value caught</th>
{% for r in rates %}<th>@{{ r }}</th>{% endfor %}</tr>
{% for row in table %}<tr><td>{{ row.name }}</td>
{% for v in row.value %}<td>{{ "%.3f"|format(v) }}</td>{% endfor %}</tr>{% endfor %}
</table>
{% if random %}<p>Random selections ({{ random.n }} declarations, {{ random.positives }}
infringing): AUC {{ random.auc }}, precision @5% {{ "%.3f"|format(random.p5) }}.</p>{% endif %}
{% for figure in figures %}{{ figure }}{% endfor %}
<h2>Riskiest declarations and their reasons</h2>
<table><tr><th>declaration</th><th>top contributions</th></tr>
{% for ex in examples %}<tr><td>{{ ex.declaration_id }}</td><td style="text-align:left">
{% for r in ex.reasons %}{{ r.feature }} = {{ r.value }} ({{ "%+.3f"|format(r.contribution) }})
{% if not loop.last %}<br>{% endif %}{% endfor %}</td></tr>{% endfor %}
</table>
</body></html>
"""


def _figures(evaluation: Evaluation) -> list[go.Figure]:
    figures = []
    by_rate = go.Figure()
    pr = go.Figure()
    for name, (rate, precision, recall) in curves(evaluation).items():
        by_rate.add_trace(go.Scatter(x=rate * 100, y=precision, name=name, mode="lines"))
        pr.add_trace(go.Scatter(x=recall, y=precision, name=name, mode="lines"))
    for r in RATES:
        by_rate.add_vline(x=r * 100, line_dash="dot", line_color="#999")
    by_rate.update_layout(
        title="Precision by inspection rate",
        xaxis_title="inspected (%)",
        yaxis_title="precision",
        xaxis_type="log",
    )
    pr.update_layout(title="Precision–recall", xaxis_title="recall", yaxis_title="precision")
    figures += [by_rate, pr]
    bins = evaluation.candidate.metrics.calibration
    calibration = go.Figure()
    calibration.add_trace(
        go.Scatter(x=[0, 1], y=[0, 1], name="perfect", mode="lines", line_dash="dash")
    )
    calibration.add_trace(
        go.Scatter(
            x=[b["predicted"] for b in bins],
            y=[b["observed"] for b in bins],
            name="model",
            mode="lines+markers",
        )
    )
    calibration.update_layout(
        title="Calibration (score deciles)",
        xaxis_title="mean score",
        yaxis_title="observed infringing share",
    )
    figures.append(calibration)
    for title, values in (
        ("Feature importance (gain)", evaluation.importance),
        ("Contribution summary (mean |contribution|, log-odds)", evaluation.contributions),
    ):
        top = list(values.items())[:20][::-1]
        bar = go.Figure(go.Bar(x=[v for _, v in top], y=[k for k, _ in top], orientation="h"))
        bar.update_layout(title=title, height=560, margin={"l": 260})
        figures.append(bar)
    return figures


def render_html(evaluation: Evaluation) -> str:
    figures = _figures(evaluation)
    rendered = [
        f.to_html(full_html=False, include_plotlyjs=(i == 0)) for i, f in enumerate(figures)
    ]
    scorers = [evaluation.candidate, evaluation.baseline]
    if evaluation.production is not None:
        scorers.insert(1, evaluation.production)
    keys = [rate_key(r) for r in RATES]
    table = [
        {
            "name": s.name if s is not evaluation.baseline else f"rules only ({s.name})",
            "precision": [s.metrics.precision_at[k] for k in keys],
            "recall": [s.metrics.recall_at[k] for k in keys],
            "value": [s.metrics.value_share_at[k] for k in keys],
            "auc": f"{s.metrics.auc:.3f}" if s.metrics.auc is not None else "—",
        }
        for s in scorers
    ]
    random: dict[str, Any] | None = None
    if evaluation.random_sample is not None:
        rs = evaluation.random_sample
        random = {
            "n": rs.n,
            "positives": rs.positives,
            "auc": f"{rs.auc:.3f}" if rs.auc is not None else "—",
            "p5": rs.precision_at[rate_key(0.05)],
        }
    env = Environment(autoescape=select_autoescape(default=True))
    template = env.from_string(_TEMPLATE)
    return template.render(
        version=evaluation.model_version,
        n=evaluation.candidate.metrics.n,
        positives=evaluation.candidate.metrics.positives,
        period=evaluation.period,
        production_note=evaluation.production_note,
        rates=[f"{r:.0%}" for r in RATES],
        table=table,
        random=random,
        figures=[Markup(f) for f in rendered],
        examples=evaluation.contribution_examples,
    )
