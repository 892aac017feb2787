"""Loopback OpenAI-compatible servers for the endpoint backend's tests and benchmark.

`model_app(hf)`: computes with a loaded `HFModel` (the default SmolLM2-135M in the tests), with
vLLM's semantics for `/v1/completions` `echo` + `logprobs` (the first prompt token's log-prob is
null; `top_logprobs` per position, the scored token included; `text_offset` into the echoed
text), token-id and batched prompts, `max_tokens` (0 = score the prompt only), `stop`, and
`/v1/chat/completions` with `logprobs`/`top_logprobs`. `llama_cpp_bugs=True` reproduces what
llama-cpp-python 0.3.36's server gets wrong: prompt log-probs that are not the model's (here:
token i scored by the logits at position i, i.e. after it was seen), `max_tokens=0` as
unlimited, and HTTP 500 for token-id prompts and batches.

`latency_app(delay)`: answers every request after `delay` seconds, in parallel (the shape of a
hosted API), from a deterministic toy "model" whose prompt log-probs and next-token log-probs
agree, so it passes the capability probe. `fail` scripts errors (429/503 with `Retry-After`,
hangs) for the retry tests; `stats` counts requests and the most in flight at once.

Run one on its own (the benchmark does): `python -m tests.openai_server --kind model|latency`;
it prints `URL http://127.0.0.1:PORT/v1` once it listens.
"""

from __future__ import annotations

import argparse
import asyncio
import hashlib
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

FINGERPRINT = "fp_assay_test"


def _models(name: str) -> Callable[[Request], Any]:
    async def models(request: Request) -> JSONResponse:
        return JSONResponse({"object": "list", "data": [
            {"id": name, "object": "model", "owned_by": "assay-tests", "max_model_len": 8192}]})
    return models


def _stops(body: dict[str, Any]) -> list[str]:
    stop = body.get("stop") or []
    return [stop] if isinstance(stop, str) else list(stop)


def _cut(text: str, stops: list[str]) -> tuple[str, bool]:
    hits = [text.find(s) for s in stops if s and s in text]
    return (text[:min(hits)], True) if hits else (text, False)


class _Engine:
    """The arithmetic of one causal LM: prompt log-probs and greedy/seeded decoding."""

    def __init__(self, hf: Any, llama_cpp_bugs: bool, threads: int | None) -> None:
        self.model, self.tok = hf.model, hf.tokenizer
        self.bugs = llama_cpp_bugs
        self.threads = threads
        self.lock = threading.Lock()  # one forward pass at a time, as a single-GPU server
        self.eos = self.tok.eos_token_id

    def piece(self, ids: list[int], i: int) -> str:
        """Text of token i as it extends the decoded prefix (vLLM's incremental detokenising)."""
        before = self.tok.decode(ids[:i])
        return self.tok.decode(ids[:i + 1])[len(before):]

    def top(self, row: Any, k: int, ids: list[int], i: int) -> dict[str, float]:
        import torch

        vals, idx = torch.topk(row, k)
        out = {self.piece(ids[:i] + [int(t)], i): float(v) for v, t in zip(vals, idx)}
        out[self.piece(ids, i)] = float(row[ids[i]])
        return out

    def run(self, ids: list[int], max_tokens: int, temperature: float, seed: int, k: int,
            stops: list[str]) -> dict[str, Any]:
        """Score `ids` and continue them; token lists cover prompt + generated tokens."""
        import torch

        with self.lock, torch.no_grad():
            prev = torch.get_num_threads()
            if self.threads:
                torch.set_num_threads(self.threads)
            try:
                return self._run(ids, max_tokens, temperature, seed, k, stops)
            finally:
                torch.set_num_threads(prev)

    def _run(self, ids: list[int], max_tokens: int, temperature: float, seed: int, k: int,
             stops: list[str]) -> dict[str, Any]:
        import torch

        out = self.model(torch.tensor([ids]), use_cache=True)
        logp = torch.log_softmax(out.logits[0].float(), dim=-1)
        lps: list[float | None] = [None]
        tops: list[dict[str, float] | None] = [None]
        for i in range(1, len(ids)):
            row = logp[i] if self.bugs else logp[i - 1]
            lps.append(float(row[ids[i]]))
            tops.append(self.top(row, k, ids, i) if k else None)
        gen = torch.Generator().manual_seed(seed)
        past, row, n_prompt = out.past_key_values, logp[-1], len(ids)
        limit = 256 if (self.bugs and max_tokens == 0) else max_tokens
        seq = list(ids)
        finish = "length"
        while len(seq) - n_prompt < limit:
            if temperature > 0:
                nxt = int(torch.multinomial(torch.softmax(row / temperature, -1), 1,
                                            generator=gen))
            else:
                nxt = int(row.argmax())
            seq.append(nxt)
            lps.append(float(row[nxt]))
            tops.append(self.top(row, k, seq, len(seq) - 1) if k else None)
            text = self.tok.decode(seq[n_prompt:])
            if nxt == self.eos or _cut(text, stops)[1]:
                finish = "stop"
                break
            if len(seq) - n_prompt >= limit:  # no forward pass for a token never asked
                break
            out = self.model(torch.tensor([[nxt]]), past_key_values=past, use_cache=True)
            past, row = out.past_key_values, torch.log_softmax(out.logits[0, -1].float(), -1)
        pieces = [self.piece(seq, i) for i in range(len(seq))]
        offsets, pos = [], 0
        for p in pieces:
            offsets.append(pos)
            pos += len(p)
        return {"ids": seq, "n_prompt": n_prompt, "pieces": pieces, "offsets": offsets,
                "lps": lps, "tops": tops, "finish": finish}


