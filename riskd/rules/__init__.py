"""The officers' rule sets: parse, check, compile, evaluate, test, backtest.

For the daemon: `load_rule_directory(path, today=...)` returns a `LoadedRules` (the prepared
`RuleSet`, its `Policy` and the check's warnings) or raises `RuleSetRefused` (a
`ReloadRefused`) listing every problem and failing test. The daemon's source watcher
(`riskd.server.watch`) reloads the directory when its files change.
"""

from riskd.rules.accept import load_rule_directory
from riskd.rules.errors import Problem, RuleSetRefused
from riskd.rules.loader import LoadedRules, compile_directory
from riskd.rules.ruleset import NO_RULES, RuleSet

__all__ = [
    "NO_RULES",
    "LoadedRules",
    "Problem",
    "RuleSet",
    "RuleSetRefused",
    "compile_directory",
    "load_rule_directory",
]
