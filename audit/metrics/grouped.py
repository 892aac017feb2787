"""Disaggregated metrics through fairlearn's MetricFrame (one object for all group maths)."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

__all__ = ["grouped_mean"]


def _mean(y_true: np.ndarray, y_pred: np.ndarray) -> float:
    return float(np.mean(y_pred)) if len(y_pred) else float("nan")


def _count(y_true: np.ndarray, y_pred: np.ndarray) -> int:
    return int(len(y_pred))


def grouped_mean(values: Sequence[float], groups: Sequence[str]) -> pd.DataFrame:
    """Per-group mean and count of `values` (index: group; columns: mean, n)."""
    from fairlearn.metrics import MetricFrame

    v = np.asarray(values, dtype=float)
    frame = MetricFrame(metrics={"mean": _mean, "n": _count}, y_true=v, y_pred=v,
                        sensitive_features=pd.Series(list(groups), name="group"))
    table = frame.by_group
    table["n"] = table["n"].astype(int)
    return table
