"""Speed of mark matching against brute force, and at a million marks.

With 100,000 marks: per-item time of the matcher against
`rapidfuzz.process.extractOne(text, all_marks, scorer=fuzz.WRatio)`, and the share of brute
force's findings above the threshold that the matcher lists too. With 1,000,000 marks: index
build time, resident memory, and per-item latency percentiles. At both sizes: the cost of
long descriptions (100 words, 4 KiB) written from the Harmonized System's subheading texts,
per item and per word, which must not grow with the register (targets at 1,000,000 marks:
a 100-word description ≤ 3 ms, a 4 KiB one ≤ 10 ms of CPU).
"""

from __future__ import annotations

import gc
import os
import random
import resource
import sys
import time
from pathlib import Path
from typing import Any

import numpy as np
from rapidfuzz import fuzz, process

from bench.matching_world import declaration_of, pseudo_words, synthetic_register
from riskd.domain import Item
from riskd.matching import build_matcher
from riskd.matching.matcher import Matcher

THRESHOLD = 90.0  # WRatio score from which brute force "finds" a mark
_UNCUT_ITEMS = 99  # brute-force items timed without score_cutoff
_BLOCKS = 3  # turns of brute force and matcher
_ROUNDS = 12  # rounds of the matcher over all items, in all
_CONTEXT = ["running shoes", "leather handbag", "wrist watch", "cotton t-shirt", "toy car",
            "mens", "sports", "wireless earphones", "perfume 100ml", "sunglasses"]  # fmt: skip


def _typo(rng: random.Random, word: str) -> str:
    at = rng.randrange(len(word) - 1)
    kind = rng.choice(("drop", "double", "swap", "change"))
    letter = rng.choice("abcdefghijklmnopqrstuvwxyz")
    if kind == "drop":
        return word[:at] + word[at + 1 :]
    if kind == "double":
        return word[: at + 1] + word[at:]
    if kind == "swap":
        return word[:at] + word[at + 1] + word[at] + word[at + 2 :]
    return word[:at] + letter + word[at + 1 :]


def queries(marks: list[str], count: int, seed: int = 11) -> list[Item]:
    """Items as declared: a mark (as written, with a typo, or spaced) alone in the brand
    field or inside a short description; one in five describes goods without any mark."""
    rng = random.Random(seed)
    items = []
    for number in range(count):
        mark = rng.choice(marks)
        written = rng.choice((mark, mark.upper(), _typo(rng, mark), " ".join(mark[:4]) + mark[4:]))
        shape = number % 5
        if shape in (0, 1):
            items.append(Item(number, "640411", "", brand=written))
        elif shape in (2, 3):
            text = (
                f"{rng.choice(_CONTEXT)} {written}"
                if shape == 2
                else f"{written} {rng.choice(_CONTEXT)}"
            )
            items.append(Item(number, "640411", text))
        else:
            items.append(Item(number, "640411", " ".join(rng.sample(_CONTEXT, 2))))
    return items


def _text(item: Item) -> str:
    return " ".join(part for part in (item.brand, item.model, item.description) if part).lower()


def _time_matcher(
    matcher: Matcher, items: list[Item], rounds: int, clock: Any = time.perf_counter_ns
) -> np.ndarray:
    """Milliseconds per item; `clock` is wall time, or thread CPU time (time.thread_time_ns)
    which leaves out the time the thread waited for a core on a shared machine."""
    declaration = declaration_of()
    times = []
    for _ in range(rounds):
        for item in items:
            started = clock()
            matcher.match_item(item, declaration)
            times.append(clock() - started)
    return np.array(times) / 1e6


def _matcher_rounds(matcher: Matcher, items: list[Item], rounds: int) -> tuple[int, int]:
    """Wall and CPU nanoseconds of whole rounds of the items (no clock call per item: its
    cost would be a measurable part of a 0.05 ms item)."""
    declaration = declaration_of()
    started, started_cpu = time.perf_counter_ns(), time.thread_time_ns()
    for _ in range(rounds):
        for item in items:
            matcher.match_item(item, declaration)
    return time.perf_counter_ns() - started, time.thread_time_ns() - started_cpu


