"""The figures the documents quote, rendered from bench/results/*.json.

    python -m bench.docs            # rewrite every figure block from the results
    python -m bench.docs --check    # exit 1 naming each block that differs (a test runs it)

A figure block in README.md or docs/*.md is the text between `<!-- figures: NAME -->` and
`<!-- /figures -->`; NAME is one of `RENDERERS` below, each a function of the results files.
After `make bench` or `make eval-matching`, `python -m bench.docs` brings the documents up to
date, so that no figure in them is typed by hand.
"""

from __future__ import annotations

import json
import math
import re
import sys
import textwrap
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import click

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "bench" / "results"
DOCUMENTS = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
BLOCK = re.compile(
    r"(?P<open><!-- figures: (?P<name>[\w-]+) -->\n)(?P<body>.*?)(?P<close><!-- /figures -->)",
    re.DOTALL,
)

Results = dict[str, Any]
DIFFERS = "differs from the results: run python -m bench.docs"


class MissingResults(Exception):
    """A block's results file is absent (its benchmark has not been run in this checkout)."""


def shown(path: Path) -> str:
    """A path as the messages name it: from the checkout's root when inside it."""
    return str(path.relative_to(ROOT)) if path.is_relative_to(ROOT) else str(path)


def load(name: str, results: Path = RESULTS) -> Results:
    path = results / f"{name}.json"
    if not path.is_file():
        raise MissingResults(f"{shown(path)} is absent: run its benchmark first")
    loaded: Results = json.loads(path.read_text(encoding="utf-8"))
    return loaded


# ---- number formats ------------------------------------------------------------------------


def n(value: float, digits: int = 0) -> str:
    """A number with thousands separators and `digits` decimals."""
    return f"{value:,.{digits}f}"


def pct(value: float, digits: int = 1) -> str:
    return f"{value * 100:.{digits}f} %"


def ratio(value: float) -> str:
    """A ratio to a baseline: three decimals below 0.01, two below 10, fewer above."""
    if value >= 100:
        return f"{value:,.0f}"
    if value >= 10:
        return f"{value:.1f}"
    return f"{value:.3f}" if value < 0.01 else f"{value:.2f}"


def ms(value: float) -> str:
    """Milliseconds: two decimals below 10, one above."""
    return n(value, 2 if value < 10 else 1)


def prose(text: str) -> str:
    """A paragraph wrapped as the documents are (95 columns)."""
    return textwrap.fill(text, width=95, break_long_words=False, break_on_hyphens=False)


def met(ok: bool) -> str:
    return "met" if ok else "not met"


def table(header: list[str], rows: list[list[str]], align: str = "") -> str:
    """A Markdown table; `align` gives each column's `-` or `:` (right-aligned), default left."""
    marks = [("---:" if a == ":" else "---") for a in align.ljust(len(header), "-")]
    lines = ["| " + " | ".join(header) + " |", "|" + "|".join(marks) + "|"]
    lines += ["| " + " | ".join(row) + " |" for row in rows]
    return "\n".join(lines)


# ---- serving (bench_server, profile_server) --------------------------------------------------

_SERVER_CASES = {
    "screen_1": "`Screen`, 1 caller",
    "screen_32": "`Screen`, 32 concurrent",
    "batch_100": "`ScreenBatch` of 100, 4 concurrent",
    "stream": "`ScreenStream`, 4 streams × 10 in flight",
}
_PER_CALL = {"batch_100": " (per call)", "stream": " (per 10)"}
SCREEN_GOAL = {"throughput_over_echo": 0.60, "p99_ms": 25.0, "server_cpu_over_echo": 5.0}
BATCH_GOAL_PER_S = 10_000


def _latency(case: Results) -> str:
    return f"{ms(case['latency_ms']['p50'])} / {ms(case['latency_ms']['p99'])}"


