"""Read a finding's attribution (tokens, scores, method, target, foil) in one normalised shape.

Explainers may store one attribution dict or several (`{"attributions": [...]}` or a list); the
readers only need a list of `TokenAttribution`s.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

__all__ = ["TokenAttribution", "attributions_of", "colour_for"]


@dataclass(frozen=True)
class TokenAttribution:
    """Per-token scores from one method; positive pushes towards `target`, negative to `foil`."""

    tokens: list[str]
    scores: list[float]
    method: str = ""
    target: str | None = None
    foil: str | None = None

    @property
    def scale(self) -> float:
        """Largest absolute score (for colour scaling); 1 when all are zero."""
        finite = [abs(s) for s in self.scores if math.isfinite(s)]
        return max(finite, default=0.0) or 1.0

    def top(self, k: int = 5) -> list[tuple[str, float]]:
        """The k tokens with the largest absolute score."""
        pairs = [(t, s) for t, s in zip(self.tokens, self.scores) if math.isfinite(s)]
        return sorted(pairs, key=lambda p: -abs(p[1]))[:k]


def _one(d: dict[str, Any], parent: dict[str, Any]) -> TokenAttribution | None:
    tokens = d.get("tokens")
    scores = d.get("scores", d.get("attributions"))
    if not isinstance(tokens, list) or not isinstance(scores, list) or len(tokens) != len(scores):
        return None
    try:
        values = [float(s) if s is not None else math.nan for s in scores]
    except (TypeError, ValueError):
        return None
    return TokenAttribution(tokens=[str(t) for t in tokens], scores=values,
                            method=str(d.get("method") or parent.get("method") or ""),
                            target=d.get("target", parent.get("target")),
                            foil=d.get("foil", parent.get("foil")))


def attributions_of(attribution: Any) -> list[TokenAttribution]:
    """Every well-formed token attribution in a finding's `attribution` field ([] if none)."""
    if not attribution:
        return []
    if isinstance(attribution, list):
        items, parent = attribution, {}
    elif isinstance(attribution, dict) and isinstance(attribution.get("attributions"), list) \
            and attribution["attributions"] and isinstance(attribution["attributions"][0], dict):
        items, parent = attribution["attributions"], attribution
    elif isinstance(attribution, dict) and isinstance(attribution.get("methods"), dict):
        items = [{"method": k, **v} for k, v in attribution["methods"].items() if isinstance(v, dict)]
        parent = attribution
    else:
        items, parent = [attribution], {}
    out = [_one(d, parent) for d in items if isinstance(d, dict)]
    return [a for a in out if a is not None]


def colour_for(score: float, scale: float) -> str:
    """Diverging background: red pushes towards the target, blue towards the foil."""
    if not math.isfinite(score) or scale <= 0:
        return "rgba(0,0,0,0)"
    a = min(1.0, abs(score) / scale) * 0.85
    return f"rgba(214,39,40,{a:.2f})" if score > 0 else f"rgba(31,119,180,{a:.2f})"
