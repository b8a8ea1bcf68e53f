"""Schema versions: a store written by release 0.1.0 (its DDL and rows kept in `fixtures/`) is
upgraded in place when opened, on both engines; a failed upgrade leaves it as it was; a store
of a newer version is refused with a message that says so."""

from __future__ import annotations

import json
import sqlite3
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import psycopg
import pytest
from click.testing import CliRunner

from riskd.cli.main import cli
from riskd.domain import OutcomeResult
from riskd.pipeline import assess, build_snapshot
from riskd.store import DecisionStore, StoreSchemaError, open_store
from riskd.store import postgres as postgres_engine
from riskd.store import sqlite as sqlite_engine
from riskd.store.schema import Migration
from tests import factory

FIXTURES = Path(__file__).parent / "fixtures"
OLD_ROWS = json.loads((FIXTURES / "rows_unversioned.json").read_text(encoding="utf-8"))
FIRST, SECOND, THIRD = (row[0] for row in OLD_ROWS["decisions"])

Catalog = frozenset[tuple[str, ...]]


@dataclass(frozen=True)
class Place:
    """Where a store of one engine is, and how to look at it without riskd's code."""

    engine: str
    url: str

    def raw(self, script: str, rows: dict[str, list[list[object]]] | None = None) -> None:
        """Run a script and insert rows, as another program would."""
        if self.engine == "sqlite":
            with sqlite3.connect(self.url) as conn:
                conn.executescript(script)
                for table, values in (rows or {}).items():
                    marks = ",".join("?" * len(values[0]))
                    conn.executemany(f"INSERT INTO {table} VALUES ({marks})", values)
            conn.close()
            return
        with psycopg.connect(self.url, autocommit=True) as pg:
            pg.execute(script.encode())
            for table, values in (rows or {}).items():
                marks = ",".join(["%s"] * len(values[0]))
                with pg.cursor() as cursor:
                    cursor.executemany(f"INSERT INTO {table} VALUES ({marks})".encode(), values)

    def query(self, sql: str) -> list[tuple[object, ...]]:
        if self.engine == "sqlite":
            conn = sqlite3.connect(self.url)
            try:
                return [tuple(r) for r in conn.execute(sql).fetchall()]
            finally:
                conn.close()
        with psycopg.connect(self.url) as pg:
            return [tuple(r) for r in pg.execute(sql.encode()).fetchall()]

    def catalog(self) -> Catalog:
        """Every table's columns with their types and nullability, and every index."""
        if self.engine == "sqlite":
            tables = [
                str(t) for (t,) in self.query("SELECT name FROM sqlite_master WHERE type = 'table'")
            ]
            columns: set[tuple[str, ...]] = {
                (table, str(c[1]), str(c[2]), str(c[3]), str(c[5]))
                for table in tables
                for c in self.query(f"PRAGMA table_info({table})")
            }
            indexes = {
                ("index", str(name), str(table))
                for name, table in self.query(
                    "SELECT name, tbl_name FROM sqlite_master WHERE type = 'index'"
                )
            }
            return frozenset(columns | indexes)
        columns = {
            tuple(str(v) for v in row)
            for row in self.query(
                "SELECT table_name, column_name, data_type, udt_name, is_nullable,"
                " coalesce(column_default, '') FROM information_schema.columns"
                " WHERE table_schema = 'public'"
            )
        }
        indexes = {
            ("index", str(name), str(table))
            for name, table in self.query(
                "SELECT indexname, tablename FROM pg_indexes WHERE schemaname = 'public'"
            )
        }
        return frozenset(columns | indexes)


@pytest.fixture(params=["sqlite", "postgresql"])
def place(request: pytest.FixtureRequest, tmp_path: Path) -> Place:
    if request.param == "sqlite":
        return Place("sqlite", str(tmp_path / "riskd.db"))
    return Place("postgresql", request.getfixturevalue("fresh_postgres_url"))


@pytest.fixture
def old_store(place: Place) -> Iterator[Place]:
    """A store as release 0.1.0 left it: its DDL, its rows, no schema version."""
    ddl = (FIXTURES / f"schema_unversioned.{place.engine}.sql").read_text(encoding="utf-8")
    place.raw(ddl, {"decisions": OLD_ROWS["decisions"], "outcomes": OLD_ROWS["outcomes"]})
    yield place


def _fresh_catalog(engine: str, where: Path, fresh_url: str) -> Catalog:
    url = str(where / "fresh.db") if engine == "sqlite" else fresh_url
    open_store(url).close()
    return Place(engine, url).catalog()


def test_a_store_of_the_previous_release_is_upgraded_in_place(
    old_store: Place, tmp_path: Path, request: pytest.FixtureRequest
) -> None:
    store = open_store(old_store.url)
    try:
        assert store.counts() == (3, 3)
        first = store.get_decision(FIRST)
        assert [o.outcome_id for o in first.outcomes] == ["O-V0-0a", "O-V0-0b"]
        seized = first.outcomes[1]
        assert seized.result is OutcomeResult.SEIZED
        assert seized.recordation_ids == ("T2019-00001", "T2010-00009")
        assert seized.seized_value is not None and seized.seized_value.amount == 2500.0
        listed = [(d.assessment.decision_id, len(d.outcomes)) for d in store.decisions()]
        assert listed == [(FIRST, 2), (SECOND, 0), (THIRD, 1)]
        assert first.declaration.declaration_id == "D-V0-0"
        assert first.assessment.recommendation.value == "DETAIN"
    finally:
        store.close()
    versions = old_store.query("SELECT version, release FROM store_schema")
    assert [v for v, _ in versions] == [1, 2]
    fresh_url = (
        "" if old_store.engine == "sqlite" else request.getfixturevalue("fresh_postgres_url")
    )
    assert old_store.catalog() == _fresh_catalog(old_store.engine, tmp_path, fresh_url)


