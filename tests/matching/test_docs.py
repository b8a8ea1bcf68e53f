"""docs/matching.md lists the methods with their docstrings, so the two cannot drift."""

from __future__ import annotations

from pathlib import Path

from riskd.matching.methods import describe

DOCS = Path(__file__).resolve().parents[2] / "docs" / "matching.md"


def test_the_methods_table_matches_the_docstrings() -> None:
    text = DOCS.read_text(encoding="utf-8")
    table = text.split("<!-- methods -->")[1].split("<!-- /methods -->")[0]
    rows = [line for line in table.splitlines() if line.startswith("| ") and "---" not in line]
    assert rows[1:] == [f"| {method.value} | {doc} |" for method, doc in describe()]
