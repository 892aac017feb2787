"""`ExplainRequest`: a validated (prompt, target, foil) encoded for one transformers model."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from audit.errors import UsageError

__all__ = ["ExplainRequest", "NoSpecialTokens", "require_hf"]


def require_hf(lm: Any) -> Any:
    """`lm` itself if it exposes a transformers `.model`, `.tokenizer` and `.device`."""
    if not all(hasattr(type(lm), a) or hasattr(lm, a) for a in ("model", "tokenizer", "device")):
        raise UsageError(f"{type(lm).__name__} cannot be explained: attributions need a "
                         "transformers model", "use audit.model.HFModel (assay --model PATH)")
    return lm


class NoSpecialTokens:
    """A tokenizer view whose `encode` adds no BOS/EOS, so captum sees the ids the audit scored.

    `HFModel.loglikelihood` (lm-evaluation-harness convention) encodes contexts without special
    tokens; captum's `TextTokenInput` calls `tokenizer.encode(text)` with them. This keeps both
    on the same token ids and delegates everything else to the real tokenizer.
    """

    def __init__(self, tokenizer: Any) -> None:
        self._tok = tokenizer

    def encode(self, text: str, **kwargs: Any) -> Any:
        kwargs.setdefault("add_special_tokens", False)
        return self._tok.encode(text, **kwargs)

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        kwargs.setdefault("add_special_tokens", False)
        return self._tok(*args, **kwargs)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._tok, name)


@dataclass(frozen=True)
class ExplainRequest:
    """Prompt, target and optional foil, checked and tokenised (no special tokens)."""

    prompt: str
    target: str
    foil: str | None
    prompt_ids: tuple[int, ...]
    target_ids: tuple[int, ...]
    foil_ids: tuple[int, ...] | None

    @staticmethod
    def check(prompt: str, target: str, foil: str | None = None) -> str | None:
        """Check the texts alone (before any model loads); returns the foil (None if empty)."""
        if not isinstance(prompt, str) or not prompt.strip():
            raise UsageError("the prompt is empty", "pass the text the model was given, e.g. "
                             "--prompt 'The nurse said that'")
        if not isinstance(target, str) or target == "":
            raise UsageError("the target is empty", "pass the continuation to explain, e.g. "
                             "--target ' she' (note the leading space)")
        if foil is not None and foil == "":
            foil = None
        if foil is not None and foil == target:
            raise UsageError(f"the foil {foil!r} is the same as the target",
                             "pass a different alternative, e.g. --target ' he' --foil ' she'")
        return foil

    @classmethod
    def build(cls, lm: Any, prompt: str, target: str, foil: str | None = None) -> ExplainRequest:
        """Validate and encode; UsageError (one line) for empty or over-long input."""
        foil = cls.check(prompt, target, foil)
        tok = require_hf(lm).tokenizer
        p = tuple(tok.encode(prompt, add_special_tokens=False))
        t = tuple(tok.encode(target, add_special_tokens=False))
        f = tuple(tok.encode(foil, add_special_tokens=False)) if foil is not None else None
        if not p:
            raise UsageError("the prompt encodes to no tokens", "pass a non-empty prompt")
        if not t:
            raise UsageError(f"the target {target!r} encodes to no tokens", "pass visible text")
        window = int(getattr(lm, "max_length", 0) or 2048)
        longest = max(len(t), len(f or ()))
        if len(p) + longest > window:
            what = "target" if longest >= window else "prompt plus target"
            raise UsageError(f"the {what} ({len(p)} + {longest} tokens) is longer than the "
                             f"model's context window ({window} tokens)",
                             "shorten the prompt or the target")
        return cls(prompt, target, foil, p, t, f)

    def continuations(self) -> list[tuple[int, ...]]:
        """The target, then the foil when there is one."""
        return [self.target_ids] + ([self.foil_ids] if self.foil_ids is not None else [])
