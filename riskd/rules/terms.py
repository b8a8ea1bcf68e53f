"""The words of a rule file that both its definition and its parsed form use: operators,
the keys a condition starts with, severities. Kept apart so that the definition
(`riskd.rules.definition`) and the parsed form (`riskd.rules.ast`) need not import each other.
"""

from __future__ import annotations

import enum


class Op(enum.StrEnum):
    """Comparison operators of a leaf condition `{field: NAME, <op>: VALUE}`."""

    EQ = "eq"
    NE = "ne"
    IN = "in"
    NOT_IN = "not_in"
    PREFIX = "prefix"
    CONTAINS = "contains"
    LT = "lt"
    LE = "le"
    GT = "gt"
    GE = "ge"
    BETWEEN = "between"
    EXISTS = "exists"


Operand = str | float | bool | tuple[str, ...] | tuple[float, float]


BRANCHES = ("all", "any", "not", "on_list", "match", "field")  # the keys a condition starts with


class RuleSeverity(enum.StrEnum):
    LOW = "LOW"
    MEDIUM = "MEDIUM"
    HIGH = "HIGH"
    CRITICAL = "CRITICAL"


__all__ = ["BRANCHES", "Op", "Operand", "RuleSeverity"]
