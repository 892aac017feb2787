"""The one model protocol every probe and explainer uses."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol, runtime_checkable

from audit.types import ModelIdentity

__all__ = ["QUANTIZATIONS", "GenerationConfig", "LanguageModel"]

# Weight quantizations `HFModel` accepts (`audit.model._quant`); here so the CLI can check a
# --quantize value without importing torch.
QUANTIZATIONS = ("none", "int8", "int4")  # int4: audit.model._compress


@dataclass(frozen=True)
class GenerationConfig:
    """Decoding settings. `temperature == 0` is greedy; otherwise sampling seeded by `seed`."""

    max_new_tokens: int = 64
    temperature: float = 0.0
    top_p: float = 1.0
    seed: int = 0
    chat: bool = True  # apply the model's chat template when it has one

    def __post_init__(self) -> None:
        if self.max_new_tokens < 1:
            raise ValueError("max_new_tokens must be >= 1")
        if self.temperature < 0:
            raise ValueError("temperature must be >= 0")


@runtime_checkable
class LanguageModel(Protocol):
    """A causal language model behind a batched, device-agnostic interface."""

    @property
    def identity(self) -> ModelIdentity:
        """Path, content hash, dtype, device: recorded with every run."""

    def loglikelihood(self, requests: Sequence[tuple[str, str]]) -> list[float]:
        """Sum of log-probs of each continuation given its context (lm-evaluation-harness
        semantics: an empty context is replaced by the BOS/EOS prefix token; trailing spaces of the
        context move to the continuation)."""

    def generate(self, prompts: Sequence[str], config: GenerationConfig | None = None) -> list[str]:
        """Continuations for each prompt (chat template applied when the model has one and
        `config.chat`), without the prompt."""

    def choice_logprobs(self, prompts: Sequence[str], choices: Sequence[Sequence[str]],
                        chat: bool = True) -> list[list[float]]:
        """Log-probs of each answer option after its prompt (as the start of the model's reply
        when `chat` and the model has a chat template)."""
