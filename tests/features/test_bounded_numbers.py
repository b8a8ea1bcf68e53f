"""Valid-looking numbers cannot corrupt state: the edge refuses numbers out of bounds, and
whatever it lets through makes only finite profile counts."""

from __future__ import annotations

import math
from dataclasses import astuple

import pytest
from hypothesis import given
from hypothesis import strategies as st

from riskd.domain import Money
from riskd.features import profile_increments
from riskd.settings import Limits
from riskd.validation import validate_declaration
from tests import factory

LIMITS = Limits()  # type: ignore[call-arg]


def _violations(**item: object) -> dict[str, str]:
    declaration = factory.declaration(items=(factory.item(**item),))
    return {v.field: v.description for v in validate_declaration(declaration, LIMITS)}


@pytest.mark.parametrize(
    ("item", "field"),
    [
        ({"value": Money(1e308, "USD")}, "items[0].value.amount"),
        ({"value": Money(5e-324, "USD")}, "items[0].value.amount"),
        ({"value": Money(-1.0, "USD")}, "items[0].value.amount"),
        ({"value": Money(math.nan, "USD")}, "items[0].value.amount"),
        ({"net_mass_kg": 1e-300}, "items[0].net_mass_kg"),
        ({"net_mass_kg": 1e12}, "items[0].net_mass_kg"),
        ({"quantity": math.inf}, "items[0].quantity"),
        ({"value": Money(10.0, "XYZ")}, "items[0].value.currency"),
        ({"origin_country": "ZZ"}, "items[0].origin_country"),
    ],
)
def test_numbers_and_codes_out_of_bounds_are_refused(item: dict[str, object], field: str) -> None:
    assert field in _violations(**item)


def test_zero_means_not_declared_and_customs_codes_are_countries() -> None:
    assert _violations(value=Money(0.0, "USD"), net_mass_kg=0.0, quantity=0.0) == {}
    assert _violations(origin_country="XK", value=Money(3.5e12, "IDR")) == {}


_ANY_FLOAT = st.floats(allow_nan=True, allow_infinity=True)


@given(amount=_ANY_FLOAT, mass=_ANY_FLOAT, quantity=_ANY_FLOAT)
def test_profiles_stay_finite_for_whatever_the_edge_lets_through(
    amount: float, mass: float, quantity: float
) -> None:
    item = factory.item(value=Money(amount, "USD"), net_mass_kg=mass, quantity=quantity)
    declaration = factory.declaration(items=(item,))
    if validate_declaration(declaration, LIMITS):
        return  # refused at the edge: never reaches a profile
    for _, counts in profile_increments(declaration, {"USD": 1.0}):
        assert all(math.isfinite(v) for v in astuple(counts)), counts
