"""The history table's one owner: writer, reader, currency conversion, match pass."""

from __future__ import annotations

import csv
import math
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from riskd.domain import (
    ControlType,
    Declaration,
    Direction,
    Item,
    ItemAssessment,
    Match,
    MatchMethod,
    Money,
    Outcome,
    OutcomeResult,
    Party,
    Procedure,
    RuleHit,
    TransportMode,
)
from riskd.history import (
    BUILTIN_RATES_TO_USD,
    FULL_SCHEMA,
    HISTORY_SCHEMA,
    HistoryError,
    declaration_rows,
    declarations_of,
    history_table,
    latest_outcome,
    read_history,
    to_usd,
    usd_expr,
    with_match_columns,
)

ROOT = Path(__file__).resolve().parents[1]
RATES = {"EUR": 1.1, "CNY": 0.14}
AT = datetime(2025, 3, 1, 10, 0, tzinfo=UTC)


def _match(score: float, recordation_id: str = "T-1", risky: bool = True) -> Match:
    return Match(
        recordation_id=recordation_id,
        mark="NIKE",
        holder="Nike",
        matched_text="NIKE",
        score=score,
        method=MatchMethod.EXACT if score == 100.0 else MatchMethod.FUZZY,
        raises_risk=risky,
    )


def _two_lines() -> Declaration:
    return Declaration(
        declaration_id="D-1",
        declared_at=AT,
        direction=Direction.IMPORT,
        customs_office="KRPUS",
        transport_mode=TransportMode.SEA,
        procedure=Procedure.STANDARD,
        importer=Party("IMP-1", "Harbour Trading"),
        origin_country="CN",
        departure_country="HK",
        destination_country="KR",
        items=(
            Item(1, "6404.11", "NIKE shoes", brand="NIKE", quantity=10.0, unit="PAIRS",
                 net_mass_kg=8.0, value=Money(200.0, "eur"), origin_country="VN"),
            Item(2, "420221", "handbags", quantity=5.0, net_mass_kg=2.0,
                 value=Money(50.0, "XXX")),
        ),
    )  # fmt: skip


# --- the writer: golden rows -------------------------------------------------------------------


def test_writer_rows_of_a_seized_declaration_with_matches_and_rule_hits() -> None:
    outcome = Outcome("O-1", "dec-1", OutcomeResult.SEIZED, AT + timedelta(days=2))
    rows = declaration_rows(
        _two_lines(),
        (ItemAssessment(1, (_match(100.0), _match(80.0, "T-2"))), ItemAssessment(2, ())),
        (RuleHit("r1", "1", score=0.4), RuleHit("r2", "1", score=0.9, shadow=True)),
        outcome,
        rates=RATES,
        random_selection=True,
    )
    assert len(rows) == 2
    first, second = rows
    assert set(first) == set(FULL_SCHEMA)
    expected_first = {
        "declaration_id": "D-1",
        "importer_id": "IMP-1",
        "declarant_id": "",
        "n_items": 2,
        "line_no": 1,
        "hs_code": "6404.11",
        "brand": "NIKE",
        "value_amount": 200.0,
        "value_currency": "eur",
        "item_origin_country": "VN",
        "inspected": True,
        "random_selection": True,
        "result": "SEIZED",
        "infringing": True,
        "known_at": AT + timedelta(days=2),
        "best_match_method": "EXACT",
        "best_match_score": 100.0,
        "n_risky_matches": 2.0,
        "n_rule_hits": 1.0,
        "max_rule_score": 0.4,
        "match_score": 100.0,
        "match_recordation_id": "T-1",
        "match_raises_risk": True,
    }
    assert {k: first[k] for k in expected_first} == expected_first
    assert first["value_usd"] == pytest.approx(220.0)
    # the outcome names no lines: line 2 carries the declaration's label too
    assert second["infringing"] is True and second["result"] == "SEIZED"
    assert second["value_usd"] is None  # XXX has no rate
    assert second["best_match_score"] == 100.0 and second["match_score"] is None


def test_writer_without_outcome_matches_or_rules_leaves_them_unknown() -> None:
    (row, _) = declaration_rows(_two_lines(), rates=RATES)
    assert row["inspected"] is False
    assert row["infringing"] is None and row["result"] is None and row["known_at"] is None
    assert row["best_match_score"] is None and row["n_rule_hits"] is None
    assert row["match_score"] is None


def test_the_latest_outcome_labels_a_decision() -> None:
    seized = Outcome("O-1", "d", OutcomeResult.SEIZED, AT)
    cleared = Outcome("O-2", "d", OutcomeResult.NO_INFRINGEMENT, AT + timedelta(hours=1))
    assert latest_outcome([cleared, seized]) is cleared
    assert latest_outcome([]) is None


# --- the reader ------------------------------------------------------------------------------


def _csv(path: Path, rows: list[dict[str, str]]) -> Path:
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    return path


