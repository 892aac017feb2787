"""The explainer registry: method name -> class, listed explicitly."""

from __future__ import annotations

import importlib

from audit.errors import UsageError
from audit.explain.config import ExplainConfig

__all__ = ["METHODS", "get_explainer"]

# name -> "module:Class". One line per method.
METHODS: dict[str, str] = {
    "ablation": "audit.explain.perturbation:AblationExplainer",
    "ig": "audit.explain.integrated_gradients:IntegratedGradientsExplainer",
    "shap": "audit.explain.shap_partition:ShapPartitionExplainer",
    "shapley": "audit.explain.perturbation:ShapleyExplainer",
}


def get_explainer(method: str, config: ExplainConfig | None = None):
    """An explainer instance for `method`; UsageError listing the valid names otherwise."""
    if method not in METHODS:
        raise UsageError(f"unknown explanation method {method!r}",
                         f"choose from: {', '.join(sorted(METHODS))}")
    module, _, attr = METHODS[method].partition(":")
    return getattr(importlib.import_module(module), attr)(config)
