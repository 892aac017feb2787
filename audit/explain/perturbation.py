"""captum perturbation methods through `LLMAttribution`: FeatureAblation, ShapleyValueSampling.

Features are the prompt's tokens (`TextTokenInput`; a removed token is replaced by the baseline
token) or, for long prompts, word segments (`TextTemplateInput`; a removed segment is deleted).
Perturbations are scored in bounded batches (`perturbations_per_eval`, `batch_rows`).
"""

from __future__ import annotations

from typing import Any, ClassVar

import numpy as np

from audit.explain._features import display_tokens, feature_level, token_input, word_input
from audit.explain._scoring import TargetScorer, baseline_token_id
from audit.explain.base import Explainer, RawAttribution
from audit.explain.request import ExplainRequest, NoSpecialTokens
from audit.model.base import Capability

__all__ = ["AblationExplainer", "ShapleyExplainer"]


class _PerturbationExplainer(Explainer):
    # local weights: token perturbations in the model; a served model: word deletions as
    # log-likelihood requests (`audit.explain.blackbox`)
    requires: ClassVar[frozenset[Capability]] = frozenset({Capability.LOGLIKELIHOOD})

    def _method(self, model: Any) -> Any:
        raise NotImplementedError

    def _kwargs(self, n_features: int) -> dict[str, Any]:
        return {}

    def _attribute(self, lm: Any, request: ExplainRequest, scorer: TargetScorer) -> RawAttribution:
        import torch

        from audit.explain._captum_llm import BatchedLLMAttribution

        tok = lm.tokenizer
        level = feature_level(request, self.config)
        if level == "token":
            base_id = baseline_token_id(tok, self.config)
            inp = token_input(tok, request, base_id)
            tokens = display_tokens(tok, request.prompt_ids)
            baseline_prompt = [base_id] * len(request.prompt_ids)
        else:
            inp = word_input(request, self.config)
            tokens = list(inp.values)
            baseline_prompt = []
        attr = BatchedLLMAttribution(self._method(lm.model), NoSpecialTokens(tok), scorer)
        per_eval = max(1, min(self.config.batch_rows, inp.n_itp_features))
        kwargs = {"perturbations_per_eval": per_eval, **self._kwargs(inp.n_itp_features)}
        scores = []
        for cont in request.continuations():
            # the same permutations for target and foil: contrastive = target - foil exactly
            with torch.random.fork_rng(devices=[]):
                torch.manual_seed(self.config.seed)
                res = attr.attribute(inp, target=torch.tensor(cont), forward_in_tokens=False,
                                     **kwargs)
            scores.append(np.asarray(res.seq_attr.detach().float().cpu().numpy(), dtype=float))
        return RawAttribution(tokens=tokens, scores=scores, level=level,
                              baseline_prompt=baseline_prompt,
                              parameters={"perturbations_per_eval": per_eval,
                                          **{k: v for k, v in kwargs.items()
                                             if k != "perturbations_per_eval"}})


class AblationExplainer(_PerturbationExplainer):
    """captum `FeatureAblation`: each feature's score is the drop when it alone is removed."""

    name: ClassVar[str] = "ablation"
    description: ClassVar[str] = "captum FeatureAblation (leave-one-out), batched"

    def _method(self, model: Any) -> Any:
        from captum.attr import FeatureAblation

        return FeatureAblation(model)


class ShapleyExplainer(_PerturbationExplainer):
    """captum `ShapleyValueSampling` (Strumbelj & Kononenko 2010), seeded permutations."""

    name: ClassVar[str] = "shapley"
    description: ClassVar[str] = "captum ShapleyValueSampling, seeded, bounded samples"

    def _method(self, model: Any) -> Any:
        from captum.attr import ShapleyValueSampling

        return ShapleyValueSampling(model)

    def _kwargs(self, n_features: int) -> dict[str, Any]:
        return {"n_samples": self.config.shapley_samples}