def _row(**overrides: str) -> dict[str, str]:
    return {
        "declaration_id": "D-1",
        "declared_at": "2025-03-01T10:00:00Z",
        "direction": "IMPORT",
        "transport_mode": "SEA",
        "hs_code": "640411",
        "quantity": "3",
        "inspected": "true",
        **overrides,
    }


def test_a_bad_enum_value_is_an_error_naming_file_row_and_column(tmp_path: Path) -> None:
    path = _csv(tmp_path / "history.csv", [_row(), _row(direction="SIDEWAYS")])
    with pytest.raises(HistoryError) as caught:
        read_history(path)
    message = str(caught.value)
    assert message.startswith("history.csv, row 2, column direction: 'SIDEWAYS' is not one of")
    assert "IMPORT, EXPORT, TRANSIT" in message


def test_a_bad_number_and_a_bad_time_are_errors_too(tmp_path: Path) -> None:
    with pytest.raises(HistoryError, match=r"row 1, column quantity: 'three' is not a number"):
        read_history(_csv(tmp_path / "a.csv", [_row(quantity="three")]))
    with pytest.raises(HistoryError, match=r"row 1, column declared_at: 'yesterday'"):
        read_history(_csv(tmp_path / "b.csv", [_row(declared_at="yesterday")]))
    with pytest.raises(HistoryError, match=r"column inspected: 'maybe' is not a boolean"):
        read_history(_csv(tmp_path / "c.csv", [_row(inspected="maybe")]))
    bare = {k: v for k, v in _row().items() if k != "hs_code"}
    with pytest.raises(HistoryError, match=r"d.csv, column hs_code: required column is missing"):
        read_history(_csv(tmp_path / "d.csv", [bare]))


def test_empty_enum_values_read_as_the_domain_default(tmp_path: Path) -> None:
    frame = read_history(_csv(tmp_path / "h.csv", [_row(direction="", transport_mode="")]))
    (declaration,) = declarations_of(frame)
    assert declaration.direction is Direction.IMPORT
    assert declaration.transport_mode is TransportMode.SEA
    assert declaration.items[0].quantity == 3.0


def test_the_same_bad_value_fails_in_memory_as_in_a_file() -> None:
    frame = pl.DataFrame([_row(transport_mode="BOAT")])
    with pytest.raises(HistoryError, match=r"^training, row 1, column transport_mode: 'BOAT'"):
        list(declarations_of(frame, "training"))


# --- round trip: writer -> file -> reader ------------------------------------------------------

_codes = st.sampled_from(["USD", "usd", "EUR", "CNY", "XXX"])
_text = st.text(st.characters(min_codepoint=0x20, max_codepoint=0x250), max_size=12).map(str.strip)
_items = st.lists(
    st.builds(
        lambda *fields: fields,
        st.sampled_from(["640411", "6403.99", "420221"]),
        _text,
        _text,
        st.floats(0, 1e6),
        st.floats(0, 1e5),
        st.floats(0, 1e9),
        _codes,
        st.sampled_from(["", "CN", "VN"]),
    ),
    min_size=1,
    max_size=4,
)  # fmt: skip


@st.composite
def declarations(draw: st.DrawFn) -> Declaration:
    items = draw(_items)
    party = st.sampled_from([None, "IMP-1", "DCL-2"])
    parties = {role: draw(party) for role in ("declarant", "importer", "exporter", "consignee")}
    return Declaration(
        declaration_id=draw(st.sampled_from(["D-1", "2024/77"])),
        declared_at=AT + timedelta(seconds=draw(st.integers(0, 10**8))),
        direction=draw(st.sampled_from(Direction)),
        customs_office=draw(st.sampled_from(["", "KRPUS"])),
        transport_mode=draw(st.sampled_from(TransportMode)),
        procedure=draw(st.sampled_from(Procedure)),
        origin_country=draw(st.sampled_from(["", "CN"])),
        departure_country="HK",
        destination_country=draw(st.sampled_from(["", "KR"])),
        items=tuple(
            Item(n, hs, desc, brand=brand, quantity=q, net_mass_kg=m,
                 value=Money(amount, code), origin_country=origin)
            for n, (hs, desc, brand, q, m, amount, code, origin) in enumerate(items, 1)
        ),
        **{role: Party(pid) if pid else None for role, pid in parties.items()},
    )  # fmt: skip


outcomes = st.one_of(
    st.none(),
    st.builds(
        lambda result, hours: Outcome(
            "O-1", "dec", result, AT + timedelta(hours=hours), ControlType.PHYSICAL
        ),
        st.sampled_from(OutcomeResult),
        st.integers(0, 10_000),
    ),
)


