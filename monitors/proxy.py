"""`assay proxy`: a redacting reverse proxy for OpenAI-compatible chat and completion endpoints.

The proxy itself only forwards (httpx, streaming); all redaction is `RedactionMiddleware`
wrapped around it, so the proxy and an app using the middleware behave the same. With a token
configured (required by `assay proxy` off loopback), every request must carry it in
`X-Assay-Token` (or `Proxy-Authorization: Bearer ...`), compared in constant time; neither that
header nor `X-Assay-Session` is forwarded upstream. `serve` runs it under uvicorn; SIGTERM or
SIGINT stop it gracefully and the process then exits 0.
"""

from __future__ import annotations

import contextlib
import hmac
import json
import signal
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, replace
from typing import Any

from monitors.detector import Detector
from monitors.redaction import EventRecorder, RedactionConfig, RedactionMiddleware

__all__ = ["ProxyConfig", "TOKEN_HEADER", "TokenGate", "build_proxy", "serve", "PROXIED_PATHS"]

PROXIED_PATHS = ("/v1/chat/completions", "/v1/completions", "/v1/responses", "/v1/embeddings")
TOKEN_HEADER = b"x-assay-token"
# Hop-by-hop headers, and the boundary's own (the session handle, the proxy token) which the
# upstream must never see. Content-Encoding is kept: the middleware decodes what it checks.
_HOP = {b"connection", b"keep-alive", b"proxy-authenticate", b"proxy-authorization", b"te",
        b"trailers", b"transfer-encoding", b"upgrade", b"host", b"content-length",
        b"accept-encoding", b"x-assay-session", TOKEN_HEADER}


@dataclass(frozen=True)
class ProxyConfig:
    """Where to forward, and the upstream timeouts."""

    upstream: str
    connect_timeout_s: float = 10.0
    read_timeout_s: float = 600.0
    token: str | None = None


class TokenGate:
    """ASGI wrapper: a request without the proxy token gets 401 before anything else runs."""

    def __init__(self, app: Any, token: str) -> None:
        self.app = app
        self.token = token.encode()
        self.recorder = getattr(app, "recorder", None)

    def _presented(self, headers: list[tuple[bytes, bytes]]) -> bytes:
        for k, v in headers:
            name = k.lower()
            if name == TOKEN_HEADER:
                return v.strip()
            if name == b"proxy-authorization" and v[:7].lower() == b"bearer ":
                return v[7:].strip()
        return b""

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        authorised = scope["type"] not in ("http", "websocket") or hmac.compare_digest(
            self._presented(scope.get("headers", [])), self.token)
        if not authorised and scope["type"] == "websocket":
            await receive()
            await send({"type": "websocket.close", "code": 1008})
            return
        if not authorised:
            body = json.dumps({"error": {"message": "this proxy needs its token in the "
                                                    "X-Assay-Token header",
                                         "type": "authentication_error",
                                         "code": "proxy_token_required"}}).encode()
            await send({"type": "http.response.start", "status": 401,
                        "headers": [(b"content-type", b"application/json"),
                                    (b"content-length", str(len(body)).encode()),
                                    (b"www-authenticate", b"Bearer")]})
            await send({"type": "http.response.body", "body": body, "more_body": False})
            return
        await self.app(scope, receive, send)


def build_proxy(config: ProxyConfig, detector: Detector,
                redaction: RedactionConfig | None = None, store: Any = None) -> Any:
    """The ASGI app: forwarding routes wrapped in the redaction middleware."""
    import httpx
    from starlette.applications import Starlette
    from starlette.background import BackgroundTask
    from starlette.requests import Request
    from starlette.responses import JSONResponse, StreamingResponse
    from starlette.routing import Route

    red = replace(redaction or RedactionConfig(source="proxy"), paths=("/v1/",))
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
    mw = RedactionMiddleware(app, detector, red, recorder=recorder)
    return TokenGate(mw, config.token) if config.token else mw


def serve(app: Any, host: str, port: int, log_level: str = "warning",
          ready: Callable[[], None] | None = None) -> None:
    """Serve `app` with uvicorn until SIGTERM or SIGINT, then return normally (exit status 0).

    uvicorn finishes the requests in flight (streams included) and runs the lifespan shutdown
    (which flushes the redaction events), then re-raises the signal it caught so that the
    previous handler runs. For SIGTERM that is the default action: the process dies with status
    -15 / 143 after a clean stop, and a service manager reports a failure. (SIGINT's re-raise
    happens to be absorbed by asyncio's runner today.) The handlers installed here for the
    duration receive the re-raised signal and only ask the server to exit, a no-op by then; a
    signal arriving before uvicorn has installed its own handlers stops the server the same
    way. A second SIGINT during the shutdown still forces it, as in uvicorn. `ready` is called
    once the port is bound, so a "listening" line printed from it is true when it appears.
    """
    import uvicorn

    class _Server(uvicorn.Server):
        async def startup(self, sockets: Any = None) -> None:
            await super().startup(sockets=sockets)
            if self.started and ready is not None:  # announce only once the port is bound
                ready()

    server = _Server(uvicorn.Config(app, host=host, port=port, log_level=log_level))

    def _stop(_sig: int, _frame: Any) -> None:
        server.should_exit = True

    stop_signals = (signal.SIGTERM, signal.SIGINT)
    previous = {sig: signal.signal(sig, _stop) for sig in stop_signals}
    try:
        server.run()
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
    if not server.started:  # e.g. the port is taken: uvicorn logged why
        raise SystemExit(3)  # uvicorn.run's STARTUP_FAILURE
