"""Per-declaration contributions through LightGBM's single-row fast path.

`Booster.predict` re-validates its input and re-parses parameters on every call, which costs
more than the trees themselves for one row. LightGBM's C API has a prepared single-row
predictor for exactly this (`LGBM_BoosterPredictForMatSingleRowFast*`); a prepared handle is
not safe to share between threads, so each serving thread gets its own, freed with the model.
"""

from __future__ import annotations

import ctypes
import threading
import weakref

import lightgbm as lgb
import numpy as np
import numpy.typing as npt
from lightgbm.basic import _LIB, _c_str, _safe_call  # type: ignore[attr-defined]

_PREDICT_CONTRIB = 3  # C_API_PREDICT_CONTRIB
_DTYPE_FLOAT64 = 1  # C_API_DTYPE_FLOAT64


def _free_all(handles: list[ctypes.c_void_p]) -> None:
    for handle in handles:
        _LIB.LGBM_FastConfigFree(handle)
    handles.clear()


class SingleRowContributions:
    """Feature contributions (and the bias, last) of one encoded row, in log-odds."""

    def __init__(self, booster: lgb.Booster, n_features: int, num_iteration: int) -> None:
        self._booster = booster  # keeps the booster (and its C handle) alive
        self._n = n_features
        self._num_iteration = num_iteration
        self._local = threading.local()
        self._handles: list[ctypes.c_void_p] = []
        self._lock = threading.Lock()
        weakref.finalize(self, _free_all, self._handles)

    def _handle(self) -> ctypes.c_void_p:
        handle: ctypes.c_void_p | None = getattr(self._local, "handle", None)
        if handle is None:
            handle = ctypes.c_void_p()
            _safe_call(
                _LIB.LGBM_BoosterPredictForMatSingleRowFastInit(
                    self._booster._handle,
                    ctypes.c_int(_PREDICT_CONTRIB),
                    ctypes.c_int(0),
                    ctypes.c_int(self._num_iteration),
                    ctypes.c_int(_DTYPE_FLOAT64),
                    ctypes.c_int32(self._n),
                    _c_str("num_threads=1"),
                    ctypes.byref(handle),
                )
            )
            with self._lock:
                self._handles.append(handle)
            self._local.handle = handle
        return handle

    def __call__(self, row: npt.NDArray[np.float64]) -> npt.NDArray[np.float64]:
        data = np.ascontiguousarray(row, dtype=np.float64).reshape(-1)
        out = np.empty(self._n + 1, dtype=np.float64)
        out_len = ctypes.c_int64(0)
        _safe_call(
            _LIB.LGBM_BoosterPredictForMatSingleRowFast(
                self._handle(),
                data.ctypes.data_as(ctypes.c_void_p),
                ctypes.byref(out_len),
                out.ctypes.data_as(ctypes.POINTER(ctypes.c_double)),
            )
        )
        return out