@settings(max_examples=40, deadline=None)
@given(declarations(), outcomes, st.sampled_from(["parquet", "csv"]))
def test_writer_then_reader_gives_back_the_declaration(
    tmp_path_factory: pytest.TempPathFactory,
    declaration: Declaration,
    outcome: Outcome | None,
    kind: str,
) -> None:
    table = history_table(declaration_rows(declaration, (), None, outcome, rates=RATES))
    path = tmp_path_factory.mktemp("h") / f"history.{kind}"
    if kind == "parquet":
        table.write_parquet(path)
    else:
        table.write_csv(path)
    read = read_history(path)
    assert {n: read.schema[n] for n in HISTORY_SCHEMA} == HISTORY_SCHEMA
    (back,) = declarations_of(read)
    assert back == declaration
    labels = read["infringing"].to_list()
    assert labels == [None if outcome is None else outcome.result is OutcomeResult.SEIZED] * len(
        declaration.items
    )
    times = read["known_at"].to_list()
    assert times == [None if outcome is None else outcome.recorded_at] * len(declaration.items)


# --- one currency conversion -------------------------------------------------------------------

amounts = st.floats(-1e12, 1e12, allow_nan=False)
tables = st.dictionaries(
    st.sampled_from(["EUR", "CNY", "GBP", "BRL"]), st.floats(1e-6, 1e3), max_size=4
)


@given(amounts, tables, st.sampled_from(["USD", "usd", " Usd "]))
def test_us_dollars_are_themselves_whatever_the_table(
    amount: float, rates: dict[str, float], code: str
) -> None:
    assert to_usd(Money(amount, code), rates) == amount
    assert to_usd(Money(amount, code), {"USD": 2.0}) == amount


@given(amounts, tables, st.sampled_from(["EUR", "eur", "CNY", "GBP", "BRL", "XXX", ""]))
def test_other_currencies_convert_by_the_table_or_are_unknown(
    amount: float, rates: dict[str, float], code: str
) -> None:
    rate = rates.get(code.strip().upper())
    expected = None if rate is None else amount * rate
    assert to_usd(Money(amount, code), rates) == expected


@given(st.lists(st.tuples(amounts, st.sampled_from(["USD", "eur", "CNY", "BRL", "X"]))), tables)
def test_the_column_conversion_is_the_same_as_the_scalar_one(
    values: list[tuple[float, str]], rates: dict[str, float]
) -> None:
    frame = pl.DataFrame(
        {"amount": [a for a, _ in values], "currency": [c for _, c in values]},
        schema={"amount": pl.Float64, "currency": pl.String},
    )
    column = frame.select(usd_expr(pl.col("amount"), pl.col("currency"), rates)).to_series()
    for (amount, code), got in zip(values, column.to_list(), strict=True):
        expected = to_usd(Money(amount, code), rates)
        assert (got is None and expected is None) or math.isclose(got, expected or 0.0)


def test_the_built_in_rates_are_the_shipped_currency_table() -> None:
    with (ROOT / "rules" / "currencies.csv").open(encoding="utf-8") as handle:
        shipped = {r["currency"]: float(r["usd_per_unit"]) for r in csv.DictReader(handle)}
    assert shipped == dict(BUILTIN_RATES_TO_USD)


# --- the match pass -----------------------------------------------------------------------------


def test_the_match_pass_writes_item_and_declaration_match_columns() -> None:
    declaration = _two_lines()
    table = history_table(declaration_rows(declaration, rates=RATES))
    scores = {1: 70.0, 2: 95.0}

    def match_item(item: Item, _: Declaration) -> tuple[Match, ...]:
        return (_match(scores[item.line_no], f"T-{item.line_no}", risky=item.line_no == 2),)

    matched = with_match_columns(table, match_item).sort("line_no")
    assert matched["match_score"].to_list() == [70.0, 95.0]
    assert matched["match_recordation_id"].to_list() == ["T-1", "T-2"]
    assert matched["best_match_score"].to_list() == [95.0, 95.0]
    assert matched["n_risky_matches"].to_list() == [1.0, 1.0]
    assert matched.height == table.height
    # what the writer gives for the same matches
    again = declaration_rows(
        replace(declaration),
        tuple(ItemAssessment(i.line_no, match_item(i, declaration)) for i in declaration.items),
        rates=RATES,
    )
    assert [r["match_score"] for r in again] == [70.0, 95.0]


def test_a_currency_table_may_not_give_usd_another_rate(tmp_path: Path) -> None:
    from riskd.rules.errors import Problem
    from riskd.rules.policy_file import parse_currencies

    path = tmp_path / "currencies.csv"
    path.write_text("currency,usd_per_unit\nUSD,0.9\nEUR,1.1\n", encoding="utf-8")
    problems: list[Problem] = []
    assert parse_currencies(path, "rules/currencies.csv", problems) == {"EUR": 1.1}
    assert [str(p) for p in problems] == [
        "rules/currencies.csv:2:1: error E-CSV: USD is the base currency: its rate is 1"
    ]
