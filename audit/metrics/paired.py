"""Paired comparisons: the same case answered under two variants (counterfactual pairs).

- `paired_continuous`: Wilcoxon signed-rank test (scipy, two-sided, zero differences dropped as
  in Wilcoxon's original method), matched-pairs rank-biserial correlation (Kerby 2014:
  r = (R+ - R-) / (R+ + R-) over the ranks of the non-zero |differences|), mean paired
  difference with a seeded percentile-bootstrap interval.
- `paired_binary`: exact McNemar test (two-sided binomial test on the discordant pairs; the exact
  sign test), difference of rates with a seeded bootstrap interval over pairs.
- `holm`: Holm-Bonferroni step-down adjusted p-values (family-wise error control).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from scipy import stats

__all__ = ["PairedResult", "holm", "paired_binary", "paired_continuous", "rank_biserial"]


@dataclass(frozen=True)
class PairedResult:
    """One paired comparison a - b: mean difference, its CI, p-value and effect size."""

    n: int
    mean_diff: float
    ci_low: float
    ci_high: float
    p_value: float
    effect_size: float
    test: str
    effect: str


def rank_biserial(diff: Sequence[float]) -> float:
    """Matched-pairs rank-biserial correlation of paired differences (0 when all are zero)."""
    d = np.asarray(diff, dtype=float)
    d = d[d != 0]
    if d.size == 0:
        return 0.0
    ranks = stats.rankdata(np.abs(d))
    pos, neg = ranks[d > 0].sum(), ranks[d < 0].sum()
    return float((pos - neg) / (pos + neg))


def _bootstrap_mean(d: np.ndarray, seed: int, n_resamples: int) -> tuple[float, float]:
    if d.size == 0:
        return (math.nan, math.nan)
    if d.size == 1 or np.all(d == d[0]):
        return (float(d[0]), float(d[0]))
    rng = np.random.default_rng(seed)
    means = d[rng.integers(0, d.size, size=(n_resamples, d.size))].mean(axis=1)
    return (float(np.quantile(means, 0.025)), float(np.quantile(means, 0.975)))


def paired_continuous(a: Sequence[float], b: Sequence[float], *, seed: int = 0,
                      n_resamples: int = 2000) -> PairedResult:
    """Wilcoxon signed-rank test of a - b, rank-biserial effect, bootstrap CI of the mean."""
    x, y = np.asarray(a, dtype=float), np.asarray(b, dtype=float)
    if x.shape != y.shape:
        raise ValueError("paired samples must have the same length")
    d = x - y
    lo, hi = _bootstrap_mean(d, seed, n_resamples)
    nonzero = d[d != 0]
    if nonzero.size == 0:
        p = 1.0
    else:
        p = float(stats.wilcoxon(nonzero, zero_method="wilcox", alternative="two-sided").pvalue)
    return PairedResult(n=int(d.size), mean_diff=float(d.mean()) if d.size else math.nan,
                        ci_low=lo, ci_high=hi, p_value=p, effect_size=rank_biserial(d),
                        test="wilcoxon_signed_rank", effect="rank_biserial")


def paired_binary(a: Sequence[bool], b: Sequence[bool], *, seed: int = 0,
                  n_resamples: int = 2000) -> PairedResult:
    """Exact McNemar test of two paired binary outcomes; rate difference a - b with bootstrap CI.

    The effect size is the discordant-pair odds ratio's log (a-only vs b-only; +0.5 continuity
    so it stays finite), reported alongside the rate difference.
    """
    x, y = np.asarray(a, dtype=bool), np.asarray(b, dtype=bool)
    if x.shape != y.shape:
        raise ValueError("paired samples must have the same length")
    only_a, only_b = int((x & ~y).sum()), int((~x & y).sum())
    discordant = only_a + only_b
    p = 1.0 if discordant == 0 else float(stats.binomtest(only_a, discordant, 0.5).pvalue)
    d = x.astype(float) - y.astype(float)
    lo, hi = _bootstrap_mean(d, seed, n_resamples)
    log_or = math.log((only_a + 0.5) / (only_b + 0.5))
    return PairedResult(n=int(d.size), mean_diff=float(d.mean()) if d.size else math.nan,
                        ci_low=lo, ci_high=hi, p_value=p, effect_size=log_or,
                        test="mcnemar_exact", effect="log_discordant_odds_ratio")


def holm(p_values: Sequence[float]) -> list[float]:
    """Holm-Bonferroni adjusted p-values (Holm 1979), in the input order, capped at 1."""
    p = np.asarray(p_values, dtype=float)
    m = p.size
    if m == 0:
        return []
    order = np.argsort(p, kind="stable")
    adjusted = np.empty(m)
    running = 0.0
    for rank, i in enumerate(order):
        running = max(running, min(1.0, (m - rank) * p[i]))
        adjusted[i] = running
    return adjusted.tolist()
