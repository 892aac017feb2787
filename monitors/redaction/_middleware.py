"""ASGI middleware: redact PII in JSON requests before the app, in responses before the client.

Requests: configured JSON fields (default every string) are redacted, or pseudonymised in
reversible mode. Responses: JSON/text bodies are buffered (up to `max_body_bytes`) and
redacted; `text/event-stream` bodies are redacted as they stream (see `_sse`, `_stream`).
Detection runs in a worker thread under `time_budget_s`; any failure refuses the request
(fail-closed) unless `fail_open` is set. One `RedactionEvent` (types and counts, never values)
per direction goes to the store.
"""

from __future__ import annotations

import json
import logging
import math
import time
import uuid
from collections import Counter
from collections.abc import Callable, Sequence
from typing import Any

import anyio

from audit.types import RedactionEvent
from audit.types import Span
from monitors.detector import Detector
from monitors.redaction._config import RedactionConfig
from monitors.redaction._events import EventRecorder
from monitors.redaction._json import string_slots
from monitors.redaction._sse import SSEParser, SSERewriter
from monitors.redaction._stream import TextStream

__all__ = ["RedactionFailed", "RedactionMiddleware"]

log = logging.getLogger(__name__)

Scope = dict[str, Any]
Message = dict[str, Any]


class RedactionFailed(Exception):
    """Redaction could not run (error or time budget): the exchange must not pass unredacted."""


def _header(headers: Sequence[tuple[bytes, bytes]], name: bytes) -> str:
    for k, v in headers:
        if k.lower() == name:
            return v.decode("latin-1").lower()
    return ""


def _is_json(ctype: str) -> bool:
    base = ctype.split(";")[0].strip()
    return base == "application/json" or base.endswith("+json")


def _error_body(message: str, code: str) -> bytes:
    return json.dumps({"error": {"message": message, "type": "pii_redaction_error",
                                 "code": code}}).encode()


