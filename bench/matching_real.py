"""Matching quality on real names (`bench.real_world`), screened as a customs office would:
declarations through `ScreenBatch` of a real server with no rules and no model, or (for quick
tuning runs) through the in-process pipeline, which gives the same assessments.

Counted per part (tune, test) and per kind:
- counterfeit spellings: the right recordation listed (recall), and whether it raises risk;
- clean descriptions (no recorded name written in them): not released, any match listed;
- everyday-word uses (a recorded name written in its everyday sense): not released.

"Not released" leaves out the declarations picked by the policy's random selection, which
inspects a share of all goods whatever they are.
"""

from __future__ import annotations

import random
import sys
import tempfile
from collections import Counter, defaultdict
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from bench.real_world import (
    Brand,
    Heading,
    dnstwist_variants,
    headings,
    load_brands,
    name_index,
    names_in,
    plain_variants,
    register_of,
    script_variants,
    sources,
)

TARGETS = {
    "recall": 0.98,  # overall; and every kind at least recall_per_kind
    "recall_per_kind": 0.95,
    "clean_not_released": 0.005,
    "clean_listed": 0.005,
    "everyday_not_released": 0.05,
}
_BATCH = 100
_ITEMS_PER_DECLARATION = 10


@dataclass(frozen=True, slots=True)
class Case:
    """One goods line to screen and what should come of it."""

    group: str  # counterfeit, clean or everyday
    kind: str
    part: str
    hs_code: str
    description: str
    brand: str = ""
    expected: str = ""  # recordation id that must be listed (counterfeits)
    written: str = ""  # the spelling, for the examples of misses


def _short(heading: Heading) -> str:
    """The heading's text as a declarant would write it: its first clause, lower case."""
    return heading.text.split(";")[0].split("(")[0].strip().lower()


def counterfeit_cases(
    brands: Sequence[Brand], by_prefix: dict[str, list[Heading]], per_part: int, seed: int
) -> Iterator[Case]:
    """Every kind of spelling of up to `per_part` brands of each part, on their own goods:
    half written in the brand field, half at the start of the description."""
    rng = random.Random(seed)
    chosen: list[Brand] = []
    for part in ("tune", "test"):
        mine = [b for b in brands if b.part == part]
        chosen.extend(rng.sample(mine, min(per_part, len(mine))))
    all_headings = [h for hs in by_prefix.values() for h in hs]
    for number, brand in enumerate(chosen):
        goods = [h for prefix in brand.goods for h in by_prefix.get(prefix[:4], ())]
        goods = [h for h in goods if h.hs_code.startswith(brand.goods)] or all_headings
        mark = brand.recordation.mark
        variants = [
            *dnstwist_variants(mark, rng),
            *plain_variants(mark, rng),
            *script_variants(brand),
        ]
        for position, (kind, written) in enumerate(variants):
            heading = rng.choice(goods)
            in_brand = (number + position) % 2 == 0
            yield Case(
                group="counterfeit",
                kind=kind,
                part=brand.part,
                hs_code=heading.hs_code,
                description=_short(heading) if in_brand else f"{written} {_short(heading)}",
                brand=written if in_brand else "",
                expected=brand.recordation.recordation_id,
                written=written,
            )


def description_cases(brands: Sequence[Brand], all_headings: Sequence[Heading]) -> Iterator[Case]:
    """Each subheading's text, in full and in its short form: clean where no recorded name
    is written in it, an everyday-word use where one is."""
    index = name_index(list(brands))
    for heading in all_headings:
        for kind, text in (("full", heading.text), ("short", _short(heading))):
            named = names_in(text, index)
            yield Case(
                group="everyday" if named else "clean",
                kind=kind,
                part=heading.part,
                hs_code=heading.hs_code,
                description=text,
                written=",".join(sorted(named)),
            )


class Tally:
    def __init__(self) -> None:
        self.counts: dict[tuple[str, str, str], Counter[str]] = defaultdict(Counter)
        self.misses: dict[tuple[str, str, str], list[str]] = defaultdict(list)

    def add(self, case: Case, outcome: Outcome) -> None:
        for kind in (case.kind, "all"):
            key = (case.part, case.group, kind)
            counts = self.counts[key]
            counts["items"] += 1
            counts["listed"] += outcome.listed
            counts["risk"] += outcome.risk
            counts["any_listed"] += outcome.any_listed
            counts["random"] += outcome.random
            counts["not_released"] += outcome.not_released
            bad = (
                not outcome.listed
                if case.group == "counterfeit"
                else (outcome.not_released or (case.group == "clean" and outcome.any_listed))
            )
            if bad and kind != "all" and len(self.misses[key]) < 20:
                shown = case.brand or case.description
                self.misses[key].append(f"{shown[:80]!r} {case.hs_code} {outcome.detail}".strip())

    def table(self) -> dict[str, Any]:
        result: dict[str, Any] = {}
        for (part, group, kind), counts in sorted(self.counts.items()):
            items = counts["items"]
            drawn = items - counts["random"]
            row: dict[str, Any] = {"items": items}
            if group == "counterfeit":
                row["listed"] = round(counts["listed"] / items, 4)
                row["risk"] = round(counts["risk"] / items, 4)
            else:
                row["not_released"] = round(counts["not_released"] / max(drawn, 1), 4)
                row["any_listed"] = round(counts["any_listed"] / items, 4)
            if self.misses.get((part, group, kind)):
                row["examples"] = self.misses[(part, group, kind)]
            result.setdefault(part, {}).setdefault(group, {})[kind] = row
        return result


