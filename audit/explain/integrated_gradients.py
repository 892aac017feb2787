"""Integrated gradients (captum's `LayerIntegratedGradients` on the input embeddings), batched.

Integrated gradients (Sundararajan et al. 2017) along the straight line from the baseline
token's embedding to each prompt token's embedding, with captum's quadrature (`ig_method`,
`ig_steps` nodes; by default 24 trapezoid-rule nodes, see `ExplainConfig`). All steps go
through the model in one batched forward (split only by `batch_rows` and a quarter of the token
budget: backward passes need ~4x memory), shared by target and foil where they read the same
input, with one backward per continuation (`audit/explain/_batched_ig.py`; a test checks it
equals captum's `LLMGradientAttribution` + `LayerIntegratedGradients` at the same steps).
Completeness: the scores sum to `score - baseline_score` up to the convergence delta, captum's
definition (sum of attributions minus f(input) - f(baseline)).

The first prompt token is held at its own embedding (its score is 0): position 0 is the
"attention sink" of decoder LMs (Xiao et al. 2023), and interpolating its embedding makes
log P(target) jump by several nats along the path, so no affordable number of steps converges.
"""

from __future__ import annotations

from typing import Any, ClassVar

import numpy as np

from audit.explain._batched_ig import integrated_gradients
from audit.explain._features import display_tokens
from audit.explain._scoring import TargetScorer, baseline_token_id
from audit.explain.base import Explainer, RawAttribution
from audit.explain.request import ExplainRequest

__all__ = ["IntegratedGradientsExplainer"]


class IntegratedGradientsExplainer(Explainer):
    """Layer integrated gradients on the embedding layer, with captum's convergence delta."""

    name: ClassVar[str] = "ig"
    description: ClassVar[str] = "captum LayerIntegratedGradients on the embeddings, batched"

    def _attribute(self, lm: Any, request: ExplainRequest, scorer: TargetScorer) -> RawAttribution:
        prompt = list(request.prompt_ids)
        base_id = baseline_token_id(lm.tokenizer, self.config)
        baseline = prompt[:1] + [base_id] * (len(prompt) - 1)  # attention sink held fixed
        conts = request.continuations()
        steps = self.config.ig_steps
        width = len(prompt) + max(len(c) for c in conts)
        rows = max(1, min(self.config.batch_rows, steps, (scorer.budget // 4) // width))
        raw = integrated_gradients(lm.model, prompt, baseline, conts, steps,
                                   self.config.ig_method, rows)
        scores = [np.asarray(r, dtype=float) for r in raw]
        deltas = []
        for cont, s in zip(conts, scores):
            # cached: `Explainer.explain` reads the same two log-probabilities for the record
            at_input, at_baseline = scorer.logprob([prompt, baseline], cont)
            deltas.append(float(s.sum()) - (at_input - at_baseline))
        return RawAttribution(tokens=display_tokens(lm.tokenizer, prompt), scores=scores,
                              baseline_prompt=baseline, deltas=deltas,
                              parameters={"n_steps": steps, "method": self.config.ig_method,
                                          "rows_per_pass": rows, "fixed": "first token"})
