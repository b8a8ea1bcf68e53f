"""What every report page shares: Jinja templates from `riskd/templates/`, rates shown with
the counts behind them, and the rule that marks and ranks small samples.

A rate on a handful of cases reads like a finding and is not one: 100 % on two controls
would top any list sorted by rate. Everything below `MIN_SUPPORT` cases is therefore marked
as a small sample and ranked after the groups whose rate rests on enough cases.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from typing import Any, TypeVar

from jinja2 import Environment, PackageLoader, StrictUndefined, select_autoescape
from markupsafe import Markup
from plotly.offline import get_plotlyjs

MIN_SUPPORT = 30
"""Cases (controls, inspected hits, infringing declarations) a rate needs to be ranked on."""

Row = TypeVar("Row")


def small(cases: int) -> bool:
    """True where a rate rests on too few cases to be compared with others."""
    return cases < MIN_SUPPORT


def pct(value: float | None, digits: int = 1) -> str:
    return "–" if value is None else f"{100 * value:.{digits}f}%"


def rate_of(part: int, whole: int) -> str:
    """A rate with its counts, "12.0% (3 of 25)"; "–" where there is nothing to count."""
    if whole <= 0:
        return "–"
    return f"{pct(part / whole)} ({part:,} of {whole:,})"


def ranked(
    rows: Iterable[Row], rate: Callable[[Row], float | None], cases: Callable[[Row], int]
) -> list[Row]:
    """Rows by rate, highest first, those resting on at least `MIN_SUPPORT` cases ahead of
    the small samples (which follow by number of cases), rows without a rate last."""

    def key(row: Row) -> tuple[int, float, float]:
        value, n = rate(row), cases(row)
        if value is None or n <= 0:
            return (2, 0.0, 0.0)
        if small(n):
            return (1, -n, -value)
        return (0, -value, -n)

    return sorted(rows, key=key)


def figures_html(figures: Sequence[Any]) -> list[Markup]:
    """Plotly figures as HTML fragments, in any order on the page: plotly.js itself is
    inlined once in the page head (see `render`). No mode bar: it covered the legends
    (zooming by dragging still works)."""
    return [
        Markup(
            figure.to_html(
                full_html=False,
                include_plotlyjs=False,
                config={"displayModeBar": False, "responsive": True},
            )
        )
        for figure in figures
    ]


def readable(figure: Any, *, height: int | None = None) -> Any:
    """The layout every report figure shares: white background, axis labels that make room
    for themselves instead of overlapping, the legend above the plot."""
    figure.update_layout(
        template="plotly_white",
        font={"size": 13},
        margin={"t": 40, "r": 20},
        legend={"orientation": "h", "yanchor": "bottom", "y": 1.02, "x": 0},
        **({"height": height} if height else {}),
    )
    figure.update_xaxes(automargin=True)
    figure.update_yaxes(automargin=True)
    return figure


def render(template: str, **context: object) -> str:
    """One page from its template; values are HTML-escaped unless marked safe. plotly.js is
    inlined in the head, so the page opens offline, without a CDN."""

    environment = Environment(
        loader=PackageLoader("riskd", "templates"),
        autoescape=select_autoescape(default=True, default_for_string=True),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    environment.filters["pct"] = pct
    environment.filters["rate_of"] = rate_of
    environment.globals.update(
        small=small, min_support=MIN_SUPPORT, plotly_js=Markup(get_plotlyjs())
    )
    return environment.get_template(template).render(**context)
