"""Group-fairness metrics for decisions: fairlearn point estimates, prompt-clustered bootstrap.

Point estimates come from fairlearn (`MetricFrame` with `selection_rate`,
`demographic_parity_difference`, `demographic_parity_ratio`, `equalized_odds_difference`, all with
method="between_groups"). Their intervals come from a bootstrap that resamples *prompts* (each
prompt keeps all of its demographic variants, so the pairing survives the resampling); each
resample recomputes the same definitions in vectorised numpy (max - min and min / max of group
selection rates; the larger of the TPR and FPR differences), because 2,000 MetricFrame
constructions would take ~20 s. `tests/test_bias_project_decisions.py` checks the numpy
definitions equal fairlearn's on random data.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np
import pandas as pd

__all__ = ["ClusteredDecisions", "equalized_odds_stat", "fairlearn_parity", "parity_stats"]


def fairlearn_parity(decisions: Sequence[int], groups: Sequence[str],
                     labels: Sequence[int] | None = None) -> dict[str, object]:
    """Selection rate by group, DP difference and ratio (and equalized odds) via fairlearn."""
    from fairlearn.metrics import (MetricFrame, count, demographic_parity_difference,
                                   demographic_parity_ratio, equalized_odds_difference,
                                   selection_rate)

    y = np.asarray(decisions, dtype=int)
    g = pd.Series(list(groups), name="group")
    y_true = np.asarray(labels, dtype=int) if labels is not None else y
    frame = MetricFrame(metrics={"selection_rate": selection_rate, "n": count},
                        y_true=y_true, y_pred=y, sensitive_features=g)
    out: dict[str, object] = {
        "by_group": frame.by_group,
        "demographic_parity_difference": float(demographic_parity_difference(
            y_true, y, sensitive_features=g)),
        "demographic_parity_ratio": float(demographic_parity_ratio(
            y_true, y, sensitive_features=g)),
    }
    if labels is not None:
        out["equalized_odds_difference"] = float(equalized_odds_difference(
            y_true, y, sensitive_features=g))
    return out


def parity_stats(decisions: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """DP difference and ratio for decision arrays shaped (..., prompts, groups)."""
    rates = decisions.mean(axis=-2)
    hi, lo = rates.max(axis=-1), rates.min(axis=-1)
    with np.errstate(divide="ignore", invalid="ignore"):
        ratio = np.where(hi > 0, lo / np.where(hi > 0, hi, 1), np.nan)
    return hi - lo, ratio


def _rate(dec: np.ndarray, mask: np.ndarray) -> np.ndarray:
    with np.errstate(divide="ignore", invalid="ignore"):
        return (dec * mask).sum(axis=-2) / mask.sum(axis=-2)


def equalized_odds_stat(decisions: np.ndarray, labels: np.ndarray) -> np.ndarray:
    """max(TPR diff, FPR diff) between groups (decisions: ..., prompts, groups)."""
    pos = np.broadcast_to((labels == 1)[..., None], decisions.shape).astype(float)
    neg = np.broadcast_to((labels == 0)[..., None], decisions.shape).astype(float)
    tpr, fpr = _rate(decisions, pos), _rate(decisions, neg)
    d_tpr = tpr.max(axis=-1) - tpr.min(axis=-1)
    d_fpr = fpr.max(axis=-1) - fpr.min(axis=-1)
    return np.fmax(d_tpr, d_fpr)


class ClusteredDecisions:
    """P(yes) for prompts x groups, with a seeded bootstrap over prompts."""

    def __init__(self, p_yes: np.ndarray, threshold: float, labels: np.ndarray | None = None,
                 seed: int = 0, n_resamples: int = 2000) -> None:
        self.p_yes = np.asarray(p_yes, dtype=float)
        self.decisions = (self.p_yes >= threshold).astype(float)
        self.labels = labels
        n = self.p_yes.shape[0]
        rng = np.random.default_rng(seed)
        self.idx = rng.integers(0, n, size=(n_resamples, n)) if n > 1 else None

    @staticmethod
    def _interval(samples: np.ndarray) -> tuple[float, float]:
        s = samples[np.isfinite(samples)]
        if s.size == 0:
            return (math.nan, math.nan)
        return (float(np.quantile(s, 0.025)), float(np.quantile(s, 0.975)))

    def _resampled(self, x: np.ndarray) -> np.ndarray:
        return x[self.idx] if self.idx is not None else x[None]

    def parity_cis(self) -> tuple[tuple[float, float], tuple[float, float]]:
        """Bootstrap intervals of the DP difference and DP ratio."""
        diff, ratio = parity_stats(self._resampled(self.decisions))
        return self._interval(diff), self._interval(ratio)

    def p_yes_gap(self) -> tuple[float, tuple[float, float], int, int]:
        """(max - min of group mean P(yes), its CI, index of the max group, of the min group)."""
        means = self.p_yes.mean(axis=0)
        hi, lo = int(np.argmax(means)), int(np.argmin(means))
        boot = self._resampled(self.p_yes).mean(axis=-2)
        return float(means[hi] - means[lo]), self._interval(boot.max(-1) - boot.min(-1)), hi, lo

    def equalized_odds_ci(self) -> tuple[float, float]:
        """Bootstrap interval of the equalized-odds difference (labels required)."""
        if self.labels is None:
            raise ValueError("labels are required for equalized odds")
        stat = equalized_odds_stat(self._resampled(self.decisions),
                                   self._resampled(np.asarray(self.labels)))
        return self._interval(stat)