class RedactionMiddleware:
    """Wrap an ASGI app: `RedactionMiddleware(app, detector, RedactionConfig(), store=store)`."""

    def __init__(self, app: Any, detector: Detector, config: RedactionConfig | None = None,
                 store: Any = None, recorder: EventRecorder | None = None,
                 vault_factory: Callable[[Scope], Any] | None = None) -> None:
        self.app = app
        self.detector = detector
        self.config = config or RedactionConfig()
        self.recorder = recorder or (EventRecorder(store) if store is not None else None)
        self.vault_factory = vault_factory
        if self.config.reversible and vault_factory is None:
            from monitors.redaction._reversible import default_vault_factory

            self.vault_factory = default_vault_factory()

    async def __call__(self, scope: Scope, receive: Any, send: Any) -> None:
        if scope["type"] == "lifespan" and self.recorder is not None:
            await self.app(scope, receive, self._lifespan_send(send))
            return
        if scope["type"] != "http" or not scope["path"].startswith(self.config.paths):
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
        self.det = mw.detector
        self.scope = scope
        self.vault = mw.vault_factory(scope) if mw.vault_factory else None
        self.seconds = 0.0
        self.req_counts: Counter[str] = Counter()
        self.resp_counts: Counter[str] = Counter()
        self.req_outcome = ""
        self.resp_outcome = ""
        self.mode = "pass"
        self.start: Message | None = None
        self.chunks: list[bytes] = []
        self.size = 0
        self.closed = False
        self.parser = SSEParser()
        self.rewriter: SSERewriter | None = None
        self.tg: Any = None
        self.tx: Any = None

    # -- detection under the time budget -------------------------------------------------------
    async def _call(self, fn: Callable[..., Any], *args: Any) -> Any:
        t0 = time.perf_counter()
        try:
            with anyio.fail_after(self.cfg.time_budget_s):
                return await anyio.to_thread.run_sync(fn, *args, abandon_on_cancel=True)
        except TimeoutError:
            raise RedactionFailed(f"PII redaction exceeded its time budget of "
                                  f"{self.cfg.time_budget_s:g}s") from None
        except (RedactionFailed, _Refuse):
            raise
        except Exception as exc:
            log.exception("PII redaction failed")
            raise RedactionFailed(f"PII redaction failed ({type(exc).__name__})") from exc
        finally:
            self.seconds += time.perf_counter() - t0

    def _analyze_one(self, text: str) -> list[Span]:
        return self.det.analyze([text])[0]

    def _redact_texts(self, texts: list[str], pseudonymise: bool) -> tuple[list[str], Counter]:
        counts: Counter[str] = Counter()
        if not texts:
            return texts, counts
        out = []
        for text, spans in zip(texts, self.det.analyze(texts), strict=True):
            counts.update(s.entity_type for s in spans)
            if pseudonymise and self.vault is not None:
                out.append(self.vault.pseudonymise(text, spans))
            else:
                out.append(self.det.render(text, spans) if spans else text)
        return out, counts

    def _redact_response_text(self, text: str) -> tuple[str, Counter]:
        """Whole-text response redaction; in reversible mode keep and restore pseudonyms."""
        if self.vault is None:
            out, counts = self._redact_texts([text], False)
            return out[0], counts
        st = self._text_stream()
        out = st.feed(text) + st.flush()
        return out, st.counts

    def _redact_doc(self, doc: Any, fields: Sequence[str], request: bool) -> Counter:
        slots = string_slots(doc, fields)
        if request or self.vault is None:
            new, counts = self._redact_texts([c[k] for c, k in slots], request)
            for (c, k), v in zip(slots, new, strict=True):
                c[k] = v
            return counts
        counts: Counter[str] = Counter()
        for c, k in slots:
            c[k], n = self._redact_response_text(c[k])
            counts.update(n)
        return counts

    def _text_stream(self) -> TextStream:
        v = self.vault
        return TextStream(self._analyze_one, self.det.render, holdback=self.cfg.holdback_chars,
                          context=self.cfg.context_chars, min_emit=self.cfg.min_emit_chars,
                          max_pending=self.cfg.max_pending_chars,
                          protect=v.protect if v is not None else None,
                          restore=v.restore if v is not None else None)

    # -- request -------------------------------------------------------------------------------
    async def _read_body(self, receive: Any) -> bytes | None:
        parts: list[bytes] = []
        size = 0
        while True:
            msg = await receive()
            if msg["type"] == "http.disconnect":
                return None
            chunk = msg.get("body", b"")
            size += len(chunk)
            if size > self.cfg.max_body_bytes:
                return b"\0too-large"
            parts.append(chunk)
            if not msg.get("more_body", False):
                return b"".join(parts)

    def _redact_request_sync(self, body: bytes, ctype: str) -> bytes:
        if _is_json(ctype):
            try:
                doc = json.loads(body.decode("utf-8"))
            except (UnicodeDecodeError, ValueError):
                raise _Refuse(400, "request body is not valid UTF-8 JSON; it cannot be checked "
                                   "for PII", "invalid_json") from None
            self.req_counts.update(self._redact_doc(doc, self.cfg.request_fields, True))
            return json.dumps(doc, ensure_ascii=False).encode("utf-8")
        if ctype.startswith("text/") and self.cfg.redact_text_bodies:
            try:
                text = body.decode("utf-8")
            except UnicodeDecodeError:
                raise _Refuse(400, "request body is not UTF-8 text", "invalid_text") from None
            out, counts = self._redact_texts([text], True)
            self.req_counts.update(counts)
            return out[0].encode("utf-8")
        return body

    async def run(self, receive: Any, send: Any) -> None:
        headers = list(self.scope.get("headers", []))
        ctype = _header(headers, b"content-type")
        body = await self._read_body(receive)
        if body is None:
            return
        if body == b"\0too-large":
            self.req_outcome = "too_large"
            await self._refuse(send, 413, f"request body is larger than the redaction limit of "
                                          f"{self.cfg.max_body_bytes} bytes", "body_too_large")
            return self._record()
        try:
            new_body = body if not body else await self._call(self._redact_request_sync, body,
                                                              ctype)
            self.req_outcome = "redacted" if self.req_counts else "clean"
        except _Refuse as r:
            self.req_outcome = "refused"
            await self._refuse(send, r.status, r.message, r.code)
            return self._record()
        except RedactionFailed as exc:
            if not self.cfg.fail_open:
                self.req_outcome = "refused"
                await self._refuse(send, 503, f"{exc}; the request was refused so that no "
                                              "unredacted PII reaches the model",
                                   "redaction_failed")
                return self._record()
            log.warning("%s; forwarding the request unredacted (fail-open)", exc)
            self.req_outcome, new_body = "failed_open", body
        scope = dict(self.scope)
        scope["headers"] = [(k, v) for k, v in headers if k.lower() != b"content-length"] + \
            [(b"content-length", str(len(new_body)).encode())]
        delivered = False

        async def new_receive() -> Message:
            nonlocal delivered
            if not delivered:
                delivered = True
                return {"type": "http.request", "body": new_body, "more_body": False}
            return await receive()

        async def new_send(message: Message) -> None:
            await self._on_send(message, send)

        try:
            async with anyio.create_task_group() as tg:
                self.tg = tg
                try:
                    await self.mw.app(scope, new_receive, new_send)
                finally:
                    if self.tx is not None:
                        self.tx.close()
        finally:
            self._record()

    # -- response ------------------------------------------------------------------------------
    async def _refuse(self, send: Any, status: int, message: str, code: str) -> None:
        body = _error_body(message, code)
        await send({"type": "http.response.start", "status": status,
                    "headers": [(b"content-type", b"application/json"),
                                (b"content-length", str(len(body)).encode())]})
        await send({"type": "http.response.body", "body": body, "more_body": False})
        self.closed = True

    async def _on_send(self, message: Message, send: Any) -> None:
        if self.closed:
            return
        if message["type"] == "http.response.start":
            await self._on_start(message, send)
        elif message["type"] == "http.response.body":
            if self.mode == "pass":
                await send(message)
            elif self.mode == "buffer":
                await self._on_buffered(message, send)
            else:
                await self._on_stream(message, send)
        else:
            await send(message)

    async def _on_start(self, message: Message, send: Any) -> None:
        headers = list(message.get("headers", []))
        ctype = _header(headers, b"content-type")
        enc = _header(headers, b"content-encoding")
        if ctype.startswith("text/event-stream"):
            self.mode = "stream"
        elif _is_json(ctype) or (ctype.startswith("text/") and self.cfg.redact_text_bodies):
            self.mode = "buffer"
        else:
            self.mode = "pass"
        if self.mode != "pass" and enc not in ("", "identity"):
            if not self.cfg.fail_open:
                self.resp_outcome = "refused"
                await self._refuse(send, 502, f"the response is {enc}-encoded and cannot be "
                                              "checked for PII", "encoded_response")
                return
            self.mode, self.resp_outcome = "pass", "failed_open"
        if self.mode == "buffer":
            self.start = message
            self.resp_ctype = ctype
            return
        if self.mode == "stream":
            self.rewriter = SSERewriter(self._text_stream, self._redact_response_text)
            message = {**message, "headers": [(k, v) for k, v in headers
                                              if k.lower() != b"content-length"]}
            # Chunks queue up while a detection runs and are then redacted together, so a
            # slow detector never makes the stream fall further and further behind.
            self.tx, rx = anyio.create_memory_object_stream(max_buffer_size=math.inf)
            self.tg.start_soon(self._drain, rx, send)
        await send(message)

    async def _on_buffered(self, message: Message, send: Any) -> None:
        chunk = message.get("body", b"")
        self.size += len(chunk)
        self.chunks.append(chunk)
        if self.size > self.cfg.max_body_bytes:
            if not self.cfg.fail_open:
                self.resp_outcome = "too_large"
                await self._refuse(send, 502, f"the response is larger than the redaction "
                                              f"limit of {self.cfg.max_body_bytes} bytes",
                                   "response_too_large")
                return
            self.resp_outcome, self.mode = "failed_open", "pass"
            await send(self.start)
            await send({"type": "http.response.body", "body": b"".join(self.chunks),
                        "more_body": message.get("more_body", False)})
            return
        if message.get("more_body", False):
            return
        raw = b"".join(self.chunks)
        try:
            body = await self._call(self._redact_body_sync, raw)
            self.resp_outcome = "redacted" if self.resp_counts else "clean"
        except RedactionFailed as exc:
            if not self.cfg.fail_open:
                self.resp_outcome = "refused"
                await self._refuse(send, 503, f"{exc}; the response was withheld so that no "
                                              "unredacted PII reaches the client",
                                   "redaction_failed")
                return
            log.warning("%s; returning the response unredacted (fail-open)", exc)
            self.resp_outcome, body = "failed_open", raw
        assert self.start is not None
        headers = [(k, v) for k, v in self.start.get("headers", [])
                   if k.lower() != b"content-length"]
        headers.append((b"content-length", str(len(body)).encode()))
        await send({**self.start, "headers": headers})
        await send({"type": "http.response.body", "body": body, "more_body": False})

    def _redact_body_sync(self, raw: bytes) -> bytes:
        if _is_json(self.resp_ctype):
            try:
                doc = json.loads(raw.decode("utf-8"))
            except (UnicodeDecodeError, ValueError):
                doc = None
            if doc is not None:
                self.resp_counts.update(self._redact_doc(doc, self.cfg.response_fields, False))
                return json.dumps(doc, ensure_ascii=False).encode("utf-8")
        text = raw.decode("utf-8")  # not UTF-8: raises -> refused (fail-closed)
        out, counts = self._redact_response_text(text)
        self.resp_counts.update(counts)
        return out.encode("utf-8")

    def _stream_sync(self, data: bytes, final: bool) -> bytes:
        assert self.rewriter is not None
        events = self.parser.feed(data)
        if final:
            rest = self.parser.flush()
            if rest:
                events.append(rest)
        out = self.rewriter.events(events)
        if final:
            out += self.rewriter.finish()
        return b"".join(out)

    def _stream_unredacted(self, data: bytes, final: bool) -> bytes:
        """Fail-open after a failure: flush what was held and pass the rest through as is."""
        assert self.rewriter is not None
        for st in self.rewriter.streams.values():
            st.analyze_one = lambda _text: []
        out = b"".join(self.rewriter.finish()) + self.parser.buf + data
        self.parser.buf = b""
        return out

    async def _on_stream(self, message: Message, send: Any) -> None:
        final = not message.get("more_body", False)
        try:
            self.tx.send_nowait((message.get("body", b""), final))
        except (anyio.BrokenResourceError, anyio.ClosedResourceError):
            return  # the stream was already ended (refused)
        if final:
            self.tx.close()

    async def _drain(self, rx: Any, send: Any) -> None:
        async with rx:
            while not self.closed:
                try:
                    data, final = await rx.receive()
                except anyio.EndOfStream:
                    return
                parts = [data]
                while not final:
                    try:
                        more, final = rx.receive_nowait()
                    except (anyio.WouldBlock, anyio.EndOfStream):
                        break
                    parts.append(more)
                await self._stream_out(b"".join(parts), final, send)
                if final:
                    return

    async def _stream_out(self, data: bytes, final: bool, send: Any) -> None:
        if self.resp_outcome == "failed_open":
            await send({"type": "http.response.body", "body": data, "more_body": not final})
            return
        try:
            out = await self._call(self._stream_sync, data, final)
        except RedactionFailed as exc:
            if not self.cfg.fail_open:
                self.resp_outcome = "refused"
                err = json.dumps({"error": {"message": f"{exc}; the stream was stopped so that "
                                            "no unredacted PII reaches the client",
                                            "type": "pii_redaction_error",
                                            "code": "redaction_failed"}})
                await send({"type": "http.response.body", "more_body": False,
                            "body": f"event: error\ndata: {err}\n\n".encode()})
                self.closed = True
                return
            log.warning("%s; passing the rest of the stream unredacted (fail-open)", exc)
            self.resp_outcome = "failed_open"
            out = self._stream_unredacted(data, final)
        if out or final:
            await send({"type": "http.response.body", "body": out, "more_body": not final})
        if final and self.rewriter is not None:
            self.resp_counts.update(self.rewriter.counts)
            self.resp_outcome = self.resp_outcome or ("redacted" if self.resp_counts else "clean")

    # -- events --------------------------------------------------------------------------------
    def _record(self) -> None:
        rec = self.mw.recorder
        if rec is None:
            return
        mode = "pseudonymise" if self.vault is not None else "redact"
        path = self.scope.get("path", "")
        ms = round(self.seconds * 1000, 3)
        for direction, outcome, counts in (("request", self.req_outcome, self.req_counts),
                                           ("response", self.resp_outcome, self.resp_counts)):
            if not outcome:
                continue
            rec.record(RedactionEvent(source=self.cfg.source, path=path, direction=direction,
                                      mode=mode, outcome=outcome, entity_counts=dict(counts),
                                      latency_ms=ms, nonce=uuid.uuid4().hex))
        self.req_outcome = self.resp_outcome = ""


class _Refuse(Exception):
    def __init__(self, status: int, message: str, code: str) -> None:
        super().__init__(message)
        self.status, self.message, self.code = status, message, code
