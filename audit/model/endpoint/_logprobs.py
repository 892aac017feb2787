"""Log-likelihoods from `/v1/completions` with `echo` and `logprobs`, as lm-evaluation-harness's
`local-completions` model computes them, but from text (no client-side tokenizer).

lm-eval sends `[prefix] + tokens(context + continuation)`, asks for `max_tokens=1`, `echo=true`,
`logprobs=1`, and sums the echoed prompt log-probs of the continuation tokens. Here the prompt
is text: trailing spaces of the context move to the continuation (lm-eval's `_encode_pair`), an
empty context becomes the model's prefix token (its BOS; lm-eval's `prefix_token_id`), and the
continuation's tokens are the echoed prompt tokens whose text lies at or after the context's end
(found by `text_offset`). A token that straddles the boundary counts for the continuation.
`max_tokens=1`, not 0: some servers read 0 as "no limit" (llama-cpp-python), and the one
generated token is dropped by its offset.
"""

from __future__ import annotations

from typing import Any

from audit.errors import ModelError
from audit.model.base import Loglikelihood

__all__ = ["echo_body", "prompt_for", "score_choice", "split_pair"]


def split_pair(context: str, continuation: str) -> tuple[str, str]:
    """lm-eval `_encode_pair`: the context's trailing spaces start the continuation."""
    n = len(context) - len(context.rstrip())
    if n:
        return context[:-n], context[-n:] + continuation
    return context, continuation


def prompt_for(context: str, continuation: str, prefix: str) -> tuple[str, int]:
    """(prompt text, length of the continuation at its end)."""
    context, continuation = split_pair(context, continuation)
    if context == "":
        context = prefix
    return context + continuation, len(continuation)


def echo_body(model: str, prompt: str | list[str]) -> dict[str, Any]:
    return {"model": model, "prompt": prompt, "max_tokens": 1, "temperature": 0,
            "logprobs": 1, "echo": True, "seed": 1234}


def _offsets(lp: dict[str, Any]) -> list[int]:
    offsets = lp.get("text_offset")
    tokens = lp.get("tokens") or []
    if isinstance(offsets, list) and len(offsets) == len(tokens):
        return [int(o) for o in offsets]
    out, pos = [], 0
    for t in tokens:
        out.append(pos)
        pos += len(t)
    return out


def score_choice(choice: dict[str, Any], prompt: str, n_cont: int, base_url: str
                 ) -> Loglikelihood:
    """Sum of the continuation's echoed prompt log-probs, with its token count and greediness."""
    lp = choice.get("logprobs") or {}
    tokens, values = lp.get("tokens"), lp.get("token_logprobs")
    if not tokens or not isinstance(values, list) or len(values) != len(tokens):
        raise ModelError(f"the endpoint at {base_url} returned no prompt log-probs "
                         "(echo + logprobs)", "use a server that supports echo with logprobs "
                         "on /v1/completions (vLLM, TGI), or local weights")
    offsets = _offsets(lp)
    # a server that adds BOS itself echoes text before ours: anchor our prompt in the echo
    joined = "".join(tokens)
    shift = max(0, joined.find(prompt)) if prompt else 0
    end = shift + len(prompt)
    start = end - n_cont
    tops = lp.get("top_logprobs") or [None] * len(tokens)
    total, n, greedy = 0.0, 0, True
    for tok, value, off, top in zip(tokens, values, offsets, tops):
        if off >= end or off + max(len(tok), 1) <= start:
            continue
        if value is None:
            raise ModelError(f"the endpoint at {base_url} gave no log-prob for the first token "
                             "of a continuation with an empty context",
                             "name the model's BOS token with --model-option prefix_token=TEXT")
        total += float(value)
        n += 1
        if greedy is not None:
            greedy = (greedy and float(value) >= max(top.values()) - 1e-6) if top else None
    if n == 0 and n_cont > 0:
        raise ModelError(f"the endpoint at {base_url} echoed no token for a continuation",
                         "check the server returns text_offset with echo")
    return Loglikelihood(total, n_tokens=n, is_greedy=greedy)
