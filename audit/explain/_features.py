"""Interpretable features for captum: prompt tokens, or word segments for long prompts."""

from __future__ import annotations

import re
from typing import Any

from audit.explain.config import ExplainConfig
from audit.explain.request import ExplainRequest, NoSpecialTokens

__all__ = ["display_tokens", "feature_level", "token_input", "word_input", "word_segments"]

_WORD = re.compile(r"\s*\S+\s*$|\s*\S+")


def feature_level(request: ExplainRequest, config: ExplainConfig) -> str:
    """`token`, or `word` when the prompt is longer than `max_token_features` (features=auto)."""
    if config.features != "auto":
        return config.features
    return "word" if len(request.prompt_ids) > config.max_token_features else "token"


def word_segments(prompt: str, max_features: int) -> list[str]:
    """The prompt cut into words (leading whitespace kept), merged into <= max_features runs.

    Concatenating the segments gives the prompt back exactly.
    """
    words = _WORD.findall(prompt)
    lead = prompt[:len(prompt) - len(prompt.lstrip())] if not words else ""
    if not words:
        return [prompt]
    if lead:
        words[0] = lead + words[0]
    n = len(words)
    if n <= max_features:
        return words
    segs = [""] * max_features
    for i, w in enumerate(words):
        segs[i * max_features // n] += w
    return [s for s in segs if s]


def token_input(tokenizer: Any, request: ExplainRequest, baseline_id: int) -> Any:
    """captum `TextTokenInput` over the prompt's tokens (no special tokens added)."""
    from captum.attr import TextTokenInput

    inp = TextTokenInput(request.prompt, NoSpecialTokens(tokenizer), baselines=baseline_id)
    if tuple(inp.inp_tensor[0].tolist()) != request.prompt_ids:
        raise RuntimeError("captum tokenised the prompt differently from the audit")
    return inp


def word_input(request: ExplainRequest, config: ExplainConfig) -> Any:
    """captum `TextTemplateInput` over word segments; a removed segment becomes ''."""
    from captum.attr import TextTemplateInput

    segs = word_segments(request.prompt, config.max_features)
    return TextTemplateInput(template="{}" * len(segs), values=segs)


def display_tokens(tokenizer: Any, ids: tuple[int, ...] | list[int]) -> list[str]:
    """Each token id decoded on its own (readable, with its leading space)."""
    return [tokenizer.decode([int(i)]) for i in ids]
