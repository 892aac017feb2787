"""The model port: one protocol every suite, explainer and CLI command talks to.

A backend (local weights through transformers, an OpenAI-compatible endpoint, a plug-in) declares
what it can do as `Capability` values; suites declare what they need (`Suite.requires`) and the
runner refuses a mismatch before anything runs. Backends are opened through
`audit.model.registry.open_model`.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from enum import Enum
from typing import Protocol, runtime_checkable

from audit.types import ModelIdentity

__all__ = ["QUANTIZATIONS", "Capability", "GenerationConfig", "LanguageModel", "Loglikelihood",
           "Progress", "missing_capabilities"]

# Weight quantizations `HFModel` accepts (`audit.model._quant`); here so the CLI can check a
# --quantize value without importing torch.
QUANTIZATIONS = ("none", "int8", "int4")  # int4: audit.model._compress

# What a suite passes as `progress=`: the `advance(n)` callback that its own progress bar
# (`audit.suite.ProgressFactory`) yields. A backend calls it with the number of requests (or
# prompts) finished since its last call; the totals are the suite's, so a backend never opens a
# bar of its own for these calls.
Progress = Callable[[int], None]


class Capability(str, Enum):
    """What a backend can compute. A suite lists the ones it needs in `Suite.requires`."""

    LOGLIKELIHOOD = "loglikelihood"  # sum of continuation log-probs given a context
    GENERATION = "generation"  # text continuations (greedy or seeded sampling)
    CHOICE_LOGPROBS = "choice_logprobs"  # log-probs of a few answer options after a prompt
    GRADIENTS = "gradients"  # white-box: embeddings + backward (captum's gradient methods)


class Loglikelihood(float):
    """A summed log-probability that also says how many continuation tokens it covers.

    A float, so every arithmetic use of a log-likelihood keeps working; `n_tokens` lets suites
    average per token (StereoSet, HolisticBias) without a tokenizer of their own, and
    `is_greedy` (lm-evaluation-harness's second value) is None when a backend cannot tell.
    """

    __slots__ = ("n_tokens", "is_greedy")

    n_tokens: int
    is_greedy: bool | None

    def __new__(cls, value: float, n_tokens: int, is_greedy: bool | None = None) -> Loglikelihood:
        if int(n_tokens) < 0:
            raise ValueError(f"n_tokens must be >= 0, got {n_tokens}")
        self = super().__new__(cls, value)
        self.n_tokens = int(n_tokens)
        self.is_greedy = is_greedy
        return self

    def __reduce__(self):  # pickles (multiprocessing, caches) keep the token count
        return (type(self), (float(self), self.n_tokens, self.is_greedy))

    def __str__(self) -> str:  # prints, f-strings and logs show the number alone
        return float.__repr__(self)

    def __repr__(self) -> str:
        return f"Loglikelihood({float(self)!r}, n_tokens={self.n_tokens}, is_greedy={self.is_greedy})"


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
    """A causal language model behind a batched, device-agnostic interface.

    A method whose capability the backend lacks raises `audit.errors.CapabilityError`.
    """

    @property
    def identity(self) -> ModelIdentity:
        """Path, content hash, dtype, device (and `extra` for endpoints): recorded with every run."""

    @property
    def capabilities(self) -> frozenset[Capability]:
        """What this model can compute (checked against `Suite.requires` before a run)."""

    def loglikelihood(self, requests: Sequence[tuple[str, str]], *,
                      progress: Progress | None = None) -> list[Loglikelihood]:
        """Sum of log-probs of each continuation given its context (lm-evaluation-harness
        semantics: an empty context is replaced by the BOS/EOS prefix token; trailing spaces of the
        context move to the continuation), with the number of continuation tokens scored."""

    def generate(self, prompts: Sequence[str], config: GenerationConfig | None = None, *,
                 progress: Progress | None = None) -> list[str]:
        """Continuations for each prompt (chat template applied when the model has one and
        `config.chat`), without the prompt."""

    def choice_logprobs(self, prompts: Sequence[str], choices: Sequence[Sequence[str]],
                        chat: bool = True, *, progress: Progress | None = None
                        ) -> list[list[float]]:
        """Log-probs of each answer option after its prompt (as the start of the model's reply
        when `chat` and the model has a chat template); `progress` advances once per (prompt,
        option) pair."""


def missing_capabilities(model: object, needed: frozenset[Capability] | set[Capability]
                         ) -> list[Capability]:
    """The capabilities in `needed` that `model` does not declare, in enum order."""
    have = frozenset(getattr(model, "capabilities", frozenset()))
    return [c for c in Capability if c in needed and c not in have]
