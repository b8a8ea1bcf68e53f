"""Watchlists and tip-offs: roles, marks, routes, and entries that expire by themselves."""

from __future__ import annotations

from datetime import date
from pathlib import Path

from riskd.domain import Item, Party, TransportMode
from riskd.rules.lists import WatchList
from riskd.rules.loader import compile_directory
from riskd.rules.testing import run_tests
from tests.rules.factory import TODAY, declaration, item, match, write_dir

LISTS = """
lists:
  - name: parties
    kind: parties
    entries:
      - {party: P-1, reason: seizures, source: RA-1, expires: 2026-12-31}
      - {party: P-2, role: exporter, reason: tip-off, source: TIP-7, since: 2026-11-01,
         expires: 2026-12-31}
  - name: marks
    kind: marks
    entries:
      - {mark: "  Velox   Pro ", reason: alert, source: TIP-9, expires: 2026-12-31}
      - {recordation: TM-1, reason: alert, source: TIP-9, expires: 2026-12-31}
  - name: routes
    kind: routes
    entries:
      - {origin: TR, transport_mode: COURIER, reason: assessment, source: RA-Q3,
         expires: 2026-12-31}
"""


def lists(tmp_path: Path) -> dict[str, WatchList]:
    directory = compile_directory(write_dir(tmp_path / "r", {"lists.yaml": LISTS}), today=TODAY)
    assert directory.ok, directory.problems
    return dict(directory.lists)


def test_party_entries_hold_for_their_role_and_period(tmp_path: Path) -> None:
    parties = lists(tmp_path)["parties"]
    assert parties.holds(declaration(importer=Party("P-1")), None, None, TODAY)
    assert parties.holds(declaration(consignee=Party("P-1")), None, None, TODAY)
    assert parties.holds(declaration(exporter=Party("P-2")), None, None, TODAY)
    assert not parties.holds(declaration(importer=Party("P-2")), None, None, TODAY)
    assert not parties.holds(declaration(exporter=Party("P-2")), None, None, date(2026, 10, 31))
    assert parties.holds(declaration(importer=Party("P-1")), None, None, date(2026, 12, 31))
    assert not parties.holds(declaration(importer=Party("P-1")), None, None, date(2027, 1, 1))


def test_marks_compare_ignoring_case_and_spacing_or_by_recordation(tmp_path: Path) -> None:
    marks = lists(tmp_path)["marks"]
    d = declaration()
    assert marks.holds(d, item(brand="VELOX pro"), None, TODAY)
    assert not marks.holds(d, item(brand="VELOXPRO"), None, TODAY)
    assert marks.holds(d, item(brand=""), match(recordation_id="TM-1"), TODAY)
    assert not marks.holds(d, Item(1, "64", "shoes"), match(recordation_id="TM-2"), TODAY)


def test_routes_need_every_listed_part(tmp_path: Path) -> None:
    routes = lists(tmp_path)["routes"]
    courier = declaration(origin_country="TR", transport_mode=TransportMode.COURIER)
    assert routes.holds(courier, None, None, TODAY)
    assert not routes.holds(declaration(origin_country="TR"), None, None, TODAY)


def test_entries_need_reason_source_and_expiry(tmp_path: Path) -> None:
    text = "lists:\n  - name: x\n    kind: parties\n    entries:\n      - {party: P-1}\n"
    directory = compile_directory(write_dir(tmp_path / "r", {"l.yaml": text}), today=TODAY)
    messages = [p.message for p in directory.problems if p.code == "E-MISSING"]
    assert len(messages) == 3 and all("every listed entry needs" in m for m in messages)


def test_expired_entries_are_warned_about_and_unused_lists_can_never_fire(tmp_path: Path) -> None:
    rule = """
    rules:
      - id: LISTED
        title: listed
        owner: me
        severity: LOW
        score: 0.5
        when: {on_list: parties}
    """
    directory = compile_directory(
        write_dir(tmp_path / "r", {"lists.yaml": LISTS, "rules.yaml": rule}),
        today=date(2027, 2, 1),
    )
    codes = {p.code for p in directory.problems}
    assert {"W-EXPIRED-ENTRY", "W-NEVER-FIRES"} <= codes


def test_a_failing_test_shows_which_entry_listed_the_party(tmp_path: Path) -> None:
    rule = """
    rules:
      - id: LISTED
        title: listed
        owner: me
        severity: LOW
        score: 0.5
        when:
          all:
            - {on_list: parties}
            - {field: transport_mode, eq: SEA}
        tests:
          - fires: true
            declaration: {transport_mode: POSTAL, importer: P-1, declared_at: 2026-11-20,
                          items: [{hs_code: "64"}]}
    """
    directory = compile_directory(
        write_dir(tmp_path / "r", {"lists.yaml": LISTS, "rules.yaml": rule}), today=TODAY
    )
    (result,) = run_tests(directory, today=TODAY).results
    assert any("✓ on_list parties   [listed by RA-1]" in line for line in result.explanation)
