"""`Attribution`: the frozen record an explainer returns and a finding stores (as `to_dict()`)."""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass, field, fields
from typing import Any

__all__ = ["Attribution"]


def _floats(values: Any) -> tuple[float, ...]:
    return tuple(float(v) for v in values)


@dataclass(frozen=True)
class Attribution:
    """Why the model produced `target` (rather than `foil`) after `prompt`: one score per feature.

    The explained quantity (`score`) is `log P(target | prompt)`, summed over the target's tokens,
    or, with a foil, the contrastive `log P(target | prompt) - log P(foil | prompt)`. `scores[i]`
    is feature `tokens[i]`'s share of that quantity relative to `baseline_score`, the same
    quantity with every feature removed (replaced by the baseline). Positive = pushes towards the
    target. With a foil, `target_scores - foil_scores == scores` (same perturbations for both).
    """

    method: str
    prompt: str
    target: str
    tokens: tuple[str, ...]
    scores: tuple[float, ...]
    score: float
    target_logprob: float
    foil: str | None = None
    foil_logprob: float | None = None
    target_scores: tuple[float, ...] | None = None
    foil_scores: tuple[float, ...] | None = None
    baseline_score: float | None = None
    convergence_delta: float | None = None
    level: str = "token"
    parameters: dict[str, Any] = field(default_factory=dict, compare=False)
    seconds: float = field(default=0.0, compare=False)

    def __post_init__(self) -> None:
        if len(self.tokens) != len(self.scores):
            raise ValueError(f"{len(self.tokens)} tokens but {len(self.scores)} scores")

    @property
    def contrastive(self) -> bool:
        return self.foil is not None

    def ranking(self) -> list[int]:
        """Feature indices, most supportive of the target first."""
        return sorted(range(len(self.scores)), key=lambda i: -self.scores[i])

    def top(self, k: int = 3) -> list[tuple[str, float]]:
        """The `k` features that push hardest towards the target, with their scores."""
        return [(self.tokens[i], self.scores[i]) for i in self.ranking()[:k]]

    def to_dict(self) -> dict[str, Any]:
        d = asdict(self)
        for key in ("tokens", "scores", "target_scores", "foil_scores"):
            if d[key] is not None:
                d[key] = list(d[key])
        for key, v in d.items():
            if isinstance(v, float) and not math.isfinite(v):
                d[key] = None
        return d

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Attribution:
        names = {f.name for f in fields(cls)}
        kw = {k: v for k, v in data.items() if k in names}
        kw["tokens"] = tuple(str(t) for t in kw.get("tokens", ()))
        kw["scores"] = _floats(kw.get("scores", ()))
        for key in ("target_scores", "foil_scores"):
            if kw.get(key) is not None:
                kw[key] = _floats(kw[key])
        return cls(**kw)