def server_figures(load_results: Callable[[str], Results]) -> str:
    server = load_results("server")
    rows = []
    for key, label in _SERVER_CASES.items():
        mine, echo, ratios = server["riskd"][key], server["echo"][key], server["ratios"][key]
        rows.append(
            [
                label,
                n(mine["declarations_per_second"]),
                _latency(mine) + _PER_CALL.get(key, ""),
                n(mine["server_cpu_ms_per_declaration"], 2),
                n(echo["declarations_per_second"]),
                _latency(echo),
                n(echo["server_cpu_ms_per_declaration"], 3),
                ratio(ratios["throughput_over_echo"]),
                ratio(ratios["p99_over_echo"]),
                ratio(ratios["server_cpu_over_echo"]),
            ]
        )
    for key, two in server["riskd_processes_2"].items():
        rows.append(
            [
                f"`ScreenBatch` of {two['batch']}, `--processes 2`, {two['concurrency']} "
                f"concurrent, {key.rsplit('_', 2)[-2]} client processes",
                n(two["declarations_per_second"]),
                _latency(two) + " (per call)",
                n(two["server_cpu_ms_per_declaration"], 2),
                *[""] * 6,
            ]
        )
    header = [
        "case", "riskd decl/s", "riskd p50 / p99 ms", "riskd CPU ms/decl", "echo decl/s",
        "echo p50 / p99 ms", "echo CPU ms/decl", "throughput ÷ echo", "p99 ÷ echo", "CPU ÷ echo",
    ]  # fmt: skip
    failed = sum(
        sum(case.get("errors", {}).values())
        for side in ("riskd", "echo", "riskd_processes_2")
        for case in server[side].values()
    )
    load_before, load_after = server["load_average_before"][0], server["load_average_after"][0]
    return "\n".join(
        [
            table(header, rows),
            "",
            prose(
                f"{'No call failed' if failed == 0 else f'{n(failed)} calls failed'}. Load "
                f"average {load_before:.1f} before the run and {load_after:.1f} after it, on "
                f"{server['cores']} cores. Against the goals of the throughput work:"
            ),
            "",
            serving_goals(server),
        ]
    )


def serving_goals(server: Results) -> str:
    screen, ratios = server["riskd"]["screen_32"], server["ratios"]["screen_32"]
    batch = max(case["declarations_per_second"] for case in server["riskd_processes_2"].values())
    rows = [
        [
            "`Screen` at 32 concurrent, throughput ÷ echo",
            ratio(ratios["throughput_over_echo"]),
            f"≥ {SCREEN_GOAL['throughput_over_echo']:.2f}",
            met(ratios["throughput_over_echo"] >= SCREEN_GOAL["throughput_over_echo"]),
        ],
        [
            "`Screen` at 32 concurrent, p99",
            f"{n(screen['latency_ms']['p99'], 1)} ms",
            f"≤ {SCREEN_GOAL['p99_ms']:.0f} ms",
            met(screen["latency_ms"]["p99"] <= SCREEN_GOAL["p99_ms"]),
        ],
        [
            "`Screen` server CPU per request ÷ echo",
            f"{ratio(ratios['server_cpu_over_echo'])}×",
            f"≤ {SCREEN_GOAL['server_cpu_over_echo']:.0f}×",
            met(ratios["server_cpu_over_echo"] <= SCREEN_GOAL["server_cpu_over_echo"]),
        ],
        [
            "`ScreenBatch`, `--processes 2`",
            f"{n(batch)} declarations/s",
            f"≥ {n(BATCH_GOAL_PER_S)}/s",
            met(batch >= BATCH_GOAL_PER_S),
        ],
    ]
    return table(["goal", "measured", "target", ""], rows)


def serving_summary(load_results: Callable[[str], Results]) -> str:
    server = load_results("server")
    riskd, ratios = server["riskd"], server["ratios"]
    two = max(case["declarations_per_second"] for case in server["riskd_processes_2"].values())
    rows = [
        [
            "`Screen`, 32 concurrent",
            f"{n(riskd['screen_32']['declarations_per_second'])} declarations/s, "
            f"p99 {n(riskd['screen_32']['latency_ms']['p99'])} ms",
            f"throughput {ratio(ratios['screen_32']['throughput_over_echo'])}, server CPU per "
            f"declaration {ratio(ratios['screen_32']['server_cpu_over_echo'])}×",
        ],
        [
            "`Screen`, one call at a time",
            f"{n(riskd['screen_1']['declarations_per_second'])} declarations/s, "
            f"p50 {n(riskd['screen_1']['latency_ms']['p50'], 1)} ms",
            f"throughput {ratio(ratios['screen_1']['throughput_over_echo'])}",
        ],
        [
            "`ScreenBatch` of 100 (1 process / `--processes 2`)",
            f"{n(riskd['batch_100']['declarations_per_second'])} / {n(two)} declarations/s",
            "",
        ],
        [
            "`ScreenStream`",
            f"{n(riskd['stream']['declarations_per_second'])} declarations/s",
            f"throughput {ratio(ratios['stream']['throughput_over_echo'])}",
        ],
    ]
    return table(["", "riskd", "÷ echo"], rows)