def test_an_upgraded_store_takes_new_decisions_and_outcomes(old_store: Place) -> None:
    store = open_store(old_store.url)
    try:
        declaration = factory.declaration("D-AFTER", items=(factory.item(brand="NIKE"),))
        assessment = assess(build_snapshot(register=factory.register()), declaration)
        store.save_decisions([(declaration, assessment)])
        assert store.counts() == (4, 3)
        assert store.get_decision(assessment.decision_id).declaration == declaration
    finally:
        store.close()
    again = open_store(old_store.url)  # opening an up-to-date store changes nothing
    again.close()
    assert [v for (v,) in old_store.query("SELECT version FROM store_schema")] == [1, 2]


def test_a_failed_upgrade_leaves_the_old_store_intact(
    old_store: Place, monkeypatch: pytest.MonkeyPatch
) -> None:
    before = old_store.catalog()
    rows = old_store.query("SELECT decision_id, decided_at FROM decisions ORDER BY decision_id")
    engine = sqlite_engine if old_store.engine == "sqlite" else postgres_engine
    first, last = engine.MIGRATIONS
    failing = Migration(2, last.summary, (*last.statements, "SELECT * FROM no_such_table"))
    monkeypatch.setattr(engine, "MIGRATIONS", (first, failing))
    with pytest.raises(Exception, match="no_such_table"):
        open_store(old_store.url)
    assert old_store.catalog() == before
    assert (
        old_store.query("SELECT decision_id, decided_at FROM decisions ORDER BY decision_id")
        == rows
    )
    monkeypatch.undo()
    store = open_store(old_store.url)
    assert store.counts() == (3, 3)
    store.close()


def test_a_store_of_a_newer_version_is_refused(place: Place) -> None:
    open_store(place.url).close()
    place.raw(
        "INSERT INTO store_schema (version, summary, applied_at, release)"
        " VALUES (7, 'from the future', '2030-01-01T00:00:00+00:00', '9.0.0')"
    )
    with pytest.raises(StoreSchemaError, match=r"schema version 7, newer than riskd .*\(up to 2\)"):
        open_store(place.url)
    result = CliRunner().invoke(cli, ["report", "--store", place.url])
    assert result.exit_code == 2
    assert "schema version 7, newer" in result.output and "Traceback" not in result.output


def test_reading_commands_refuse_a_place_without_a_store(place: Place) -> None:
    for args in (["report"], ["history", "export", "--out", "history.parquet"]):
        result = CliRunner().invoke(cli, [*args, "--store", place.url])
        assert result.exit_code == 2, result.output
        assert "no riskd store at" in result.output and "Traceback" not in result.output
    if place.engine == "sqlite":
        assert not Path(place.url).exists()  # nothing was created
    else:
        assert place.query("SELECT to_regclass('decisions')") == [(None,)]


def test_the_daemon_refuses_a_store_of_a_newer_version(place: Place) -> None:
    open_store(place.url).close()
    place.raw(
        "INSERT INTO store_schema (version, summary, applied_at, release)"
        " VALUES (3, 'from the future', '2030-01-01T00:00:00+00:00', '9.0.0')"
    )
    result = CliRunner().invoke(cli, ["serve", "--store", place.url, "--listen", "127.0.0.1:0"])
    assert result.exit_code == 2
    assert "schema version 3, newer" in result.output and "Traceback" not in result.output


def test_replicas_opening_an_old_store_together_upgrade_it_once(old_store: Place) -> None:
    opened: list[DecisionStore] = []
    errors: list[BaseException] = []

    def open_it() -> None:
        try:
            opened.append(open_store(old_store.url))
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=open_it) for _ in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == [] and len(opened) == 3
    for store in opened:
        store.close()
    assert [v for (v,) in old_store.query("SELECT version FROM store_schema")] == [1, 2]


@pytest.fixture
def v1_store(place: Place) -> Iterator[Place]:
    """A store of schema version 1 (before cases): its DDL, its version row, its decisions."""
    ddl = (FIXTURES / f"schema_v1.{place.engine}.sql").read_text(encoding="utf-8")
    decisions = OLD_ROWS["decisions"]
    if place.engine == "postgresql":  # version 1 holds the flag as a boolean
        decisions = [[*row[:6], bool(int(row[6])), *row[7:]] for row in decisions]
    place.raw(
        ddl,
        {
            "store_schema": [[1, "created", "2026-01-05T10:00:00+00:00", "0.1.0"]],
            "decisions": decisions,
        },
    )
    yield place


def test_a_version_1_store_gains_the_cases_table_in_place(
    v1_store: Place, tmp_path: Path, request: pytest.FixtureRequest
) -> None:
    store = open_store(v1_store.url)
    try:
        assert store.counts() == (3, 0)
        assert store.get_decision(FIRST).declaration.declaration_id == "D-V0-0"
        case = factory.case(decision_id=FIRST)
        assert store.open_cases([case]) == 1
        assert list(store.cases(decision_id=FIRST)) == [case]
    finally:
        store.close()
    versions = v1_store.query("SELECT version, summary FROM store_schema ORDER BY version")
    assert versions == [(1, "created"), (2, "cases: detention notices, referrals")]
    fresh_url = "" if v1_store.engine == "sqlite" else request.getfixturevalue("fresh_postgres_url")
    assert v1_store.catalog() == _fresh_catalog(v1_store.engine, tmp_path, fresh_url)
