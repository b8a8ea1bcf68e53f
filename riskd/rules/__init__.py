"""The officers' rule sets: parse, check, compile, evaluate, test, backtest."""

from riskd.rules.ruleset import NO_RULES, RuleSet

__all__ = ["NO_RULES", "RuleSet"]
