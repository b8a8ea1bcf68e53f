"""The typed definition of rule directory files, on hand-written files with known mistakes:
every unknown key gets a suggestion, and a misspelt field name refuses the set everywhere."""

from __future__ import annotations

import shutil
from pathlib import Path

import jsonschema
import pytest
from click.testing import CliRunner
from ruamel.yaml import YAML

from riskd.cli.main import cli
from riskd.rules import RuleSetRefused, load_rule_directory
from riskd.rules.definition import rules_schema
from riskd.rules.loader import compile_directory
from tests.rules.factory import TODAY

INPUTS = Path(__file__).parent / "inputs"
ROOT = Path(__file__).parents[2]

# (file, line, column, code, the key as written, the key meant), read off the input files
MISSPELT_KEYS = [
    ("lists.yaml", 5, 40, "E-KEY", "sorce", "source"),
    ("policy.yaml", 2, 22, "E-KEY", "yelow", "yellow"),
    ("policy.yaml", 3, 3, "E-KEY", "random_selecton", "random_selection"),
    ("rules.yaml", 7, 5, "E-KEY", "acton", "action"),
    ("rules.yaml", 12, 12, "E-KEY", "feild", "field"),
    ("rules.yaml", 13, 29, "E-KEY", "gte", "gt"),
    ("rules.yaml", 14, 19, "E-KEY", "min_scor", "min_score"),
    ("rules.yaml", 17, 9, "E-KEY", "fire", "fires"),
    ("rules.yaml", 19, 11, "E-KEY", "transport_mod", "transport_mode"),
    ("rules.yaml", 20, 41, "E-KEY", "brnd", "brand"),
]


def test_every_unknown_key_is_named_at_its_position_with_the_key_meant() -> None:
    directory = compile_directory(INPUTS / "mistakes", today=TODAY)
    found = {
        (Path(p.pos.file).name, p.pos.line, p.pos.column, p.code): p.message
        for p in directory.problems
    }
    for file, line, column, code, written, meant in MISSPELT_KEYS:
        message = found.get((file, line, column, code))
        assert message is not None, (file, line, column, sorted(found))
        assert f"{written!r}" in message and f"Did you mean {meant!r}?" in message, message
        assert "Expected one of" in message and meant in message.split("Expected one of")[1]
    # the keys the misspelt ones stood for are missing, and are reported as such
    assert ("lists.yaml", 5, 9, "E-MISSING") in found
    assert "needs 'fires'" in found[("rules.yaml", 16, 9, "E-MISSING")]
    assert not directory.ok


def test_a_misspelt_field_name_is_an_error_with_a_suggestion() -> None:
    directory = compile_directory(INPUTS / "misspelt_field", today=TODAY)
    (problem,) = [p for p in directory.problems if p.severity == "error"]
    assert (problem.code, problem.pos.line, problem.pos.column) == ("E-UNKNOWN-FIELD", 11, 19)
    assert "'transport_mod'" in problem.message
    assert "Did you mean 'transport_mode'?" in problem.message
    assert not directory.ok and directory.compiled is None


def test_the_same_rules_with_the_field_spelt_right_load(tmp_path: Path) -> None:
    fixed = shutil.copytree(INPUTS / "misspelt_field", tmp_path / "rules")
    text = (fixed / "rules.yaml").read_text(encoding="utf-8")
    (fixed / "rules.yaml").write_text(
        text.replace("field: transport_mod,", "field: transport_mode,"), encoding="utf-8"
    )
    loaded = load_rule_directory(fixed, today=TODAY)  # total_mass_kg is a model feature
    assert {c.rule.id for c in loaded.ruleset.rules} == {"TM-SHOES-POST", "HEAVY-CONSIGNMENT"}


def test_the_loader_refuses_a_set_with_a_misspelt_field() -> None:
    with pytest.raises(RuleSetRefused) as refused:
        load_rule_directory(INPUTS / "misspelt_field", today=TODAY)
    assert any(
        "misspelt_field/rules.yaml:11:19: error E-UNKNOWN-FIELD" in p
        for p in refused.value.problems
    ), refused.value.problems


@pytest.mark.parametrize(
    "command",
    [
        ["rules", "check"],
        ["rules", "test"],
        [
            "rules",
            "backtest",
            "--history",
            str(ROOT / "fixtures" / "sample" / "history.parquet"),
        ],
    ],
    ids=lambda c: c[1],
)
def test_every_command_refuses_a_misspelt_field(command: list[str]) -> None:
    result = CliRunner().invoke(
        cli, [*command, str(INPUTS / "misspelt_field"), "--today", TODAY.isoformat()]
    )
    assert result.exit_code != 0, result.output
    assert "rules.yaml:11:19: error E-UNKNOWN-FIELD" in result.output
    assert "Did you mean 'transport_mode'?" in result.output


VALIDATOR = jsonschema.Draft202012Validator(rules_schema())


def test_the_schema_flags_the_same_mistakes_for_editors() -> None:
    for path in (INPUTS / "mistakes").glob("*.yaml"):
        assert list(VALIDATOR.iter_errors(YAML(typ="safe").load(path.read_text()))), path
    misspelt = YAML(typ="safe").load((INPUTS / "misspelt_field" / "rules.yaml").read_text())
    assert list(VALIDATOR.iter_errors(misspelt))
    misspelt["rules"].pop(0)  # the rule on a model feature alone is valid
    assert list(VALIDATOR.iter_errors(misspelt)) == []


# (line, column, code, the key named, what is expected), read off the input file
WRONG_VALUES = [
    (3, 9, "E-VALUE", "id", "upper case letters and digits"),
    (4, 12, "E-TYPE", "title", "expected a text, found the number 5"),
    (6, 15, "E-VALUE", "severity", "one of LOW, MEDIUM, HIGH or CRITICAL, not 'HUGE'"),
    (7, 12, "E-VALUE", "score", "at most 1, not 1.5"),
    (8, 17, "E-TYPE", "valid_from", "expected a date written YYYY-MM-DD"),
    (12, 33, "E-TYPE", "gt", "expected a number, found the text 'many'"),
    (13, 36, "E-TYPE", "prefix", "write it in quotes"),
    (14, 32, "E-VALUE", "right_type", "one of TRADEMARK, COPYRIGHT or PATENT, not 'TRADEMAK'"),
    (15, 16, "E-CONDITION", "any", "at least one condition"),
    (16, 38, "E-VALUE", "between", "at least 2 values"),
    (17, 11, "E-TYPE", "all", "expected a condition"),
]


def test_every_wrong_value_names_its_position_key_and_what_was_expected() -> None:
    directory = compile_directory(INPUTS / "values", today=TODAY)
    found = [
        (p.pos.line, p.pos.column, p.code, p.message)
        for p in directory.problems
        if p.pos.file.endswith("rules.yaml")
    ]
    assert len(found) == len(WRONG_VALUES), found
    for (line, column, code, message), (e_line, e_column, e_code, key, expected) in zip(
        found, WRONG_VALUES, strict=True
    ):
        assert (line, column, code) == (e_line, e_column, e_code), message
        assert message.startswith((key, f"'{key}'")) and expected in message, message


def test_the_field_list_names_the_model_features_a_rule_may_read() -> None:
    listed = CliRunner().invoke(cli, ["rules", "fields"]).output.splitlines()
    names = {line.split()[0] for line in listed}
    assert {"transport_mode", "importer_seizure_rate", "total_mass_kg"} <= names
    assert "n_rule_hits" not in names  # added after the rules have run
