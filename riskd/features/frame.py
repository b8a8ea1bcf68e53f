"""The same features over a whole history table, point-in-time, with polars.

Input: the history table of `riskd.history`, one row per item (the fixtures'
`history.parquet` and the training datasets; optional columns may be absent). Item-level
profiles count each item with its declaration's label, as serving does. Output: one row per
declaration with every feature of `FEATURE_NAMES` plus the label columns. Each profile's
counts come from as-of joins on time against cumulative sums per key, excluding the
declaration's own timestamp, so a row only sees what was known before it: the leakage test
in tests/features checks exactly that.
"""

from __future__ import annotations

from collections.abc import Sequence

import polars as pl

from riskd.features.profiles import (
    KEY_SEPARATOR,
    PROFILES,
    ProfileSpec,
    prior_rate,
    profile_feature_names,
    smoothed_rate,
)
from riskd.history import DECLARATION_MATCH_COLUMNS, FULL_SCHEMA
from riskd.history import REQUIRED_COLUMNS as REQUIRED_HISTORY_COLUMNS

# Columns the history table must have; the rest of the contract is optional.
REQUIRED_COLUMNS: tuple[str, ...] = REQUIRED_HISTORY_COLUMNS

_DECLARATION_COLUMNS = (
    "direction",
    "customs_office",
    "transport_mode",
    "procedure",
    "declarant_id",
    "importer_id",
    "exporter_id",
    "consignee_id",
    "origin_country",
    "departure_country",
)

# Optional columns the features read, with their type in `riskd.history` (else all missing).
OPTIONAL_COLUMNS: dict[str, pl.DataType] = {
    name: FULL_SCHEMA[name]
    for name in (
        *_DECLARATION_COLUMNS,
        "line_no",
        "quantity",
        "net_mass_kg",
        "value_usd",
        "item_origin_country",
        "inspected",
        "random_selection",
        "infringing",
        "known_at",
        "first_known_at",
        "first_infringing",
        *DECLARATION_MATCH_COLUMNS,
        "n_rule_hits",
        "max_rule_score",
    )
}

_STRING_KEYS = (
    "customs_office",
    "transport_mode",
    "declarant_id",
    "importer_id",
    "exporter_id",
    "consignee_id",
    "origin_country",
    "departure_country",
)
_MATCH_COLUMNS = (
    "best_match_method",
    "best_match_score",
    "n_risky_matches",
    "best_match_class_fit",
    "best_match_authorised",
    "n_rule_hits",
    "max_rule_score",
)


def _key_part(column: str) -> pl.Expr:
    """Same as `profiles.key_part`: trimmed, and missing when empty."""
    trimmed = pl.col(column).cast(pl.String).str.strip_chars()
    return pl.when(trimmed == "").then(None).otherwise(trimmed).alias(column)


def _naive_utc(frame: pl.DataFrame, column: str) -> pl.Expr:
    """A timestamp column in UTC without zone (time-zone-aware input is converted)."""
    dtype = frame.schema[column]
    expr = pl.col(column)
    if isinstance(dtype, pl.Datetime) and dtype.time_zone is not None:
        expr = expr.dt.convert_time_zone("UTC").dt.replace_time_zone(None)
    elif dtype == pl.String:
        expr = expr.str.to_datetime(time_unit="us")
    return expr.cast(pl.Datetime("us")).alias(column)


def prepare_items(history: pl.DataFrame) -> pl.DataFrame:
    """Normalises the history table: types, key fields, `hs6`, `item_origin`, unit value."""
    missing = [c for c in REQUIRED_COLUMNS if c not in history.columns]
    if missing:
        raise ValueError(f"history table lacks required columns: {', '.join(missing)}")
    frame = history.with_columns(
        pl.lit(None, dtype=dtype).alias(name)
        for name, dtype in OPTIONAL_COLUMNS.items()
        if name not in history.columns
    )
    frame = frame.with_columns(
        pl.col("declaration_id").cast(pl.String),
        _naive_utc(frame, "declared_at"),
        _naive_utc(frame, "known_at"),
        _naive_utc(frame, "first_known_at"),
        *(
            pl.col(name).cast(dtype)
            for name, dtype in OPTIONAL_COLUMNS.items()
            if name not in ("known_at", "first_known_at")
        ),
    )
    frame = frame.with_columns(*(_key_part(c) for c in _STRING_KEYS))
    hs6 = pl.col("hs_code").cast(pl.String).str.replace_all(r"\D", "").str.slice(0, 6)
    luv = (pl.col("value_usd") / pl.col("net_mass_kg")).log()
    positive = (pl.col("value_usd") > 0) & (pl.col("net_mass_kg") > 0)
    return frame.with_columns(
        pl.when(hs6 == "").then(None).otherwise(hs6).alias("hs6"),
        pl.coalesce(_key_part("item_origin_country"), pl.col("origin_country")).alias(
            "item_origin"
        ),
        pl.when(positive & luv.is_finite()).then(luv).otherwise(None).alias("log_unit_value"),
        pl.col("known_at").fill_null(pl.col("declared_at")),
        pl.coalesce("first_known_at", "known_at", "declared_at").alias("first_known_at"),
        pl.coalesce("first_infringing", "infringing").alias("first_infringing"),
        pl.col("inspected").fill_null(pl.col("infringing").is_not_null()),
        pl.col("random_selection").fill_null(False),
        pl.col("line_no").fill_null(pl.int_range(pl.len()).over("declaration_id") + 1),
    )


