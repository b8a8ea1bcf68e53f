"""A tiny factory of domain objects for tests: valid by default, override what a test needs."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime
from typing import Any

from riskd.domain import (
    Case,
    CaseEvent,
    CaseKind,
    CaseState,
    Declaration,
    Direction,
    Item,
    Money,
    Party,
    RightType,
    TransportMode,
)
from riskd.policy import Policy
from riskd.register.model import Recordation, Register

NIKE = Recordation(
    recordation_id="T2019-00001",
    right_type=RightType.TRADEMARK,
    mark="NIKE",
    aliases=("耐克", "naike"),
    holder="Nike Innovate C.V.",
    holder_contact="brand-protection@nike.example",
    nice_classes=("25",),
    hs_prefixes=("6401", "6402", "6403", "6404", "6405", "61", "62"),
    licensees=frozenset({"OEM-LICENSED-1"}),
    valid_from=date(2019, 1, 1),
)
EXPIRED = Recordation(
    recordation_id="T2010-00009",
    right_type=RightType.TRADEMARK,
    mark="ZORBLAX",
    holder="Zorblax Ltd",
    valid_from=date(2010, 1, 1),
    valid_until=date(2020, 1, 1),
)


def trademark(
    number: int, mark: str, hs: tuple[str, ...] = (), nice: str = "25", **more: Any
) -> Recordation:
    """A trademark recordation `R<number>`; recorded for `hs` and class `nice`, or, without
    `hs`, without any class (as many real recordations are)."""
    return Recordation(
        recordation_id=f"R{number}",
        right_type=RightType.TRADEMARK,
        mark=mark,
        holder=f"Holder {number}",
        valid_from=date(2000, 1, 1),
        hs_prefixes=hs,
        nice_classes=(nice,) if hs else (),
        **more,
    )


def register(*recordations: Recordation) -> Register:
    chosen = recordations or (NIKE, EXPIRED)
    return Register(version="reg-test", recordations=tuple(chosen))


def item(**overrides: Any) -> Item:
    base = Item(
        line_no=1,
        hs_code="640411",
        description="sports shoes, textile upper",
        brand="",
        quantity=100,
        unit="PAIRS",
        net_mass_kg=80.0,
        value=Money(2500.0, "USD"),
        origin_country="CN",
    )
    return replace(base, **overrides)


def declaration(declaration_id: str = "", **overrides: Any) -> Declaration:
    """A valid import declaration; its id is one the default policy does not pick at random."""
    base = Declaration(
        declaration_id=declaration_id or not_randomly_selected("D-TEST"),
        declared_at=datetime(2025, 3, 1, 10, 0, tzinfo=UTC),
        direction=Direction.IMPORT,
        customs_office="CNSHA01",
        transport_mode=TransportMode.SEA,
        importer=Party("IMP-1", "Harbour Trading Co", "CN"),
        exporter=Party("EXP-1", "Pearl River Export Ltd", "CN"),
        origin_country="CN",
        departure_country="CN",
        destination_country="DE",
        items=(item(),),
    )
    return replace(base, **overrides)


def not_randomly_selected(prefix: str, policy: Policy | None = None) -> str:
    """The first id with that prefix that the random compliance selection does not pick."""
    policy = policy or Policy()
    n = 0
    while policy.randomly_selected(f"{prefix}-{n}"):
        n += 1
    return f"{prefix}-{n}"


def randomly_selected(prefix: str, policy: Policy | None = None) -> str:
    policy = policy or Policy()
    n = 0
    while not policy.randomly_selected(f"{prefix}-{n}"):
        n += 1
    return f"{prefix}-{n}"


def case(case_id: str = "N-D1-T1", **overrides: Any) -> Case:
    """An open notification case with a deadline; override what a test needs."""
    opened_at = overrides.pop("opened_at", datetime(2026, 3, 2, 9, 0, tzinfo=UTC))
    values: dict[str, Any] = {
        "case_id": case_id,
        "kind": CaseKind.NOTIFICATION,
        "state": CaseState.OPEN,
        "decision_id": "D1",
        "jurisdiction": "CN",
        "opened_at": opened_at,
        "recordation_id": "T2019-00001",
        "holder": "Nike Innovate C.V.",
        "holder_contact": "brand-protection@nike.example",
        "clock": "ex_officio",
        "deadline": datetime(2026, 3, 5, 16, 0, tzinfo=UTC),
        "events": (CaseEvent(at=opened_at, by="riskd", what="opened", state=CaseState.OPEN),),
    }
    values.update(overrides)
    return Case(**values)
