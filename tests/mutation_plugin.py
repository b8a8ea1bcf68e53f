"""pytest plugin for `make mutation` only: mutmut 3.7 reads `item._nodeid`, which pytest 9
no longer has (it is `item.nodeid`). Loaded with `-p tests.mutation_plugin` from the
`[tool.mutmut]` settings; the suite itself never loads it."""

from __future__ import annotations

import pytest


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        item._nodeid = item.nodeid  # type: ignore[attr-defined]
