"""Statistics shared by every suite: intervals, grouped metrics, paired tests."""

from audit.metrics.ci import bootstrap_ci, mean_ci, spearman_ci, wilson_interval
from audit.metrics.grouped import grouped_mean

__all__ = ["bootstrap_ci", "grouped_mean", "mean_ci", "spearman_ci", "wilson_interval"]
