"""Quality of mark matching, measured on the fixtures world and on an adversarial set.

    python -m bench.matching_quality [--seed 7] [--marks 2000] [--declarations 6000]

1. The world: declarations from the fixtures generator, scored against its ground truth
   (how each item was written: exact, typo, homoglyph, spacing, transliteration, embedded,
   ordinary sense, licensed, clean).
2. The adversarial set, generated from the world's register by rule with the generator's
   own variant functions: every mark with one and two typos, look-alike letters, spacing,
   its aliases and Cyrillic/Greek spellings, and buried in a description; clean goods
   descriptions without any mark; ordinary-word marks used in their ordinary sense.

Writes bench/results/matching_quality.json and prints the table docs/matching.md shows.
"""

from __future__ import annotations

import json
import sys
import time
from collections import Counter, defaultdict
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import click
import numpy as np
from rapidfuzz.distance import OSA

from fixtures.catalogue import CATEGORIES, CATEGORY_INDEX, CHINESE_DESCRIPTIONS
from fixtures.generate import generate_world
from fixtures.marks import cyrillic, embed, greek, homoglyph, spacing, typo
from riskd.domain import Declaration, Item, Match, RightType
from riskd.matching import MatchingConfig, build_matcher
from riskd.matching.matcher import Matcher
from riskd.register.classes import hs_prefixes_of
from riskd.register.model import Recordation, Register

RESULTS = Path(__file__).parent / "results" / "matching_quality.json"
REAL_RESULTS = Path(__file__).parent / "results" / "matching_real.json"
TARGETS = {
    "recall_variants": 0.98,  # right recordation listed: typos (<= 2 edits), homoglyph, ...
    "clean_descriptions_listed": 0.005,  # mark-free descriptions with any listed match
    "ordinary_sense_risk": 0.05,  # ordinary-word marks in ordinary sense raising risk
}
_COUNTERFEIT = ("typo_1", "typo_2", "homoglyph", "spacing", "transliteration", "embedded")


class Tally:
    """Counts per group: items, the right recordation listed, any listing, any risk."""

    def __init__(self) -> None:
        self.counts: dict[str, Counter[str]] = defaultdict(Counter)
        self.misses: dict[str, list[str]] = defaultdict(list)

    def add(
        self, group: str, matches: tuple[Match, ...], expected: str = "", shown: str = ""
    ) -> None:
        counts = self.counts[group]
        counts["items"] += 1
        counts["any_listed"] += bool(matches)
        counts["any_risk"] += any(m.raises_risk for m in matches)
        if expected:
            counts["expected"] += 1
            listed = [m for m in matches if m.recordation_id == expected]
            counts["listed"] += bool(listed)
            counts["risk"] += any(m.raises_risk for m in listed)
            counts["authorised"] += any(m.authorised for m in listed)
            if not listed and len(self.misses[group]) < 8:
                self.misses[group].append(shown)

    def table(self) -> dict[str, dict[str, Any]]:
        result: dict[str, dict[str, Any]] = {}
        for group, counts in sorted(self.counts.items()):
            items = counts["items"]
            row: dict[str, Any] = {"items": items}
            keys = ("listed", "risk", "authorised") if counts["expected"] else ()
            for key in (*keys, "any_listed", "any_risk"):
                row[key] = round(counts[key] / items, 4) if items else None
            if self.misses.get(group):
                row["missed_examples"] = self.misses[group]
            result[group] = row
        return result


def world_quality(
    seed: int, marks: int, declarations: int, config: MatchingConfig
) -> dict[str, Any]:
    """Every item of a generated world, by the way the generator wrote it."""
    world = generate_world(seed, marks, declarations)
    matcher = build_matcher(Register(f"world-{seed}", world.register), config)
    truth = {
        (row["declaration_id"], row["line_no"]): row
        for row in world.ground_truth.iter_rows(named=True)
    }
    tally = Tally()
    for declaration in world.declarations:
        for item in declaration.items:
            row = truth[(declaration.declaration_id, item.line_no)]
            variant = row["variant"]
            shown = f"{item.brand!r} {item.model!r} {item.description!r}"
            tally.add(variant, matcher.match_item(item, declaration), row["recordation_id"], shown)
            if variant == "clean":
                bare = Item(item.line_no, item.hs_code, item.description)
                tally.add("clean_description_only", matcher.match_item(bare, declaration))
    return {"register": len(world.register), "declarations": declarations, **tally.table()}


def _goods_code(recordation: Recordation, rng: np.random.Generator) -> str:
    prefixes = recordation.hs_prefixes or hs_prefixes_of(recordation.nice_classes) or ("9999",)
    prefix = prefixes[int(rng.integers(len(prefixes)))]
    return (prefix + "000000")[:6]


