"""Log-likelihood helpers shared by the standard-benchmark suites (token counts, averages)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from audit.errors import ModelError

__all__ = ["mean_token_logprobs", "sum_logprobs", "token_counts"]


def token_counts(model: Any, scores: Sequence[float]) -> np.ndarray:
    """Continuation tokens each log-likelihood covers (>= 1), from the backend's own count.

    Per-token averages (StereoSet, HolisticBias perplexity, CrowS-Pairs per-token margins) mean
    the backend's tokens; a backend that returns bare floats is refused rather than averaged
    over some other unit (whitespace words would silently change the metric).
    """
    counts = [getattr(s, "n_tokens", None) for s in scores]
    if any(c is None for c in counts):
        name = getattr(getattr(model, "identity", None), "backend", type(model).__name__)
        raise ModelError(f"the {name} model backend returned log-likelihoods without token counts",
                         "its loglikelihood() must return audit.model.Loglikelihood values "
                         "(value, n_tokens=...)")
    return np.asarray([max(1, int(c)) for c in counts], dtype=float)


def sum_logprobs(model: Any, requests: Sequence[tuple[str, str]],
                 progress: Callable[[int], None] | None = None) -> np.ndarray:
    """Summed continuation log-probs (nats), as a float array."""
    return np.asarray(model.loglikelihood(list(requests), progress=progress), dtype=float)


def mean_token_logprobs(model: Any, requests: Sequence[tuple[str, str]],
                        progress: Callable[[int], None] | None = None
                        ) -> tuple[np.ndarray, np.ndarray]:
    """(average log-prob per continuation token, summed log-prob) for each request."""
    scores = model.loglikelihood(list(requests), progress=progress)
    total = np.asarray(scores, dtype=float)
    return total / token_counts(model, scores), total
