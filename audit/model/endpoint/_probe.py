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


def _completions_checks(t: Any, model: str, res: ProbeResult, tol: float, url: str,
                        prefix: str | None) -> tuple[str | None, str | None]:
    """(why generation fails, why log-likelihood fails) on /v1/completions, None when it holds.

    Two rounds of parallel requests: first the replies and next tokens, then what depends on
    them (the stop check, the echoes, a batch of two, the prefix token)."""
    base = {"model": model, "temperature": 0, "logprobs": 1, "seed": 1234}
    first = t.post_many("/completions", [
        {**base, "prompt": KNOWN_PROMPTS[2], "max_tokens": 3},
        {**base, "prompt": KNOWN_PROMPTS[2], "max_tokens": 12},
        echo_body(model, "Hello"),
        *({**base, "prompt": p, "max_tokens": 1} for p in KNOWN_PROMPTS)], use_cache=False,
        probe=True)
    short, free, hello, nexts = first[0], first[1], first[2], first[3:]
    why_gen = why_ll = None
    for a in (short, free):
        if isinstance(a, ModelError):
            why_gen = f"/v1/completions failed ({a.problem})"
    stop = expected = None
    if why_gen is None:
        n = _tokens(short["choices"][0])
        res.checks["max_tokens"] = {"asked": 3, "got": n}
        if n is not None and n > 3:
            why_gen = f"max_tokens=3 produced {n} tokens (the server does not stop where asked)"
        text = free["choices"][0].get("text") or ""
        cut = next((i for i in range(len(text) // 2, len(text)) if not text[i].isspace()), None)
        if cut is None:
            res.checks["stop"] = "not checked (reply too short)"
        else:
            stop = text[cut:cut + 2]
            expected = text[:text.find(stop)]
    pairs = []
    for p, a in zip(KNOWN_PROMPTS, nexts):
        if isinstance(a, ModelError):
            why_ll = f"next-token log-probs failed ({a.problem})"
            break
        lp = a["choices"][0].get("logprobs") or {}
        if not lp.get("tokens") or (lp.get("token_logprobs") or [None])[0] is None:
            why_ll = "the server returns no token log-probs"
            break
        pairs.append((p, lp["tokens"][0], float(lp["token_logprobs"][0])))
    if why_ll is None and prefix is None:
        info = t.get_json(url.rstrip("/").removesuffix("/v1") + "/tokenizer_info")
        if isinstance(info, dict):
            tok = info.get("bos_token") or info.get("eos_token")
            prefix = tok.get("content") if isinstance(tok, dict) else tok
            res.checks["prefix_token"] = {"text": prefix, "from": "/tokenizer_info"}
    elif prefix is not None:
        res.checks["prefix_token"] = {"text": prefix, "from": "option"}
    second: list[dict[str, Any]] = []
    if stop is not None:
        second.append({**base, "prompt": KNOWN_PROMPTS[2], "max_tokens": 12, "stop": [stop]})
    if why_ll is None:
        second += [echo_body(model, p + g) for p, g, _ in pairs]
        second.append(echo_body(model, [p + g for p, g, _ in pairs[:2]]))
        if prefix:
            second.append(echo_body(model, prefix + "Hello"))
    answers = t.post_many("/completions", second, use_cache=False, probe=True) if second else []
    if stop is not None:
        stopped, answers = answers[0], answers[1:]
        got = None if isinstance(stopped, ModelError) else stopped["choices"][0].get("text") or ""
        res.checks["stop"] = {"stop": stop, "expected": expected, "got": got}
        if why_gen is None and (got is None or stop in got or got != expected):
            why_gen = f"stop={stop!r} was not respected (reply {got!r}, expected {expected!r})"
    if why_ll is None:
        why_ll = _echo_checks(res, pairs, answers, tol, url)
    if why_ll is None:
        _prefix(res, prefix, answers[-1] if prefix else None, hello)
    return why_gen, why_ll


def _echo_checks(res: ProbeResult, pairs: list[tuple[str, str, float]], answers: list[Any],
                 tol: float, url: str) -> str | None:
    rows = []
    for (p, g, want), a in zip(pairs, answers):
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
    both = answers[len(pairs)]
    ok = False
    if not isinstance(both, ModelError) and len(both.get("choices") or []) == 2:
        try:
            ok = all(abs(float(score_choice(c, pairs[i][0] + pairs[i][1], len(pairs[i][1]), url))
                         - rows[i]["echoed"]) < 1e-3
                     for i, c in enumerate(sorted(both["choices"], key=lambda c: c["index"])))
        except ModelError:
            ok = False
    res.batch_ok = ok
    res.checks["batched_prompts"] = ("ok" if ok else
                                     f"refused ({both.problem})" if isinstance(both, ModelError)
                                     else "answers differ from single prompts")
    return None


def _first_token(answer: Any) -> str | None:
    if answer is None or isinstance(answer, ModelError):
        return None
    toks = (answer["choices"][0].get("logprobs") or {}).get("tokens") or []
    return toks[0] if toks else None


def _prefix(res: ProbeResult, given: str | None, with_prefix: Any, hello: Any) -> None:
    """The prefix an empty context becomes: the given/announced token if it is one token,
    else "" when the server puts its own BOS before a prompt, else None (unknown)."""
    if given:
        if _first_token(with_prefix) == given:
            res.prefix = given
            return
        res.checks["prefix_token"] = f"{given!r} is not one token on this server"
    first = _first_token(hello)
    if first is not None and first != "Hello":
        res.prefix = ""
        res.checks["prefix_token"] = {"text": first, "from": "added by the server"}


def _chat_checks(t: Any, model: str, res: ProbeResult, k: int) -> None:
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


class _Pinned:
    """The transport with every request sent to one replica (each replica is probed alone)."""

    def __init__(self, t: Transport, replica: int) -> None:
        self.t, self.replica = t, replica

    def post_many(self, route: str, bodies: list[dict[str, Any]], **kw: Any) -> list[Any]:
        return self.t.post_many(route, bodies, replica=self.replica, **kw)

    def get_json(self, url: str, timeout: float = 10.0) -> Any:
        return self.t.get_json(url, timeout, replica=self.replica)


def probe_endpoint(transport: Transport, model: str, url: str, mode: str, prefix: str | None,
                   tolerance: float, top_k: int, replica: int = 0) -> ProbeResult:
    """Check the endpoint (its replica `replica`, base URL `url`); capabilities that pass, and
    why the others were dropped."""
    t: Any = _Pinned(transport, replica)
    res = ProbeResult()
    if mode in ("auto", "completions"):
        why_gen, why_ll = _completions_checks(t, model, res, tolerance, url, prefix)
        if why_gen is None:
            res.routes["generate_text"] = "completions"
        if why_ll is None:
            res.capabilities.add(Capability.LOGLIKELIHOOD)
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