# (label, function as py-spy names it); each line's share is the function's inclusive share
_PROFILE_LINES = [
    ("`Runtime.screen` (the whole call, after the request is read)", "Runtime.screen"),
    ("— `assess` (the screening pipeline)", "assess"),
    ("— — features (`declaration_features`)", "declaration_features"),
    ("— — — the entity-profile lookup (`SqliteProfiles.lookup`)", "SqliteProfiles.lookup"),
    ("— — the LightGBM model with contributions", "LightGBMRiskModel.score"),
    ("— — matching", "Matcher.match_item"),
    ("— — rules", "CompiledRules.evaluate"),
    ("— waiting for the group commit (`Condition.wait`)", "Condition.wait"),
    ("the store's writer thread (`GroupCommit.run`)", "GroupCommit.run"),
    ("reading the next request (grpc)", "unary_request"),
    ("structlog's decision line", "_proxy_to_logger"),
]


def _profile_share(shares: dict[str, float], function: str) -> str:
    found = [
        share
        for name, share in shares.items()
        if (qualified := name.split(" (")[0]) == function or qualified.endswith("." + function)
    ]
    return f"{max(found):.1f} %" if found else "—"


def server_profile(load_results: Callable[[str], Results]) -> str:
    profile = load_results("server_profile")
    loads: dict[str, Results] = profile["loads"]
    rows = [
        [label, *(_profile_share(load["inclusive_percent"], function) for load in loads.values())]
        for label, function in _PROFILE_LINES
    ]
    header = [
        "where",
        *(f"{load['load']} ({n(load['samples'])} samples)" for load in loads.values()),
    ]
    caption = (
        f"`{profile['command']}` ({profile['sampled']}), summed per function: the inclusive "
        "share of the samples (— : under the profile's cut-off):"
    )
    return prose(caption) + "\n\n" + table(header, rows, "-" + ":" * len(loads))


# ---- backtest overlap ---------------------------------------------------------------------


def backtest_overlap(load_results: Callable[[str], Results]) -> str:
    overlap = load_results("backtest_overlap")
    by_rules = sorted(overlap["rules"].items(), key=lambda item: int(item[0]))
    rows = [
        [
            rules,
            n(case["flagged_declarations"]),
            n(case["hits"]),
            n(case["overlap_dense_seconds"], 2),
            n(case["overlap_sparse_seconds"], 3),
            f"{case['dense_over_sparse']:.1f}×",
            n(case["backtest_seconds"], 2),
            "yes" if case["equal"] else "**no**",
        ]
        for rules, case in by_rules
    ]
    header = [
        "rules", "flagged declarations", "hits", "dense product s", "sparse s",
        "dense ÷ sparse", "whole backtest s", "equal",
    ]  # fmt: skip
    first, last = by_rules[0][0], by_rules[-1][0]
    return "\n".join(
        [
            prose(
                f"On {n(overlap['declarations'])} generated declarations "
                f"({n(overlap['item_rows'])} item rows):"
            ),
            "",
            table(header, rows, "-::::::"),
            "",
            prose(
                f"From {first} to {last} rules ({overlap['rules_growth']:g}×) the dense "
                f"product grew {overlap['dense_seconds_growth']:g}×, the sparse one "
                f"{overlap['sparse_seconds_growth']:g}×."
            ),
        ]
    )


# ---- command start, matching speed, rules, model, soak ---------------------------------------

_CLI_TARGETS = {"riskd --help": 0.3, "riskd screen": 0.6}


