"""Screening requests read from protobuf JSON files in `tests/golden/requests/`.

Server tests take their declarations from here, never from `riskd.server.convert`: a request
built by the converter under test cannot see a converter that is wrong both ways (brand and
model swapped on the way in and on the way out pass every round trip). The files are written
by hand in the canonical protobuf JSON of the contract (docs/api.md) and parsed with
`google.protobuf.json_format`; a test that needs a variant changes the parsed message.
"""

from __future__ import annotations

from pathlib import Path

from google.protobuf import json_format

from riskd.v1 import declaration_pb2 as dpb

REQUESTS = Path(__file__).resolve().parent / "golden" / "requests"

# The files' ids are ones the default policy does not pick for random compliance checks
# (tests/server/test_golden.py asserts `random_selection` false for each).
CLEAN = "clean_shoes"  # 100 pairs of unbranded sports shoes from CN: nothing to find
COUNTERFEIT = "counterfeit_brand"  # the same shoes with brand NIKE and model AX-1


def declaration(name: str = CLEAN, declaration_id: str = "") -> dpb.Declaration:
    """The declaration of `tests/golden/requests/<name>.json`, a fresh message each call."""
    text = (REQUESTS / f"{name}.json").read_text(encoding="utf-8")
    msg = json_format.Parse(text, dpb.Declaration())
    if declaration_id:
        msg.declaration_id = declaration_id
    return msg


def item(name: str = CLEAN, **fields: str | float | int | dpb.Money | None) -> dpb.Item:
    """The first item of a request file with some fields changed (`value=None` clears it)."""
    line = dpb.Item()
    line.CopyFrom(declaration(name).items[0])
    for field, value in fields.items():
        if field == "value":
            line.ClearField("value")
            if isinstance(value, dpb.Money):
                line.value.CopyFrom(value)
        else:
            setattr(line, field, value)
    return line


def with_items(msg: dpb.Declaration, *items: dpb.Item) -> dpb.Declaration:
    """The declaration with its items replaced."""
    del msg.items[:]
    msg.items.extend(items)
    return msg
