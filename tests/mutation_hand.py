"""Mutants that mutmut cannot make, applied one at a time to a copy of the repository.

mutmut (`make mutation`) turns each function into a switch that a forked worker flips. It
leaves out methods of decorated classes (the dataclasses `Policy`, `MatchingConfig`,
`Matcher`) and tables built at import, and polars' thread pool does not survive its fork (the
backtest's combination). Each mutant here is one textual change with the tests that must
notice it, run in a fresh process on the copy. `python -m tests.mutation_hand [SUBSTRING]`
prints one line per mutant and the totals; it fails if a mutant survives.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
COPIED = ("riskd", "tests", "fixtures", "rules", "training", "docs", "pyproject.toml")

POLICY = ("tests/rules/test_policy.py", "tests/policy")
COMBINATION = ("tests/rules/test_backtest_combination.py", "tests/rules/test_policy.py")
BACKTEST = ("tests/rules/test_backtest_combination.py", "tests/rules/test_backtest.py")
BUDGETS = (
    "tests/matching/test_budgets.py",
    "tests/matching/test_golden.py",
    "tests/matching/test_properties.py",
)
CONVERT = ("tests/server/test_convert_golden.py",)


@dataclass(frozen=True)
class Mutant:
    path: str
    original: str
    mutated: str
    tests: tuple[str, ...]


MUTANTS = (
    # serving's combination of risk components (Policy.combine_risk)
    Mutant(
        "riskd/policy.py",
        "keep *= 1.0 - min(max(component, 0.0), 1.0)",
        "keep *= 1.0 - min(max(component, 0.0), 0.5)",
        COMBINATION,
    ),
    Mutant(
        "riskd/policy.py", "            return 1.0 - keep", "            return keep", COMBINATION
    ),
    Mutant("riskd/policy.py", "min(max(max(components)", "min(max(min(components)", COMBINATION),
    Mutant(
        "riskd/policy.py",
        "if self.combine is Combine.NOISY_OR:",
        "if self.combine is not Combine.NOISY_OR:",
        COMBINATION,
    ),
    # the rest of Policy's methods
    Mutant("riskd/policy.py", "/ 2**64 < self.random_rate", "/ 2**64 > self.random_rate", POLICY),
    Mutant("riskd/policy.py", "get(money.currency.upper())", "get(money.currency)", POLICY),
    Mutant("riskd/policy.py", "money.amount * rate", "money.amount / rate", POLICY),
    Mutant(
        "riskd/policy.py",
        'self.inspection_capacity.get("*")',
        'self.inspection_capacity.get("")',
        POLICY,
    ),
    Mutant(
        "riskd/policy.py", "if not 0.0 < self.random_rate", "if not 0.0 <= self.random_rate", POLICY
    ),
    # edit budgets (MatchingConfig.edit_budget) and their use (Matcher)
    Mutant("riskd/matching/tuning.py", "            return 2\n", "            return 1\n", BUDGETS),
    Mutant(
        "riskd/matching/tuning.py",
        "if length >= self.two_edits_from:",
        "if length > self.two_edits_from:",
        BUDGETS,
    ),
    Mutant(
        "riskd/matching/tuning.py",
        "return 1 if length >= self.one_edit_from else 0",
        "return 1 if length > self.one_edit_from else 0",
        BUDGETS,
    ),
    Mutant(
        "riskd/matching/tuning.py",
        "all(w in self.everyday for w in words)",
        "any(w in self.everyday for w in words)",
        BUDGETS,
    ),
    Mutant(
        "riskd/matching/matcher.py",
        "score_cutoff=budget) <= budget",
        "score_cutoff=budget) < budget",
        BUDGETS,
    ),
    Mutant(
        "riskd/matching/matcher.py",
        "                budget > 0\n",
        "                budget > 1\n",
        BUDGETS,
    ),
    Mutant(
        "riskd/matching/matcher.py", "limit=self.config.max_typo_candidates,", "limit=1,", BUDGETS
    ),
    # build_matcher is mutated by mutmut too, but the test modules build their matchers at
    # import, before a worker flips the switch: its budget lines are applied here as well
    Mutant(
        "riskd/matching/matcher.py",
        "budget = fuzzy_budget(keys, config)",
        "budget = min(fuzzy_budget(keys, config), 1)",
        BUDGETS,
    ),
    Mutant(
        "riskd/matching/matcher.py",
        "variants = deletions(prefix, budget)",
        "variants = deletions(prefix, 1)",
        BUDGETS,
    ),
    # enum tables of the converter, built at import
    Mutant("riskd/server/convert.py", "if k != 0}", "if k == 0}", CONVERT),
    Mutant("riskd/server/convert.py", "if k != 0}", "if k != 1}", CONVERT),
    # the backtest's combination of rule scores (rules_recommendation) and its office loads
    Mutant(
        "riskd/rules/backtest.py",
        "keep = keep * (1.0 - c.clip(0.0, 1.0))",
        "keep = keep * (1.0 - c.clip(0.0, 0.5))",
        BACKTEST,
    ),
    Mutant(
        "riskd/rules/backtest.py", "        risk = 1.0 - keep\n", "        risk = keep\n", BACKTEST
    ),
    Mutant(
        "riskd/rules/backtest.py",
        "    if policy.combine is Combine.NOISY_OR:",
        "    if policy.combine is not Combine.NOISY_OR:",
        BACKTEST,
    ),
    Mutant(
        "riskd/rules/backtest.py",
        "risk = pl.max_horizontal(components)",
        "risk = pl.min_horizontal(components)",
        BACKTEST,
    ),
    Mutant(
        "riskd/rules/backtest.py",
        "then(policy.rule_weight * r.score)",
        "then(r.score)",
        BACKTEST,
    ),
    Mutant(
        "riskd/rules/backtest.py",
        ".when(risk >= policy.inspection_from)",
        ".when(risk > policy.inspection_from)",
        BACKTEST,
    ),
    Mutant(
        "riskd/rules/backtest.py",
        ".when(risk >= policy.document_check_from)",
        ".when(risk > policy.document_check_from)",
        BACKTEST,
    ),
    Mutant(
        "riskd/rules/backtest.py",
        "is not None else 2.0))",
        "is not None else 1.0))",
        BACKTEST,
    ),
    Mutant(
        "riskd/rules/backtest.py",
        "then(r.action.severity if r.action else 0)",
        "then(r.action.severity if r.action else 1)",
        BACKTEST,
    ),
    Mutant(
        "riskd/rules/backtest.py",
        '    live = [pl.col(f"r{i}") & ~pl.col(f"s{i}") for i in range(len(rules))]\n'
        "    severities",
        '    live = [pl.col(f"r{i}") for i in range(len(rules))]\n    severities',
        BACKTEST,
    ),
    Mutant(
        "riskd/rules/backtest.py",
        "inspect = severity >= Recommendation.PHYSICAL_INSPECTION.severity",
        "inspect = severity > Recommendation.PHYSICAL_INSPECTION.severity",
        BACKTEST,
    ),
    Mutant(
        "riskd/rules/backtest.py",
        "flagged = pl.any_horizontal(live)",
        "flagged = pl.all_horizontal(live)",
        BACKTEST,
    ),
)


def run(mutant: Mutant, copy: Path) -> bool:
    """Whether the mutant is killed: its tests fail on the copy with the change applied."""
    file = copy / mutant.path
    source = file.read_text(encoding="utf-8")
    if source.count(mutant.original) != 1:
        raise SystemExit(f"{mutant.path}: {mutant.original!r} is not there exactly once")
    file.write_text(source.replace(mutant.original, mutant.mutated), encoding="utf-8")
    try:
        command = [sys.executable, "-m", "pytest", "-x", "-q", "-p", "no:cacheprovider"]
        done = subprocess.run(
            [*command, *mutant.tests],
            cwd=copy,
            env={"PYTHONPATH": str(copy), "PATH": "/usr/bin:/bin"},
            capture_output=True,
            text=True,
            timeout=1800,
        )
    finally:
        file.write_text(source, encoding="utf-8")
    if done.returncode not in (0, 1):
        raise SystemExit(f"tests could not run for {mutant}:\n{done.stdout}\n{done.stderr}")
    return done.returncode == 1


def main(argv: list[str]) -> int:
    chosen = [m for m in MUTANTS if not argv or any(a in m.path for a in argv)]
    survived = 0
    with tempfile.TemporaryDirectory(prefix="riskd-mutants-") as tmp:
        copy = Path(tmp)
        for name in COPIED:
            source = ROOT / name
            if source.is_dir():
                ignore = shutil.ignore_patterns("__pycache__", ".hypothesis")
                shutil.copytree(source, copy / name, ignore=ignore)
            else:
                shutil.copy2(source, copy / name)
        for mutant in chosen:
            killed = run(mutant, copy)
            survived += not killed
            verdict = "killed  " if killed else "SURVIVED"
            change = f"{mutant.original.strip()!r} -> {mutant.mutated.strip()!r}"
            print(f"{verdict} {mutant.path}: {change}", flush=True)
    print(f"{len(chosen) - survived}/{len(chosen)} killed")
    return 1 if survived else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
