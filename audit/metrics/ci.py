"""Confidence intervals. Every number Assay reports carries n and a 95% interval from here."""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence

import numpy as np

__all__ = ["bootstrap_ci", "mean_ci", "spearman_ci", "wilson_interval", "MIN_N"]

# Below this many observations an interval is reported but flagged as not meaningful.
MIN_N = 30


def wilson_interval(k: float, n: int, confidence: float = 0.95) -> tuple[float, float]:
    """Wilson score interval for a proportion k/n (Wilson 1927); (nan, nan) when n == 0."""
    from scipy import stats  # lazy: scipy.stats costs ~1 s at CLI start-up

    if n <= 0:
        return (math.nan, math.nan)
    z = stats.norm.ppf(0.5 + confidence / 2)
    p = k / n
    denom = 1 + z * z / n
    centre = (p + z * z / (2 * n)) / denom
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / denom
    return (max(0.0, centre - half), min(1.0, centre + half))


def bootstrap_ci(values: Sequence[float] | np.ndarray,
                 statistic: Callable[[np.ndarray], float] = np.mean, *, seed: int = 0,
                 n_resamples: int = 2000, confidence: float = 0.95) -> tuple[float, float]:
    """Percentile bootstrap interval of `statistic` with a fixed seed (recorded with the run)."""
    x = np.asarray(values, dtype=float)
    if x.size == 0:
        return (math.nan, math.nan)
    if x.size == 1:
        v = float(statistic(x))
        return (v, v)
    rng = np.random.default_rng(seed)
    idx = rng.integers(0, x.size, size=(n_resamples, x.size))
    samples = np.array([statistic(x[i]) for i in idx]) if statistic is not np.mean \
        else x[idx].mean(axis=1)
    alpha = (1 - confidence) / 2
    return (float(np.quantile(samples, alpha)), float(np.quantile(samples, 1 - alpha)))


def mean_ci(values: Sequence[float] | np.ndarray, confidence: float = 0.95) -> tuple[float, float]:
    """Student-t interval for a mean (what lm-eval's stderr x 1.96 approximates)."""
    from scipy import stats  # lazy: scipy.stats costs ~1 s at CLI start-up

    x = np.asarray(values, dtype=float)
    if x.size < 2:
        v = float(x.mean()) if x.size else math.nan
        return (v, v)
    sem = x.std(ddof=1) / math.sqrt(x.size)
    h = sem * stats.t.ppf(0.5 + confidence / 2, x.size - 1)
    m = float(x.mean())
    return (m - h, m + h)


def spearman_ci(x: Sequence[float], y: Sequence[float],
                confidence: float = 0.95) -> tuple[float, float, float, float]:
    """Spearman rho, its p-value, and a Fisher-z interval (Bonett & Wright 2000 variance)."""
    from scipy import stats  # lazy: scipy.stats costs ~1 s at CLI start-up

    n = len(x)
    if n < 4:
        return (math.nan, math.nan, math.nan, math.nan)
    res = stats.spearmanr(x, y)
    rho, p = float(res.statistic), float(res.pvalue)
    if not math.isfinite(rho):
        return (math.nan, math.nan, math.nan, math.nan)
    z = math.atanh(max(min(rho, 0.999999), -0.999999))
    se = math.sqrt((1 + rho * rho / 2) / (n - 3))
    q = stats.norm.ppf(0.5 + confidence / 2)
    return (rho, p, math.tanh(z - q * se), math.tanh(z + q * se))