def cli_start(load_results: Callable[[str], Results]) -> str:
    cli = load_results("cli")
    rows = []
    for command, figures in cli["commands"].items():
        wall = f"{figures['wall_median_s']:.3f} s"
        if command == "riskd screen":
            wall += f" (p90 {figures['wall_p90_s']:.3f} s)"
        goal = _CLI_TARGETS.get(command)
        target = "" if goal is None else f"≤ {goal} s — {met(figures['wall_median_s'] <= goal)}"
        label = f"`{command}`" + (" of one declaration" if command == "riskd screen" else "")
        rows.append([label, wall, f"{figures['cpu_median_s']:.3f} s", target])
    load_average = cli["load_average"]
    return "\n".join(
        [
            table(["command", "wall (median)", "CPU", "target (wall)"], rows),
            "",
            prose(
                f"{cli['runs']} runs each, at a load average of {load_average['before']:.1f} "
                f"before and {load_average['after']:.1f} after, on {cli['cores']} cores."
            ),
        ]
    )


def matching_speed(load_results: Callable[[str], Results]) -> str:
    matching = load_results("matching")
    brute, scale = matching["vs_brute_force_100k"], matching["scale_1m"]
    rows = [
        [
            "brute force as the target names it, `extractOne(text, all_marks, scorer=fuzz.WRatio)`",
            f"{n(brute['brute_force_without_cutoff_ms_per_item'], 1)} ms per item",
            "",
        ],
        [
            f"brute force given the threshold, `score_cutoff={brute['threshold']:g}`",
            f"{n(brute['brute_force_ms_per_item'], 1)} ms per item",
            "",
        ],
        [
            "matcher per item",
            f"{brute['matcher_ms_per_item']:.3f} ms "
            f"({brute['matcher_cpu_ms_per_item']:.3f} ms CPU)",
            "",
        ],
        [
            "speed-up against the target's call",
            f"**{n(brute['speedup_without_cutoff'])}×**",
            f"≥ 500× — {met(brute['speedup_without_cutoff'] >= 500)}",
        ],
        [
            "speed-up against brute force with `score_cutoff`",
            f"**{n(brute['speedup'])}×**",
            f"(≥ 500×) — {met(brute['speedup'] >= 500)}",
        ],
        [
            f"of what brute force finds above {brute['threshold']:g}, listed by the matcher",
            f"{brute['matcher_lists_of_those']} of {brute['brute_force_finds']} "
            f"({pct(brute['agreement'])})",
            "",
        ],
        [
            f"{n(scale['marks'])} marks: index build",
            f"{scale['index_build_seconds']:.1f} s",
            f"≤ 60 s — {met(scale['index_build_seconds'] <= 60)}",
        ],
        [
            f"{n(scale['marks'])} marks: resident memory (peak)",
            f"{scale['peak_rss_gib']:.2f} GiB",
            f"≤ 2 GiB — {met(scale['peak_rss_gib'] <= 2)}",
        ],
        [
            f"{n(scale['marks'])} marks: p99 per item",
            f"{scale['p99_ms']:.2f} ms",
            f"≤ 2 ms — {met(scale['p99_ms'] <= 2)}",
        ],
    ]
    rows += long_description_rows(brute, scale)
    caption = prose(
        f"{n(brute['marks'])} generated marks, {n(brute['items'])} declared items "
        f"(brute force on {n(brute['brute_force_items'])} of them):"
    )
    return caption + "\n\n" + table(["", "figure", "target"], rows)


LONG_TARGET_MS = {"100_words": 3.0, "4_kib": 10.0}  # CPU per description at 1,000,000 marks
_LONG_LABEL = {"100_words": "a 100-word description", "4_kib": "a 4 KiB description"}