def _prompt_list(prompt: Any) -> list[Any]:
    if isinstance(prompt, str) or (isinstance(prompt, list) and prompt
                                   and isinstance(prompt[0], int)):
        return [prompt]
    return list(prompt)


def model_app(hf: Any, name: str = "smollm2-135m-test", llama_cpp_bugs: bool = False,
              threads: int | None = 1) -> Starlette:
    """An OpenAI-compatible app computing with the loaded HFModel `hf` (see module doc).

    `threads`: torch intra-op threads while it computes. One by default: on this project's
    shared 2-core machine under load, OpenMP's spinning threads made one forward pass 13x slower
    (10.4 s with 2 threads vs 0.8 s with 1, load average 17; 2026-12-02).
    """
    eng = _Engine(hf, llama_cpp_bugs, threads)

    def complete(body: dict[str, Any]) -> dict[str, Any]:
        prompts = _prompt_list(body.get("prompt", ""))
        if eng.bugs and (len(prompts) > 1 or not isinstance(prompts[0], str)):
            raise ValueError("llama-cpp emulation: only one text prompt per request")
        echo, k = bool(body.get("echo")), body.get("logprobs")
        stops = _stops(body)
        choices, n_tokens = [], 0
        for index, prompt in enumerate(prompts):
            ids = (list(prompt) if not isinstance(prompt, str)
                   else eng.tok(prompt, add_special_tokens=True)["input_ids"])
            if not ids:
                raise ValueError("empty prompt")
            r = eng.run(ids, int(body.get("max_tokens", 16)), float(body.get("temperature", 1.0)),
                        int(body.get("seed") or 0), int(k or 0), stops)
            start = 0 if echo else r["n_prompt"]
            text, _ = _cut("".join(r["pieces"][r["n_prompt"]:]), stops)
            shown = "".join(r["pieces"][:r["n_prompt"]]) + text if echo else text
            lp = None
            if k is not None:
                base = r["offsets"][start] if start < len(r["offsets"]) else 0
                lp = {"tokens": r["pieces"][start:], "token_logprobs": r["lps"][start:],
                      "top_logprobs": r["tops"][start:],
                      "text_offset": [o - base for o in r["offsets"][start:]]}
            choices.append({"index": index, "text": shown, "logprobs": lp,
                            "finish_reason": r["finish"]})
            n_tokens += len(r["ids"])
        return {"id": "cmpl-test", "object": "text_completion", "created": int(time.time()),
                "model": name, "system_fingerprint": FINGERPRINT, "choices": choices,
                "usage": {"total_tokens": n_tokens}}

    def chat(body: dict[str, Any]) -> dict[str, Any]:
        text = eng.tok.apply_chat_template(body["messages"], tokenize=False,
                                           add_generation_prompt=True)
        ids = eng.tok(text, add_special_tokens=False)["input_ids"]
        k = int(body.get("top_logprobs") or 0) if body.get("logprobs") else 0
        r = eng.run(ids, int(body.get("max_tokens") or body.get("max_completion_tokens") or 16),
                    float(body.get("temperature", 1.0)), int(body.get("seed") or 0), k,
                    _stops(body))
        n0 = r["n_prompt"]
        reply, _ = _cut("".join(r["pieces"][n0:]).replace(eng.tok.eos_token, ""), _stops(body))
        logprobs = None
        if body.get("logprobs"):
            logprobs = {"content": [
                {"token": r["pieces"][i], "logprob": r["lps"][i],
                 "top_logprobs": [{"token": t, "logprob": v}
                                  for t, v in (r["tops"][i] or {}).items()]}
                for i in range(n0, len(r["ids"]))]}
        return {"id": "chat-test", "object": "chat.completion", "created": int(time.time()),
                "model": name, "system_fingerprint": FINGERPRINT,
                "choices": [{"index": 0, "message": {"role": "assistant", "content": reply},
                             "logprobs": logprobs, "finish_reason": r["finish"]}],
                "usage": {"completion_tokens": len(r["ids"]) - n0}}

    counts = {"complete": 0, "chat": 0}

    def route(fn: Callable[[dict[str, Any]], dict[str, Any]]) -> Callable[[Request], Any]:
        async def handler(request: Request) -> JSONResponse:
            counts[fn.__name__] += 1
            try:
                return JSONResponse(await run_in_threadpool(fn, await request.json()))
            except Exception as exc:  # what a real server does: a 500 with a message
                return JSONResponse({"error": {"message": f"{type(exc).__name__}: {exc}"}},
                                    status_code=500 if eng.bugs else 400)
        return handler

    async def tokenizer_info(request: Request) -> JSONResponse:
        # vLLM's /tokenizer_info (what lm-eval's remote tokenizer reads); the llama.cpp
        # emulation has none, so the probe must find the prefix another way
        if eng.bugs:
            return JSONResponse({"detail": "Not Found"}, status_code=404)
        return JSONResponse({"bos_token": eng.tok.bos_token, "eos_token": eng.tok.eos_token,
                             "tokenizer_class": type(eng.tok).__name__})

    app = Starlette(routes=[Route("/v1/models", _models(name)),
                            Route("/tokenizer_info", tokenizer_info),
                            Route("/v1/completions", route(complete), methods=["POST"]),
                            Route("/v1/chat/completions", route(chat), methods=["POST"])])
    app.state.counts = counts  # requests per route, for tests that check what was asked
    return app


