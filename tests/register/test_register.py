"""Register import: validation by row and column, the store's versions, goods classes."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import polars as pl
import pytest
from click.testing import CliRunner

from riskd.cli.register_cmd import register as register_command
from riskd.domain import RightType
from riskd.register import RegisterFileError, load_register
from riskd.register.store import (
    RegisterStoreError,
    current_register,
    import_register,
    versions,
)
from tests.matching.factory import recordation

HEADER = (
    "recordation_id,right_type,mark,aliases,holder,holder_contact,nice_classes,hs_prefixes,"
    "licensees,valid_from,valid_until"
)
GOOD = [
    "T-1,TRADEMARK,NIKE,耐克|naike,Nike Innovate C.V.,ip@nike.example,25|18,6403 | 61,"
    "CN-OEM-1|CN-OEM-2,2019-09-13,2029-09-09",
    "T-2,trademark,ADIDAS,АДИДАС,adidas AG,,25,,,2018-03-14,",
    "C-1,COPYRIGHT,WINDOWS SERVER,,Microsoft,,,8523,,2020-01-01,",
]


def _csv(tmp_path: Path, rows: list[str], name: str = "register.csv") -> Path:
    path = tmp_path / name
    path.write_text("\n".join([HEADER, *rows]) + "\n", encoding="utf-8")
    return path


def test_a_valid_file_becomes_recordations(tmp_path: Path) -> None:
    register = load_register(_csv(tmp_path, GOOD))
    nike, adidas, windows = register.recordations
    assert nike.aliases == ("耐克", "naike")
    assert nike.hs_prefixes == ("6403", "61")
    assert nike.licensees == frozenset({"CN-OEM-1", "CN-OEM-2"})
    assert (nike.valid_from, nike.valid_until) == (date(2019, 9, 13), date(2029, 9, 9))
    assert adidas.right_type is RightType.TRADEMARK and adidas.valid_until is None
    assert adidas.aliases == ("АДИДАС",) and adidas.holder_contact == ""
    assert windows.right_type is RightType.COPYRIGHT
    assert register.version.startswith("reg-")


def test_the_version_follows_the_content(tmp_path: Path) -> None:
    one = load_register(_csv(tmp_path, GOOD, "a.csv"))
    same = load_register(_csv(tmp_path, GOOD, "b.csv"))
    other = load_register(_csv(tmp_path, GOOD[:2], "c.csv"))
    assert one.version == same.version != other.version


BAD_CELLS = [
    ("T-9,TRADEMARK,,,Holder,,25,64,,2020-01-01,", "mark"),
    ("T-9,TRADEMRK,X,,Holder,,25,64,,2020-01-01,", "right_type"),
    ("T-9,TRADEMARK,X,,Holder,,25,64,,2020-13-01,", "valid_from"),
    ("T-9,TRADEMARK,X,,Holder,,25,64,,01/02/2020,", "valid_from"),
    ("T-9,TRADEMARK,X,,Holder,,25,64,,2020-01-01,2019-01-01", "valid_until"),
    ("T-9,TRADEMARK,X,,Holder,,25,64a,,2020-01-01,", "hs_prefixes"),
    ("T-9,TRADEMARK,X,,Holder,,46,64,,2020-01-01,", "nice_classes"),
    ("T-1,TRADEMARK,X,,Holder,,25,64,,2020-01-01,", "recordation_id"),
    (",TRADEMARK,X,,Holder,,25,64,,2020-01-01,", "recordation_id"),
    ("T-9,TRADEMARK,X,,,,25,64,,2020-01-01,", "holder"),
]


@pytest.mark.parametrize(("row", "column"), BAD_CELLS)
def test_a_bad_cell_is_named_by_row_and_column(tmp_path: Path, row: str, column: str) -> None:
    with pytest.raises(RegisterFileError) as raised:
        load_register(_csv(tmp_path, [*GOOD, row]))
    assert [(p.row, p.column) for p in raised.value.problems] == [(4, column)]


def test_every_problem_is_reported_in_row_order(tmp_path: Path) -> None:
    rows = [GOOD[0], BAD_CELLS[0][0].replace("T-9", "T-7"), GOOD[1], BAD_CELLS[5][0]]
    with pytest.raises(RegisterFileError) as raised:
        load_register(_csv(tmp_path, rows))
    assert [(p.row, p.column) for p in raised.value.problems] == [(2, "mark"), (4, "hs_prefixes")]
    rendered = raised.value.problems[0].render(Path("register.csv"))
    assert rendered.startswith("register.csv:3:mark: ")  # data row 2 is on line 3


def test_a_missing_column_is_named(tmp_path: Path) -> None:
    path = tmp_path / "short.csv"
    path.write_text("recordation_id,mark\nT-1,NIKE\n")
    with pytest.raises(RegisterFileError) as raised:
        load_register(path)
    assert {p.column for p in raised.value.problems} == {"right_type", "holder", "valid_from"}


def test_parquet_reads_like_csv(tmp_path: Path) -> None:
    source = _csv(tmp_path, GOOD)
    parquet = tmp_path / "register.parquet"
    pl.read_csv(source, infer_schema=False).write_parquet(parquet)
    assert load_register(parquet).recordations == load_register(source).recordations


def test_parquet_with_typed_columns_reads_like_csv(tmp_path: Path) -> None:
    source = _csv(tmp_path, GOOD)
    frame = pl.read_csv(source, infer_schema=False).with_columns(
        pl.col("valid_from").str.to_date(),
        pl.col("aliases").str.split("|"),
        pl.col("nice_classes").str.split("|").list.eval(pl.element().cast(pl.Int64)),
    )
    parquet = tmp_path / "typed.parquet"
    frame.write_parquet(parquet)
    assert load_register(parquet).recordations == load_register(source).recordations


def test_import_stores_a_version_and_makes_it_current(tmp_path: Path) -> None:
    store = tmp_path / "store"
    first = import_register(_csv(tmp_path, GOOD[:2], "first.csv"), store)
    second = import_register(_csv(tmp_path, GOOD, "second.csv"), store)
    assert first.version != second.version
    loaded = current_register(store)
    assert loaded.version == second.version and len(loaded) == 3
    assert loaded.recordations == load_register(tmp_path / "second.csv").recordations
    listed = versions(store)
    assert [v.version for v in listed] == [first.version, second.version]
    assert [v.current for v in listed] == [False, True]
    assert listed[1].by_right == {"TRADEMARK": 2, "COPYRIGHT": 1}


def test_a_failed_import_keeps_the_version_in_force(tmp_path: Path) -> None:
    store = tmp_path / "store"
    good = import_register(_csv(tmp_path, GOOD, "good.csv"), store)
    with pytest.raises(RegisterFileError):
        import_register(_csv(tmp_path, [*GOOD, BAD_CELLS[0][0]], "bad.csv"), store)
    assert current_register(store).version == good.version
    assert len(versions(store)) == 1


def test_an_empty_store_says_so(tmp_path: Path) -> None:
    with pytest.raises(RegisterStoreError):
        current_register(tmp_path)


def test_command_prints_every_problem_and_fails(tmp_path: Path) -> None:
    bad = _csv(tmp_path, [*GOOD, BAD_CELLS[1][0], BAD_CELLS[5][0]], "bad.csv")
    result = CliRunner().invoke(register_command, ["import", str(bad), "--store", str(tmp_path)])
    assert result.exit_code == 1
    assert f"{bad}:5:right_type: " in result.output  # data rows 4 and 5, after the header
    assert f"{bad}:6:hs_prefixes: " in result.output
    assert not (tmp_path / "CURRENT").exists()


def test_command_imports_and_shows(tmp_path: Path) -> None:
    store = tmp_path / "store"
    good = _csv(tmp_path, GOOD)
    runner = CliRunner()
    imported = runner.invoke(register_command, ["import", str(good), "--store", str(store)])
    assert imported.exit_code == 0, imported.output
    assert "3 recordations" in imported.output
    shown = runner.invoke(register_command, ["show", "--store", str(store)])
    assert shown.exit_code == 0 and "*" in shown.output


@pytest.mark.parametrize(
    ("nice", "hs", "goods", "covered"),
    [
        (("25",), (), "640411", True),  # footwear is in Nice class 25
        (("25",), (), "200971", False),  # apple juice is not
        (("9",), (), "851713", True),
        (("32",), (), "200971", True),  # fruit juices are class 32
        (("25",), ("6403",), "610510", False),  # recorded HS prefixes take precedence
        (("35", "41"), (), "640411", False),  # service classes protect no goods
        ((), (), "030617", True),  # nothing recorded: every goods
    ],
)
def test_goods_classes(
    nice: tuple[str, ...], hs: tuple[str, ...], goods: str, covered: bool
) -> None:
    assert recordation("X", "X", nice=nice, hs=hs).covers_goods(goods) is covered


def test_problems_give_the_editors_line_of_a_csv_and_the_row_of_parquet() -> None:
    from riskd.register.load import RegisterProblem

    cell = RegisterProblem(3, "mark", "must not be empty")  # the third data row
    whole = RegisterProblem(0, "holder", "required column is missing")
    assert cell.render(Path("r.csv")) == "r.csv:4:mark: must not be empty"
    assert whole.render(Path("r.csv")) == "r.csv:1:holder: required column is missing"
    assert cell.render(Path("r.parquet")) == "r.parquet: row 3, column mark: must not be empty"
    assert whole.render(Path("r.parquet")) == "r.parquet: column holder: required column is missing"
