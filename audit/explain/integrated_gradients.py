"""captum `LayerIntegratedGradients` over the input embeddings, through `LLMGradientAttribution`.

Integrated gradients (Sundararajan et al. 2017) along the straight line from the baseline
token's embedding to each prompt token's embedding; Gauss-Legendre quadrature with `ig_steps`
points, `internal_batch_size` bounded by the token budget (backward passes need ~4x memory).
Completeness: the scores sum to `score - baseline_score` up to captum's convergence delta.

The first prompt token is held at its own embedding (its score is 0): position 0 is the
"attention sink" of decoder LMs (Xiao et al. 2023), and interpolating its embedding makes
log P(target) jump by several nats along the path, so no affordable number of steps converges.
With it fixed the path is smooth and 16 Gauss-Legendre points give a small convergence delta.
"""

from __future__ import annotations

from typing import Any, ClassVar

import numpy as np

from audit.explain._features import display_tokens, token_input
from audit.explain._scoring import TargetScorer, baseline_token_id
from audit.explain.base import Explainer, RawAttribution
from audit.explain.request import ExplainRequest, NoSpecialTokens

__all__ = ["IntegratedGradientsExplainer"]


class IntegratedGradientsExplainer(Explainer):
    """Layer integrated gradients on the embedding layer, with captum's convergence delta."""

    name: ClassVar[str] = "ig"
    description: ClassVar[str] = "captum LayerIntegratedGradients on the embeddings"

    def _attribute(self, lm: Any, request: ExplainRequest, scorer: TargetScorer) -> RawAttribution:
        import torch
        from captum.attr import LayerIntegratedGradients, LLMGradientAttribution

        model, tok = lm.model, lm.tokenizer
        base_id = baseline_token_id(tok, self.config)
        inp = token_input(tok, request, base_id)
        attr = LLMGradientAttribution(LayerIntegratedGradients(model, model.get_input_embeddings()),
                                      NoSpecialTokens(tok))
        steps = self.config.ig_steps
        width = len(request.prompt_ids) + max(len(c) for c in request.continuations())
        internal = max(1, min(self.config.batch_rows, steps, (scorer.budget // 4) // width))
        end = inp.to_tensor().to(lm.device)
        start = torch.zeros_like(end)
        start[0, 0] = 1  # keep the attention-sink position at its own token
        scores, deltas = [], []
        for cont in request.continuations():
            target = torch.tensor(cont)
            res = attr.attribute(inp, target=target, baselines=start, n_steps=steps,
                                 internal_batch_size=internal)
            token_attr = res.token_attr.detach()
            delta = 0.0
            for j in range(token_attr.shape[0]):
                d = attr.attr_method.compute_convergence_delta(
                    token_attr[j:j + 1], start_point=start, end_point=end,
                    additional_forward_args=(inp, target, j))
                delta += float(d.sum())
            scores.append(np.asarray(res.seq_attr.detach().float().cpu().numpy(), dtype=float))
            deltas.append(delta)
        model.zero_grad(set_to_none=True)
        return RawAttribution(tokens=display_tokens(tok, request.prompt_ids), scores=scores,
                              baseline_prompt=[request.prompt_ids[0]]
                              + [base_id] * (len(request.prompt_ids) - 1), deltas=deltas,
                              parameters={"n_steps": steps, "method": "gausslegendre",
                                          "internal_batch_size": internal,
                                          "fixed": "first token"})
