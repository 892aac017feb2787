"""The `Explainer` interface: (model, prompt, target[, foil]) -> `Attribution`."""

from __future__ import annotations

import time
from abc import ABC, abstractmethod
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, ClassVar

import numpy as np

from audit.explain._scoring import TargetScorer
from audit.explain.attribution import Attribution
from audit.explain.config import ExplainConfig
from audit.explain.request import ExplainRequest, require_hf
from audit.model.base import Capability, missing_capabilities

__all__ = ["Explainer", "RawAttribution"]


@dataclass
class RawAttribution:
    """What a method computes: one score vector per continuation (target, then foil)."""

    tokens: list[str]
    scores: list[np.ndarray]
    level: str = "token"
    baseline_prompt: list[int] | None = None  # prompt ids with every feature removed
    baseline_scores: list[float] | None = None  # method-native f(baseline) per continuation
    deltas: list[float] | None = None  # captum convergence delta per continuation
    parameters: dict[str, Any] = field(default_factory=dict)


class Explainer(ABC):
    """Attributes `score = log P(target|prompt) [- log P(foil|prompt)]` to prompt features.

    Subclasses implement `_attribute`, computing the attribution of each continuation's
    summed log-probability with the *same* perturbations (same seed, same steps), so that the
    contrastive attribution is exactly target minus foil. `__init__` only stores the config;
    the model comes with each call.
    """

    name: ClassVar[str]
    description: ClassVar[str]
    # Gradient methods need white-box access: the GRADIENTS capability (local weights). The
    # perturbation methods declare {LOGLIKELIHOOD}: on local weights they score token-id
    # perturbations inside the model, on a served model word deletions through requests
    # (`audit.explain.blackbox`).
    requires: ClassVar[frozenset[Capability]] = frozenset({Capability.GRADIENTS})

    def __init__(self, config: ExplainConfig | None = None) -> None:
        self.config = config or ExplainConfig()

    def check_model(self, lm: Any) -> None:
        """CapabilityError (one line) when `lm` cannot serve this method; a model that declares
        no capabilities must at least expose a transformers model, tokenizer and device."""
        if getattr(lm, "capabilities", None) is None:
            require_hf(lm)
            return
        missing = missing_capabilities(lm, self.requires)
        if missing:
            from audit.errors import CapabilityError

            from audit.explain.blackbox import BLACKBOX_METHODS

            ident = lm.identity
            others = " or ".join(sorted(BLACKBOX_METHODS))
            alternative = (f"use --method {others} (they run through log-likelihood requests), "
                           if Capability.LOGLIKELIHOOD in lm.capabilities else "")
            raise CapabilityError(
                f"explanation method {self.name!r} needs {missing[0].value}"
                + (" (white-box access to the weights)" if missing[0] is Capability.GRADIENTS
                   else "")
                + f"; the {ident.backend} model {ident.path or ident.name} does not offer it",
                alternative + "or explain with local weights (--model default, a .gguf file or "
                "a model directory)")

    @abstractmethod
    def _attribute(self, lm: Any, request: ExplainRequest, scorer: TargetScorer) -> RawAttribution:
        """Scores for `request.continuations()` (one array per continuation, same features)."""

    def explain(self, lm: Any, prompt: str, target: str, foil: str | None = None) -> Attribution:
        """Why `target` (rather than `foil`) after `prompt`: validated, bounded, one record."""
        self.check_model(lm)
        from audit.explain.blackbox import BLACKBOX_METHODS, explain_blackbox, is_blackbox

        if is_blackbox(lm) and self.name in BLACKBOX_METHODS:
            foil = ExplainRequest.check(prompt, target, foil)
            return explain_blackbox(self.name, lm, prompt, target, foil, self.config)
        request = ExplainRequest.build(lm, prompt, target, foil)
        conts = request.continuations()
        scorer = TargetScorer(lm, self.config, companions=conts)
        t0 = time.perf_counter()
        raw = self._attribute(lm, request, scorer)
        base = list(raw.baseline_scores) if raw.baseline_scores is not None else None
        extra = [list(raw.baseline_prompt)] if base is None and raw.baseline_prompt is not None \
            else []
        both = [scorer.logprob([request.prompt_ids, *extra], c) for c in conts]
        lps = [b[0] for b in both]
        if extra:
            base = [b[1] for b in both]
        seconds = time.perf_counter() - t0
        t_scores = np.asarray(raw.scores[0], dtype=np.float64)
        contrastive = request.foil is not None
        f_scores = np.asarray(raw.scores[1], dtype=np.float64) if contrastive else None
        scores = t_scores - f_scores if contrastive else t_scores
        score = lps[0] - lps[1] if contrastive else lps[0]
        baseline = (base[0] - base[1] if contrastive else base[0]) if base else None
        delta = None
        if raw.deltas is not None:
            delta = raw.deltas[0] - raw.deltas[1] if contrastive else raw.deltas[0]
        params = {"features": raw.level, "baseline": self.config.baseline, **raw.parameters}
        return Attribution(
            method=self.name, prompt=request.prompt, target=request.target,
            tokens=tuple(raw.tokens), scores=_tup(scores), score=float(score),
            target_logprob=float(lps[0]), foil=request.foil,
            foil_logprob=float(lps[1]) if contrastive else None,
            target_scores=_tup(t_scores) if contrastive else None,
            foil_scores=_tup(f_scores) if contrastive else None,
            baseline_score=None if baseline is None else float(baseline),
            convergence_delta=None if delta is None else float(delta),
            level=raw.level, parameters=params, seconds=round(seconds, 4))


def _tup(values: Sequence[float] | np.ndarray) -> tuple[float, ...]:
    return tuple(float(v) for v in values)