@dataclass(frozen=True, slots=True)
class Outcome:
    listed: bool
    risk: bool
    any_listed: bool
    not_released: bool
    random: bool
    detail: str


def _outcome(case: Case, matches: list[tuple[str, str, bool, str]], recommendation: str,
             random_selection: bool) -> Outcome:  # fmt: skip
    mine = [m for m in matches if m[0] == case.expected]
    shown = "; ".join(f"{mark}:{method}{'!' if risk else ''}" for _, mark, risk, method in matches)
    not_released = recommendation != "RELEASE" and not random_selection
    return Outcome(
        listed=bool(mine),
        risk=any(m[2] for m in mine),
        any_listed=bool(matches),
        not_released=not_released,
        random=random_selection,
        detail=f"[{recommendation}] {shown}" if shown or not_released else "",
    )


def _groups(cases: list[Case]) -> Iterator[list[Case]]:
    """Cases in declarations: counterfeits ten lines to one, descriptions one each (their
    release is judged per declaration)."""
    lines = [c for c in cases if c.group == "counterfeit"]
    for start in range(0, len(lines), _ITEMS_PER_DECLARATION):
        yield lines[start : start + _ITEMS_PER_DECLARATION]
    for case in cases:
        if case.group != "counterfeit":
            yield [case]


def screen_in_process(cases: list[Case], register: Any) -> Iterator[tuple[Case, Outcome]]:
    from riskd.domain import Declaration, Direction, Item, TransportMode
    from riskd.pipeline import assess, build_snapshot

    snapshot = build_snapshot(register=register)
    for number, group in enumerate(_groups(cases)):
        declaration = Declaration(
            declaration_id=f"EVAL-{number}",
            declared_at=datetime(2026, 6, 1, tzinfo=UTC),
            direction=Direction.IMPORT,
            customs_office="EVAL",
            transport_mode=TransportMode.COURIER,
            items=tuple(
                Item(line, c.hs_code, c.description, brand=c.brand)
                for line, c in enumerate(group, 1)
            ),
        )
        assessment = assess(snapshot, declaration)
        for case, item in zip(group, assessment.items, strict=True):
            matches = [
                (m.recordation_id, m.mark, m.raises_risk, m.method.value) for m in item.matches
            ]
            yield (
                case,
                _outcome(
                    case, matches, assessment.recommendation.value, assessment.random_selection
                ),
            )


def screen_through_grpc(cases: list[Case], register: Any) -> Iterator[tuple[Case, Outcome]]:
    """ScreenBatch against a real server on a free local port (no rules, no model)."""
    import grpc

    from riskd.log import configure_logging
    from riskd.pipeline import build_snapshot
    from riskd.server.app import create_server
    from riskd.settings import Settings
    from riskd.v1 import (
        assessment_pb2,
        declaration_pb2,
        screening_service_pb2,
        screening_service_pb2_grpc,
    )

    configure_logging("WARNING")  # not a line per decision
    with tempfile.TemporaryDirectory() as tmp:
        settings = Settings(
            listen="127.0.0.1:0",
            store=str(Path(tmp) / "eval.db"),
            store_synchronous="NORMAL",
            profiles=False,
            log_level="WARNING",
        )
        server = create_server(settings, snapshot=build_snapshot(register=register))
        server.start()
        recommendation_name = assessment_pb2.Recommendation.Name
        method_name = assessment_pb2.MatchMethod.Name
        try:
            with grpc.insecure_channel(f"127.0.0.1:{server.port}") as channel:
                stub = screening_service_pb2_grpc.ScreeningServiceStub(channel)
                groups = list(_groups(cases))
                for start in range(0, len(groups), _BATCH):
                    chunk = groups[start : start + _BATCH]
                    request = screening_service_pb2.ScreenBatchRequest()
                    for number, group in enumerate(chunk, start):
                        declaration = request.declarations.add(
                            declaration_id=f"EVAL-{number}",
                            direction=declaration_pb2.DIRECTION_IMPORT,
                            customs_office="EVAL",
                            transport_mode=declaration_pb2.TRANSPORT_MODE_COURIER,
                        )
                        declaration.declared_at.FromDatetime(datetime(2026, 6, 1, tzinfo=UTC))
                        for line, case in enumerate(group, 1):
                            declaration.items.add(
                                line_no=line,
                                hs_code=case.hs_code,
                                description=case.description,
                                brand=case.brand,
                            )
                    response = stub.ScreenBatch(request, timeout=120)
                    for group, assessment in zip(chunk, response.assessments, strict=True):
                        for case, item in zip(group, assessment.items, strict=True):
                            matches = [
                                (
                                    m.recordation_id,
                                    m.mark,
                                    m.raises_risk,
                                    method_name(m.method).removeprefix("MATCH_METHOD_"),
                                )
                                for m in item.matches
                            ]
                            recommendation = recommendation_name(
                                assessment.recommendation
                            ).removeprefix("RECOMMENDATION_")
                            yield (
                                case,
                                _outcome(
                                    case, matches, recommendation, assessment.random_selection
                                ),
                            )
                    if start // _BATCH % 50 == 0:
                        print(f"  {start}/{len(groups)} declarations", file=sys.stderr, flush=True)
        finally:
            server.close()


