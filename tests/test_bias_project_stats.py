"""Golden arithmetic for the paired tests and fairness statistics behind the project suites."""

from __future__ import annotations

import math

import numpy as np
import pytest

from audit.metrics.fairness import (ClusteredDecisions, equalized_odds_stat, fairlearn_parity,
                                    parity_stats)
from audit.metrics.paired import holm, paired_binary, paired_continuous, rank_biserial


def test_rank_biserial_by_hand() -> None:
    # |d| ranks 1,2,3,4; positive ranks 1+3+4 = 8, negative 2 -> (8 - 2) / 10
    assert rank_biserial([1, -2, 3, 4]) == pytest.approx(0.6)
    assert rank_biserial([1, 2, -3, 0]) == pytest.approx(0.0)  # zero dropped; 3 - 3
    assert rank_biserial([0, 0]) == 0.0


def test_wilcoxon_exact_p_by_hand() -> None:
    # n = 4, negative-rank sum W- = 2; subsets of {1,2,3,4} with sum <= 2: {}, {1}, {2} -> 3/16,
    # two-sided 6/16
    r = paired_continuous([2, 0, 5, 4], [1, 2, 2, 0], seed=0)
    assert r.n == 4 and r.mean_diff == pytest.approx((1 - 2 + 3 + 4) / 4)
    assert r.p_value == pytest.approx(6 / 16)
    assert r.effect_size == pytest.approx(0.6)
    assert r.ci_low <= r.mean_diff <= r.ci_high
    # all 12 differences negative: exact two-sided p = 2 / 2**12
    r = paired_continuous([0.0] * 12, list(range(1, 13)))
    assert r.p_value == pytest.approx(2 / 4096) and r.effect_size == -1.0
    assert paired_continuous([1, 2], [1, 2]).p_value == 1.0


def test_mcnemar_exact_by_hand() -> None:
    a = [1, 1, 1, 0, 0]
    b = [0, 0, 0, 0, 1]
    r = paired_binary(a, b)
    # discordant: 3 a-only, 1 b-only; two-sided binomial P(X >= 3 | n=4) * 2 = 2 * 5/16
    assert r.p_value == pytest.approx(10 / 16)
    assert r.mean_diff == pytest.approx(0.4)
    assert r.effect_size == pytest.approx(math.log(3.5 / 1.5))
    assert paired_binary([0, 0], [0, 0]).p_value == 1.0


def test_holm_by_hand() -> None:
    # sorted 0.01*3 = 0.03, 0.03*2 = 0.06, 0.04*1 -> max(0.06, 0.04)
    assert holm([0.01, 0.04, 0.03]) == pytest.approx([0.03, 0.06, 0.06])
    assert holm([0.5, 0.9]) == pytest.approx([1.0, 1.0])
    assert holm([]) == []


def test_numpy_parity_equals_fairlearn_on_random_data() -> None:
    rng = np.random.default_rng(3)
    for _ in range(20):
        n, k = int(rng.integers(3, 15)), int(rng.integers(2, 5))
        dec = (rng.random((n, k)) < rng.random()).astype(float)
        labels = rng.integers(0, 2, n)
        if labels.min() == labels.max():
            labels[0] = 1 - labels[0]
        groups = [f"g{j}" for _ in range(n) for j in range(k)]
        fair = fairlearn_parity(dec.astype(int).ravel(), groups, np.repeat(labels, k))
        diff, ratio = parity_stats(dec)
        assert float(diff) == pytest.approx(fair["demographic_parity_difference"])
        if dec.mean(axis=0).max() > 0:
            assert float(ratio) == pytest.approx(fair["demographic_parity_ratio"])
        assert float(equalized_odds_stat(dec, labels)) == pytest.approx(
            fair["equalized_odds_difference"])


def test_clustered_bootstrap_is_seeded_and_brackets() -> None:
    p = np.array([[0.9, 0.2], [0.8, 0.4], [0.7, 0.6], [0.6, 0.1], [0.9, 0.3]])
    a = ClusteredDecisions(p, 0.5, seed=4)
    b = ClusteredDecisions(p, 0.5, seed=4)
    assert a.parity_cis() == b.parity_cis()
    gap, (lo, hi), h, l = a.p_yes_gap()
    assert gap == pytest.approx(p[:, 0].mean() - p[:, 1].mean()) and (h, l) == (0, 1)
    assert lo <= gap <= hi
    (d_lo, d_hi), _ = a.parity_cis()
    assert d_lo <= 0.8 <= d_hi  # selection rates 1.0 vs 0.2
