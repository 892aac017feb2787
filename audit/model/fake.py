"""FakeModel: a deterministic stand-in for unit tests (never used to show a feature works)."""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Mapping, Sequence

from audit.errors import CapabilityError
from audit.model.base import Capability, GenerationConfig, Loglikelihood, Progress
from audit.types import ModelIdentity

__all__ = ["FakeModel"]


def _unit(*parts: str) -> float:
    digest = hashlib.sha256("\x1f".join(parts).encode()).digest()
    return int.from_bytes(digest[:8], "big") / 2**64


class FakeModel:
    """Scores each whitespace word of a continuation with a hash-derived log-prob in [-5, -1).

    `bonus` maps a substring to a log-prob added whenever the continuation contains it, so tests
    can make a model that prefers " he" to " she" by a known amount. `responses` maps a prompt (or
    a callable maps it) to the generated text; otherwise the text is derived from the prompt.
    `capabilities` narrows what it declares (a generation-only endpoint's shape, for refusal
    tests); a method outside them raises CapabilityError as a real backend does.
    """

    def __init__(self, bonus: Mapping[str, float] | None = None,
                 responses: Mapping[str, str] | Callable[[str], str] | None = None,
                 name: str = "fake",
                 capabilities: frozenset[Capability] | None = None) -> None:
        self.bonus = dict(bonus or {})
        self.responses = responses
        self.name = name
        self.capabilities = frozenset(
            capabilities if capabilities is not None else set(Capability) - {Capability.GRADIENTS})
        self.calls: list[tuple[str, int]] = []

    def _need(self, cap: Capability) -> None:
        if cap not in self.capabilities:
            raise CapabilityError(f"the fake model {self.name!r} offers no {cap.value}",
                                  "construct it with that capability")

    @property
    def identity(self) -> ModelIdentity:
        sha = hashlib.sha256(repr(sorted(self.bonus.items())).encode()).hexdigest()
        return ModelIdentity(name=self.name, path=f"fake://{self.name}", sha256=sha,
                             dtype="float32", device="cpu", backend="fake")

    def _score(self, context: str, continuation: str) -> float:
        words = continuation.split() or [continuation]
        total = sum(-1.0 - 4.0 * _unit(context, str(i), w) for i, w in enumerate(words))
        return total + sum(v for k, v in self.bonus.items() if k in continuation)

    def loglikelihood(self, requests: Sequence[tuple[str, str]], *,
                      progress: Progress | None = None) -> list[Loglikelihood]:
        self._need(Capability.LOGLIKELIHOOD)
        self.calls.append(("loglikelihood", len(requests)))
        # one "token" per whitespace word: what `_score` sums over
        out = [Loglikelihood(self._score(c, x), n_tokens=max(1, len(x.split())))
               for c, x in requests]
        if progress:
            progress(len(requests))
        return out

    def generate(self, prompts: Sequence[str], config: GenerationConfig | None = None, *,
                 progress: Progress | None = None) -> list[str]:
        self._need(Capability.GENERATION)
        self.calls.append(("generate", len(prompts)))
        config = config or GenerationConfig()
        out = []
        for p in prompts:
            if callable(self.responses):
                out.append(self.responses(p))
            elif self.responses is not None and p in self.responses:
                out.append(self.responses[p])
            else:
                n = 3 + int(_unit(p, str(config.seed)) * 8)
                out.append(" ".join(f"w{int(_unit(p, str(i)) * 100)}" for i in range(n)))
        if progress:
            progress(len(prompts))
        return out

    def choice_logprobs(self, prompts: Sequence[str], choices: Sequence[Sequence[str]],
                        chat: bool = True, *, progress: Progress | None = None
                        ) -> list[list[float]]:
        self._need(Capability.CHOICE_LOGPROBS)
        if len(prompts) != len(choices):
            raise ValueError("prompts and choices must have the same length")
        self.calls.append(("choice_logprobs", len(prompts)))
        return [[self._score(p, c) for c in cs] for p, cs in zip(prompts, choices)]
