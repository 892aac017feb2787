"""`ExplainConfig`: every knob that bounds an explainer's cost (passed down, never global)."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

__all__ = ["IG_METHODS", "ExplainConfig"]

# captum's `approximation_methods.SUPPORTED_METHODS` (named here so the config needs no captum)
IG_METHODS = ("gausslegendre", "riemann_left", "riemann_right", "riemann_middle",
              "riemann_trapezoid")


@dataclass(frozen=True)
class ExplainConfig:
    """Bounded steps, samples and batch sizes for the attribution methods.

    The defaults are the measured "cheap but faithful" settings (see bench/explain_cost.py);
    captum's own defaults are `n_steps=50` Gauss-Legendre nodes in one batch for integrated
    gradients, `n_samples=25` for Shapley sampling and one perturbation per forward pass. IG uses
    the trapezoid rule: the integrand along the embedding path is rough (it swings by several
    nats within a few percent of the path), so Gauss-Legendre's accuracy, which needs a smooth
    integrand, does not show at 16-32 nodes; 24 trapezoid nodes match captum's 50-node result
    better than 24 midpoints or Gauss-Legendre nodes, with a smaller completeness error
    (measured in bench/README.md, Explanations).
    """

    ig_steps: int = 24  # integrated-gradients quadrature nodes (captum's n_steps)
    ig_method: str = "riemann_trapezoid"  # captum's quadrature: gausslegendre | riemann_<rule>
    shapley_samples: int = 10  # ShapleyValueSampling n_samples (permutations)
    shap_max_evals: int = 300  # SHAP Partition max_evals
    seed: int = 0
    batch_rows: int = 32  # most sequences in one forward pass (perturbations, SHAP, IG steps)
    token_budget: int | None = None  # padded tokens per forward; None: 4096 on CPU, model's on GPU
    features: str = "auto"  # token | word | auto (words when the prompt is long)
    max_token_features: int = 48  # above this many prompt tokens, `auto` switches to words
    max_features: int = 48  # words are grouped into at most this many segments
    baseline: str = "space"  # token that stands for a removed prompt token: space | eos | pad

    def __post_init__(self) -> None:
        from audit.errors import UsageError

        for name in ("ig_steps", "shapley_samples", "shap_max_evals", "batch_rows",
                     "max_token_features", "max_features"):
            if int(getattr(self, name)) < 1:
                raise UsageError(f"explain setting {name}={getattr(self, name)} must be >= 1",
                                 "use a positive number")
        if self.features not in ("auto", "token", "word"):
            raise UsageError(f"unknown feature level {self.features!r}", "use auto, token or word")
        if self.ig_method not in IG_METHODS:
            raise UsageError(f"unknown integration method {self.ig_method!r}",
                             f"use one of: {', '.join(IG_METHODS)}")
        if self.ig_method != "gausslegendre" and self.ig_steps < 2:
            raise UsageError(f"{self.ig_method} needs at least 2 integrated-gradients steps",
                             "use --steps 2 or more")
        if self.baseline not in ("space", "eos", "pad"):
            raise UsageError(f"unknown baseline {self.baseline!r}", "use space, eos or pad")

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)
