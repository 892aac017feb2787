"""Shared parts of the boundary tests: a scripted raw-ASGI upstream on loopback that records
every byte it receives, the real proxy and the real middleware in front of it (uvicorn), the
planted PII values, and a leak check that also looks inside JSON escapes and URL encoding."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import unquote_plus

import httpx
import pytest
import uvicorn

from monitors.detector import presidio_detector
from monitors.proxy import ProxyConfig, build_proxy
from monitors.redaction import RedactionConfig, RedactionMiddleware

__all__ = ["EMAIL", "PHONE", "CARD", "SSN", "NAME", "PLANTED", "Server", "Upstream", "Stack",
           "leaks", "assert_clean", "sse", "make_stack", "close_stack", "detector", "PII_TEXT",
           "Reply"]

EMAIL, PHONE, CARD = "maria.garcia@example.com", "+1 415 555 0132", "4111 1111 1111 1111"
SSN, NAME = "536-22-8726", "Maria Garcia"
PLANTED = [EMAIL, PHONE, CARD, SSN, NAME]
PII_TEXT = f"I am {NAME}, email {EMAIL}, phone {PHONE}, card {CARD}, SSN {SSN}."


def _views(data: bytes | str) -> list[str]:
    text = data.decode("utf-8", "replace") if isinstance(data, bytes) else data
    views = [text, unquote_plus(text)]
    for chunk in [text] + text.split("\n"):  # whole JSON, NDJSON lines, SSE data lines
        chunk = chunk[5:].strip() if chunk.startswith("data:") else chunk
        try:
            views.append(json.dumps(json.loads(chunk), ensure_ascii=False))
        except ValueError:
            pass
    return views


def leaks(data: bytes | str, values: Iterable[str] = PLANTED) -> list[str]:
    """The planted values found in `data`, raw, URL-encoded or JSON-escaped."""
    views = _views(data)
    found = [v for v in values if any(v in x for x in views)]
    digits = "".join(ch for x in views[:1] for ch in x if ch.isdigit())
    found += [v for v in (CARD, SSN) if "".join(c for c in v if c.isdigit()) in digits
              and v not in found]
    return found


def assert_clean(data: bytes | str, where: str) -> None:
    found = leaks(data)
    assert found == [], f"{len(found)} raw values leaked at the {where}: {found}"


@dataclass
class Reply:
    status: int = 200
    headers: list[tuple[bytes, bytes]] = field(default_factory=list)
    chunks: list[bytes] = field(default_factory=list)
    delay_s: float = 0.0


class Upstream:
    """Raw ASGI app: records (method, path, headers, body); replies with `self.reply(req)`."""

    def __init__(self) -> None:
        self.seen: list[dict[str, Any]] = []
        self.reply: Callable[[dict[str, Any]], Reply] = lambda req: Reply(
            200, [(b"content-type", b"application/json")], [b'{"ok": true}'])

    async def __call__(self, scope: dict, receive: Any, send: Any) -> None:
        if scope["type"] == "lifespan":
            while True:
                msg = await receive()
                if msg["type"] == "lifespan.startup":
                    await send({"type": "lifespan.startup.complete"})
                else:
                    await send({"type": "lifespan.shutdown.complete"})
                    return
        body = b""
        while True:
            msg = await receive()
            body += msg.get("body", b"")
            if not msg.get("more_body"):
                break
        req = {"method": scope["method"], "path": scope["path"],
               "query": scope.get("query_string", b""),
               "headers": [(k.lower(), v) for k, v in scope["headers"]], "body": body}
        self.seen.append(req)
        rep = self.reply(req)
        await send({"type": "http.response.start", "status": rep.status,
                    "headers": rep.headers})
        import asyncio

        for i, c in enumerate(rep.chunks):
            await send({"type": "http.response.body", "body": c,
                        "more_body": i < len(rep.chunks) - 1})
            if rep.delay_s:
                await asyncio.sleep(rep.delay_s)
        if not rep.chunks:
            await send({"type": "http.response.body", "body": b"", "more_body": False})

    def last_bytes(self) -> bytes:
        req = self.seen[-1]
        return req["path"].encode() + b"?" + req["query"] + b"\n" + \
            b"\n".join(k + b": " + v for k, v in req["headers"]) + b"\n\n" + req["body"]


class Server:
    def __init__(self, app: Any) -> None:
        self.server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=0,
                                                    log_level="warning", lifespan="on"))
        self.thread = threading.Thread(target=self.server.run, daemon=True)
        self.thread.start()
        deadline = time.monotonic() + 30
        while not self.server.started:
            assert time.monotonic() < deadline, "server did not start"
            time.sleep(0.02)
        self.url = f"http://127.0.0.1:{self.server.servers[0].sockets[0].getsockname()[1]}"

    def close(self) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=10)


def sse(objs: Iterable[Any], done: bool = True) -> list[bytes]:
    out = [b"data: " + json.dumps(o).encode() + b"\n\n" for o in objs]
    return out + ([b"data: [DONE]\n\n"] if done else [])


@dataclass
class Stack:
    """`front` (proxy or middleware) on loopback in front of `up` (the scripted upstream)."""

    kind: str
    up: Upstream
    front: Server
    app: Any
    client: httpx.Client

    def post(self, body: bytes | dict, headers: dict | list | None = None,
             path: str = "/v1/chat/completions") -> httpx.Response:
        content = json.dumps(body).encode() if isinstance(body, dict) else body
        return self.client.post(self.front.url + path, content=content, headers=headers or {})


@pytest.fixture(scope="session")
def detector():
    det = presidio_detector()
    det.analyze([PII_TEXT])  # load the models now, not inside a request's time budget
    return det


def make_stack(kind: str, detector: Any, token: str | None = None, store: Any = None,
               **cfg: Any) -> Stack:
    up = Upstream()
    # A generous budget: CI machines are shared (the budget itself is tested elsewhere).
    config = RedactionConfig(source=kind, time_budget_s=60, holdback_chars=48, **cfg)
    if kind == "proxy":
        upstream_srv = Server(up)
        app = build_proxy(ProxyConfig(upstream=upstream_srv.url, token=token), detector, config,
                          store=store)
        front = Server(app)
        front.upstream_srv = upstream_srv
    else:
        app = RedactionMiddleware(up, detector, config, store=store)
        front = Server(app)
    return Stack(kind, up, front, app, httpx.Client(timeout=60))


def close_stack(s: Stack) -> None:
    s.client.close()
    s.front.close()
    if hasattr(s.front, "upstream_srv"):
        s.front.upstream_srv.close()
