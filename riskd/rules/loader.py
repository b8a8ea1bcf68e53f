"""Compiling a whole rule directory.

A rule directory holds YAML files told apart by their top-level key — `rules:` (rule files),
`lists:` (watchlists and tip-offs), `policy:` (the one policy file) — and `currencies.csv`.
`compile_directory` runs every compiler step and collects all problems; the rule test runner
(`riskd.rules.testing`) builds on it, and `riskd.rules.accept` loads a directory for serving
only when both pass.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from riskd.policy import Policy
from riskd.rules.ast import Condition, Rule
from riskd.rules.check import check_condition, check_lists, check_rules
from riskd.rules.errors import (
    Pos,
    Problem,
    error,
    errors_of,
    sorted_problems,
    warning,
)
from riskd.rules.evaluator import CompiledRules, compile_rules
from riskd.rules.lists import WatchList, parse_lists
from riskd.rules.parse import parse_rule_file
from riskd.rules.policy_file import parse_currencies, parse_policy
from riskd.rules.testdecl import TestInput, convert_test_input
from riskd.rules.yamlpos import Document, load

CURRENCY_FILE = "currencies.csv"


@dataclass(frozen=True, slots=True)
class RuleDirectory:
    """Everything compiled from one directory, with every problem found on the way."""

    path: Path
    rules: tuple[Rule, ...]
    lists: Mapping[str, WatchList]
    policy: Policy
    rates_to_usd: Mapping[str, float]
    version: str
    problems: tuple[Problem, ...]
    compiled: CompiledRules | None = field(default=None)

    @property
    def ok(self) -> bool:
        return not errors_of(self.problems) and self.compiled is not None


@dataclass(frozen=True, slots=True)
class LoadedRules:
    """What the daemon swaps in: the prepared rule set, its policy and the check's warnings."""

    ruleset: CompiledRules
    policy: Policy
    warnings: list[str]
    directory: RuleDirectory


def rule_files(path: Path) -> list[Path]:
    """The YAML files of a rule directory, in a stable order, hidden ones skipped."""
    found = [p for p in path.rglob("*") if p.suffix in (".yaml", ".yml") and p.is_file()]
    return sorted(
        p for p in found if not any(part.startswith(".") for part in p.relative_to(path).parts)
    )


def _display(path: Path, base: Path) -> str:
    """Paths in messages relative to the directory's parent, e.g. rules/media.yaml."""
    try:
        return str(path.relative_to(base.parent))
    except ValueError:
        return str(path)


def compile_directory(path: Path, *, today: date) -> RuleDirectory:
    """Parse, resolve, type-check and lower every file of the directory."""
    problems: list[Problem] = []
    if not path.is_dir():
        problems.append(error("E-READ", Pos(str(path), 0, 0), "not a directory"))
        return RuleDirectory(path, (), {}, Policy(), {}, "", tuple(problems))
    digest = hashlib.sha256()
    rates: dict[str, float] = {}
    currency_path = path / CURRENCY_FILE
    if currency_path.is_file():
        rates = parse_currencies(currency_path, _display(currency_path, path), problems)
        digest.update(CURRENCY_FILE.encode() + b"\0" + currency_path.read_bytes())
    else:
        problems.append(
            warning(
                "W-NO-CURRENCIES",
                Pos(_display(currency_path, path), 0, 0),
                "no currency table; only USD values are known to rules",
            )
        )
        rates = {"USD": 1.0}
    rules: list[Rule] = []
    broken: list[Condition] = []
    lists: list[WatchList] = []
    policies: list[tuple[Document, bytes]] = []
    for file in rule_files(path):
        display = _display(file, path)
        root = load(file, display, problems)
        if root is None:
            continue
        content = file.read_bytes()
        kind = _kind(root)
        if kind == "policy":
            policies.append((root, content))
            continue
        digest.update(str(file.relative_to(path)).encode() + b"\0" + content)
        if kind == "rules":
            parsed, orphans = parse_rule_file(root)
            rules.extend(parsed)
            broken.extend(orphans)
        elif kind == "lists":
            lists.extend(parse_lists(root))
        else:
            problems.append(
                error(
                    "E-FILE",
                    root.pos(()),
                    "expected a rule file (rules:), a list file "
                    "(lists:) or the policy file (policy:)",
                )
            )
    policy = _policy(policies, rates, problems, path)
    by_name = {w.name: w for w in lists}
    problems.extend(check_lists(lists, today))
    problems.extend(check_rules(rules, by_name, today))
    for condition in broken:
        problems.extend(check_condition(condition, by_name))
    version = "rules-" + digest.hexdigest()[:12]
    compiled = None
    if not errors_of(problems):
        compiled = compile_rules(version, rules, by_name, rates)
    return RuleDirectory(
        path,
        tuple(rules),
        by_name,
        policy,
        rates,
        version,
        tuple(sorted_problems(problems)),
        compiled,
    )


def test_day(rule: Rule, today: date) -> date:
    """Tests without a date run on today, moved into the rule's period of validity."""
    if rule.valid_until is not None and today > rule.valid_until:
        return rule.valid_until
    if rule.valid_from is not None and today < rule.valid_from:
        return rule.valid_from
    return today


def test_input(rule: Rule, index: int, today: date) -> TestInput:
    """The index-th (0-based) test's input as domain objects."""
    return convert_test_input(
        rule.tests[index], test_id=f"TEST-{rule.id}-{index + 1}", on=test_day(rule, today)
    )


def _kind(root: Document) -> str | None:
    if isinstance(root.tree, dict):
        keys = {str(k) for k in root.tree}
        for kind in ("rules", "lists", "policy"):
            if kind in keys:
                return kind
    return None


def _policy(
    policies: list[tuple[Document, bytes]],
    rates: dict[str, float],
    problems: list[Problem],
    path: Path,
) -> Policy:
    if not policies:
        problems.append(
            warning(
                "W-NO-POLICY",
                Pos(str(path.name), 0, 0),
                "no policy file; the built-in default policy applies",
            )
        )
        return Policy(rates_to_base=dict(rates)) if rates else Policy()
    for extra, _ in policies[1:]:
        problems.append(
            error(
                "E-POLICY",
                extra.pos(()),
                f"a second policy file; the policy is already in {policies[0][0].file}",
            )
        )
    root, content = policies[0]
    return parse_policy(root, content, rates) or Policy()
