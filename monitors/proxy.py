"""`assay proxy`: a redacting reverse proxy for OpenAI-compatible chat and completion endpoints.

The proxy itself only forwards (httpx, streaming); all redaction is `RedactionMiddleware`
wrapped around it, so the proxy and an app using the middleware behave the same.
"""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator
from dataclasses import dataclass, replace
from typing import Any

from monitors.detector import Detector
from monitors.redaction import (OPENAI_REQUEST_FIELDS, OPENAI_RESPONSE_FIELDS, EventRecorder,
                                RedactionConfig, RedactionMiddleware)

__all__ = ["ProxyConfig", "build_proxy", "PROXIED_PATHS"]

PROXIED_PATHS = ("/v1/chat/completions", "/v1/completions")
_HOP = {b"connection", b"keep-alive", b"proxy-authenticate", b"proxy-authorization", b"te",
        b"trailers", b"transfer-encoding", b"upgrade", b"host", b"content-length",
        b"accept-encoding", b"content-encoding"}


@dataclass(frozen=True)
class ProxyConfig:
    """Where to forward, and the upstream timeouts."""

    upstream: str
    connect_timeout_s: float = 10.0
    read_timeout_s: float = 600.0


def build_proxy(config: ProxyConfig, detector: Detector,
                redaction: RedactionConfig | None = None, store: Any = None) -> Any:
    """The ASGI app: forwarding routes wrapped in the redaction middleware."""
    import httpx
    from starlette.applications import Starlette
    from starlette.background import BackgroundTask
    from starlette.requests import Request
    from starlette.responses import JSONResponse, StreamingResponse
    from starlette.routing import Route

    red = replace(redaction or RedactionConfig(source="proxy"),
                  request_fields=OPENAI_REQUEST_FIELDS, response_fields=OPENAI_RESPONSE_FIELDS,
                  paths=PROXIED_PATHS)
    base = config.upstream.rstrip("/")
    if base.endswith("/v1"):
        base = base[:-3]
    recorder = EventRecorder(store) if store is not None else None
    state: dict[str, Any] = {}

    @contextlib.asynccontextmanager
    async def lifespan(_app: Any) -> AsyncIterator[None]:
        state["client"] = httpx.AsyncClient(timeout=httpx.Timeout(
            config.read_timeout_s, connect=config.connect_timeout_s))
        try:
            yield
        finally:
            await state["client"].aclose()
            if recorder is not None:
                recorder.flush()

    def _client() -> httpx.AsyncClient:
        if "client" not in state:  # served without lifespan (e.g. some test clients)
            state["client"] = httpx.AsyncClient(timeout=httpx.Timeout(
                config.read_timeout_s, connect=config.connect_timeout_s))
        return state["client"]

    async def forward(request: Request) -> Any:
        headers = [(k, v) for k, v in request.headers.raw if k.lower() not in _HOP]
        headers.append((b"accept-encoding", b"identity"))
        body = await request.body()
        req = _client().build_request(request.method, base + request.url.path,
                                      params=request.query_params, headers=headers,
                                      content=body)
        try:
            upstream = await _client().send(req, stream=True)
        except httpx.HTTPError as exc:
            return JSONResponse({"error": {"message": f"upstream {base} unreachable: "
                                                      f"{type(exc).__name__}",
                                           "type": "upstream_error"}}, status_code=502)
        out_headers = {k: v for k, v in upstream.headers.items()
                       if k.lower().encode() not in _HOP}
        return StreamingResponse(upstream.aiter_raw(), status_code=upstream.status_code,
                                 headers=out_headers, background=BackgroundTask(upstream.aclose))

    routes = [Route(p, forward, methods=["POST"]) for p in PROXIED_PATHS]
    routes.append(Route("/v1/models", forward, methods=["GET"]))
    app = Starlette(routes=routes, lifespan=lifespan)
    return RedactionMiddleware(app, detector, red, recorder=recorder)
