"""Backtests: replay a history of declarations with known outcomes through a rule set.

The history (one row per item: the fixtures' `history.parquet`, or decisions exported from
the store) is prepared once into the backtest frame; every rule is one polars expression over
it, aggregated per declaration. From the hits and the outcomes come, per rule: hits, hit rate,
precision (seizures among the inspected hits), recall of all seizures, overlap with the other
rules, and the inspection load per office the rule set would cause against the policy's
capacity. With a baseline rule set on the same history: what the change catches and misses.

Precision and recall can only count what was inspected; the random compliance selection is
what keeps that sample honest, and the report shows its size.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path

import numpy as np
import polars as pl
import scipy.sparse

from riskd.domain import Recommendation
from riskd.history import read_history as history_table_file
from riskd.history import with_match_columns
from riskd.policy import Combine, Policy
from riskd.rules.ast import Leaf, Rule, walk
from riskd.rules.fields import FIELDS, Level
from riskd.rules.frame import prepare_frame
from riskd.rules.lists import WatchList
from riskd.rules.loader import RuleDirectory
from riskd.rules.polars_lower import (
    SharedConditions,
    contains_fields,
    lowered_column,
    rule_expr,
    shadow_expr,
    undocumented_fields,
)

Progress = Callable[[str], None]
OUTCOME_COLUMNS = ("inspected", "infringing", "random_selection")
MATCH_FIELDS = frozenset(f.name for f in FIELDS.values() if f.level is Level.MATCH)


def _quiet(_: str) -> None:
    return None


def read_history(path: Path) -> pl.DataFrame:
    """A history file (Parquet or CSV), read and checked by `riskd.history.read_history`."""
    return history_table_file(path)


def fields_used(rules: Sequence[Rule]) -> set[str]:
    return {n.field for r in rules for n in walk(r.when) if isinstance(n, Leaf)}


def add_history_features(history: pl.DataFrame, needed: set[str]) -> pl.DataFrame:
    """Point-in-time profile features (`riskd.features`), where the history lacks them."""
    missing = sorted(n for n in needed if n not in history.columns)
    if not missing:
        return history
    from riskd.features.frame import history_features

    features = history_features(history).select("declaration_id", *missing)
    return history.join(features, on="declaration_id", how="left")


def add_matches(history: pl.DataFrame, register_path: Path, progress: Progress) -> pl.DataFrame:
    """Match columns computed by the serving matcher over the history's items, by the one
    pass of `riskd.history` (slow; optional: histories exported from the store carry them)."""
    from riskd.matching import build_matcher
    from riskd.register.load import load_register

    matcher = build_matcher(load_register(register_path))
    return with_match_columns(history, matcher.match_item, progress=lambda _: progress("matching"))


def _grouped_by_declaration(frame: pl.DataFrame) -> pl.DataFrame:
    """The frame with an integer key `_declaration` per declaration (cheaper to group by than
    the id), its rows made contiguous per declaration if they were not."""
    key = frame["declaration_id"].rle_id()
    if frame.height and key[-1] + 1 != frame["declaration_id"].n_unique():
        frame = frame.sort("declaration_id", "line_no", maintain_order=True)
        key = frame["declaration_id"].rle_id()
    return frame.with_columns(key.alias("_declaration"))


def evaluate_frame(
    prepared: pl.LazyFrame, rules: Sequence[Rule], lists: Mapping[str, WatchList]
) -> pl.DataFrame:
    """One row per declaration: office, mode, day, outcomes, and a boolean column `r{i}`
    per rule (fired on any item) and `s{i}` (in shadow mode that day)."""
    frame = _grouped_by_declaration(
        prepared.with_columns(
            pl.col(name).str.to_lowercase().alias(lowered_column(name))
            for name in sorted(contains_fields(rules))
        ).collect()
    )
    names = frame.columns
    outcomes = [pl.col(c).fill_null(False).any().alias(c) for c in OUTCOME_COLUMNS if c in names]
    shared = SharedConditions()
    per_item = [rule_expr(r, lists, shared).alias(f"r{i}") for i, r in enumerate(rules)]
    per_declaration = (
        frame.lazy()
        .with_columns(shared.exprs())
        .select(
            "_declaration",
            "declaration_id",
            "customs_office",
            "transport_mode",
            "declared_date",
            *(c for c in OUTCOME_COLUMNS if c in names),
            *per_item,
        )
        .group_by("_declaration", maintain_order=True)
        .agg(
            pl.col("declaration_id", "customs_office", "transport_mode", "declared_date").first(),
            *outcomes,
            *(pl.col(f"r{i}").any() for i in range(len(rules))),
        )
        .drop("_declaration")
        .with_columns(shadow_expr(r).alias(f"s{i}") for i, r in enumerate(rules))
    )
    return per_declaration.collect()


def rules_recommendation(hits: pl.DataFrame, rules: Sequence[Rule], policy: Policy) -> pl.Expr:
    """Severity (0 release .. 3 detain) the live hits alone give under the policy."""
    live = [pl.col(f"r{i}") & ~pl.col(f"s{i}") for i in range(len(rules))]
    severities = [
        pl.when(h).then(r.action.severity if r.action else 0).otherwise(0)
        for h, r in zip(live, rules, strict=True)
    ]
    components = [
        pl.when(h).then(policy.rule_weight * r.score).otherwise(0.0)
        for h, r in zip(live, rules, strict=True)
    ]
    if not rules:
        return pl.lit(0)
    if policy.combine is Combine.NOISY_OR:
        keep = pl.lit(1.0)
        for c in components:
            keep = keep * (1.0 - c.clip(0.0, 1.0))
        risk = 1.0 - keep
    else:
        risk = pl.max_horizontal(components).clip(0.0, 1.0)
    from_risk = (
        pl.when(risk >= (policy.detain_from if policy.detain_from is not None else 2.0))
        .then(3)
        .when(risk >= policy.inspection_from)
        .then(2)
        .when(risk >= policy.document_check_from)
        .then(1)
        .otherwise(0)
    )
    return pl.max_horizontal([*severities, from_risk])


@dataclass(frozen=True, slots=True)
class RuleStats:
    rule_id: str
    title: str
    shadow: bool
    hits: int
    hit_rate: float
    inspected_hits: int
    seizures: int
    precision: float | None
    recall: float | None
    unique_hits: int
    max_overlap_rule: str
    max_overlap: float  # share of this rule's hits also hit by that other rule


@dataclass(frozen=True, slots=True)
class OfficeLoad:
    office: str
    declarations: int
    flagged: int  # hit by at least one live rule
    inspections: int  # rules alone send to physical inspection or detention
    inspection_rate: float
    capacity: float | None

    @property
    def over_capacity(self) -> bool:
        return self.capacity is not None and self.inspection_rate > self.capacity


@dataclass(frozen=True, slots=True)
class Comparison:
    """The candidate rule set against the baseline, on the same declarations."""

    flagged_candidate: int
    flagged_baseline: int
    seizures_caught_only_by_candidate: int
    seizures_caught_only_by_baseline: int
    flagged_only_by_candidate: int
    flagged_only_by_baseline: int
    rules_added: tuple[str, ...]
    rules_removed: tuple[str, ...]
    rules_changed: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class BacktestResult:
    version: str
    declarations: int
    inspected: int
    seizures: int
    random_inspected: int
    rules: tuple[RuleStats, ...]
    offices: tuple[OfficeLoad, ...]
    overlap: tuple[tuple[float, ...], ...]  # [i][j]: share of rule i's hits also hit by j
    office_hits: tuple[tuple[int, ...], ...] = ()  # [i][k]: hits of rule i at office k
    comparison: Comparison | None = None
    notes: tuple[str, ...] = ()


def rule_stats(
    hits: pl.DataFrame, rules: Sequence[Rule], today_shadow: Sequence[bool]
) -> tuple[list[RuleStats], list[list[float]]]:
    n = hits.height
    columns = [f"r{i}" for i in range(len(rules))]
    inspected = hits["inspected"] if "inspected" in hits.columns else pl.Series([False] * n)
    seized = hits["infringing"] if "infringing" in hits.columns else pl.Series([False] * n)
    total_seizures = int(seized.sum())
    counts = (
        hits.select(
            *(pl.col(c).sum().alias(f"h_{c}") for c in columns),
            *((pl.col(c) & inspected).sum().alias(f"i_{c}") for c in columns),
            *((pl.col(c) & seized).sum().alias(f"z_{c}") for c in columns),
        ).row(0, named=True)
        if columns
        else {}
    )
    matrix = _overlap_counts(hits, columns)
    stats = []
    overlap: list[list[float]] = []
    for i, (rule, column) in enumerate(zip(rules, columns, strict=True)):
        n_hits = int(counts[f"h_{column}"])
        n_inspected = int(counts[f"i_{column}"])
        n_seized = int(counts[f"z_{column}"])
        row = [matrix[i, j] / n_hits if n_hits else 0.0 for j in range(len(rules))]
        overlap.append(row)
        others = [(row[j], rules[j].id) for j in range(len(rules)) if j != i]
        best_share, best_id = max(others, default=(0.0, ""))
        stats.append(
            RuleStats(
                rule_id=rule.id,
                title=rule.title,
                shadow=today_shadow[i],
                hits=n_hits,
                hit_rate=n_hits / n if n else 0.0,
                inspected_hits=n_inspected,
                seizures=n_seized,
                precision=n_seized / n_inspected if n_inspected else None,
                recall=n_seized / total_seizures if total_seizures else None,
                unique_hits=int(matrix[i, len(rules)]) if len(rules) else 0,
                max_overlap_rule=best_id if best_share > 0 else "",
                max_overlap=best_share,
            )
        )
    return stats, overlap


def _overlap_counts(hits: pl.DataFrame, columns: list[str]) -> np.ndarray:
    """Co-hit counts [i][j], and in a last column the hits of i that no other rule has.

    Computed from the hits as a sparse declarations x rules matrix, so the cost follows the
    number of hits (and the co-hits within a declaration), not declarations x rules²: a dense
    integer matmul has no BLAS and took minutes at a few hundred rules."""
    k = len(columns)
    result = np.zeros((k, k + 1), dtype=np.int64)
    if not k:
        return result
    declaration_of_hit = [np.flatnonzero(hits[c].fill_null(False).to_numpy()) for c in columns]
    row = np.concatenate(declaration_of_hit)
    rule = np.repeat(np.arange(k), [len(d) for d in declaration_of_hit])
    matrix = scipy.sparse.csr_matrix(
        (np.ones(row.size, dtype=np.int64), (row, rule)), shape=(hits.height, k)
    )
    result[:, :k] = (matrix.T @ matrix).toarray()
    rules_per_declaration = np.bincount(row, minlength=hits.height)
    result[:, k] = np.bincount(rule[rules_per_declaration[row] == 1], minlength=k)
    return result


def office_loads(hits: pl.DataFrame, rules: Sequence[Rule], policy: Policy) -> list[OfficeLoad]:
    live = [pl.col(f"r{i}") & ~pl.col(f"s{i}") for i in range(len(rules))]
    flagged = pl.any_horizontal(live) if live else pl.lit(False)
    severity = rules_recommendation(hits, rules, policy)
    inspect = severity >= Recommendation.PHYSICAL_INSPECTION.severity
    table = (
        hits.with_columns(flagged.alias("_flagged"), inspect.alias("_inspect"))
        .group_by("customs_office")
        .agg(
            pl.len().alias("n"),
            pl.col("_flagged").sum().alias("f"),
            pl.col("_inspect").sum().alias("i"),
        )
        .sort("customs_office", nulls_last=True)
    )
    return [
        OfficeLoad(
            office=str(row["customs_office"]),
            declarations=int(row["n"]),
            flagged=int(row["f"]),
            inspections=int(row["i"]),
            inspection_rate=int(row["i"]) / int(row["n"]) if row["n"] else 0.0,
            capacity=policy.capacity_of(str(row["customs_office"])),
        )
        for row in table.iter_rows(named=True)
    ]


def office_hits(
    hits: pl.DataFrame, n_rules: int, offices: list[str]
) -> tuple[tuple[int, ...], ...]:
    """Hits of each rule at each office (in the order of `offices`)."""
    if not n_rules:
        return ()
    table = hits.group_by("customs_office").agg(pl.col(f"r{i}").sum() for i in range(n_rules))
    by_office = {str(row[0]): row[1:] for row in table.iter_rows()}
    return tuple(
        tuple(int(by_office.get(office, (0,) * n_rules)[i]) for office in offices)
        for i in range(n_rules)
    )


def _flags(hits: pl.DataFrame, n_rules: int) -> pl.Series:
    live = [pl.col(f"r{i}") & ~pl.col(f"s{i}") for i in range(n_rules)]
    if not live:
        return pl.Series("flag", [False] * hits.height)
    return hits.select(pl.any_horizontal(live).alias("flag"))["flag"]


def compare(
    candidate_hits: pl.DataFrame,
    candidate: Sequence[Rule],
    baseline_hits: pl.DataFrame,
    baseline: Sequence[Rule],
) -> Comparison:
    joined = candidate_hits.select(
        "declaration_id",
        _flags(candidate_hits, len(candidate)).alias("c"),
        *(c for c in ("infringing",) if c in candidate_hits.columns),
    ).join(
        baseline_hits.select("declaration_id", _flags(baseline_hits, len(baseline)).alias("b")),
        on="declaration_id",
    )
    seized = (
        joined["infringing"]
        if "infringing" in joined.columns
        else pl.Series([False] * joined.height)
    )
    c, b = joined["c"], joined["b"]
    old = {r.id: r.version for r in baseline}
    new = {r.id: r.version for r in candidate}
    return Comparison(
        flagged_candidate=int(c.sum()),
        flagged_baseline=int(b.sum()),
        seizures_caught_only_by_candidate=int((c & ~b & seized).sum()),
        seizures_caught_only_by_baseline=int((b & ~c & seized).sum()),
        flagged_only_by_candidate=int((c & ~b).sum()),
        flagged_only_by_baseline=int((b & ~c).sum()),
        rules_added=tuple(sorted(set(new) - set(old))),
        rules_removed=tuple(sorted(set(old) - set(new))),
        rules_changed=tuple(sorted(k for k in set(new) & set(old) if new[k] != old[k])),
    )


def run_backtest(
    directory: RuleDirectory,
    history: pl.DataFrame,
    *,
    baseline: RuleDirectory | None = None,
    progress: Progress = _quiet,
    today: date | None = None,
) -> tuple[BacktestResult, pl.DataFrame]:
    """The backtest of a compiled directory over a history; also returns the per-declaration
    hits (for further analysis). Hits count on each declaration's own day (validity, shadow
    trials, list entries); `today` only labels which rules are in shadow mode now."""
    notes = []
    rules = list(directory.rules)
    every_rule = rules + list(baseline.rules if baseline else [])
    used = fields_used(every_rule)
    absent_matches = sorted(
        f
        for f in used & MATCH_FIELDS
        if not (
            {"best_match_score", "match_score"} & set(history.columns)
            if f == "match_score"
            else f in history.columns
        )
    )
    if absent_matches:
        notes.append(
            f"the history has no column for {', '.join(absent_matches)}: conditions on "
            "matches never hold (give --register to compute matches)"
        )
    history_needed = {n for n in used if n in FIELDS and FIELDS[n].level is Level.HISTORY}
    if history_needed - set(history.columns):
        progress("history features")
        history = add_history_features(history, history_needed)
    progress("prepare")
    hits = _hits(directory, history)
    now = today or datetime.now(UTC).date()
    today_shadow = [r.in_shadow(now) for r in rules]
    progress("statistics")
    stats, overlap = rule_stats(hits, rules, today_shadow)
    offices = office_loads(hits, rules, directory.policy)
    comparison = None
    if baseline is not None:
        progress("baseline")
        base_hits = _hits(baseline, history)
        comparison = compare(hits, rules, base_hits, list(baseline.rules))
    inspected = int(hits["inspected"].sum()) if "inspected" in hits.columns else 0
    seizures = int(hits["infringing"].sum()) if "infringing" in hits.columns else 0
    random_inspected = (
        int((hits["random_selection"] & hits["inspected"]).sum())
        if {"random_selection", "inspected"} <= set(hits.columns)
        else 0
    )
    result = BacktestResult(
        version=directory.version,
        declarations=hits.height,
        inspected=inspected,
        seizures=seizures,
        random_inspected=random_inspected,
        rules=tuple(stats),
        offices=tuple(offices),
        overlap=tuple(tuple(r) for r in overlap),
        office_hits=office_hits(hits, len(rules), [o.office for o in offices]),
        comparison=comparison,
        notes=tuple(notes),
    )
    return result, hits


def _hits(directory: RuleDirectory, history: pl.DataFrame) -> pl.DataFrame:
    rules = list(directory.rules)
    prepared = prepare_frame(history, directory.rates_to_usd, undocumented_fields(rules))
    return evaluate_frame(prepared, rules, directory.lists)
