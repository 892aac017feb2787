"""captum's `LLMAttribution` with batched perturbations (captum's own forward is batch size 1).

captum 0.9's sequence forward (`forward_in_tokens=False`) builds a `[1, n]` attention mask, so
`perturbations_per_eval > 1` cannot be used with it. This subclass replaces only that forward
with one that scores a whole batch of perturbed prompts through `TargetScorer` (padded, bounded
batches); the attribution algorithms (FeatureAblation, ShapleyValueSampling) are captum's.
"""

from __future__ import annotations

from typing import Any

from captum.attr import LLMAttribution

from audit.explain._scoring import TargetScorer

__all__ = ["BatchedLLMAttribution"]


class BatchedLLMAttribution(LLMAttribution):
    """`LLMAttribution` whose sequence forward accepts a batch of perturbations."""

    def __init__(self, attr_method: Any, tokenizer: Any, scorer: TargetScorer) -> None:
        super().__init__(attr_method, tokenizer)
        self._scorer = scorer

    def _forward_func_by_seq(self, perturbed_tensor: Any, inp: Any, target_tokens: Any) -> Any:
        import torch

        rows = perturbed_tensor if perturbed_tensor is not None else inp.to_tensor()
        prompts: list[list[int]] = []
        for r in range(rows.shape[0]):
            model_input = inp.to_model_input(rows[r:r + 1])
            if isinstance(model_input, str):
                prompts.append(self.tokenizer.encode(model_input, add_special_tokens=False))
            else:
                prompts.append(model_input[0].tolist())
        # captum repeats tensor forward-args once per perturbation in the batch
        k = rows.shape[0]
        ids = target_tokens.reshape(-1).tolist()
        n_t = len(ids) // k
        if n_t * k != len(ids) or ids != ids[:n_t] * k:
            raise RuntimeError("unexpected target layout from captum")
        lp = self._scorer.token_logprobs(prompts, ids[:n_t]).to(self.device)
        if self.include_per_token_attr:
            out = torch.cat([lp.sum(dim=1, keepdim=True), lp], dim=1)
        else:
            out = lp.sum(dim=1)
        return out if self.attr_target == "log_prob" else torch.exp(out)