def long_description_rows(small: Results, large: Results) -> list[list[str]]:
    """Long descriptions of goods words at both register sizes: the cost per word stays."""
    rows = []
    for key, label in _LONG_LABEL.items():
        if key not in small.get("long_descriptions", {}):
            continue
        few, many = small["long_descriptions"][key], large["long_descriptions"][key]
        goal = LONG_TARGET_MS[key]
        rows.append(
            [
                f"{label} ({few['words']:g} words of HS texts), CPU p50 / p90: "
                f"{n(small['marks'])} → {n(large['marks'])} marks",
                f"{few['cpu_p50_ms']:.2f} / {few['cpu_p90_ms']:.2f} ms → "
                f"{many['cpu_p50_ms']:.2f} / {many['cpu_p90_ms']:.2f} ms "
                f"({few['cpu_ms_per_word'] * 1000:.0f} → {many['cpu_ms_per_word'] * 1000:.0f} µs "
                "per word)",
                f"≤ {goal:g} ms at {n(large['marks'])} — p50 {met(many['cpu_p50_ms'] <= goal)}, "
                f"p90 {met(many['cpu_p90_ms'] <= goal)}",
            ]
        )
    return rows


def rules_speed(load_results: Callable[[str], Results]) -> str:
    rules = load_results("rules")
    rows = [
        [
            "full backtest (hits, precision, recall, overlap, office load)",
            f"{rules['backtest_seconds']:.1f} s",
            f"≤ {rules['backtest_target_seconds']:g} s — {met(rules['backtest_within_target'])}",
        ],
        [
            "polars evaluation alone",
            f"{rules['polars_evaluate_seconds']:.1f} s "
            f"({n(rules['polars_declarations_per_second'])} declarations/s)",
            "",
        ],
        ["serving evaluator", f"{n(rules['serving_declarations_per_second'])} declarations/s", ""],
        [
            f"speed-up on the same {n(rules['serving_sample_declarations'])} declarations",
            f"{rules['speedup_same_sample']:.0f}×",
            f"≥ {rules['speedup_target']:g}× — "
            f"{met(rules['speedup_same_sample'] >= rules['speedup_target'])}",
        ],
        [
            "speed-up, the whole polars run against the serving rate",
            f"{rules['speedup_vs_serving_evaluator']:.0f}×",
            "",
        ],
    ]
    caption = prose(
        f"{n(rules['declarations'])} declarations ({n(rules['item_rows'])} item rows) × "
        f"{rules['rules']} rules ({rules['rules_with_hits']} with hits); point-in-time history "
        f"features computed beforehand in {rules['history_features_seconds']:.1f} s, not "
        "counted:"
    )
    return caption + "\n\n" + table(["", "figure", "target"], rows)


def model_speed(load_results: Callable[[str], Results]) -> str:
    model, training, dask = (
        load_results("model"),
        load_results("training"),
        load_results("training_dask"),
    )
    score, features = model["score"], model["features_with_sqlite_profiles"]
    rows = [
        [
            f"scoring one declaration with its contributions ({model['model_trees']} trees, "
            f"{model['model_features']} features)",
            f"p50 {score['p50_ms']:.3f} ms, p99 {score['p99_ms']:.3f} ms "
            f"(thread CPU p99 {model['score_thread_cpu']['p99_ms']:.3f} ms)",
            f"p99 ≤ {model['target_p99_ms']:g} ms — {met(model['within_target'])}",
        ],
        [
            "serving features with SQLite entity profiles",
            f"p50 {features['p50_ms']:.2f} ms, p99 {features['p99_ms']:.2f} ms",
            "",
        ],
        [
            "recording one declaration's profile updates",
            f"{model['record_declaration_ms']:.2f} ms",
            "",
        ],
        [
            f"training on {n(training['rows'])} fixture rows, features included",
            f"{training['features_and_fit_seconds']:.1f} s (features "
            f"{training['features_seconds']:.1f} s, fit {training['fit_seconds']:.1f} s, "
            f"{training['trees']} trees)",
            f"≤ {training['target_seconds']:g} s — {met(training['within_target'])}",
        ],
        [
            f"the same through `lightgbm.dask` on a LocalCluster ({dask['workers']} workers)",
            f"fit {dask['dask_fit_seconds_with_cluster_start']:.1f} s with the cluster's start "
            f"({dask['rounds_built']} rounds built, {dask['trees_kept']} kept)",
            "",
        ],
    ]
    return table(["", "figure", "target"], rows)


