"""The interface the pipeline evaluates a compiled rule set through."""

from __future__ import annotations

from typing import Protocol

from riskd.domain import Declaration, ItemAssessment, RuleHit
from riskd.features import Features


class RuleSet(Protocol):
    """A prepared (compiled) rule set: serving only calls `evaluate`."""

    @property
    def version(self) -> str: ...

    def __len__(self) -> int: ...

    def evaluate(
        self,
        declaration: Declaration,
        items: tuple[ItemAssessment, ...],
        features: Features,
    ) -> tuple[RuleHit, ...]: ...


class _NoRules:
    """The rule set in force when none is configured: it never fires."""

    version = "none"

    def __len__(self) -> int:
        return 0

    def evaluate(
        self,
        declaration: Declaration,
        items: tuple[ItemAssessment, ...],
        features: Features,
    ) -> tuple[RuleHit, ...]:
        return ()


NO_RULES: RuleSet = _NoRules()
