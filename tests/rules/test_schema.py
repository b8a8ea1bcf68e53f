"""The published JSON Schema: current, valid, accepting the shipped files, rejecting mistakes."""

from __future__ import annotations

import json
from pathlib import Path

import jsonschema
import pytest
from ruamel.yaml import YAML

from riskd.rules.definition import rules_schema
from riskd.rules.loader import rule_files
from riskd.rules.yamlpos import load

ROOT = Path(__file__).parents[2]
VALIDATOR = jsonschema.Draft202012Validator(rules_schema())


def test_the_published_schema_is_the_generated_one() -> None:
    published = json.loads((ROOT / "docs" / "rules.schema.json").read_text())
    assert published == rules_schema(), "run: riskd rules schema --out docs/rules.schema.json"
    jsonschema.Draft202012Validator.check_schema(published)


@pytest.mark.parametrize("path", rule_files(ROOT / "rules"), ids=lambda p: p.name)
def test_every_shipped_file_is_valid(path: Path) -> None:
    node = load(path, path.name, [])
    assert node is not None
    assert list(VALIDATOR.iter_errors(node.plain())) == []


@pytest.mark.parametrize(
    "text",
    [
        "rules: [{id: X, title: t, owner: o, severity: LOW, when: {field: quantity, gt: 1}}]",
        "rules: [{id: X, title: t, owner: o, severity: HUGE, score: 0.5, "
        "when: {field: quantity, gt: 1}}]",
        "rules: [{id: X, title: t, owner: o, severity: LOW, score: 0.5, "
        "when: {field: quantity, contains: x}}]",
        "rules: [{id: X, title: t, owner: o, severity: LOW, score: 0.5, "
        "when: {field: brand, gt: 1}}]",
        "rules: [{id: X, title: t, owner: o, severity: LOW, score: 0.5, "
        "when: {field: quantity, gt: 1, lt: 4}}]",
        "lists: [{name: l, kind: parties, entries: [{party: P, reason: r, source: s}]}]",
        "lists: [{name: l, kind: routes, entries: [{party: P, reason: r, source: s, "
        "expires: '2027-01-01'}]}]",
        "policy: {random_selection: {rate: 0}}",
    ],
)
def test_mistakes_are_rejected(text: str) -> None:
    assert list(VALIDATOR.iter_errors(YAML().load(text)))
