"""Training on Dask (`lightgbm.dask`) for tables that outgrow one machine's trainer.

The encoded table is split into one partition per worker and LightGBM trains across the
workers (its own network between them). `lightgbm.dask` has no early stopping, so the
trainer builds `max_rounds` trees and then keeps the prefix that scores best on the later
period, checked every `STOP_CHECK_EVERY` trees — early stopping after the fact. The result
is saved like any other model.

Here the cluster is a LocalCluster; give `--scheduler` an address to use a real one.
Features are still computed in one process (polars); at the scale where that is too slow,
compute them per time partition with the same functions and concatenate.
"""

from __future__ import annotations

from typing import Any

import dask.array as da
import lightgbm as lgb
import numpy as np
import numpy.typing as npt
from distributed import Client, LocalCluster

from training.dataset import TrainingTable
from training.fit import FitConfig, FitResult, Prepared, finish, labels_of, prepare
from training.metrics import selection_metrics

STOP_CHECK_EVERY = 25


def _best_prefix(prepared: Prepared, booster: lgb.Booster, rounds: int) -> int:
    """The number of trees whose later-period average precision proxy (precision at 5 %
    and AUC) is best."""
    matrix = prepared.encoder.encode_frame(prepared.split.valid)
    labels = labels_of(prepared.split.valid)
    best, best_key = rounds, (-1.0, -1.0)
    for n in range(STOP_CHECK_EVERY, rounds + 1, STOP_CHECK_EVERY):
        scores = np.asarray(booster.predict(matrix, num_iteration=n), dtype=np.float64)
        metrics = selection_metrics(labels, scores)
        key = (metrics.precision_at["0.05"], metrics.auc or 0.0)
        if key > best_key:
            best, best_key = n, key
    return best


def _categorical_present(
    matrix: npt.NDArray[np.float64], indices: list[int], chunk: int
) -> list[int]:
    """Categorical columns with a value in every partition. Distributed LightGBM fails on a
    categorical column that is all missing in a partition; such a column is passed as
    numeric instead (all missing either way, so the model is the same)."""
    parts = [matrix[start : start + chunk] for start in range(0, len(matrix), chunk)]
    return [i for i in indices if all(not np.isnan(part[:, i]).all() for part in parts)]


def fit_dask(
    table: TrainingTable,
    config: FitConfig,
    *,
    workers: int = 2,
    scheduler: str | None = None,
) -> FitResult:
    """Fits on a Dask cluster (a LocalCluster of `workers` processes unless `scheduler`)."""
    prepared = prepare(table, config)
    train = prepared.split.train
    matrix = prepared.encoder.encode_frame(train)
    labels = labels_of(train).astype(np.float64)
    chunk = max(1, -(-len(labels) // workers))
    categorical = _categorical_present(matrix, prepared.categorical_indices, chunk)
    params: dict[str, Any] = {
        k: v
        for k, v in config.lightgbm_params().items()
        if k not in ("metric", "first_metric_only", "num_threads", "deterministic")
    }
    cluster = None
    if scheduler is None:
        cluster = LocalCluster(  # type: ignore[no-untyped-call]
            n_workers=workers, threads_per_worker=1, processes=True, dashboard_address=":0"
        )
    try:
        with Client(scheduler or cluster) as client:  # type: ignore[no-untyped-call]
            model = lgb.DaskLGBMClassifier(client=client, n_estimators=config.max_rounds, **params)
            model.fit(
                da.from_array(matrix, chunks=(chunk, matrix.shape[1])),  # type: ignore[no-untyped-call]
                da.from_array(labels, chunks=(chunk,)),  # type: ignore[no-untyped-call]
                feature_name=list(prepared.encoder.names),
                categorical_feature=categorical,
            )
            booster: lgb.Booster = model.booster_
    finally:
        if cluster is not None:
            cluster.close()
    booster.best_iteration = _best_prefix(prepared, booster, booster.current_iteration())
    return finish(prepared, config, booster, trainer="lightgbm.dask")
