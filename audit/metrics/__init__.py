"""Statistics shared by every suite: intervals, grouped metrics, paired tests."""

from __future__ import annotations

from typing import Any

from audit.metrics.ci import bootstrap_ci, mean_ci, spearman_ci, wilson_interval

__all__ = ["bootstrap_ci", "grouped_mean", "mean_ci", "spearman_ci", "wilson_interval"]


def __getattr__(name: str) -> Any:
    # `grouped` imports pandas (and with it pyarrow, ~90 MiB RSS): only suites need it, not the
    # monitor or the proxy, which import `wilson_interval` from here.
    if name == "grouped_mean":
        from audit.metrics.grouped import grouped_mean

        return grouped_mean
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
