"""The capability probe: what an endpoint claims is checked before any suite relies on it.

Servers answer with HTTP 200 and plausible numbers that are wrong (llama-cpp-python 0.3.36 echoes
prompt log-probs that are not the model's, reads `max_tokens=0` as unlimited, and fails token-id
or batched prompts with 500). So each capability is kept only if a check passes:

- log-likelihood: for a few known prompts the model's greedy next token and its log-prob are
  asked for, then the same text is echoed with prompt log-probs; the echoed value of that token
  must equal the generated one (within `tolerance` nats), and both must be one token;
- generation: `max_tokens` is honoured and a `stop` string ends the reply where asked;
- choice log-probs: a chat reply returns `top_logprobs`;
- batches: two prompts in one request come back as two answers equal to the single ones
  (else one prompt per request);
- the empty-context prefix (BOS): from `--model-option prefix_token`, the server's
  `/tokenizer_info`, or a server that adds it itself; checked to be one token.

A failed check drops that capability with one line saying what was wrong; the rest still runs.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

from audit.errors import ModelError
from audit.model.base import Capability
from audit.model.endpoint._logprobs import echo_body, score_choice
from audit.model.endpoint._transport import Transport

__all__ = ["ProbeResult", "probe_endpoint"]

KNOWN_PROMPTS = ("The capital of France is", "Water is made of hydrogen and",
                 "Monday, Tuesday, Wednesday,")
CHAT_PROBE = [{"role": "user", "content": "Answer with one word: is the sky blue?"}]


@dataclass
class ProbeResult:
    capabilities: set[Capability] = field(default_factory=set)
    refused: dict[str, str] = field(default_factory=dict)  # capability -> why it was dropped
    checks: dict[str, Any] = field(default_factory=dict)
    routes: dict[str, str] = field(default_factory=dict)  # what -> "chat" | "completions"
    batch_ok: bool = False
    prefix: str | None = None  # text an empty context becomes; "" = the server adds its BOS


def _tokens(choice: dict[str, Any]) -> int | None:
    lp = choice.get("logprobs") or {}
    if isinstance(lp.get("tokens"), list):
        return len(lp["tokens"])
    if isinstance(lp.get("content"), list):
        return len(lp["content"])
    return None


def _gen_checks(t: Transport, model: str, res: ProbeResult) -> str | None:
    """max_tokens and stop on /v1/completions; None when both hold, else what was wrong."""
    base = {"model": model, "prompt": KNOWN_PROMPTS[2], "temperature": 0, "logprobs": 1,
            "seed": 1234}
    short, free = t.post_many("/completions", [{**base, "max_tokens": 3},
                                               {**base, "max_tokens": 12}], use_cache=False,
                              probe=True)
    for a in (short, free):
        if isinstance(a, ModelError):
            return f"/v1/completions failed ({a.problem})"
    n = _tokens(short["choices"][0])
    res.checks["max_tokens"] = {"asked": 3, "got": n}
    if n is not None and n > 3:
        return f"max_tokens=3 produced {n} tokens (the server does not stop where asked)"
    text = free["choices"][0].get("text") or ""
    cut = next((i for i in range(len(text) // 2, len(text)) if not text[i].isspace()), None)
    if cut is None:
        res.checks["stop"] = "not checked (reply too short)"
        return None
    stop = text[cut:cut + 2]
    first = text.find(stop)
    stopped = t.post_many("/completions", [{**base, "max_tokens": 12, "stop": [stop]}],
                          use_cache=False, probe=True)[0]
    if isinstance(stopped, ModelError):
        return f"a request with stop failed ({stopped.problem})"
    got = stopped["choices"][0].get("text") or ""
    res.checks["stop"] = {"stop": stop, "expected": text[:first], "got": got}
    if stop in got or got != text[:first]:
        return f"stop={stop!r} was not respected (reply {got!r}, expected {text[:first]!r})"
    return None


def _loglik_check(t: Transport, model: str, res: ProbeResult, tol: float, url: str
                  ) -> str | None:
    nexts = t.post_many("/completions", [
        {"model": model, "prompt": p, "max_tokens": 1, "temperature": 0, "logprobs": 1,
         "seed": 1234} for p in KNOWN_PROMPTS], use_cache=False, probe=True)
    pairs = []
    for p, a in zip(KNOWN_PROMPTS, nexts):
        if isinstance(a, ModelError):
            return f"next-token log-probs failed ({a.problem})"
        lp = a["choices"][0].get("logprobs") or {}
        if not lp.get("tokens") or lp.get("token_logprobs", [None])[0] is None:
            return "the server returns no token log-probs"
        pairs.append((p, lp["tokens"][0], float(lp["token_logprobs"][0])))
    echoes = t.post_many("/completions", [echo_body(model, p + g) for p, g, _ in pairs],
                         use_cache=False, probe=True)
    rows = []
    for (p, g, want), a in zip(pairs, echoes):
        if isinstance(a, ModelError):
            return f"echo with logprobs failed ({a.problem})"
        try:
            got = score_choice(a["choices"][0], p + g, len(g), url)
        except ModelError as exc:
            return exc.problem
        rows.append({"context": p, "token": g, "next_token": round(want, 4),
                     "echoed": round(float(got), 4), "echoed_tokens": got.n_tokens})
        res.checks["prompt_logprobs"] = rows
        if got.n_tokens != 1 or abs(float(got) - want) > tol + 0.05 * abs(want):
            return (f"prompt log-probs disagree with next-token log-probs: {g!r} after {p!r} "
                    f"is {float(got):.2f} echoed but {want:.2f} generated")
    both = t.post_many("/completions", [echo_body(model, [p + g for p, g, _ in pairs[:2]])],
                       use_cache=False, probe=True)[0]
    ok = (not isinstance(both, ModelError) and len(both.get("choices", [])) == 2
          and all(abs(float(score_choice(c, pairs[c["index"]][0] + pairs[c["index"]][1],
                                         len(pairs[c["index"]][1]), url)) - r["echoed"]) < 1e-3
                  for c, r in zip(sorted(both["choices"], key=lambda c: c["index"]), rows)))
    res.batch_ok = ok
    res.checks["batched_prompts"] = ("ok" if ok else
                                     f"refused ({both.problem})" if isinstance(both, ModelError)
                                     else "answers differ from single prompts")
    return None


def _prefix(t: Transport, model: str, res: ProbeResult, given: str | None, url: str) -> None:
    source = "option"
    if given is None:
        info = t.get_json(url.rstrip("/").removesuffix("/v1") + "/tokenizer_info")
        if isinstance(info, dict):
            tok = info.get("bos_token") or info.get("eos_token")
            given = tok.get("content") if isinstance(tok, dict) else tok
            source = "/tokenizer_info"
    if given:
        a = t.post_many("/completions", [echo_body(model, given + "Hello")], use_cache=False,
                        probe=True)[0]
        toks = [] if isinstance(a, ModelError) else (a["choices"][0].get("logprobs") or {}
                                                     ).get("tokens") or []
        if toks and toks[0] == given:
            res.prefix = given
            res.checks["prefix_token"] = {"text": given, "from": source}
            return
        res.checks["prefix_token"] = f"{given!r} (from {source}) is not one token here"
    a = t.post_many("/completions", [echo_body(model, "Hello")], use_cache=False, probe=True)[0]
    toks = [] if isinstance(a, ModelError) else (a["choices"][0].get("logprobs") or {}
                                                 ).get("tokens") or []
    if toks and toks[0] != "Hello" and "".join(toks).find("Hello") > 0:
        res.prefix = ""
        res.checks["prefix_token"] = {"text": toks[0], "from": "added by the server"}


def _chat_checks(t: Transport, model: str, res: ProbeResult, k: int) -> None:
    a = t.post_many("/chat/completions", [{
        "model": model, "messages": CHAT_PROBE, "max_tokens": 3, "temperature": 0,
        "logprobs": True, "top_logprobs": k, "seed": 1234}], use_cache=False, probe=True)[0]
    if isinstance(a, ModelError):
        res.checks["chat"] = f"failed ({a.problem})"
        return
    choice = a["choices"][0]
    n = _tokens(choice) or (a.get("usage") or {}).get("completion_tokens")
    res.checks["chat"] = {"max_tokens": 3, "got": n}
    if n is not None and n > 3:
        res.checks["chat"]["problem"] = "max_tokens not honoured"
        return
    res.routes.setdefault("generate_chat", "chat")
    content = (choice.get("logprobs") or {}).get("content") or []
    tops = content[0].get("top_logprobs") if content else None
    if tops and len(tops) >= 2 and all(math.isfinite(x.get("logprob", math.nan)) for x in tops):
        res.routes["choices"] = "chat"
        res.checks["chat_top_logprobs"] = len(tops)


def probe_endpoint(t: Transport, model: str, url: str, mode: str, prefix: str | None,
                   tolerance: float, top_k: int) -> ProbeResult:
    """Check the endpoint; capabilities that pass, and why the others were dropped."""
    res = ProbeResult()
    if mode in ("auto", "completions"):
        why_gen = _gen_checks(t, model, res)
        if why_gen is None:
            res.routes["generate_text"] = "completions"
        why_ll = _loglik_check(t, model, res, tolerance, url)
        if why_ll is None:
            res.capabilities.add(Capability.LOGLIKELIHOOD)
            _prefix(t, model, res, prefix, url)
        else:
            res.refused[Capability.LOGLIKELIHOOD.value] = why_ll
        if why_gen:
            res.checks["completions_generation"] = why_gen
    else:
        res.refused[Capability.LOGLIKELIHOOD.value] = ("mode=chat: only /v1/chat/completions is "
                                                       "used")
    if mode in ("auto", "chat"):
        _chat_checks(t, model, res, top_k)
    if res.routes.get("generate_chat") or res.routes.get("generate_text"):
        res.capabilities.add(Capability.GENERATION)
    else:
        res.refused[Capability.GENERATION.value] = str(
            res.checks.get("completions_generation") or res.checks.get("chat")
            or "no route generates text")
    if res.routes.get("choices") == "chat":
        res.capabilities.add(Capability.CHOICE_LOGPROBS)
    else:
        res.refused[Capability.CHOICE_LOGPROBS.value] = (
            "no chat reply with top_logprobs (choice log-probs are read from them)")
    res.refused[Capability.GRADIENTS.value] = "an endpoint exposes no weights or gradients"
    return res
