"""Small customs histories for feature tests: domain declarations and their history rows."""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from hypothesis import strategies as st

from riskd.domain import Declaration, Direction, Item, Money, Party, TransportMode
from riskd.features import FEATURE_NAMES
from riskd.features.schema import MATCH_NUMERIC, RULE_NUMERIC

Row = tuple[Any, ...]

START = datetime(2024, 1, 1, tzinfo=UTC)
# The features that profiles and goods give, which serving and training must agree on; match
# and rule features need a register and rules, which these histories do not exercise.
HISTORY_FEATURES = [
    f for f in FEATURE_NAMES if f not in MATCH_NUMERIC + RULE_NUMERIC + ("best_match_method",)
]


def same_feature_value(served: object, trained: object) -> bool:
    """Equal, numbers within 1e-9 (serving sums in Python, training in polars)."""
    if served is None or trained is None:
        return served is None and trained is None
    if isinstance(served, float | int) and isinstance(trained, float | int):
        return math.isclose(served, trained, rel_tol=1e-9, abs_tol=1e-9)
    return served == trained


@dataclass(frozen=True)
class Declared:
    """A declaration with the inspection outcome that followed it (None: not inspected)."""

    declaration: Declaration
    infringing_lines: frozenset[int] | None


def _item(line_no: int, hs: str, origin: str, value: float, mass: float) -> Item:
    return Item(
        line_no=line_no,
        hs_code=hs,
        description="goods",
        quantity=2.0,
        net_mass_kg=mass,
        value=Money(value, "USD"),
        origin_country=origin,
    )


items_strategy = st.lists(
    st.builds(
        lambda hs, origin, value, mass: (hs, origin, value, mass),
        st.sampled_from(["6403.99", "640399", "420221", "851830", "950300"]),
        st.sampled_from(["", "CN", "VN"]),
        st.sampled_from([0.0, 12.5, 100.0, 4000.0]),
        st.sampled_from([0.0, 0.5, 3.0]),
    ),
    min_size=1,
    max_size=3,
)

declared_strategy = st.builds(
    lambda day, importer, declarant, exporter, office, items, outcome: (
        day,
        importer,
        declarant,
        exporter,
        office,
        items,
        outcome,
    ),
    st.integers(0, 6),
    st.sampled_from(["IMP1", "IMP2", "IMP3", ""]),
    st.sampled_from(["DCL1", "DCL2"]),
    st.sampled_from(["EXP1", "EXP2", ""]),
    st.sampled_from(["KRPUS", "KRICN"]),
    items_strategy,
    st.sampled_from(["none", "clean", "seized_all", "seized_first"]),
)


def build(rows: list[Row]) -> list[Declared]:
    """Turns drawn tuples into declarations with outcomes, ids in drawing order."""
    out = []
    for n, (day, importer, declarant, exporter, office, items, outcome) in enumerate(rows):
        declaration = Declaration(
            declaration_id=f"D{n:04d}",
            declared_at=START + timedelta(days=day),
            direction=Direction.IMPORT,
            customs_office=office,
            transport_mode=TransportMode.SEA,
            items=tuple(_item(i + 1, *it) for i, it in enumerate(items)),
            declarant=Party(declarant),
            importer=Party(importer) if importer else None,
            exporter=Party(exporter) if exporter else None,
            origin_country="CN",
            departure_country="HK",
        )
        lines = {
            "none": None,
            "clean": frozenset(),
            "seized_all": frozenset(range(1, len(items) + 1)),
            "seized_first": frozenset({1}),
        }[outcome]
        out.append(Declared(declaration, lines))
    return out


def history_rows(declared: list[Declared]) -> list[dict[str, object]]:
    """The history table (one row per item) of the declarations."""
    rows: list[dict[str, object]] = []
    for d in declared:
        decl = d.declaration
        for item in decl.items:
            rows.append(
                {
                    "declaration_id": decl.declaration_id,
                    "declared_at": decl.declared_at,
                    "direction": decl.direction.value,
                    "customs_office": decl.customs_office,
                    "transport_mode": decl.transport_mode.value,
                    "procedure": decl.procedure.value,
                    "declarant_id": decl.declarant.id if decl.declarant else "",
                    "importer_id": decl.importer.id if decl.importer else "",
                    "exporter_id": decl.exporter.id if decl.exporter else "",
                    "consignee_id": "",
                    "origin_country": decl.origin_country,
                    "departure_country": decl.departure_country,
                    "line_no": item.line_no,
                    "hs_code": item.hs_code,
                    "quantity": item.quantity,
                    "net_mass_kg": item.net_mass_kg,
                    "value_usd": item.value.amount if item.value else None,
                    "item_origin_country": item.origin_country,
                    "inspected": d.infringing_lines is not None,
                    "infringing": (
                        None if d.infringing_lines is None else item.line_no in d.infringing_lines
                    ),
                }
            )
    return rows
