"""Small statistics shared by the standard-benchmark suites (seeded subsets, tests, gaps)."""

from __future__ import annotations

import math
import random
from collections.abc import Sequence

import numpy as np
from scipy import stats

__all__ = ["binomial_p", "diff_of_means_ci", "seeded_subset", "severity_for_p"]


def seeded_subset(n: int, limit: int | None, seed: int) -> list[int]:
    """Indices of a deterministic sample of `limit` of `n` items (all when no limit), in order."""
    if not limit or limit >= n:
        return list(range(n))
    return sorted(random.Random(seed).sample(range(n), limit))


def binomial_p(k: int, n: int, p: float = 0.5) -> float:
    """Two-sided exact binomial test of k successes in n against rate p (1.0 when n == 0)."""
    if n <= 0:
        return 1.0
    return float(stats.binomtest(int(k), int(n), p).pvalue)


def diff_of_means_ci(a: Sequence[float], b: Sequence[float], *, seed: int,
                     n_resamples: int = 2000, confidence: float = 0.95) -> tuple[float, float]:
    """Bootstrap interval of mean(a) - mean(b), resampling each sample independently (nan, nan
    when either sample has fewer than 2 values)."""
    x, y = np.asarray(a, dtype=float), np.asarray(b, dtype=float)
    if x.size < 2 or y.size < 2:  # a one-observation group has no sampling spread to resample
        return (math.nan, math.nan)
    rng = np.random.default_rng(seed)
    dx = x[rng.integers(0, x.size, size=(n_resamples, x.size))].mean(axis=1)
    dy = y[rng.integers(0, y.size, size=(n_resamples, y.size))].mean(axis=1)
    alpha = (1 - confidence) / 2
    d = dx - dy
    return (float(np.quantile(d, alpha)), float(np.quantile(d, 1 - alpha)))


def severity_for_p(p: float, effect: float, cuts: tuple[float, float, float]) -> str:
    """`info` unless p < 0.05; then low/medium/high as |effect| passes each cut."""
    if not (p < 0.05):
        return "info"
    a = abs(effect)
    return "high" if a >= cuts[2] else "medium" if a >= cuts[1] else "low" if a >= cuts[0] \
        else "info"