def soak(load_results: Callable[[str], Results]) -> str:
    result = load_results("soak")
    calls = sum(result["calls"].values())
    reloads = ", ".join(f"{count} {what}" for what, count in sorted(result["reloads"].items()))
    return prose(
        f"{result['clients']} clients calling `Screen` for {result['seconds']:g} s: "
        f"{n(calls)} calls, {n(result['failed_calls'])} failed; reloads: {reloads}; the server "
        f"exited with status {result['server_exit_code']}."
    )


def training_kcs(load_results: Callable[[str], Results]) -> str:
    kcs = load_results("training_kcs")
    model, baseline = kcs["model"], kcs["rules_baseline"]
    rates = list(model["precision_at"])
    rows = [
        ["precision", *[f"**{model['precision_at'][r]:.3f}**" for r in rates]],
        ["recall", *[f"{model['recall_at'][r]:.3f}" for r in rates]],
        ["share of fraud value caught", *[f"{model['value_share_at'][r]:.3f}" for r in rates]],
        [
            f"rules-only baseline ({baseline['score']}) precision",
            *[f"{baseline['precision_at'][r]:.3f}" for r in rates],
        ],
    ]
    header = ["inspection rate", *[f"{float(r) * 100:g} %" for r in rates]]
    goals = ", ".join(
        f"≥ {goal:g} at {float(rate) * 100:g} %"
        for rate, goal in kcs["targets_precision_at"].items()
    )
    return "\n".join(
        [
            prose(
                f"Measured on all {n(model['n'])} labelled declarations of the later period "
                f"({model['positives']:,} frauds), model trained on the earlier one with the "
                f"default settings ({kcs['trees']} trees; fit {kcs['fit_seconds']:g} s, "
                f"evaluation {kcs['evaluate_seconds']:g} s):"
            ),
            "",
            table(header, rows, "-::::"),
            "",
            prose(
                f"AUC {model['auc']:.3f} (baseline {baseline['auc']:.3f}), Brier "
                f"{model['brier']:.3f}. The targets ({goals}) are "
                f"{met(kcs['within_targets'])}."
            ),
        ]
    )


# ---- capacity (deployment.md) -------------------------------------------------------------


@dataclass(frozen=True)
class Service:
    """A day's traffic of a national customs service, and the planning margins."""

    declarations: int = 150_000
    declaration_items: float = 3.0
    parcels: int = 3_000_000
    parcel_items: float = 1.5
    peak_factor: float = 3.0
    utilisation: float = 0.7


@dataclass(frozen=True)
class Hosts:
    screen_share: float  # R_S / C_S: the share of one host the Screen calls take at peak
    batch_share: float  # R_B / C_B
    needed: int  # hosts, one spare included


def hosts(service: Service, screen_per_s: float, batch_per_s: float, items: float) -> Hosts:
    """The hosts a service needs by the formula of docs/deployment.md."""
    screen = service.peak_factor * service.declarations / 86_400
    batch = service.peak_factor * service.parcels / 86_400
    screen_share = screen * max(1.0, service.declaration_items / items) / screen_per_s
    batch_share = batch * max(1.0, service.parcel_items / items) / batch_per_s
    needed = math.ceil((screen_share + batch_share) / service.utilisation) + 1
    return Hosts(screen_share, batch_share, needed)