def _variants(recordation: Recordation, rng: np.random.Generator) -> Iterator[tuple[str, str]]:
    """(group, written form) of one recordation's mark, by the generator's rules."""
    mark = recordation.mark
    latin = mark.isascii()
    if latin and recordation.right_type is not RightType.PATENT:
        for edits in (1, 2):
            written = typo(mark, rng, edits=edits)
            distance = OSA.distance(written.casefold(), mark.casefold())
            if 1 <= distance <= 2:
                yield f"typo_{distance}", written
    if latin:
        yield "homoglyph", homoglyph(mark, rng, count=int(rng.integers(1, 3)))
        yield "spacing", spacing(mark, rng)
    for alias in recordation.aliases:
        yield "transliteration", alias
    if latin and recordation.right_type is RightType.TRADEMARK:
        yield "transliteration", cyrillic(mark)
        yield "transliteration", greek(mark)


_GOODS = [d for c in CATEGORIES if not c.ordinary_mark for d in c.descriptions]


def adversarial_quality(register: Register, matcher: Matcher, seed: int) -> dict[str, Any]:
    """Every mark of the register written as counterfeiters do, found or not."""
    rng = np.random.default_rng(seed)
    declaration = _declaration()
    tally = Tally()
    for number, recordation in enumerate(register.recordations):
        hs_code = _goods_code(recordation, rng)
        for group, written in _variants(recordation, rng):
            if number % 2:
                item = Item(1, hs_code, "", brand=written)
            else:
                item = Item(1, hs_code, f"{written} {_GOODS[int(rng.integers(len(_GOODS)))]}")
            tally.add(
                group, matcher.match_item(item, declaration), recordation.recordation_id, written
            )
        goods = _GOODS[int(rng.integers(len(_GOODS)))]
        buried = embed(typo(recordation.mark, rng).lower(), goods, rng)
        item = Item(1, hs_code, buried)
        tally.add(
            "embedded", matcher.match_item(item, declaration), recordation.recordation_id, buried
        )
    return tally.table()


def clean_quality(register: Register, matcher: Matcher, seed: int) -> dict[str, Any]:
    """Mark-free goods descriptions (English and Chinese, alone and in pairs): none of them
    contains a recorded name as a word ("tote bags" is not mark-free where TOTE is recorded;
    such descriptions are counted apart, as `descriptions_with_a_mark_word`)."""
    rng = np.random.default_rng(seed)
    declaration = _declaration()
    english = [d for c in CATEGORIES if not c.ordinary_mark for d in c.descriptions]
    chinese = [
        d
        for key, texts in CHINESE_DESCRIPTIONS.items()
        if CATEGORIES[CATEGORY_INDEX[key]].ordinary_mark == ""
        for d in texts
    ]
    names = {" ".join(n.casefold().split()) for r in register.recordations for n in r.names()}
    tally = Tally()
    texts = []
    for text in english + chinese:
        if _names_a_mark(text, names):
            tally.add(
                "descriptions_with_a_mark_word",
                matcher.match_item(Item(1, "999999", text), declaration),
            )
        else:
            texts.append(text)
    tally = Tally()
    for text in texts:
        tally.add("clean_descriptions", matcher.match_item(Item(1, "999999", text), declaration))
    for _ in range(3000):
        first, second = rng.choice(len(texts), size=2, replace=False)
        text = f"{texts[int(first)]}, {texts[int(second)]}"
        tally.add("clean_descriptions", matcher.match_item(Item(1, "999999", text), declaration))
    return tally.table()


def _names_a_mark(text: str, names: set[str]) -> bool:
    words = text.casefold().replace(",", " ").split()
    return any(
        " ".join(words[i:j]) in names
        for i in range(len(words))
        for j in range(i + 1, len(words) + 1)
    ) or any(name in text for name in names if not name.isascii())


def ordinary_sense_quality(register: Register, matcher: Matcher) -> dict[str, Any]:
    """Ordinary-word marks in their ordinary sense ("apple juice", "polo shirts")."""
    by_mark = {r.mark: r for r in register.recordations}
    declaration = _declaration()
    tally = Tally()
    for category in CATEGORIES:
        recordation = by_mark.get(category.ordinary_mark)
        if recordation is None:
            continue
        texts = [*category.descriptions, *CHINESE_DESCRIPTIONS.get(category.key, ())]
        for text in texts:
            for hs_code in category.hs_codes:
                matches = matcher.match_item(Item(1, hs_code, text), declaration)
                mine = tuple(m for m in matches if m.recordation_id == recordation.recordation_id)
                tally.add("ordinary_sense", mine)
    return tally.table()


