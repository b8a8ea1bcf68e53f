"""Seeds the serving store's entity profiles from a history table.

A new deployment (or the demo) starts with an empty store, so its history features would all
read zero while the model was trained on real histories. Seeding counts every declaration of
the history and every outcome it records, exactly as serving would have counted them.
"""

from __future__ import annotations

import sys
from itertools import islice

import polars as pl
from tqdm import tqdm

from riskd.history import declarations_of, outcomes_of
from riskd.store.profiles import ProfileStore

BATCH = 1000


def seed_profiles(history: pl.DataFrame, profiles: ProfileStore, *, progress: bool = False) -> int:
    """Count the history's declarations and outcomes into the profiles; the declarations read."""
    results = outcomes_of(history)
    ordered = history.sort("declared_at", maintain_order=True)
    total = history["declaration_id"].n_unique()
    declarations = declarations_of(ordered)
    seen = 0
    with tqdm(
        total=total, desc="profiles", unit="decl", file=sys.stderr, disable=not progress
    ) as bar:
        while batch := list(islice(declarations, BATCH)):
            profiles.record_declarations(batch)
            for declaration in batch:
                result = results.get(declaration.declaration_id)
                if result is not None:
                    profiles.record_outcome(
                        f"history:{declaration.declaration_id}", declaration, result
                    )
            seen += len(batch)
            bar.update(len(batch))
    return seen