def capacity(load_results: Callable[[str], Results]) -> str:
    server = load_results("server")
    c_s = server["riskd"]["screen_32"]["declarations_per_second"]
    c_b = max(case["declarations_per_second"] for case in server["riskd_processes_2"].values())
    items = server["world"]["items_per_declaration"]
    base = Service()
    rows = []
    for parcels in (3_000_000, 12_000_000):
        plan = hosts(Service(parcels=parcels), c_s, c_b, items)
        load = (plan.screen_share + plan.batch_share) / base.utilisation
        rows.append(
            [
                n(base.declarations),
                n(parcels),
                f"{plan.screen_share:.3f}",
                f"{plan.batch_share:.3f}",
                f"ceil({load:.2f}) + 1 = **{plan.needed}**",
            ]
        )
    goal_screen = (
        SCREEN_GOAL["throughput_over_echo"]
        * (server["echo"]["screen_32"]["declarations_per_second"])
    )
    at_goal = hosts(Service(parcels=12_000_000), goal_screen, BATCH_GOAL_PER_S, items)
    at_goal_load = (at_goal.screen_share + at_goal.batch_share) / base.utilisation
    return "\n".join(
        [
            prose(
                f"Per two-core host, from `bench/results/server.json`: `C_S` = {n(c_s)} "
                "declarations/s (`Screen`, 32 concurrent, one process), `C_B` = "
                f"{n(c_b)} declarations/s (`ScreenBatch` of 100, `--processes 2`), "
                f"`ī` = {items:g}. With `i_D` = {base.declaration_items:g} items per "
                f"declaration, `i_P` = {base.parcel_items:g} per parcel, a peak factor "
                f"`f` = {base.peak_factor:g} and `u` = {base.utilisation:g}:"
            ),
            "",
            table(
                ["declarations a day", "parcels a day", "R_S / C_S", "R_B / C_B", "hosts"],
                rows,
                "-::::",
            ),
            "",
            prose(
                "At the goals of the throughput work (`Screen` ≥ 0.6 of echo, here "
                f"{n(goal_screen)}/s; `ScreenBatch` ≥ {n(BATCH_GOAL_PER_S)}/s), the "
                f"12,000,000-parcel service would need ceil({at_goal_load:.3f}) + 1 = "
                f"**{at_goal.needed}** hosts."
            ),
        ]
    )


# ---- matching quality (make eval-matching) --------------------------------------------------


def matching_quality(load_results: Callable[[str], Results]) -> str:
    from bench.matching_quality import render

    return render(load_results("matching_quality"))


def matching_real(load_results: Callable[[str], Results]) -> str:
    from bench.matching_real import render_real

    return render_real(load_results("matching_real"))


RENDERERS: dict[str, Callable[[Callable[[str], Results]], str]] = {
    "server": server_figures,
    "server-summary": serving_summary,
    "server-profile": server_profile,
    "backtest-overlap": backtest_overlap,
    "cli": cli_start,
    "matching-speed": matching_speed,
    "rules-speed": rules_speed,
    "model-speed": model_speed,
    "soak": soak,
    "capacity": capacity,
    "training-kcs": training_kcs,
    "matching-quality": matching_quality,
    "matching-real": matching_real,
}


@dataclass(frozen=True)
class Stale:
    """A figure block whose text differs from its rendering, or cannot be rendered."""

    path: Path
    line: int
    name: str
    why: str

    def __str__(self) -> str:
        return f"{shown(self.path)}:{self.line}: figures {self.name}: {self.why}"


def refresh(text: str, path: Path, results: Path = RESULTS) -> tuple[str, list[Stale]]:
    """The document with every figure block rendered anew, and the blocks that changed or
    could not be rendered (left as they were)."""
    stale: list[Stale] = []

    def rendered(block: re.Match[str]) -> str:
        name = block["name"]
        line = text.count("\n", 0, block.start()) + 1
        renderer = RENDERERS.get(name)
        if renderer is None:
            stale.append(Stale(path, line, name, f"no renderer; known: {', '.join(RENDERERS)}"))
            return block[0]
        try:
            body = renderer(lambda result: load(result, results)).rstrip("\n") + "\n"
        except MissingResults as error:
            stale.append(Stale(path, line, name, str(error)))
            return block[0]
        if body != block["body"]:
            stale.append(Stale(path, line, name, DIFFERS))
        return block["open"] + body + block["close"]

    return BLOCK.sub(rendered, text), stale


@click.command(context_settings={"help_option_names": ["-h", "--help"]})
@click.option("--check", is_flag=True, help="Change nothing; exit 1 if any block is stale.")
def main(check: bool) -> None:
    """Render the figure blocks of README.md and docs/*.md from bench/results/*.json."""
    problems: list[Stale] = []
    for path in DOCUMENTS:
        text = path.read_text(encoding="utf-8")
        new, stale = refresh(text, path)
        problems += stale
        if not check and new != text:
            path.write_text(new, encoding="utf-8")
    for problem in problems:
        if check or problem.why != DIFFERS:
            click.echo(str(problem), err=True)
    if check and problems:
        sys.exit(1)
    if not check:
        changed = sum(problem.why == DIFFERS for problem in problems)
        click.echo(f"{changed} figure blocks brought up to date")


if __name__ == "__main__":
    main()
