"""Statistics of decisions and outcomes, and early warning, per office, channel, right and sector.

Reads the store's decisions and outcomes into one polars frame (one row per decision),
then aggregates. Early warning compares each group's seizure rate in the latest period with its
own earlier periods and flags groups that rose well beyond their usual variation.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime

import polars as pl

from riskd.domain import OutcomeResult
from riskd.store.base import DecisionStore

# HS chapters of the priority sectors of IP enforcement.
SECTORS: dict[str, tuple[str, ...]] = {
    "FOOD_MEDICINE": ("02", "03", "04", "09", "16", "17", "18", "19", "20", "21", "22", "30"),
    "AGRICULTURE": ("06", "07", "08", "10", "12", "31"),
    "COSMETICS": ("33", "34"),
    "APPAREL_FOOTWEAR": ("42", "61", "62", "64", "65"),
    "MEDIA": ("49", "8523"),
    "HIGH_TECH": ("84", "85", "90"),
    "WATCHES_JEWELLERY": ("71", "91"),
    "TOYS": ("95",),
}


def sector_of(hs_code: str) -> str:
    for sector, prefixes in SECTORS.items():
        if any(hs_code.startswith(p) for p in prefixes):
            return sector
    return "OTHER"


def load_decisions(store: DecisionStore) -> pl.DataFrame:
    """One row per stored decision, with its latest outcome (if any) and the fields reports
    group by; read through the store interface, so either engine gives the same frame."""
    rows = []
    for decision in store.decisions():
        declaration, assessment = decision.declaration, decision.assessment
        latest = decision.outcomes[-1] if decision.outcomes else None
        seized = latest.seized_value if latest else None
        rights = sorted({m.recordation_id for m in assessment.matches() if m.raises_risk})
        first_hs = declaration.items[0].hs_code if declaration.items else ""
        rows.append(
            {
                "decision_id": assessment.decision_id,
                "decided_at": assessment.decided_at,
                "declared_at": declaration.declared_at,
                "customs_office": declaration.customs_office,
                "channel": declaration.transport_mode.value,
                "sector": sector_of(first_hs),
                "right": rights[0] if rights else None,
                "recommendation": assessment.recommendation.value,
                "lane": assessment.lane.value,
                "risk_score": assessment.risk_score,
                "random_selection": assessment.random_selection,
                "controlled": latest is not None,
                "seized": latest is not None and latest.result is OutcomeResult.SEIZED,
                "seized_value": seized.amount if seized else 0.0,
            }
        )
    schema: dict[str, pl.DataType | type[pl.DataType]] = {
        "decision_id": pl.String,
        "decided_at": pl.Datetime("us", "UTC"),
        "declared_at": pl.Datetime("us", "UTC"),
        "customs_office": pl.String,
        "channel": pl.String,
        "sector": pl.String,
        "right": pl.String,
        "recommendation": pl.String,
        "lane": pl.String,
        "risk_score": pl.Float64,
        "random_selection": pl.Boolean,
        "controlled": pl.Boolean,
        "seized": pl.Boolean,
        "seized_value": pl.Float64,
    }
    return pl.DataFrame(rows, schema=schema)


def summary_by(decisions: pl.DataFrame, key: str) -> pl.DataFrame:
    """Declarations, inspection rate, seizures and hit rate (seizures per control) per group."""
    inspected = pl.col("recommendation").is_in(["PHYSICAL_INSPECTION", "DETAIN", "DOCUMENT_CHECK"])
    return (
        decisions.filter(pl.col(key).is_not_null())
        .group_by(key)
        .agg(
            pl.len().alias("declarations"),
            inspected.mean().alias("inspection_rate"),
            pl.col("controlled").sum().alias("controls"),
            pl.col("seized").sum().alias("seizures"),
            pl.col("seized_value").sum().alias("seized_value"),
        )
        .with_columns(
            (pl.col("seizures") / pl.col("controls").clip(lower_bound=1)).alias("hit_rate")
        )
        .sort(["declarations", key], descending=[True, False])  # ties in a stable order
    )


@dataclass(frozen=True, slots=True)
class Warning:
    dimension: str
    group: str
    period: str
    seizure_rate: float
    baseline_rate: float
    z_score: float
    controls: int

    def render(self) -> str:
        return (
            f"{self.dimension} {self.group}: seizure rate {self.seizure_rate:.1%} in week "
            f"{self.period} against {self.baseline_rate:.1%} before (z = {self.z_score:.1f}, "
            f"{self.controls} controls)"
        )


def early_warnings(
    decisions: pl.DataFrame,
    dimensions: tuple[str, ...] = ("customs_office", "channel", "sector", "right"),
    *,
    z_threshold: float = 3.0,
    min_controls: int = 10,
) -> list[Warning]:
    """Groups whose seizure rate among controls in the latest week is far above their history.

    The baseline is the group's pooled rate over all earlier weeks; the z-score uses the binomial
    standard error of the latest week's rate under that baseline.
    """
    controlled = decisions.filter(pl.col("controlled")).with_columns(
        pl.col("declared_at").dt.truncate("1w").alias("week")
    )
    if controlled.is_empty():
        return []
    latest = controlled["week"].max()
    period = latest.date().isoformat() if isinstance(latest, datetime) else str(latest)
    warnings: list[Warning] = []
    for dimension in dimensions:
        per_group = (
            controlled.filter(pl.col(dimension).is_not_null())
            .group_by(dimension, pl.col("week") == latest)
            .agg(pl.len().alias("controls"), pl.col("seized").sum().alias("seizures"))
        )
        now = per_group.filter(pl.col("week"))
        before = per_group.filter(~pl.col("week"))
        joined = now.join(before, on=dimension, how="inner", suffix="_before")
        for row in joined.iter_rows(named=True):
            if row["controls"] < min_controls or row["controls_before"] < min_controls:
                continue
            baseline = row["seizures_before"] / row["controls_before"]
            rate = row["seizures"] / row["controls"]
            spread = math.sqrt(max(baseline * (1 - baseline), 1e-6) / row["controls"])
            z = (rate - baseline) / spread
            if z >= z_threshold:
                warnings.append(
                    Warning(
                        dimension=dimension,
                        group=str(row[dimension]),
                        period=period,
                        seizure_rate=rate,
                        baseline_rate=baseline,
                        z_score=z,
                        controls=int(row["controls"]),
                    )
                )
    return sorted(warnings, key=lambda w: (-w.z_score, w.dimension, w.group))