# -- the latency-bound toy upstream --------------------------------------------------------------
def _toy_lp(prev: str, tok: str) -> float:
    """A log-prob that depends only on (previous token, token): prompt and decode agree."""
    h = int.from_bytes(hashlib.sha256(f"{prev}\x00{tok}".encode()).digest()[:4], "big")
    return -0.05 - (h % 9000) / 1000.0


def _toy_tokens(prompt: Any) -> list[str]:
    if isinstance(prompt, list):  # token ids (lm-eval's default request shape)
        return [f"<{i}>" for i in prompt]
    import re

    # "<s>" (its BOS, announced at /tokenizer_info) is one token, as a special token is
    return re.findall(r"<s>|\s*(?:(?!<s>)\S)+|\s+$", prompt) or [prompt]


@dataclass
class LatencyStats:
    requests: int = 0
    in_flight: int = 0
    peak_in_flight: int = 0
    bodies: list[dict[str, Any]] = field(default_factory=list)
    auth: list[str] = field(default_factory=list)


def latency_app(delay: float = 0.1,
                fail: Callable[[dict[str, Any]], tuple[int, dict[str, str]] | None] | None = None,
                hang: Callable[[dict[str, Any]], bool] | None = None,
                name: str = "toy-latency") -> tuple[Starlette, LatencyStats]:
    """A hosted-API-shaped toy: every request is answered after `delay`, all in parallel.

    `fail(body)` -> (status, headers) makes that request fail; `hang(body)` makes it never answer.
    """
    stats = LatencyStats()

    def one(prompt: Any, echo: bool, max_tokens: int, stops: list[str], k: int) -> dict[str, Any]:
        toks = _toy_tokens(prompt)
        gen = [" the", " end", "."][:max_tokens]
        for i, _ in enumerate(gen):
            if _cut("".join(gen[:i + 1]), stops)[1]:
                gen = gen[:i + 1]
                break
        seq = toks + gen
        lps: list[float | None] = [None] + [_toy_lp(seq[i - 1], seq[i]) for i in range(1, len(seq))]
        tops = [None] + [{seq[i]: lps[i]} for i in range(1, len(seq))] if k else [None] * len(seq)
        start = 0 if echo else len(toks)
        offsets, pos = [], 0
        for t in seq[start:]:
            offsets.append(pos)
            pos += len(t)
        text, _ = _cut("".join(gen), stops)
        return {"text": ("".join(toks) if echo else "") + text, "finish_reason": "length",
                "logprobs": {"tokens": seq[start:], "token_logprobs": lps[start:],
                             "top_logprobs": tops[start:], "text_offset": offsets} if k else None}

    async def completions(request: Request) -> JSONResponse:
        stats.requests += 1
        stats.in_flight += 1
        stats.peak_in_flight = max(stats.peak_in_flight, stats.in_flight)
        stats.auth.append(request.headers.get("authorization", ""))
        try:
            body = await request.json()
            stats.bodies.append(body)
            if hang and hang(body):
                await asyncio.sleep(3600)
            await asyncio.sleep(delay)
            if fail and (bad := fail(body)):
                return JSONResponse({"error": {"message": "busy"}}, status_code=bad[0],
                                    headers=bad[1])
            k = int(body.get("logprobs") or 0)
            choices = [dict(index=i, **one(p, bool(body.get("echo")),
                                           int(body.get("max_tokens", 16)), _stops(body), k))
                       for i, p in enumerate(_prompt_list(body.get("prompt", "")))]
            return JSONResponse({"id": "toy", "object": "text_completion", "model": name,
                                 "choices": choices})
        finally:
            stats.in_flight -= 1

    async def tokenizer_info(request: Request) -> JSONResponse:
        return JSONResponse({"bos_token": "<s>", "eos_token": "</s>"})

    app = Starlette(routes=[Route("/v1/models", _models(name)),
                            Route("/tokenizer_info", tokenizer_info),
                            Route("/v1/completions", completions, methods=["POST"])])
    return app, stats


def main() -> None:  # pragma: no cover - used by bench/endpoint.py in a subprocess
    import uvicorn

    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--kind", choices=["model", "latency"], default="model")
    ap.add_argument("--delay", type=float, default=0.1)
    ap.add_argument("--port", type=int, default=0)
    args = ap.parse_args()
    if args.kind == "model":
        from audit.model import HFModel

        app = model_app(HFModel("default", device="cpu").load())
    else:
        app, _ = latency_app(args.delay)
    config = uvicorn.Config(app, host="127.0.0.1", port=args.port, log_level="warning",
                            backlog=4096, limit_concurrency=None)
    server = uvicorn.Server(config)

    async def serve() -> None:
        task = asyncio.create_task(server.serve())
        while not server.started:
            await asyncio.sleep(0.02)
        port = server.servers[0].sockets[0].getsockname()[1]
        print(f"URL http://127.0.0.1:{port}/v1", flush=True)
        await task

    asyncio.run(serve())


if __name__ == "__main__":  # pragma: no cover
    main()