def _declaration_label(column: str) -> pl.Expr:
    """A declaration's label from its items': seized if any was, null if none is known."""
    return pl.when(pl.col(column).is_not_null().any()).then(pl.col(column).any()).otherwise(None)


def _declarations(items: pl.DataFrame, extra_columns: Sequence[str]) -> pl.DataFrame:
    """One row per declaration: its fields, goods aggregates and label."""
    lead = (
        items.sort(
            ["declaration_id", "value_usd", "line_no"],
            descending=[False, True, False],
            nulls_last=True,
        )
        .group_by("declaration_id", maintain_order=True)
        .first()
    )
    aggregates = items.group_by("declaration_id").agg(
        pl.len().cast(pl.Float64).alias("n_items"),
        pl.col("value_usd").sum().alias("total_value_usd"),
        pl.col("value_usd").max().alias("max_item_value_usd"),
        pl.col("value_usd").is_not_null().any().alias("_any_value"),
        pl.col("net_mass_kg").fill_null(0.0).sum().alias("total_mass_kg"),
        pl.col("quantity").fill_null(0.0).sum().alias("total_quantity"),
        pl.col("inspected").any().alias("inspected"),
        pl.col("random_selection").any().alias("random_selection"),
        _declaration_label("_label").alias("infringing"),
        pl.col("known_at").max().alias("known_at"),
        _declaration_label("_first_label").alias("_first_label"),
        pl.col("first_known_at").min().alias("first_known_at"),
    )
    lead_columns = [
        "declaration_id",
        "declared_at",
        *_DECLARATION_COLUMNS,
        *_MATCH_COLUMNS,
        *extra_columns,
        pl.col("hs6").str.slice(0, 2).alias("hs_chapter"),
        pl.col("hs6").str.slice(0, 4).alias("hs_heading"),
        "log_unit_value",
    ]
    return (
        lead.select(lead_columns)
        .join(aggregates, on="declaration_id")
        .with_columns(
            pl.when(pl.col("_any_value")).then(pl.col("total_value_usd")).otherwise(None),
        )
        .drop("_any_value")
    )


def _key_expr(fields: Sequence[str]) -> pl.Expr:
    return pl.concat_str([pl.col(f) for f in fields], separator=KEY_SEPARATOR, ignore_nulls=False)


def _point_in_time(
    query: pl.DataFrame, events: pl.DataFrame, value_columns: Sequence[str]
) -> pl.DataFrame:
    """For each query row (`_row`, `_k`, `_t`): the sums of the events of its key before `_t`."""
    cumulative = (
        events.filter(pl.col("_k").is_not_null())
        .group_by("_k", "_t")
        .agg(pl.col(c).sum() for c in value_columns)
        .sort("_k", "_t")
        .with_columns(pl.col(c).cum_sum().over("_k") for c in value_columns)
        .sort("_t")
    )
    joined = query.sort("_t").join_asof(
        cumulative, on="_t", by="_k", allow_exact_matches=False, check_sortedness=False
    )
    applies = pl.col("_k").is_not_null()
    return joined.select(
        "_row",
        *(pl.when(applies).then(pl.col(c).fill_null(0.0)).alias(c) for c in value_columns),
    )


def _profile_counts(rows: pl.DataFrame, fields: Sequence[str], unit_values: bool) -> pl.DataFrame:
    """declarations, inspections, seizures (and unit-value sums) per row of `rows`, as known."""
    keyed = rows.with_columns(_key_expr(fields).alias("_k"))
    declared = keyed.select(
        "_k",
        pl.col("declared_at").alias("_t"),
        pl.lit(1.0).alias("declarations"),
        pl.col("log_unit_value").fill_null(0.0).alias("luv_sum"),
        pl.col("log_unit_value").is_not_null().cast(pl.Float64).alias("luv_n"),
    )
    # a control counts from its first outcome; a later correction moves only the seizure
    # count, at its own time (as the store's profiles do)
    labelled = keyed.filter(pl.col("_label").is_not_null())
    first_label = pl.coalesce("_first_label", "_label").cast(pl.Float64)
    known = pl.concat(
        [
            labelled.select(
                "_k",
                pl.col("first_known_at").alias("_t"),
                pl.lit(1.0).alias("inspections"),
                first_label.alias("seizures"),
            ),
            labelled.select(
                "_k",
                pl.col("known_at").alias("_t"),
                pl.lit(0.0).alias("inspections"),
                (pl.col("_label").cast(pl.Float64) - first_label).alias("seizures"),
            ),
        ]
    )
    query = keyed.select("_row", "_k", pl.col("declared_at").alias("_t"))
    declared_columns = ["declarations", "luv_sum", "luv_n"] if unit_values else ["declarations"]
    counts = _point_in_time(query, declared, declared_columns)
    outcomes = _point_in_time(query, known, ["inspections", "seizures"])
    return counts.join(outcomes, on="_row").sort("_row")


