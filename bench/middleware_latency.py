"""Redaction middleware overhead: added latency (p50/p99) for 1 KB JSON bodies and added
time-to-first-token for a streamed answer, against the same app without the middleware.

Run: `.venv/bin/python -m bench.middleware_latency [--requests 200] [--streams 20]`.
Prints one JSON line.

Setup, all in one run on loopback: one Starlette app with `POST /echo` (returns the JSON it got)
and `POST /stream` (an OpenAI-style SSE chat stream of a ~700-character answer with PII, one
4-character token every `--token-ms` ms, like a model generating), served by uvicorn three times:
plain, wrapped in `RedactionMiddleware` with the real presidio engine (fail-closed, default
hold-back 64 characters), and wrapped with a 24-character hold-back; and `assay proxy`'s app
(`build_proxy`, same engine, hold-back 64) forwarding `/v1/chat/completions` to the plain
server. Requests alternate between the servers so they share the same background load.

- JSON: 1 KB request bodies (`messages[0].content` from `bench.pii_evalset` texts); latency is
  client-side wall time per request; the middleware redacts every string of the request and
  of the echoed response (two detection passes per request).
- Stream: TTFT = time from sending the request to the first non-empty `delta.content`.

Memory (`memory` in the JSON): the latency servers share one process, so memory is measured
separately: the plain app and the middleware app (hold-back 64) are each served by uvicorn in a
fresh interpreter of their own, driven with `--memory-requests` JSON requests and
`--memory-streams` streams (the same bodies), and the server process's RSS is read from
`/proc/<pid>/status`: `ready_rss_mib` (listening, detector loaded and warmed, one request
served) and `peak_rss_mib` (`VmHWM` after the load), in MiB. Linux only (None elsewhere).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import platform
import statistics
import threading
import time
from datetime import UTC, datetime
from typing import Any

os.environ["TLDEXTRACT_PUBLIC_SUFFIX_LIST_URLS"] = ""

__all__ = ["main"]

ANSWER = ("Here is the summary you asked for. The account belongs to Maria Garcia, who lives at "
          "42 Baker Street, London. Her card 4111 1111 1111 1111 was charged twice and her "
          "e-mail address is maria.garcia@example.com; the phone on file is +1 415 555 0132. "
          "The refund will arrive within five working days, and the ticket number is 88412. "
          "If anything else is needed, reply to this message and the support team will follow "
          "up. Thank you for your patience while we resolved this issue for you today; we know "
          "it took longer than expected and we appreciate that you stayed with us.")


def _app(token_s: float) -> Any:
    from starlette.applications import Starlette
    from starlette.requests import Request
    from starlette.responses import JSONResponse, StreamingResponse
    from starlette.routing import Route

    async def echo(request: Request) -> JSONResponse:
        return JSONResponse(await request.json())

    async def chat(request: Request) -> Any:  # what the proxy forwards to
        body = await request.json()
        return await stream(request) if body.get("stream") else JSONResponse(body)

    async def stream(request: Request) -> StreamingResponse:
        await request.body()

        async def gen():
            for i in range(0, len(ANSWER), 4):
                await asyncio.sleep(token_s)
                chunk = {"id": "b", "object": "chat.completion.chunk", "model": "bench",
                         "choices": [{"index": 0, "delta": {"content": ANSWER[i:i + 4]},
                                      "finish_reason": None}]}
                yield f"data: {json.dumps(chunk)}\n\n"
            yield ('data: {"id": "b", "choices": [{"index": 0, "delta": {}, '
                   '"finish_reason": "stop"}]}\n\ndata: [DONE]\n\n')

        return StreamingResponse(gen(), media_type="text/event-stream")

    return Starlette(routes=[Route("/echo", echo, methods=["POST"]),
                             Route("/stream", stream, methods=["POST"]),
                             Route("/v1/chat/completions", chat, methods=["POST"])])


class _Server:
    def __init__(self, app: Any) -> None:
        import uvicorn

        self.server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=0,
                                                    log_level="warning"))
        self.thread = threading.Thread(target=self.server.run, daemon=True)
        self.thread.start()
        while not self.server.started:
            time.sleep(0.02)
        self.url = f"http://127.0.0.1:{self.server.servers[0].sockets[0].getsockname()[1]}"

    def close(self) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=10)


def _bodies(n: int, seed: int) -> list[bytes]:
    from bench.pii_evalset import generate

    texts = [e.text for e in generate(40 * n, seed=seed)]
    out, i = [], 0
    for _ in range(n):
        content = ""
        while True:
            body = json.dumps({"model": "bench", "messages": [
                {"role": "user", "content": content + " " + texts[i % len(texts)]}]}).encode()
            if len(body) > 1024:
                break
            content += " " + texts[i % len(texts)]
            i += 1
        body = json.dumps({"model": "bench", "messages": [{"role": "user",
                                                           "content": content}]}).encode()
        out.append(body + b" " * (1024 - len(body)))  # exactly 1 KB on the wire
    return out


def _pct(xs: list[float], q: float) -> float:
    xs = sorted(xs)
    return xs[min(len(xs) - 1, int(round(q * (len(xs) - 1))))]


def _ttft(client: Any, url: str, path: str = "/stream") -> tuple[float, float]:
    t0 = time.perf_counter()
    first = None
    with client.stream("POST", url + path, json={"model": "bench", "stream": True}) as r:
        for line in r.iter_lines():
            if first is None and line.startswith("data: {"):
                ch = json.loads(line[6:])["choices"]
                if ch and ch[0]["delta"].get("content"):
                    first = time.perf_counter() - t0
    return first or float("nan"), time.perf_counter() - t0


def _serve_alone(variant: str, token_s: float) -> None:
    """Serve one variant in this (fresh) process, print its URL as a JSON line, run until killed."""
    if variant == "plain":
        app = _app(token_s)
    else:
        from monitors.detector import presidio_detector
        from monitors.redaction import RedactionConfig, RedactionMiddleware

        det = presidio_detector()
        det.analyze(["warm up John Smith john@example.com", ANSWER])  # first long text too
        app = RedactionMiddleware(_app(token_s), det, RedactionConfig())
    srv = _Server(app)
    print(json.dumps({"url": srv.url, "pid": os.getpid()}), flush=True)
    srv.thread.join()


def _server_memory(variant: str, bodies: list[bytes], streams: int, token_ms: float) -> dict:
    """Start `variant` in its own interpreter, drive it, and read its ready and peak RSS."""
    import subprocess
    import sys

    import httpx

    from bench._measure import peak_rss_mib, rss_mib

    proc = subprocess.Popen([sys.executable, "-m", "bench.middleware_latency", "--serve-alone",
                             variant, "--token-ms", str(token_ms)], stdout=subprocess.PIPE,
                            text=True)
    try:
        line = proc.stdout.readline()
        if not line:
            raise RuntimeError(f"the {variant} server exited with {proc.wait()}")
        url = json.loads(line)["url"]
        with httpx.Client(timeout=60) as client:
            client.post(url + "/echo", content=bodies[0],
                        headers={"content-type": "application/json"}).raise_for_status()
            ready = rss_mib(proc.pid)
            for body in bodies:
                client.post(url + "/echo", content=body,
                            headers={"content-type": "application/json"}).raise_for_status()
            for _ in range(streams):
                _ttft(client, url)
        peak = peak_rss_mib(proc.pid)
        return {"ready_rss_mib": round(ready, 1),
                "peak_rss_mib": None if peak is None else round(peak, 1),
                "requests": len(bodies), "streams": streams}
    finally:
        proc.terminate()
        proc.wait(timeout=30)


def main(argv: list[str] | None = None) -> dict:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--requests", type=int, default=200)
    ap.add_argument("--streams", type=int, default=20)
    ap.add_argument("--token-ms", type=float, default=10.0)
    ap.add_argument("--seed", type=int, default=13)
    ap.add_argument("--memory-requests", type=int, default=50,
                    help="JSON requests sent to each server in the memory runs (0: skip them)")
    ap.add_argument("--memory-streams", type=int, default=5)
    ap.add_argument("--serve-alone", choices=("plain", "mw"), help=argparse.SUPPRESS)
    args = ap.parse_args(argv)
    if args.serve_alone:
        _serve_alone(args.serve_alone, args.token_ms / 1000)
        return {}

    import httpx

    from monitors.detector import presidio_detector
    from monitors.redaction import RedactionConfig, RedactionMiddleware

    det = presidio_detector()
    det.analyze(["warm up John Smith john@example.com", ANSWER])  # first long text too
    token_s = args.token_ms / 1000
    from monitors.proxy import ProxyConfig, build_proxy

    servers = {"plain": _Server(_app(token_s)),
               "mw": _Server(RedactionMiddleware(_app(token_s), det, RedactionConfig())),
               "mw24": _Server(RedactionMiddleware(_app(token_s), det,
                                                   RedactionConfig(holdback_chars=24)))}
    servers["proxy"] = _Server(build_proxy(ProxyConfig(upstream=servers["plain"].url), det,
                                           RedactionConfig(source="proxy")))
    paths = {"proxy": "/v1/chat/completions"}
    bodies = _bodies(args.requests, args.seed)
    lat: dict[str, list[float]] = {"plain": [], "mw": [], "proxy": []}
    ttft: dict[str, list[float]] = {k: [] for k in servers}
    total: dict[str, list[float]] = {k: [] for k in servers}
    try:
        with httpx.Client(timeout=60) as client:
            for name in lat:  # warm-up
                client.post(servers[name].url + paths.get(name, "/echo"), content=bodies[0],
                            headers={"content-type": "application/json"}).raise_for_status()
            for body in bodies:
                for name in lat:
                    t0 = time.perf_counter()
                    r = client.post(servers[name].url + paths.get(name, "/echo"), content=body,
                                    headers={"content-type": "application/json"})
                    lat[name].append(time.perf_counter() - t0)
                    r.raise_for_status()
            for _ in range(args.streams):
                for name, srv in servers.items():
                    a, b = _ttft(client, srv.url, paths.get(name, "/stream"))
                    ttft[name].append(a)
                    total[name].append(b)
    finally:
        for s in servers.values():
            s.close()
    memory = None
    if args.memory_requests > 0:
        memory = {"method": "each server alone in a fresh interpreter; /proc/<pid>/status "
                            "VmRSS when ready, VmHWM after the load (MiB)"}
        for name in ("plain", "mw"):
            memory["plain" if name == "plain" else "middleware"] = _server_memory(
                name, bodies[:args.memory_requests], args.memory_streams, args.token_ms)
    ms = 1000.0
    p = {k: {"p50": _pct(v, 0.5) * ms, "p99": _pct(v, 0.99) * ms} for k, v in lat.items()}
    t = {k: statistics.median(v) * ms for k, v in ttft.items()}
    tt = {k: statistics.median(v) * ms for k, v in total.items()}
    out = {
        "bench": "middleware_latency", "requests": args.requests, "body_bytes": 1024,
        "json_plain_p50_ms": round(p["plain"]["p50"], 2),
        "json_plain_p99_ms": round(p["plain"]["p99"], 2),
        "json_middleware_p50_ms": round(p["mw"]["p50"], 2),
        "json_middleware_p99_ms": round(p["mw"]["p99"], 2),
        "json_added_p50_ms": round(p["mw"]["p50"] - p["plain"]["p50"], 2),
        "json_added_p99_ms": round(p["mw"]["p99"] - p["plain"]["p99"], 2),
        "json_proxy_p50_ms": round(p["proxy"]["p50"], 2),
        "json_proxy_p99_ms": round(p["proxy"]["p99"], 2),
        "streams": args.streams, "token_ms": args.token_ms, "answer_chars": len(ANSWER),
        "ttft_plain_ms": round(t["plain"], 1),
        "ttft_middleware_holdback64_ms": round(t["mw"], 1),
        "ttft_middleware_holdback24_ms": round(t["mw24"], 1),
        "ttft_added_holdback64_ms": round(t["mw"] - t["plain"], 1),
        "ttft_added_holdback24_ms": round(t["mw24"] - t["plain"], 1),
        "ttft_proxy_ms": round(t["proxy"], 1),
        "stream_total_plain_ms": round(tt["plain"], 1),
        "stream_total_middleware_holdback64_ms": round(tt["mw"], 1),
        "ratio_json_p50": round(p["mw"]["p50"] / p["plain"]["p50"], 2),
        "machine": f"{platform.machine()} {platform.processor() or ''}".strip(),
        "cpus": os.cpu_count(), "date": datetime.now(UTC).strftime("%Y-%m-%d"),
        "memory": memory,
    }
    print(json.dumps(out))
    return out


if __name__ == "__main__":
    main()
