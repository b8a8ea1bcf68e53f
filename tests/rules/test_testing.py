"""The rule test runner, its reporters, the daemon loader and the commands over them."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from riskd.cli.main import cli
from riskd.domain import ReloadRefused
from riskd.rules import RuleSetRefused, load_rule_directory
from riskd.rules.loader import compile_directory
from riskd.rules.testing import JsonReporter, PrettyReporter, run_tests
from tests.rules.factory import TODAY, write_dir

RULES = """
rules:
  - id: SHOES-BY-POST
    title: Cheap branded shoes by post
    owner: ipr-unit
    severity: HIGH
    action: PHYSICAL_INSPECTION
    when:
      all:
        - {field: transport_mode, eq: POSTAL}
        - {field: hs_chapter, eq: "64"}
        - {field: unit_value_usd, lt: 5}
    tests:
      - name: cheap shoes by post
        fires: true
        action: PHYSICAL_INSPECTION
        declaration:
          transport_mode: TRANSPORT_MODE_POSTAL
          items: [{hs_code: "64041100", description: shoes, quantity: 10, value: "20 USD"}]
      - name: WRONG expectation
        fires: true
        declaration:
          transport_mode: POSTAL
          items: [{hs_code: "64041100", description: shoes, quantity: 10, value: "200 USD"}]
  - id: UNTESTED
    title: no tests
    owner: me
    severity: LOW
    score: 0.4
    when: {field: n_items, gt: 10}
"""


def directory(tmp_path: Path, text: str = RULES) -> Path:
    return write_dir(tmp_path / "rules", {"rules.yaml": text})


def test_the_runner_passes_fails_and_lists_untested_rules(tmp_path: Path) -> None:
    report = run_tests(compile_directory(directory(tmp_path), today=TODAY), today=TODAY)
    assert [(r.test_name, r.passed) for r in report.results] == [
        ("cheap shoes by post", True),
        ("WRONG expectation", False),
    ]
    assert [rule_id for rule_id, _ in report.untested] == ["UNTESTED"]
    assert not report.ok


def test_a_failure_shows_the_condition_tree_with_each_leaf_value(tmp_path: Path) -> None:
    report = run_tests(compile_directory(directory(tmp_path), today=TODAY), today=TODAY)
    out = io.StringIO()
    PrettyReporter(out).report(report)
    text = out.getvalue()
    assert "FAIL SHOES-BY-POST: WRONG expectation" in text
    assert "expected the rule to fire" in text
    assert "✓ transport_mode eq 'POSTAL'   [transport_mode = 'POSTAL']" in text
    assert "✗ unit_value_usd lt 5.0   [unit_value_usd = 20.0]" in text
    assert "1/2 tests passed" in text and "rules without a test (1): UNTESTED" in text


def test_the_json_reporter_is_machine_readable(tmp_path: Path) -> None:
    report = run_tests(compile_directory(directory(tmp_path), today=TODAY), today=TODAY)
    out = io.StringIO()
    JsonReporter(out).report(report)
    document = json.loads(out.getvalue())
    assert document["ok"] is False
    assert [r["passed"] for r in document["results"]] == [True, False]
    assert document["results"][1]["pos"]["line"] == 19
    assert document["untested"][0]["rule_id"] == "UNTESTED"


def test_a_wrong_action_expectation_fails(tmp_path: Path) -> None:
    text = RULES.replace(
        "action: PHYSICAL_INSPECTION\n        declaration",
        "action: DOCUMENT_CHECK\n        declaration",
    )
    report = run_tests(compile_directory(directory(tmp_path, text), today=TODAY), today=TODAY)
    assert "the policy gives PHYSICAL_INSPECTION" in report.results[0].failure


def test_the_loader_refuses_a_set_whose_tests_fail(tmp_path: Path) -> None:
    with pytest.raises(RuleSetRefused) as refused:
        load_rule_directory(directory(tmp_path), today=TODAY)
    assert isinstance(refused.value, ReloadRefused) and refused.value.what == "rule set"
    assert any("E-TEST" in p and "WRONG expectation" in p for p in refused.value.problems)


def test_the_loader_refuses_a_set_that_does_not_check(tmp_path: Path) -> None:
    with pytest.raises(RuleSetRefused) as refused:
        load_rule_directory(
            directory(tmp_path, RULES.replace("eq: POSTAL", "lt: POSTAL")), today=TODAY
        )
    assert any("rules/rules.yaml:9:39: error E-TYPE" in p for p in refused.value.problems)


def test_the_loader_accepts_a_good_set_with_its_version(tmp_path: Path) -> None:
    good = RULES.replace('value: "200 USD"', 'value: "20 USD"')
    loaded = load_rule_directory(directory(tmp_path, good), today=TODAY)
    again = load_rule_directory(directory(tmp_path / "copy", good), today=TODAY)
    changed = load_rule_directory(
        directory(tmp_path / "other", good.replace("gt: 10", "gt: 11")), today=TODAY
    )
    assert len(loaded.ruleset) == 2
    assert loaded.ruleset.version == again.ruleset.version != changed.ruleset.version
    assert any("W-NO-POLICY" in w for w in loaded.warnings)


def test_test_declarations_are_checked_with_the_rules(tmp_path: Path) -> None:
    text = RULES.replace(
        "transport_mode: POSTAL\n          items", "transport_mode: CAR\n          items"
    )
    problems = compile_directory(directory(tmp_path, text), today=TODAY).problems
    assert [(p.code, p.pos.line) for p in problems if p.code == "E-VALUE"] == [("E-VALUE", 22)]


def test_the_commands_set_exit_codes_and_name_positions(tmp_path: Path) -> None:
    runner = CliRunner()
    failing = runner.invoke(
        cli, ["rules", "test", str(directory(tmp_path)), "--today", TODAY.isoformat()]
    )
    assert failing.exit_code == 1 and "WRONG expectation" in failing.output
    broken = directory(tmp_path / "b", RULES.replace("severity: HIGH", "severity: HUGE"))
    check = runner.invoke(cli, ["rules", "check", str(broken)])
    assert check.exit_code == 1
    assert "rules/rules.yaml:5:15: error E-VALUE: severity must be one of" in check.output
    as_json = json.loads(
        runner.invoke(cli, ["rules", "check", "--format", "json", str(broken)]).output
    )
    errors = [p for p in as_json["problems"] if p["severity"] == "error"]
    assert as_json["ok"] is False and (errors[0]["line"], errors[0]["column"]) == (5, 15)
    for command in ("check", "test", "backtest", "schema", "fields"):
        assert runner.invoke(cli, ["rules", command, "--help"]).exit_code == 0
