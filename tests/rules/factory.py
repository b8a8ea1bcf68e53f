"""Tiny builders for rule tests: rule directories on disk and domain declarations."""

from __future__ import annotations

import textwrap
from datetime import UTC, date, datetime
from pathlib import Path

from riskd.domain import (
    Declaration,
    Direction,
    Item,
    ItemAssessment,
    Match,
    MatchMethod,
    Money,
    TransportMode,
)
from riskd.features import FeatureValue
from riskd.rules.evaluator import item_contexts
from riskd.rules.fields import ItemContext

TODAY = date(2026, 11, 25)
RATES = {"USD": 1.0, "CNY": 0.138}


def write_dir(root: Path, files: dict[str, str]) -> Path:
    """A rule directory with the given files (YAML dedented), plus a currency table."""
    root.mkdir(parents=True, exist_ok=True)
    files = {"currencies.csv": "currency,usd_per_unit\nUSD,1.0\nCNY,0.138\n", **files}
    for name, text in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text).lstrip("\n"), encoding="utf-8")
    return root


def item(
    line_no: int = 1,
    hs_code: str = "64041100",
    *,
    description: str = "shoes",
    brand: str = "",
    quantity: float = 0.0,
    value: Money | None = None,
) -> Item:
    return Item(
        line_no=line_no,
        hs_code=hs_code,
        description=description,
        brand=brand,
        quantity=quantity,
        value=value,
    )


def declaration(*items: Item, **kw: object) -> Declaration:
    values: dict[str, object] = {
        "declaration_id": "D1",
        "declared_at": datetime(2026, 11, 25, 10, tzinfo=UTC),
        "direction": Direction.IMPORT,
        "customs_office": "2244",
        "transport_mode": TransportMode.POSTAL,
        "items": items or (item(),),
    }
    values.update(kw)
    return Declaration(**values)  # type: ignore[arg-type]


def match(score: float = 95.0, **kw: object) -> Match:
    values: dict[str, object] = {
        "recordation_id": "TM-1",
        "mark": "VELOX",
        "holder": "Velox AG",
        "matched_text": "velox",
        "score": score,
        "method": MatchMethod.EXACT,
    }
    values.update(kw)
    return Match(**values)  # type: ignore[arg-type]


def assessed(
    d: Declaration, matches: dict[int, tuple[Match, ...]] | None = None
) -> tuple[ItemAssessment, ...]:
    matches = matches or {}
    return tuple(ItemAssessment(i.line_no, matches.get(i.line_no, ())) for i in d.items)


def context(
    d: Declaration,
    features: dict[str, FeatureValue] | None = None,
    matches: dict[int, tuple[Match, ...]] | None = None,
) -> ItemContext:
    return item_contexts(d, assessed(d, matches), features or {}, RATES)[0]
