"""ASGI middleware: redact PII in requests before the app, in responses before the client.

One `_Exchange` per HTTP request: the request body is read, interpreted from its bytes and
redacted (`_request`), or pseudonymised with the caller's session in reversible mode
(`_reversible`); the response is buffered or streamed and redacted (`_response`, `_streamed`).
Every failure goes to one `FailurePolicy` (fail-closed unless `fail_open`). One
`RedactionEvent` (types and counts, never values) per direction goes to the store, plus one
per refused session borrow (a security event).
"""

from __future__ import annotations

import logging
import uuid
from collections import Counter
from typing import Any

import anyio

from audit.types import RedactionEvent
from monitors.detector import Detector
from monitors.redaction._config import RedactionConfig
from monitors.redaction._events import EventRecorder
from monitors.redaction._policy import Failure, FailurePolicy, error_body
from monitors.redaction._redactor import RedactionFailed, Redactor
from monitors.redaction._request import TOO_LARGE, read_body, redact_request
from monitors.redaction._response import ResponseFilter
from monitors.redaction._reversible import SESSION_HEADER, SessionRegistry

__all__ = ["RedactionFailed", "RedactionMiddleware"]

log = logging.getLogger("monitors.redaction")

Scope = dict[str, Any]
Message = dict[str, Any]


class RedactionMiddleware:
    """Wrap an ASGI app: `RedactionMiddleware(app, detector, RedactionConfig(), store=store)`."""

    def __init__(self, app: Any, detector: Detector, config: RedactionConfig | None = None,
                 store: Any = None, recorder: EventRecorder | None = None,
                 sessions: SessionRegistry | None = None) -> None:
        self.app = app
        self.detector = detector
        self.config = config or RedactionConfig()
        self.policy = FailurePolicy(self.config.fail_open)
        self.recorder = recorder or (EventRecorder(store) if store is not None else None)
        self.sessions = sessions
        if self.config.reversible and sessions is None:
            self.sessions = SessionRegistry(self.config.session_ttl_s, self.config.max_sessions,
                                            token_style=self.config.token_style)

    async def __call__(self, scope: Scope, receive: Any, send: Any) -> None:
        if scope["type"] == "lifespan" and self.recorder is not None:
            await self.app(scope, receive, self._lifespan_send(send))
            return
        covered = scope["type"] in ("http", "websocket") and \
            scope["path"].startswith(self.config.paths)
        if scope["type"] == "websocket" and covered and not self.config.fail_open:
            # Default-deny: frames are not inspected, so a covered path does not take them.
            await receive()  # websocket.connect
            await send({"type": "websocket.close", "code": 1008,
                        "reason": "PII redaction does not cover WebSocket traffic"})
            return
        if scope["type"] != "http" or not covered:
            await self.app(scope, receive, send)
            return
        await _Exchange(self, scope).run(receive, send)

    def _lifespan_send(self, send: Any) -> Any:
        """Write the queued redaction events before the server reports its shutdown."""
        recorder = self.recorder

        async def wrapped(message: Message) -> None:
            if message["type"] == "lifespan.shutdown.complete" and recorder is not None:
                await anyio.to_thread.run_sync(recorder.flush)
            await send(message)

        return wrapped


class _Exchange:
    """One request/response through the middleware."""

    def __init__(self, mw: RedactionMiddleware, scope: Scope) -> None:
        self.mw = mw
        self.cfg = mw.config
        self.policy = mw.policy
        self.scope = scope
        headers = list(scope.get("headers", []))
        self.session = mw.sessions.open(headers) if mw.sessions is not None else None
        self.redactor = Redactor(mw.detector, self.cfg,
                                 self.session.vault if self.session is not None else None)
        self.req_counts: Counter[str] = Counter()
        self.resp_counts: Counter[str] = Counter()
        self.req_outcome = ""
        self.resp_outcome = ""
        self.closed = False
        self.tg: Any = None

    async def refuse(self, send: Any, status: int, message: str, code: str) -> None:
        body = error_body(message, code)
        await send({"type": "http.response.start", "status": status,
                    "headers": [(b"content-type", b"application/json"),
                                (b"content-length", str(len(body)).encode())]})
        await send({"type": "http.response.body", "body": body, "more_body": False})
        self.closed = True

    async def run(self, receive: Any, send: Any) -> None:
        # The session handle is the boundary's business: the app (and the upstream) never see it.
        headers = [(k, v) for k, v in self.scope.get("headers", [])
                   if k.lower() != SESSION_HEADER]
        body = await read_body(receive, self.cfg.max_body_bytes)
        if body is None:
            return
        try:
            new = await self._request(body, headers, send)
            if new is None:
                return
            new_body, new_headers, query = new
            scope = {**self.scope, "headers": new_headers, "query_string": query}
            delivered = False

            async def new_receive() -> Message:
                nonlocal delivered
                if not delivered:
                    delivered = True
                    return {"type": "http.request", "body": new_body, "more_body": False}
                return await receive()

            response = ResponseFilter(self, send)
            async with anyio.create_task_group() as tg:
                self.tg = tg
                try:
                    await self.mw.app(scope, new_receive, response)
                finally:
                    response.close()
        finally:
            self._record()

    async def _request(self, body: Any, headers: list[tuple[bytes, bytes]], send: Any
                       ) -> tuple[bytes, list[tuple[bytes, bytes]], bytes] | None:
        """The redacted body, headers and query string, or None when the request was refused."""
        query = self.scope.get("query_string", b"")
        if body is TOO_LARGE:
            result: Any = Failure("request", "too_large", 413, "body_too_large",
                                  f"request body is larger than the redaction limit of "
                                  f"{self.cfg.max_body_bytes} bytes")
        else:
            result = await redact_request(self.redactor, body, headers, query, self.req_counts)
        if not isinstance(result, Failure):
            self.req_outcome = "redacted" if self.req_counts else "clean"
            return result
        forward, self.req_outcome = self.policy.decide(result)
        if not forward:
            await self.refuse(send, result.status, self.policy.refusal(result), result.code)
            return None
        return body, headers, query

    def _record(self) -> None:
        rec = self.mw.recorder
        if rec is None:
            return
        mode = "pseudonymise" if self.session is not None else "redact"
        path = self.scope.get("path", "")
        ms = round(self.redactor.seconds * 1000, 3)
        rows = [("request", self.req_outcome, self.req_counts, {}),
                ("response", self.resp_outcome, self.resp_counts, {})]
        if self.session is not None and self.session.borrowed:
            rows.append(("request", "session_refused", Counter(),
                         {"security_event": "session handle of another caller"}))
        for direction, outcome, counts, details in rows:
            if outcome:
                rec.record(RedactionEvent(source=self.cfg.source, path=path, direction=direction,
                                          mode=mode, outcome=outcome,
                                          entity_counts=dict(counts), latency_ms=ms,
                                          details=details, nonce=uuid.uuid4().hex))
        self.req_outcome = self.resp_outcome = ""
        if self.session is not None:
            self.session.borrowed = False
