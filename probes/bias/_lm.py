"""Log-likelihood helpers shared by the standard-benchmark suites (token counts, averages)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

__all__ = ["continuation_token_counts", "mean_token_logprobs", "sum_logprobs"]


def continuation_token_counts(model: Any, requests: Sequence[tuple[str, str]]) -> list[int]:
    """How many tokens of each continuation the model scores (>= 1).

    Uses the model's own `encode_pair` (lm-evaluation-harness splitting) when it has one; a model
    without a tokenizer (the test FakeModel) scores whitespace words, so words are counted.
    """
    encode = getattr(model, "encode_pair", None)
    if encode is None:
        return [max(1, len(cont.split())) for _, cont in requests]
    return [max(1, len(encode(ctx, cont)[1])) for ctx, cont in requests]


def sum_logprobs(model: Any, requests: Sequence[tuple[str, str]],
                 progress: Callable[[int], None] | None = None) -> np.ndarray:
    """Summed continuation log-probs (nats), as a float array."""
    return np.asarray(model.loglikelihood(list(requests), progress=progress), dtype=float)


def mean_token_logprobs(model: Any, requests: Sequence[tuple[str, str]],
                        progress: Callable[[int], None] | None = None
                        ) -> tuple[np.ndarray, np.ndarray]:
    """(average log-prob per continuation token, summed log-prob) for each request."""
    total = sum_logprobs(model, requests, progress)
    counts = np.asarray(continuation_token_counts(model, requests), dtype=float)
    return total / counts, total
