"""The rule test runner as a library: discover the embedded tests, run them, report.

Each test is a declaration (plus simulated matches and history features) and what the rule
should do with it: fire or not, on which lines, and which recommendation the policy then
gives on this rule's hit alone (no model, no random selection). A failing test carries the
condition tree with each leaf's value so the officer sees which part did not hold.
Reporters (pretty for terminals, JSON for tools) are separate from running.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import asdict, dataclass, field
from datetime import date
from typing import TextIO

from rich.console import Console
from rich.markup import escape

from riskd.domain import RuleHit
from riskd.policy import recommend
from riskd.register.model import EMPTY_REGISTER
from riskd.rules.ast import RuleTest
from riskd.rules.errors import Pos
from riskd.rules.evaluator import CompiledRule, declared_on, explain, item_contexts
from riskd.rules.loader import RuleDirectory, test_input
from riskd.rules.testdecl import TestInput


@dataclass(frozen=True, slots=True)
class TestResult:
    rule_id: str
    test_name: str
    pos: Pos
    passed: bool
    failure: str = ""
    explanation: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class TestReport:
    results: tuple[TestResult, ...]
    untested: tuple[tuple[str, Pos], ...]

    @property
    def failed(self) -> list[TestResult]:
        return [r for r in self.results if not r.passed]

    @property
    def ok(self) -> bool:
        return not self.failed


def discover(directory: RuleDirectory) -> Iterator[tuple[CompiledRule, RuleTest]]:
    """Every (rule, test) pair of a compiled directory, in file order."""
    if directory.compiled is None:
        return
    for compiled in directory.compiled.rules:
        for test in compiled.rule.tests:
            yield compiled, test


def run_test(
    directory: RuleDirectory, compiled: CompiledRule, test: RuleTest, today: date
) -> TestResult:
    given = test_input(compiled.rule, compiled.rule.tests.index(test), today)
    assert directory.compiled is not None
    contexts = item_contexts(
        given.declaration, given.items, given.features, directory.compiled.rates_to_usd
    )
    hit = compiled.hit(contexts, declared_on(given.declaration))
    failure = _failure(directory, test, hit, given)
    explanation: tuple[str, ...] = ()
    if failure:
        lines = []
        for context in contexts:
            label = f"item {context.item.line_no}" if context.item else "declaration"
            lines.append(f"{label}:")
            lines.extend(
                "  " + line for line in explain(compiled.rule.when, context, directory.lists)
            )
        if not compiled.rule.in_force(declared_on(given.declaration)):
            lines.append(f"the rule is not in force on {declared_on(given.declaration)}")
        explanation = tuple(lines)
    return TestResult(compiled.rule.id, test.name, test.pos, not failure, failure, explanation)


def _failure(
    directory: RuleDirectory, test: RuleTest, hit: RuleHit | None, given: TestInput
) -> str:
    if (hit is not None) != test.fires:
        return "expected the rule to fire" if test.fires else "expected the rule not to fire"
    if hit is not None and test.line_nos is not None and tuple(test.line_nos) != hit.line_nos:
        return f"expected hits on lines {list(test.line_nos)}, got {list(hit.line_nos)}"
    if test.action is not None:
        hits = (hit,) if hit is not None else ()
        decision = recommend(
            directory.policy,
            EMPTY_REGISTER,
            given.declaration,
            given.items,
            hits,
            None,
            draw_random=False,
        )
        if decision.recommendation is not test.action:
            return (
                f"expected the recommendation {test.action.value}, the policy gives "
                f"{decision.recommendation.value}"
            )
    return ""


def run_tests(directory: RuleDirectory, *, today: date) -> TestReport:
    results = [run_test(directory, c, t, today) for c, t in discover(directory)]
    untested = tuple(
        (c.rule.id, c.rule.pos)
        for c in (directory.compiled.rules if directory.compiled else ())
        if not c.rule.tests
    )
    return TestReport(tuple(results), untested)


@dataclass
class PrettyReporter:
    """For officers at a terminal: failures with their condition trees, then a summary."""

    out: TextIO
    verbose: bool = False
    console: Console = field(init=False)

    def __post_init__(self) -> None:
        self.console = Console(file=self.out, highlight=False, soft_wrap=True)

    def report(self, report: TestReport) -> None:
        c = self.console
        for result in report.results:
            if result.passed:
                if self.verbose:
                    c.print(f"[green]PASS[/green] {result.rule_id}: {escape(result.test_name)}")
                continue
            c.print(f"[red]FAIL[/red] {result.rule_id}: {escape(result.test_name)}  ({result.pos})")
            c.print(f"     {escape(result.failure)}")
            for line in result.explanation:
                c.print(f"     {escape(line)}")
        passed = len(report.results) - len(report.failed)
        colour = "green" if report.ok else "red"
        c.print(f"[{colour}]{passed}/{len(report.results)} tests passed[/{colour}]")
        if report.untested:
            c.print(
                f"[yellow]rules without a test ({len(report.untested)}):[/yellow] "
                + ", ".join(f"{rule_id} ({pos})" for rule_id, pos in report.untested)
            )


@dataclass
class JsonReporter:
    """For tools and CI: one JSON document."""

    out: TextIO

    def report(self, report: TestReport) -> None:
        def pos(p: Pos) -> dict[str, object]:
            return asdict(p)

        document = {
            "ok": report.ok,
            "results": [
                {**{k: v for k, v in asdict(r).items() if k != "pos"}, "pos": pos(r.pos)}
                for r in report.results
            ],
            "untested": [{"rule_id": rule_id, "pos": pos(p)} for rule_id, p in report.untested],
        }
        json.dump(document, self.out, indent=2, default=str)
        self.out.write("\n")
