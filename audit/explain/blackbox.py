"""Perturbation attributions through log-likelihood requests alone (a served model).

A model without white-box access (an OpenAI-compatible endpoint: the `gradients` capability is
absent) can still be explained by the perturbation methods: the features are the prompt's word
segments (`_features.word_segments`), a removed segment is deleted, and every perturbed prompt is
one `loglikelihood((prompt', continuation))` request. captum's own `FeatureAblation` and
`ShapleyValueSampling` run over a 0/1 mask of the segments, so the estimators (leave-one-out,
seeded permutations) are captum's, not a re-implementation; only the forward function is a batch
of requests. Target and foil use the same permutations, so the contrastive attribution is exactly
target minus foil. Requests repeat across the methods' evaluations (the full prompt, the empty
one): each distinct (prompt', continuation) is asked once per explanation.
"""

from __future__ import annotations

import time
from typing import Any

import numpy as np

from audit.explain.attribution import Attribution
from audit.explain.config import ExplainConfig
from audit.model.base import Capability

__all__ = ["BLACKBOX_METHODS", "explain_blackbox", "is_blackbox"]

# explanation method -> estimator that runs over the segment mask: captum classes, and the shap
# library's KernelExplainer (Kernel SHAP, Lundberg & Lee 2017) for "shap"
BLACKBOX_METHODS = {"ablation": "FeatureAblation", "shapley": "ShapleyValueSampling",
                    "shap": "KernelExplainer"}


def is_blackbox(lm: Any) -> bool:
    """True for a port model that scores log-likelihoods but offers no white-box access."""
    caps = getattr(lm, "capabilities", None)
    return caps is not None and Capability.LOGLIKELIHOOD in caps \
        and Capability.GRADIENTS not in caps


class _Scorer:
    """f(mask) = log P(continuation | kept segments), one request per distinct perturbed prompt."""

    def __init__(self, lm: Any, segments: list[str]) -> None:
        self.lm, self.segments = lm, segments
        self.cache: dict[tuple[str, str], float] = {}
        self.requests = 0

    def prompt(self, mask: Any) -> str:
        return "".join(s for s, keep in zip(self.segments, mask) if keep)

    def score(self, prompts: list[str], continuation: str) -> list[float]:
        todo = list(dict.fromkeys((p, continuation) for p in prompts
                                  if (p, continuation) not in self.cache))
        if todo:
            for pair, ll in zip(todo, self.lm.loglikelihood(todo), strict=True):
                self.cache[pair] = float(ll)
            self.requests += len(todo)
        return [self.cache[(p, continuation)] for p in prompts]

    def forward(self, continuation: str):
        import torch

        def f(masks: Any) -> Any:
            rows = [self.prompt(m) for m in (masks > 0.5).tolist()]
            return torch.tensor(self.score(rows, continuation), dtype=torch.float64)

        return f


def explain_blackbox(method: str, lm: Any, prompt: str, target: str, foil: str | None,
                     config: ExplainConfig) -> Attribution:
    """`method` ("ablation" | "shapley" | "shap") on `lm` through log-likelihood requests."""
    import torch
    from captum import attr as captum_attr

    from audit.explain._features import word_segments

    segments = word_segments(prompt, config.max_features)
    scorer = _Scorer(lm, segments)
    conts = [target] + ([foil] if foil is not None else [])
    n = len(segments)
    per_eval = max(1, min(config.batch_rows, n))
    kwargs: dict[str, Any] = {"perturbations_per_eval": per_eval}
    if method == "shapley":
        kwargs["n_samples"] = config.shapley_samples
    if method == "shap":  # Kernel SHAP samples coalitions; at most 2^n of them exist
        kwargs = {"nsamples": int(min(max(config.shap_max_evals, 2 * n + 2), 2 ** min(n, 30)))}
    t0 = time.perf_counter()
    ones = torch.ones((1, n), dtype=torch.float64)
    per_cont = []
    for cont in conts:
        if method == "shap":
            per_cont.append(_kernel_shap(scorer, cont, n, kwargs["nsamples"], config.seed))
            continue
        algo = getattr(captum_attr, BLACKBOX_METHODS[method])(scorer.forward(cont))
        with torch.random.fork_rng(devices=[]):
            torch.manual_seed(config.seed)
            res = algo.attribute(ones, baselines=torch.zeros_like(ones), **kwargs)
        per_cont.append(np.asarray(res[0].detach().numpy(), dtype=np.float64))
    full = [scorer.score([prompt], c)[0] for c in conts]
    empty = [scorer.score([""], c)[0] for c in conts]
    contrastive = foil is not None
    scores = per_cont[0] - per_cont[1] if contrastive else per_cont[0]
    params = {"features": "word", "baseline": "deleted", "requests": scorer.requests,
              "backend": lm.identity.backend, **{k: v for k, v in kwargs.items()}}

    def tup(values: Any) -> tuple[float, ...]:
        return tuple(float(v) for v in values)

    return Attribution(
        method=method, prompt=prompt, target=target, tokens=tuple(segments), scores=tup(scores),
        score=float(full[0] - full[1] if contrastive else full[0]), target_logprob=float(full[0]),
        foil=foil, foil_logprob=float(full[1]) if contrastive else None,
        target_scores=tup(per_cont[0]) if contrastive else None,
        foil_scores=tup(per_cont[1]) if contrastive else None,
        baseline_score=float(empty[0] - empty[1] if contrastive else empty[0]),
        level="word", parameters=params, seconds=round(time.perf_counter() - t0, 4))


def _kernel_shap(scorer: _Scorer, continuation: str, n: int, nsamples: int,
                 seed: int) -> np.ndarray:
    """shap's KernelExplainer over the segment mask: background = every segment deleted, the
    explained point = every segment kept; f(mask) is one log-likelihood request per prompt."""
    import shap

    def f(masks: Any) -> np.ndarray:
        rows = [scorer.prompt(m) for m in (np.asarray(masks) > 0.5).tolist()]
        return np.asarray(scorer.score(rows, continuation), dtype=np.float64)

    state = np.random.get_state()  # KernelExplainer samples with numpy's global generator
    try:
        np.random.seed(seed)
        explainer = shap.KernelExplainer(f, np.zeros((1, n)))
        values = explainer.shap_values(np.ones((1, n)), nsamples=nsamples, silent=True)
    finally:
        np.random.set_state(state)
    return np.asarray(values, dtype=np.float64).reshape(-1)[:n]
