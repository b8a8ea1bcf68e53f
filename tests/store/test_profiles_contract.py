"""Entity profiles kept by either engine count the same, and count an outcome once."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from riskd.domain import OutcomeResult, Party
from riskd.store.profiles import ProfileStore
from riskd.store.sqlite import SqliteProfiles
from tests import factory

IMPORTER = Party("IMP-PROFILE", "Repeat Trading", "CN")
KEY = ("importer", IMPORTER.id)
_TRUNCATE = "TRUNCATE entity_profiles, entity_profile_outcomes, entity_profile_declarations"


@pytest.fixture(params=["sqlite", "postgresql"])
def profiles(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[ProfileStore]:
    if request.param == "sqlite":
        opened: ProfileStore = SqliteProfiles(tmp_path / "riskd.db")
    else:
        from riskd.store.postgres import PostgresConnections, PostgresProfiles

        url = request.getfixturevalue("postgres_url")
        opened = PostgresProfiles(url)
        cleaner = PostgresConnections(url)
        with cleaner.transaction() as conn:
            conn.execute(_TRUNCATE)
        cleaner.close()
    yield opened
    opened.close()


def _counts(profiles: ProfileStore) -> tuple[float, float, float]:
    found = profiles.lookup([KEY, ("importer", "nobody")])
    assert set(found) <= {KEY}
    counts = found[KEY]
    return counts.declarations, counts.inspections, counts.seizures


def test_declarations_and_outcomes_are_counted_once(profiles: ProfileStore) -> None:
    declarations = [factory.declaration(f"D-ONCE-{n}", importer=IMPORTER) for n in range(3)]
    assert profiles.lookup([KEY]) == {}
    profiles.record_declarations(declarations)
    assert _counts(profiles) == (3, 0, 0)
    profiles.record_outcome("DEC-1", declarations[0], OutcomeResult.SEIZED)
    profiles.record_outcome("DEC-1", declarations[0], OutcomeResult.SEIZED)
    assert _counts(profiles) == (3, 1, 1)
    profiles.record_outcome("DEC-2", declarations[1], OutcomeResult.NO_INFRINGEMENT)
    assert _counts(profiles) == (3, 2, 1)


def test_a_retried_declaration_is_counted_once(profiles: ProfileStore) -> None:
    declaration = factory.declaration("D-RETRIED", importer=IMPORTER)
    profiles.record_declarations([declaration])
    profiles.record_declarations([declaration])  # the client retried after a timeout
    profiles.record_declarations([declaration, declaration])
    assert _counts(profiles) == (1, 0, 0)


def test_a_corrected_outcome_corrects_the_seizures(profiles: ProfileStore) -> None:
    declaration = factory.declaration(importer=IMPORTER)
    profiles.record_declarations([declaration])
    profiles.record_outcome("DEC-9", declaration, OutcomeResult.SEIZED)
    profiles.record_outcome("DEC-9", declaration, OutcomeResult.HOLDER_NOT_CONFIRMED)
    assert _counts(profiles) == (1, 1, 0)
    profiles.record_outcome("DEC-9", declaration, OutcomeResult.SEIZED)
    assert _counts(profiles) == (1, 1, 1)


def test_every_profile_key_agrees_between_engines(tmp_path: Path, postgres_url: str) -> None:
    from riskd.store.postgres import PostgresConnections, PostgresProfiles

    sqlite = SqliteProfiles(tmp_path / "riskd.db")
    postgres = PostgresProfiles(postgres_url)
    cleaner = PostgresConnections(postgres_url)
    with cleaner.transaction() as conn:
        conn.execute(_TRUNCATE)
    cleaner.close()
    declarations = [
        factory.declaration(f"D-ENGINES-{n}", importer=IMPORTER, items=(factory.item(hs_code=hs),))
        for n, hs in enumerate(("640411", "640411", "851712"))
    ]
    for engine in (sqlite, postgres):
        engine.record_declarations(declarations)
        engine.record_outcome("DEC-1", declarations[0], OutcomeResult.SEIZED)
    conn = sqlite._connection()
    keys = [(p, k) for p, k in conn.execute("SELECT profile, key FROM entity_profiles")]
    assert len(keys) > 10
    assert sqlite.lookup(keys) == postgres.lookup(keys)
    sqlite.close()
    postgres.close()
