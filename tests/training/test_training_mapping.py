"""Mapping files: an external table becomes a history table; bad mappings are named."""

from __future__ import annotations

from pathlib import Path

import pytest

from training.dataset import build_mapped_table
from training.mapping import MappingError, load_mapping

CSV = """id,when,hit,secret,price,hs,org,imp,agent,kind
A1,2024-01-01,0,1,100.5,640399,CN,I1,G1,x
A2,2024-01-02,1,1,20.0,640399,CN,I1,G1,y
A3,2024-01-03,,0,50.0,420221,VN,I2,G1,x
A4,2024-01-03,yes,0,80.0,640399,CN,I1,G2,x
"""

MAPPING = """
id: id
timestamp: when
label: hit
label_positive: ["1", "yes"]
value: price
columns:
  hs_code: hs
  origin_country: org
parties:
  importer_id: imp
  agent: agent
categorical: [kind]
profiles:
  - [hs6, kind]
"""


def _files(tmp_path: Path, mapping: str = MAPPING) -> tuple[Path, Path]:
    (tmp_path / "data.csv").write_text(CSV)
    (tmp_path / "map.yaml").write_text(mapping)
    return tmp_path / "data.csv", tmp_path / "map.yaml"


def test_mapped_table_reads_only_named_columns(tmp_path: Path) -> None:
    data, mapping_file = _files(tmp_path)
    mapping = load_mapping(mapping_file)
    table = build_mapped_table(mapping, data)
    frame = table.frame.sort("declaration_id")
    assert frame["label"].to_list() == [False, True, None, True]
    assert "secret" not in frame.columns
    assert "x_kind" in table.features and "x_kind" in table.categorical
    # the agent role and the mapped profile have profiles of their own
    assert {"agent_declarations", "x_hs6_kind_seizure_rate"} <= set(table.features)
    a4 = frame.row(3, named=True)
    assert a4["importer_declarations"] == 2.0  # A1, A2 (A3 is another importer)
    assert a4["agent_declarations"] == 0.0  # G2 is new
    assert a4["x_hs6_kind_declarations"] == 1.0  # 640399 × x: A1 only (A2 is kind y)


@pytest.mark.parametrize(
    ("mapping", "message"),
    [
        (MAPPING.replace("  hs_code: hs\n", ""), "hs_code"),
        (MAPPING.replace("[hs6, kind]", "[hs6, colour]"), "colour"),
        (MAPPING.replace("origin_country: org", "origin: org"), "unknown history columns"),
        ("id: [1, 2]\n", "id must name a column"),
    ],
)
def test_bad_mappings_are_named(tmp_path: Path, mapping: str, message: str) -> None:
    _, mapping_file = _files(tmp_path, mapping)
    with pytest.raises(MappingError, match=message) as raised:
        load_mapping(mapping_file)
    assert "map.yaml" in str(raised.value)


def test_missing_source_columns_are_named(tmp_path: Path) -> None:
    data, mapping_file = _files(tmp_path, MAPPING.replace("price", "cost"))
    with pytest.raises(MappingError, match="cost"):
        build_mapped_table(load_mapping(mapping_file), data)
