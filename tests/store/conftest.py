"""Stores under test: SQLite in a temp file, and PostgreSQL in a private throw-away cluster
(started with the server binaries of the machine; skipped where there are none)."""

from __future__ import annotations

import itertools
import os
import shutil
import subprocess
import tempfile
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest

from riskd.store import SqliteStore
from riskd.store.base import DecisionStore
from tests.net import free_port

PG_BIN = next(iter(sorted(Path("/usr/lib/postgresql").glob("*/bin"), reverse=True)), None)


@pytest.fixture(scope="session")
def postgres_url() -> Iterator[str]:
    if PG_BIN is None or not (PG_BIN / "initdb").exists():
        pytest.skip("no PostgreSQL server binaries on this machine")
    as_postgres: list[str] = []
    if os.geteuid() == 0:  # the server refuses to run as root
        if shutil.which("runuser") is None:
            pytest.skip("running as root without runuser")
        as_postgres = ["runuser", "-u", "postgres", "--"]
    home = Path(tempfile.mkdtemp(prefix="riskd-pg-"))
    if as_postgres:
        shutil.chown(home, "postgres")
    data, port = home / "data", free_port()
    subprocess.run(
        [*as_postgres, str(PG_BIN / "initdb"), "-D", str(data), "-A", "trust", "-U", "riskd"],
        check=True,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    options = f"-p {port} -k {home} -c listen_addresses=127.0.0.1 -c fsync=off"
    subprocess.run(
        [
            *as_postgres,
            str(PG_BIN / "pg_ctl"),
            "-D",
            str(data),
            "-o",
            options,
            "-l",
            str(home / "server.log"),
            "-w",
            "start",
        ],
        check=True,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        yield f"postgresql://riskd@127.0.0.1:{port}/postgres"
    finally:
        subprocess.run(
            [*as_postgres, str(PG_BIN / "pg_ctl"), "-D", str(data), "-m", "fast", "stop"],
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        shutil.rmtree(home, ignore_errors=True)


@pytest.fixture(params=["sqlite", "postgresql"])
def store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[DecisionStore]:
    if request.param == "sqlite":
        opened: DecisionStore = SqliteStore(tmp_path / "riskd.db")
    else:
        from riskd.store.postgres import PostgresStore

        url = request.getfixturevalue("postgres_url")
        opened = PostgresStore(url)
        with opened._transaction() as conn:  # each test starts from empty tables
            conn.execute("TRUNCATE outcomes, decisions, cases")
    yield opened
    opened.close()


_databases = itertools.count()


def new_postgres_database(postgres_url: str) -> str:
    """The URL of a new, empty database in the private cluster."""
    name = f"riskd_{os.getpid()}_{next(_databases)}"
    with psycopg.connect(postgres_url, autocommit=True) as conn:
        conn.execute(f"CREATE DATABASE {name}")
    return postgres_url.rsplit("/", 1)[0] + "/" + name


@pytest.fixture
def fresh_postgres_url(postgres_url: str) -> str:
    """A new, empty database, for a test that needs the whole database to itself (a schema
    upgrade, a command that reads every decision)."""
    return new_postgres_database(postgres_url)


@pytest.fixture(params=["sqlite", "postgresql"])
def store_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """Where an empty store of each engine goes, as the `store` setting names it."""
    if request.param == "sqlite":
        return str(tmp_path / "riskd.db")
    return str(request.getfixturevalue("fresh_postgres_url"))