def summary(table: dict[str, Any], part: str) -> dict[str, float]:
    rows = table.get(part, {})
    counterfeit = rows.get("counterfeit", {})
    kinds = {k: v["listed"] for k, v in counterfeit.items() if k != "all"}
    return {
        "recall": counterfeit.get("all", {}).get("listed", 0.0),
        "recall_worst_kind": min(kinds.values()) if kinds else 0.0,
        "clean_not_released": rows.get("clean", {}).get("all", {}).get("not_released", 0.0),
        "clean_listed": rows.get("clean", {}).get("all", {}).get("any_listed", 0.0),
        "everyday_not_released": rows.get("everyday", {}).get("all", {}).get("not_released", 0.0),
    }


def evaluate_real(per_part: int = 2500, seed: int = 7, through: str = "grpc") -> dict[str, Any]:
    brands = load_brands()
    register = register_of(brands)
    all_headings = headings()
    by_prefix: dict[str, list[Heading]] = {}
    for heading in all_headings:
        for size in (2, 4):
            by_prefix.setdefault(heading.hs_code[:size], []).append(heading)
    cases = [
        *counterfeit_cases(brands, by_prefix, per_part, seed),
        *description_cases(brands, all_headings),
    ]
    print(f"real names: {len(register)} recordations, {len(cases)} cases", file=sys.stderr)
    screen = screen_through_grpc if through == "grpc" else screen_in_process
    tally = Tally()
    for case, outcome in screen(cases, register):
        tally.add(case, outcome)
    table = tally.table()
    unclassed = sum(1 for b in brands if not b.recordation.nice_classes)
    return {
        "sources": sources(),
        "through": "ScreenBatch" if through == "grpc" else "pipeline",
        "register": {"recordations": len(register), "without_classes": unclassed},
        "marks_per_part": per_part,
        "summary": {part: summary(table, part) for part in ("tune", "test")},
        "targets": TARGETS,
        "parts": table,
    }


def render_real(result: dict[str, Any]) -> str:
    """The markdown tables of docs/matching.md: per kind and part, then the targets."""
    lines = [
        "| group | kind | tune items | tune | test items | test |",
        "|---|---|---:|---:|---:|---:|",
    ]
    parts = result["parts"]
    for group, measure in (
        ("counterfeit", "listed"),
        ("clean", "not_released"),
        ("clean", "any_listed"),
        ("everyday", "not_released"),
    ):
        for kind in parts["test"].get(group, {}):
            tune = parts["tune"].get(group, {}).get(kind, {})
            test = parts["test"][group][kind]
            lines.append(
                f"| {group} ({measure}) | {kind} | {tune.get('items', 0)} | "
                f"{tune.get(measure, 0.0):.2%} | {test['items']} | {test[measure]:.2%} |"
            )
    lines += ["", "| target (test part) | measured | goal |", "|---|---:|---:|"]
    goals = {
        "recall": (">=", TARGETS["recall"]),
        "recall_worst_kind": (">=", TARGETS["recall_per_kind"]),
        "clean_not_released": ("<=", TARGETS["clean_not_released"]),
        "clean_listed": ("<=", TARGETS["clean_listed"]),
        "everyday_not_released": ("<=", TARGETS["everyday_not_released"]),
    }
    measured = result["summary"]["test"]
    for key, (sign, goal) in goals.items():
        lines.append(f"| {key} | {measured[key]:.2%} | {sign} {goal:.1%} |")
    return "\n".join(lines)