def _profile_features(spec: ProfileSpec, counts: pl.DataFrame, prior: pl.Series) -> list[pl.Series]:
    names = profile_feature_names(spec)
    rate = smoothed_rate(pl.col("seizures"), pl.col("inspections"), pl.lit(prior))
    out = counts.select(
        pl.col("declarations").alias(names[0]),
        pl.col("inspections").alias(names[1]),
        rate.alias(names[2]),
    )
    return out.get_columns()


def history_features(
    history: pl.DataFrame,
    extra_columns: Sequence[str] = (),
    extra_profiles: Sequence[ProfileSpec] = (),
) -> pl.DataFrame:
    """One row per declaration: features (point-in-time) and `label`, `inspected`,
    `random_selection`, `declared_at`, `known_at`. `extra_columns` are carried over from the
    declaration's lead item; `extra_profiles` add profiles over such columns."""
    items = prepare_items(history)
    items = items.with_columns(
        pl.when(pl.col("inspected")).then(pl.col("infringing")).otherwise(None).alias("_label"),
        pl.when(pl.col("inspected"))
        .then(pl.col("first_infringing"))
        .otherwise(None)
        .alias("_first_label"),
    )
    profile_fields = [f for p in extra_profiles if p.level == "declaration" for f in p.fields]
    carried = [
        c for c in dict.fromkeys([*extra_columns, *profile_fields]) if c not in _DECLARATION_COLUMNS
    ]
    declarations = _declarations(items, carried)
    declarations = (
        declarations.sort("declared_at", "declaration_id")
        .with_row_index("_row")
        .with_columns(pl.col("infringing").alias("_label"), pl.lit("all").alias("_overall"))
    )
    # items in declaration order, each knowing its declaration's row; an outcome is
    # recorded per declaration, so each item carries its declaration's label and time, as
    # serving counts them (`outcome_increments`), however fine the table's own labels are
    items = (
        items.drop("_label", "known_at", "_first_label", "first_known_at")
        .join(
            declarations.select(
                "declaration_id",
                pl.col("_row").alias("_drow"),
                "_label",
                "known_at",
                "_first_label",
                "first_known_at",
            ),
            on="declaration_id",
        )
        .sort("_drow", "line_no")
        .with_row_index("_row")
    )

    overall = _profile_counts(declarations, ["_overall"], unit_values=False)
    prior_decl = overall.select(prior_rate(pl.col("seizures"), pl.col("inspections"))).to_series()
    prior_item = prior_decl.gather(items["_drow"])

    columns: list[pl.Series] = []
    item_columns: list[pl.Series] = []
    unit_gap: pl.Series | None = None
    for spec in (*PROFILES, *extra_profiles):
        if spec.level == "declaration":
            counts = _profile_counts(declarations, spec.fields, unit_values=False)
            columns += _profile_features(spec, counts, prior_decl)
        else:
            counts = _profile_counts(items, spec.fields, unit_values=spec.name == "commodity")
            item_columns += _profile_features(spec, counts, prior_item)
            if spec.name == "commodity":
                unit_gap = (
                    counts.join(items.select("_row", "log_unit_value"), on="_row")
                    .sort("_row")
                    .select(
                        pl.when(pl.col("luv_n") > 0)
                        .then(pl.col("log_unit_value") - pl.col("luv_sum") / pl.col("luv_n"))
                        .alias("_unit_gap")
                    )
                    .to_series()
                )

    per_item = items.select("declaration_id").with_columns(item_columns)
    if unit_gap is not None:
        per_item = per_item.with_columns(unit_gap)
    item_agg = per_item.group_by("declaration_id").agg(
        *(pl.col(s.name).max() for s in item_columns),
        *(
            [pl.col("_unit_gap").min().alias("unit_value_vs_typical")]
            if unit_gap is not None
            else []
        ),
    )
    result = (
        declarations.with_columns(columns)
        .join(item_agg, on="declaration_id", how="left")
        .sort("_row")
        .drop("_row", "_overall", "_label")
        .rename({"infringing": "label"})
    )
    return result
