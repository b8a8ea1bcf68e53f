"""The officers' guide covers every field, operator, policy key and warning the code knows."""

from __future__ import annotations

import re
from pathlib import Path

from riskd.rules.fields import FIELDS, Level
from riskd.rules.policy_file import SECTION_KEYS
from riskd.rules.terms import Op

GUIDE = (Path(__file__).parents[2] / "docs" / "rules.md").read_text(encoding="utf-8")
CODE = Path(__file__).parents[2] / "riskd" / "rules"


def test_every_field_is_documented() -> None:
    for name, field in FIELDS.items():
        if field.level is Level.HISTORY:
            profile = re.sub(r"_(declarations|inspections|seizure_rate)$", "", name)
            assert f"`{profile}`" in GUIDE, profile
        else:
            assert f"`{name}`" in GUIDE, name


def test_every_operator_and_policy_key_is_documented() -> None:
    for op in Op:
        assert f"{op.value}:" in GUIDE or f"`{op.value}`" in GUIDE, op
    for section, keys in SECTION_KEYS.items():
        assert f"{section}:" in GUIDE, section
        for key in keys:
            assert f"{key}:" in GUIDE, (section, key)


def test_every_warning_code_is_explained() -> None:
    codes = {c for f in CODE.glob("*.py") for c in re.findall(r'"(W-[A-Z-]+)"', f.read_text())}
    assert codes
    for code in codes:
        assert f"`{code}`" in GUIDE, code
