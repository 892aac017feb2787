"""Item-level paired statistics for comparing two runs of the same cases (original vs variant).

- `mcnemar_exact`: McNemar's exact test, i.e. the two-sided binomial test of b against
  Bin(b + c, 1/2) on the discordant pairs (b: 1 -> 0, c: 0 -> 1); p = min(1, 2 P(X <= min(b, c))),
  computed with exact integer arithmetic (no normal approximation, valid at any n).
- `paired_bootstrap_diff`: mean of b_i - a_i with a seeded percentile bootstrap over items
  (the same resampled items for both runs, which is what makes the interval paired).
- `flip_rate`: share of items whose binary outcome differs between the runs, Wilson interval.
- `margin_strata`: items binned by quantiles of the original's |margin| (its certainty); flips are
  expected to concentrate in the uncertain bins (arXiv 2602.06181: 3-11x more often).
"""

from __future__ import annotations

import math
from fractions import Fraction
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from audit.metrics.ci import wilson_interval

__all__ = ["FlipStats", "flip_stats", "margin_strata", "mcnemar_exact", "paired_bootstrap_diff"]


def mcnemar_exact(b: int, c: int) -> float:
    """Two-sided exact McNemar p-value from the discordant counts b and c (1.0 when b + c = 0)."""
    b, c = int(b), int(c)
    if b < 0 or c < 0:
        raise ValueError("discordant counts must be non-negative")
    n = b + c
    if n == 0:
        return 1.0
    k = min(b, c)
    tail = sum(math.comb(n, i) for i in range(k + 1))
    # exact rational 2 * tail / 2**n (Fraction: no overflow at large n), capped at 1 (b == c
    # gives a tail above one half)
    return min(1.0, float(Fraction(2 * tail, 2 ** n)))


def paired_bootstrap_diff(a: Sequence[float], b: Sequence[float], *, seed: int = 0,
                          n_resamples: int = 2000) -> tuple[float, float, float]:
    """(mean(b - a), ci_low, ci_high): percentile bootstrap over items, same items for both."""
    x, y = np.asarray(a, dtype=float), np.asarray(b, dtype=float)
    if x.shape != y.shape:
        raise ValueError("paired samples must have the same length")
    d = y - x
    if d.size == 0:
        return (math.nan, math.nan, math.nan)
    m = float(d.mean())
    if d.size == 1 or np.all(d == d[0]):
        return (m, m, m)
    rng = np.random.default_rng(seed)
    means = d[rng.integers(0, d.size, size=(n_resamples, d.size))].mean(axis=1)
    return (m, float(np.quantile(means, 0.025)), float(np.quantile(means, 0.975)))


@dataclass(frozen=True)
class FlipStats:
    """How a binary item outcome moved from run A to run B."""

    n: int
    a_rate: float
    b_rate: float
    one_to_zero: int  # b: outcome 1 in A, 0 in B
    zero_to_one: int  # c: outcome 0 in A, 1 in B
    flip_rate: float
    flip_ci: tuple[float, float]
    mcnemar_p: float

    @property
    def flips(self) -> int:
        return self.one_to_zero + self.zero_to_one


def flip_stats(a: Sequence[int], b: Sequence[int]) -> FlipStats:
    """Flip counts, flip rate with Wilson CI, and exact McNemar p of paired 0/1 outcomes."""
    x, y = np.asarray(a, dtype=bool), np.asarray(b, dtype=bool)
    if x.shape != y.shape:
        raise ValueError("paired samples must have the same length")
    n = int(x.size)
    down, up = int((x & ~y).sum()), int((~x & y).sum())
    rate = (down + up) / n if n else math.nan
    return FlipStats(n=n, a_rate=float(x.mean()) if n else math.nan,
                     b_rate=float(y.mean()) if n else math.nan, one_to_zero=down,
                     zero_to_one=up, flip_rate=rate, flip_ci=wilson_interval(down + up, n),
                     mcnemar_p=mcnemar_exact(down, up))


def margin_strata(margin: Sequence[float], n_strata: int = 4) -> tuple[np.ndarray, list[float]]:
    """(stratum index per item, edges): bins of |margin| at its quantiles, 0 = least certain.

    Ties at an edge go to the lower stratum; with fewer distinct values than strata some bins
    are empty (reported with n = 0, never merged silently).
    """
    m = np.abs(np.asarray(margin, dtype=float))
    if m.size == 0:
        return np.zeros(0, dtype=int), []
    edges = [float(q) for q in np.quantile(m, np.linspace(0, 1, n_strata + 1))]
    idx = np.searchsorted(np.asarray(edges[1:-1]), m, side="left")
    return idx.astype(int), edges
