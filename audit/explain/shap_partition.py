"""SHAP's `Partition` explainer with a `Text` masker on the target's log-probability.

Owen values over the masker's hierarchical clustering of the prompt's tokens (Lundberg & Lee
2017; shap's Partition explainer). The model function maps masked prompts (token ids; a masked
token becomes the baseline token) to log P(target) and log P(foil) in one batched call, so the
target and foil columns come from the same coalitions and contrastive = target - foil exactly.
"""

from __future__ import annotations

from typing import Any, ClassVar

import numpy as np

from audit.explain._scoring import TargetScorer, baseline_token_id
from audit.explain.base import Explainer, RawAttribution
from audit.explain.request import ExplainRequest, NoSpecialTokens
from audit.model.base import Capability

__all__ = ["ShapPartitionExplainer"]


class ShapPartitionExplainer(Explainer):
    """`shap.explainers.Partition` + `shap.maskers.Text`, bounded `max_evals` and `batch_size`."""

    name: ClassVar[str] = "shap"
    # local weights: the Partition explainer below; a served model: Kernel SHAP over word
    # segments as log-likelihood requests (`audit.explain.blackbox`)
    requires: ClassVar[frozenset[Capability]] = frozenset({Capability.LOGLIKELIHOOD})
    description: ClassVar[str] = "SHAP Partition explainer with a Text masker"

    def _attribute(self, lm: Any, request: ExplainRequest, scorer: TargetScorer) -> RawAttribution:
        import shap

        tok = lm.tokenizer
        base_id = baseline_token_id(tok, self.config)
        conts = request.continuations()

        def log_probs(batch: Any) -> np.ndarray:
            prompts = [[int(t) for t in row] for row in batch]
            return np.stack([np.asarray(scorer.logprob(prompts, c)) for c in conts], axis=1)

        masker = shap.maskers.Text(NoSpecialTokens(tok), mask_token=base_id,
                                   output_type="token_ids")
        names = ["target", "foil"][:len(conts)]
        explainer = shap.explainers.Partition(log_probs, masker, output_names=names)
        n = len(request.prompt_ids)
        max_evals = max(self.config.shap_max_evals, 2 * n + 2)
        exp = explainer([request.prompt], max_evals=max_evals, batch_size=self.config.batch_rows,
                        silent=True)
        values = np.asarray(exp.values[0], dtype=float)  # (n_tokens, n_outputs)
        base = np.asarray(exp.base_values[0], dtype=float).reshape(-1)
        tokens = [str(t) for t in exp.data[0]]
        return RawAttribution(tokens=tokens, scores=[values[:, k] for k in range(len(conts))],
                              baseline_scores=[float(b) for b in base],
                              parameters={"max_evals": max_evals,
                                          "batch_size": self.config.batch_rows,
                                          "masker": "Text(token_ids)"})
