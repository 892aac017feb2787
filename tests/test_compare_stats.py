"""Item-level paired statistics against reference computations written out by hand."""

from __future__ import annotations

import math

import numpy as np
import pytest

from audit.metrics.items import flip_stats, margin_strata, mcnemar_exact, paired_bootstrap_diff
from audit.metrics.paired import holm


def _binom_two_sided(k: int, n: int) -> float:
    """Reference: two-sided binomial test at p = 1/2, summing every outcome no more likely than
    the observed one (the definition scipy's binomtest uses), in floating point."""
    pmf = [math.comb(n, i) / 2 ** n for i in range(n + 1)]
    return min(1.0, sum(p for p in pmf if p <= pmf[k] * (1 + 1e-7)))


@pytest.mark.parametrize("b,c", [(0, 0), (1, 0), (0, 5), (3, 7), (10, 10), (2, 14), (25, 40),
                                 (0, 30), (100, 130)])
def test_mcnemar_exact_is_the_binomial_test_on_discordant_pairs(b, c):
    assert mcnemar_exact(b, c) == pytest.approx(_binom_two_sided(b, b + c) if b + c else 1.0,
                                                rel=1e-9)


def test_mcnemar_exact_hand_values_and_large_n():
    assert mcnemar_exact(0, 5) == pytest.approx(2 / 32)  # 2 * (1/2)^5
    assert mcnemar_exact(1, 4) == pytest.approx(2 * 6 / 32)  # 2 * (1 + 5) / 32 = 0.375
    assert mcnemar_exact(3, 3) == 1.0
    # n = 3000: 2**n overflows a float; the exact rational must not
    p = mcnemar_exact(1400, 1600)
    assert 0.0 < p < 0.001
    with pytest.raises(ValueError):
        mcnemar_exact(-1, 2)


def test_flip_stats_counts_directions_and_wilson():
    a = [1, 1, 1, 0, 0, 0, 1, 0, 1, 0]
    b = [1, 0, 0, 0, 1, 0, 1, 0, 1, 0]
    fs = flip_stats(a, b)
    assert (fs.n, fs.one_to_zero, fs.zero_to_one, fs.flips) == (10, 2, 1, 3)
    assert fs.flip_rate == pytest.approx(0.3)
    assert (fs.a_rate, fs.b_rate) == (0.5, 0.4)
    # Wilson 1927 by hand: z = 1.959964, p = 0.3, n = 10
    z, p, n = 1.959963984540054, 0.3, 10
    centre = (p + z * z / (2 * n)) / (1 + z * z / n)
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / (1 + z * z / n)
    assert fs.flip_ci == pytest.approx((centre - half, centre + half))
    assert fs.mcnemar_p == pytest.approx(1.0)  # b=2, c=1: 2 * (1 + 3)/8 > 1, capped
    same = flip_stats(a, a)
    assert same.flips == 0 and same.flip_rate == 0.0 and same.mcnemar_p == 1.0


def test_paired_bootstrap_diff_matches_a_hand_loop():
    rng = np.random.default_rng(3)
    a = rng.integers(0, 2, 50).astype(float)
    b = np.where(rng.random(50) < 0.2, 1 - a, a)
    d, lo, hi = paired_bootstrap_diff(a, b, seed=7, n_resamples=500)
    assert d == pytest.approx(float((b - a).mean()))
    # reference: the same seeded resampling written as an explicit loop over resamples
    r = np.random.default_rng(7)
    idx = r.integers(0, 50, size=(500, 50))
    means = [float(np.mean(b[i] - a[i])) for i in idx]
    assert (lo, hi) == pytest.approx((np.quantile(means, 0.025), np.quantile(means, 0.975)))
    assert lo <= d <= hi
    assert paired_bootstrap_diff(a, a) == (0.0, 0.0, 0.0)  # identical runs: a point interval


def test_holm_step_down_by_hand():
    # p sorted: 0.01 (x4 = 0.04), 0.02 (x3 = 0.06), 0.03 (x2 = 0.06), 0.5 (x1 = 0.5)
    assert holm([0.03, 0.5, 0.01, 0.02]) == pytest.approx([0.06, 0.5, 0.04, 0.06])


def test_margin_strata_bins_by_quantiles_of_absolute_margin():
    m = [-8, 7, 0.1, -0.2, 3, -4, 0.5, 6]  # |m| sorted: 0.1 0.2 0.5 3 4 6 7 8
    idx, edges = margin_strata(m, 4)
    assert edges[0] == 0.1 and edges[-1] == 8
    assert idx.tolist() == [3, 3, 0, 0, 1, 2, 1, 2]
    assert np.bincount(idx, minlength=4).tolist() == [2, 2, 2, 2]
