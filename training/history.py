"""Trademark-match features for history tables, by the serving matcher.

A history table (one row per item) written without matches carries no match results. To
train on it, `riskd.history.with_match_columns` rebuilds its declarations and runs them
through the same matcher the daemon uses, against a register given for the purpose; the
match features are then those serving would have computed with that register. Matching
today's register against older declarations is a mild look-ahead (a recordation filed later
may match); a recordation not yet in force on the declaration's date matches without raising
risk, as at serving.
"""

from __future__ import annotations

import sys

import polars as pl
from tqdm import tqdm

from riskd.history import with_match_columns
from riskd.matching import build_matcher
from riskd.register.model import Register


def with_match_features(
    history: pl.DataFrame, register: Register, *, progress: bool = False
) -> pl.DataFrame:
    """The history table with the match columns of each declaration on its item rows."""
    matcher = build_matcher(register)
    n = history["declaration_id"].n_unique()
    bar = tqdm(total=n, desc="matching", unit="decl", file=sys.stderr, disable=not progress)
    with bar:
        return with_match_columns(history, matcher.match_item, progress=bar.update)