def against_brute_force(size: int, brute_items: int) -> dict[str, Any]:
    """Brute force and the matcher timed in turns (a block of brute-force items, then
    rounds of the matcher over all items), so that both meet the same machine: on a shared
    machine the speed of either drifts by some ten percent within a minute."""
    marks = pseudo_words(size)
    register = synthetic_register(marks)
    matcher = build_matcher(register)
    gc.collect()
    gc.freeze()  # what a daemon does after loading a snapshot: no GC passes over the index
    items = queries(marks, 1000)
    lowered = [m.lower() for m in marks]
    declaration = declaration_of()
    _matcher_rounds(matcher, items, 1)  # warm-up, untimed
    found = agreed = 0
    wall = cpu = uncut = matcher_wall = matcher_cpu = 0
    brute_items = min(brute_items, len(items))
    block = brute_items // _BLOCKS
    for start in range(0, _BLOCKS * block, block):
        for item in items[start : start + block]:
            text = _text(item)
            started, started_cpu = time.perf_counter_ns(), time.thread_time_ns()
            best = process.extractOne(text, lowered, scorer=fuzz.WRatio, score_cutoff=THRESHOLD)
            wall += time.perf_counter_ns() - started
            cpu += time.thread_time_ns() - started_cpu
            if best is None:
                continue
            found += 1
            # Agreement: the matcher lists brute force's mark, or one that brute force
            # scores as high (WRatio caps a mark inside a longer text at 90, so many marks
            # tie and extractOne returns whichever comes first).
            listed = matcher.match_item(item, declaration)
            agreed += any(
                m.recordation_id == register.recordations[best[2]].recordation_id
                or fuzz.WRatio(text, m.mark.lower()) >= best[1]
                for m in listed
            )
        # The call as the speed target names it, without score_cutoff: rapidfuzz then
        # cannot stop scoring a mark early and takes about twice as long. The speed-up is
        # reported against both; this one on fewer items.
        started = time.perf_counter_ns()
        for item in items[start : start + _UNCUT_ITEMS // _BLOCKS]:
            process.extractOne(_text(item), lowered, scorer=fuzz.WRatio)
        uncut += time.perf_counter_ns() - started
        rounds_wall, rounds_cpu = _matcher_rounds(matcher, items, _ROUNDS // _BLOCKS)
        matcher_wall += rounds_wall
        matcher_cpu += rounds_cpu
    long = long_descriptions(matcher)
    gc.unfreeze()
    timed = _BLOCKS * block
    brute_ms = wall / 1e6 / timed
    brute_cpu_ms = cpu / 1e6 / timed
    uncut_ms = uncut / 1e6 / (_BLOCKS * (_UNCUT_ITEMS // _BLOCKS))
    matcher_ms = matcher_wall / 1e6 / ((_ROUNDS // _BLOCKS) * _BLOCKS * len(items))
    matcher_cpu_ms = matcher_cpu / 1e6 / ((_ROUNDS // _BLOCKS) * _BLOCKS * len(items))
    return {
        "marks": size,
        "items": len(items),
        "brute_force_items": timed,
        "brute_force_ms_per_item": round(brute_ms, 3),
        "brute_force_cpu_ms_per_item": round(brute_cpu_ms, 3),
        "matcher_ms_per_item": round(matcher_ms, 4),
        "matcher_cpu_ms_per_item": round(matcher_cpu_ms, 4),
        "speedup": round(brute_ms / matcher_ms, 1),
        "speedup_cpu": round(brute_cpu_ms / matcher_cpu_ms, 1),
        "brute_force_without_cutoff_ms_per_item": round(uncut_ms, 3),
        "speedup_without_cutoff": round(uncut_ms / matcher_ms, 1),
        "load_average": round(os.getloadavg()[0], 2),
        "brute_force_finds": found,
        "matcher_lists_of_those": agreed,
        "agreement": round(agreed / found, 4) if found else None,
        "threshold": THRESHOLD,
        "long_descriptions": long,
    }


LONG_DESCRIPTIONS = {"100_words": (100, None), "4_kib": (None, 4096)}
_LONG_ITEMS = 60


def _long_text(rng: random.Random, texts: list[str], words: int | None, size: int | None) -> str:
    """Goods words of the nomenclature run together, cut at `words` words or `size` bytes."""
    written: list[str] = []
    while (words is not None and len(written) < words) or (
        size is not None and len(" ".join(written)) < size
    ):
        written += rng.choice(texts).split()
    if words is not None:
        return " ".join(written[:words])
    return " ".join(written).encode()[: size or None].decode(errors="ignore")


def long_descriptions(matcher: Matcher, seed: int = 5) -> dict[str, Any]:
    """Thread CPU time of long descriptions, per item and per word (the clock per item is
    a small part of a millisecond-long item)."""
    from bench.real_world import headings

    texts = [heading.text for heading in headings()]
    rng = random.Random(seed)
    declaration = declaration_of()
    result: dict[str, Any] = {}
    for name, (words, size) in LONG_DESCRIPTIONS.items():
        items = [
            Item(number, "640411", _long_text(rng, texts, words, size))
            for number in range(_LONG_ITEMS)
        ]
        matcher.match_item(items[0], declaration)  # warm-up
        times = []
        for item in items:
            started = time.thread_time_ns()
            matcher.match_item(item, declaration)
            times.append((time.thread_time_ns() - started) / 1e6)
        cpu = np.array(times)
        mean_words = float(np.mean([len(item.description.split()) for item in items]))
        result[name] = {
            "items": len(items),
            "words": round(mean_words, 1),
            "cpu_p50_ms": round(float(np.percentile(cpu, 50)), 3),
            "cpu_p90_ms": round(float(np.percentile(cpu, 90)), 3),
            "cpu_max_ms": round(float(cpu.max()), 3),
            "cpu_ms_per_word": round(float(cpu.mean()) / mean_words, 4),
        }
    return result


def _resident_bytes() -> int:
    """Resident memory of this process now (Linux), from /proc/self/statm."""
    pages = int(Path("/proc/self/statm").read_text().split()[1])
    return pages * os.sysconf("SC_PAGE_SIZE")


def at_scale(size: int) -> dict[str, Any]:
    marks = pseudo_words(size)
    register = synthetic_register(marks)
    gc.collect()
    before = _resident_bytes()
    started, started_cpu = time.perf_counter(), time.process_time()
    matcher = build_matcher(register)
    build_seconds = time.perf_counter() - started
    build_cpu_seconds = time.process_time() - started_cpu
    gc.collect()
    gc.freeze()  # what a daemon does after loading a snapshot: no GC passes over the index
    rss = _resident_bytes()
    items = queries(marks, 2000, seed=13)
    times = _time_matcher(matcher, items, rounds=2)
    cpu = _time_matcher(matcher, items, rounds=2, clock=time.thread_time_ns)
    long = long_descriptions(matcher)
    return {
        "marks": size,
        "names_indexed": len(matcher.names),
        "index_keys": len(matcher.table) + len(matcher.typo_table),
        "index_build_seconds": round(build_seconds, 1),
        "index_build_cpu_seconds": round(build_cpu_seconds, 1),
        "index_table_mib": round((matcher.table.nbytes + matcher.typo_table.nbytes) / 2**20, 1),
        "rss_gib": round(rss / 2**30, 3),
        "peak_rss_gib": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 2**20, 3),
        "rss_of_index_gib": round((rss - before) / 2**30, 3),
        "p50_ms": round(float(np.percentile(times, 50)), 3),
        "p99_ms": round(float(np.percentile(times, 99)), 3),
        "max_ms": round(float(times.max()), 3),
        "cpu_p50_ms": round(float(np.percentile(cpu, 50)), 3),
        "cpu_p99_ms": round(float(np.percentile(cpu, 99)), 3),
        "load_average": round(os.getloadavg()[0], 2),
        "long_descriptions": long,
    }


def main(results_dir: Path) -> dict[str, Any]:
    print("100,000 marks against brute force ...", file=sys.stderr, flush=True)
    small = against_brute_force(100_000, brute_items=300)
    print(small, file=sys.stderr, flush=True)
    print("1,000,000 marks ...", file=sys.stderr, flush=True)
    large = at_scale(1_000_000)
    return {"vs_brute_force_100k": small, "scale_1m": large}
