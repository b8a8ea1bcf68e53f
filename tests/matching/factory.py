"""A tiny factory of registers, declarations and items for matching tests."""

from __future__ import annotations

from datetime import UTC, date, datetime

from riskd.domain import Declaration, Direction, Item, Party, RightType, TransportMode
from riskd.register.model import Recordation, Register

OEM = "CN-OEM-0042"


def recordation(
    recordation_id: str,
    mark: str,
    *,
    aliases: tuple[str, ...] = (),
    hs: tuple[str, ...] = (),
    nice: tuple[str, ...] = (),
    licensees: tuple[str, ...] = (),
    right: RightType = RightType.TRADEMARK,
    until: date | None = None,
) -> Recordation:
    return Recordation(
        recordation_id=recordation_id,
        right_type=right,
        mark=mark,
        holder=f"holder of {mark}",
        valid_from=date(2020, 1, 1),
        valid_until=until,
        aliases=aliases,
        nice_classes=nice,
        hs_prefixes=hs,
        licensees=frozenset(licensees),
    )


GOLDEN_REGISTER = Register(
    version="golden-1",
    recordations=(
        recordation("T-NIKE", "NIKE", aliases=("耐克",), nice=("25",), licensees=(OEM,)),
        recordation("T-ADIDAS", "ADIDAS", aliases=("阿迪达斯", "Адидас"), nice=("25", "28")),
        recordation("T-APPLE", "APPLE", nice=("9",)),
        recordation("T-POLO", "POLO RALPH LAUREN", aliases=("POLO",), hs=("61", "62", "64")),
        recordation("T-SHELL", "SHELL", hs=("2710", "3403")),
        recordation("T-DOVE", "DOVE", nice=("3",)),
        recordation("T-JAGUAR", "JAGUAR", nice=("12",)),
        recordation("T-ROLEX", "ROLEX", nice=("14",)),
        recordation("T-REEBOK", "REEBOK", nice=("25",)),
        recordation("T-SAMSONITE", "SAMSONITE", nice=("18",)),
        recordation("T-LOUBOUTIN", "CHRISTIAN LOUBOUTIN", hs=("64",)),
        recordation("T-OLD", "KODAK", nice=("9",), until=date(2021, 12, 31)),
        recordation("C-WIN", "WINDOWS SERVER", right=RightType.COPYRIGHT, hs=("8523",)),
        recordation("P-XPS", "XPS 13", right=RightType.PATENT, hs=("8471",)),
    ),
)


def declaration(*items: Item, exporter: str = "CN-TRADER-1") -> Declaration:
    return Declaration(
        declaration_id="D-1",
        declared_at=datetime(2025, 6, 1, 9, 30, tzinfo=UTC),
        direction=Direction.EXPORT,
        customs_office="CNSHA",
        transport_mode=TransportMode.SEA,
        items=items,
        exporter=Party(exporter, "exporter"),
    )


def item(hs_code: str, description: str = "", brand: str = "", model: str = "") -> Item:
    return Item(line_no=1, hs_code=hs_code, description=description, brand=brand, model=model)
