"""Attribution explainers (captum, SHAP) behind one `Explainer` interface.

`explain(lm, prompt, target, foil=None, method="ablation")` returns an `Attribution`: which
prompt tokens made the model produce `target` (or prefer it over `foil`).
"""

from __future__ import annotations

from typing import Any

from audit.explain.attribution import Attribution
from audit.explain.base import Explainer
from audit.explain.config import ExplainConfig
from audit.explain.registry import METHODS, get_explainer
from audit.explain.request import ExplainRequest

__all__ = ["METHODS", "Attribution", "ExplainConfig", "ExplainRequest", "Explainer", "explain",
           "get_explainer"]


def explain(lm: Any, prompt: str, target: str, foil: str | None = None, method: str = "ablation",
            config: ExplainConfig | None = None) -> Attribution:
    """Attribute log P(target | prompt) (minus log P(foil | prompt)) to the prompt's tokens."""
    return get_explainer(method, config).explain(lm, prompt, target, foil)
