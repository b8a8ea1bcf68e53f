"""Loading a rule directory for serving: only a set that checks, compiles and passes its own
tests is accepted; otherwise `RuleSetRefused` lists every problem and failing test, so the
daemon keeps serving the previous set.

This module sits above both the compiler (`riskd.rules.loader`) and the test runner
(`riskd.rules.testing`), which depends on the compiler, never the reverse.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

from riskd.rules.errors import RuleSetRefused, error, warnings_of
from riskd.rules.loader import LoadedRules, compile_directory
from riskd.rules.testing import run_tests


def load_rule_directory(path: Path, *, today: date) -> LoadedRules:
    """Check, compile and test the directory; raise `RuleSetRefused` unless all is well."""
    directory = compile_directory(path, today=today)
    if not directory.ok or directory.compiled is None:
        raise RuleSetRefused(directory.problems)
    report = run_tests(directory, today=today)
    failures = [
        error("E-TEST", r.pos, f"rule {r.rule_id} test {r.test_name!r} failed: {r.failure}")
        for r in report.failed
    ]
    if failures:
        raise RuleSetRefused([*directory.problems, *failures])
    return LoadedRules(
        ruleset=directory.compiled,
        policy=directory.policy,
        warnings=[str(p) for p in warnings_of(directory.problems)],
        directory=directory,
    )