def _declaration() -> Declaration:
    from bench.matching_world import declaration_of

    return declaration_of()


def evaluate(seed: int, marks: int, declarations: int) -> dict[str, Any]:
    config = MatchingConfig()
    started = time.perf_counter()
    print("world ...", file=sys.stderr, flush=True)
    world = world_quality(seed, marks, declarations, config)
    print("adversarial set ...", file=sys.stderr, flush=True)
    register_world = generate_world(seed, marks, 1)
    register = Register(f"world-{seed}", register_world.register)
    matcher = build_matcher(register, config)
    adversarial = adversarial_quality(register, matcher, seed)
    adversarial.update(clean_quality(register, matcher, seed))
    adversarial.update(ordinary_sense_quality(register, matcher))
    counterfeit = [adversarial[g] for g in _COUNTERFEIT if g in adversarial]
    items = sum(g["items"] for g in counterfeit)
    listed = sum(g["listed"] * g["items"] for g in counterfeit)
    print(f"measured in {time.perf_counter() - started:.1f} s", file=sys.stderr, flush=True)
    summary = {
        "recall_variants": round(listed / items, 4),
        "clean_descriptions_listed": adversarial["clean_descriptions"]["any_listed"],
        "ordinary_sense_risk": adversarial["ordinary_sense"]["any_risk"],
    }
    return {
        "seed": seed,
        "summary": summary,
        "targets": TARGETS,
        "world": world,
        "adversarial": adversarial,
    }


def render(result: dict[str, Any]) -> str:
    """The markdown tables of docs/matching.md."""
    lines = ["| set | group | items | right mark listed | risk raised | any listing |",
             "|---|---|---:|---:|---:|---:|"]  # fmt: skip
    for part in ("adversarial", "world"):
        for group, row in result[part].items():
            if not isinstance(row, dict):
                continue
            listed = row.get("listed")
            lines.append(
                f"| {part} | {group} | {row['items']} | "
                f"{'' if listed is None else f'{listed:.1%}'} | "
                f"{(row['risk'] if listed is not None else row['any_risk']):.1%} | "
                f"{row['any_listed']:.1%} |"
            )
    lines.append("")
    lines.append("| target | measured | goal |")
    lines.append("|---|---:|---:|")
    for key, value in result["summary"].items():
        goal = TARGETS[key]
        comparison = ">=" if key == "recall_variants" else "<="
        lines.append(f"| {key} | {value:.2%} | {comparison} {goal:.1%} |")
    return "\n".join(lines)


@click.command(context_settings={"help_option_names": ["-h", "--help"]})
@click.option("--seed", default=7, show_default=True, help="World and variant seed.")
@click.option("--marks", default=2000, show_default=True, help="Recordations in the world.")
@click.option("--declarations", default=6000, show_default=True, help="Declarations in the world.")
@click.option(
    "--out",
    type=click.Path(path_type=Path),
    default=RESULTS,
    show_default="bench/results/matching_quality.json",
    help="Where to write the results.",
)
@click.option(
    "--real/--no-real",
    default=True,
    show_default=True,
    help="Also measure on real names (brands-nsi, HS texts, dnstwist) through ScreenBatch.",
)
@click.option(
    "--marks-per-part",
    default=2500,
    show_default=True,
    help="Real brands drawn per part (tune, test) for the counterfeit spellings.",
)
@click.option(
    "--through",
    type=click.Choice(["grpc", "pipeline"]),
    default="grpc",
    show_default=True,
    help="Real names screened by ScreenBatch of a local server, or the in-process pipeline.",
)
def main(
    seed: int, marks: int, declarations: int, out: Path, real: bool, marks_per_part: int,
    through: str,
) -> None:  # fmt: skip
    """Measure matching quality on the fixtures world, an adversarial set and real names.

    Writes bench/results/matching_quality.json and bench/results/matching_real.json; the
    same code gives the same figures in every run, so the files change only when the quality
    does. `python -m bench.docs` then renders docs/matching.md's tables from them."""
    result = evaluate(seed, marks, declarations)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(result, indent=2, ensure_ascii=False, sort_keys=True) + "\n")
    click.echo(render(result))
    if real:
        from bench.matching_real import evaluate_real, render_real

        real_result = evaluate_real(marks_per_part, seed, through)
        REAL_RESULTS.write_text(
            json.dumps(real_result, indent=2, ensure_ascii=False, sort_keys=True) + "\n"
        )
        click.echo(render_real(real_result))


if __name__ == "__main__":
    main()
