"""Response side: choose how a response is checked from its headers *and* first bytes.

`text/event-stream` and NDJSON types stream (`_streamed`); JSON and `text/*` are buffered up to
`max_body_bytes`, decoded, interpreted from their bytes and redacted whole; anything else (no
content type, `application/octet-stream`, unknown) is sniffed: a body that starts like SSE is
streamed as SSE, any other body is buffered and interpreted from its bytes (JSON, NDJSON, text;
binary is refused by the failure policy). Compressed bodies are decoded and sent uncompressed.
"""

from __future__ import annotations

from typing import Any

from monitors.redaction._policy import Failure
from monitors.redaction._redactor import RedactionFailed
from monitors.redaction._reversible import SESSION_HEADER
from monitors.redaction._shape import (StreamDecoder, Uninterpretable, content_encodings,
                                       fixed_headers, interpret, media_type, serialise)
from monitors.redaction._streamed import StreamedBody

__all__ = ["ResponseFilter"]

Message = dict[str, Any]
NDJSON_TYPES = frozenset({"application/x-ndjson", "application/ndjson", "application/jsonl",
                          "application/x-jsonlines", "application/jsonlines"})
_SSE_START = (b"data:", b"event:", b"id:", b":", b"retry:")


def _buffered_type(base: str) -> bool:
    return base == "application/json" or base.endswith("+json") or base.startswith("text/")


class ResponseFilter:
    """The `send` the app gets: every response message passes through `__call__`."""

    def __init__(self, ex: Any, send: Any) -> None:
        self.ex = ex
        self.down = send
        self.mode = ""
        self.start: Message = {}
        self.base, self.charset = "", None
        self.encodings: list[str] = []
        self.chunks: list[bytes] = []
        self.size = 0
        self.stream: StreamedBody | None = None

    async def __call__(self, message: Message) -> None:
        if self.ex.closed:
            return
        if message["type"] == "http.response.start":
            await self._on_start(message)
        elif message["type"] == "http.response.body":
            await self._on_body(message)
        else:
            await self.down(message)

    def close(self) -> None:
        if self.stream is not None:
            self.stream.close()

    async def _fail(self, failure: Failure, body: bytes | None = None) -> None:
        """Ask the policy; on forward, send the original (start, then `body` if given)."""
        forward, self.ex.resp_outcome = self.ex.policy.decide(failure)
        if not forward:
            await self.ex.refuse(self.down, failure.status, self.ex.policy.refusal(failure),
                                 failure.code)
            return
        self.mode = "pass"
        await self.down(self.start)
        if body is not None:
            await self.down({"type": "http.response.body", "body": body, "more_body": False})

    async def _on_start(self, message: Message) -> None:
        headers = list(message.get("headers", []))
        if self.ex.session is not None:
            headers = [(k, v) for k, v in headers if k.lower() != SESSION_HEADER]
            headers.append((SESSION_HEADER, self.ex.session.handle.encode()))
        self.start = {**message, "headers": headers}
        try:
            self.encodings = content_encodings(headers)
            if self.encodings:
                StreamDecoder(self.encodings, 1)  # refuses an unsupported coding now
            self.base, self.charset = media_type(headers)
        except Uninterpretable as u:
            await self._fail(Failure("response", "uninterpretable", 502, u.code,
                                     f"the response cannot be checked for PII: {u.message}"))
            return
        if self.base == "text/event-stream" or self.base in NDJSON_TYPES:
            await self._open_stream(ndjson=self.base in NDJSON_TYPES)
        else:
            self.mode = "buffer" if _buffered_type(self.base) or self.encodings else "sniff"

    async def _open_stream(self, ndjson: bool) -> None:
        self.mode = "stream"
        decoder = StreamDecoder(self.encodings, self.ex.cfg.max_body_bytes, whole=False) \
            if self.encodings else None
        drop = {b"content-length"} | ({b"content-encoding"} if decoder else set())
        self.stream = StreamedBody(self.ex, self.down, ndjson, decoder)
        await self.down({**self.start, "headers": [(k, v) for k, v in self.start["headers"]
                                                   if k.lower() not in drop]})

    async def _on_body(self, message: Message) -> None:
        chunk = message.get("body", b"")
        final = not message.get("more_body", False)
        if self.mode == "pass":
            await self.down(message)
            return
        if self.mode == "stream":
            assert self.stream is not None
            self.stream.feed(chunk, final)
            return
        self.chunks.append(chunk)
        self.size += len(chunk)
        if self.mode == "sniff":
            head = b"".join(self.chunks).lstrip()
            if len(head) >= 6 or final:
                if head.startswith(_SSE_START):
                    await self._open_stream(ndjson=False)
                    assert self.stream is not None
                    self.stream.feed(b"".join(self.chunks), final)
                    self.chunks = []
                    return
                self.mode = "buffer"
        if self.size > self.ex.cfg.max_body_bytes:
            limit = self.ex.cfg.max_body_bytes
            await self._fail(Failure("response", "too_large", 502, "response_too_large",
                                     f"the response is larger than the redaction limit of "
                                     f"{limit} bytes"))
            if self.mode == "pass":  # forwarded (fail-open): what was held, then the rest
                await self.down({"type": "http.response.body", "body": b"".join(self.chunks),
                                 "more_body": not final})
            return
        if final:
            await self._finish_buffer()

    def _buffer_sync(self, raw: bytes) -> tuple[bytes, list[tuple[bytes, bytes]]]:
        decoded = StreamDecoder(self.encodings, self.ex.cfg.max_body_bytes).feed(raw, True) \
            if self.encodings else raw
        shape = interpret(decoded, self.base, self.charset)
        self.ex.resp_counts.update(self.ex.redactor.body(shape, request=False))
        out = serialise(shape)
        return out, fixed_headers(self.start["headers"], shape, len(out), bool(self.encodings))

    async def _finish_buffer(self) -> None:
        raw = b"".join(self.chunks)
        try:
            body, headers = await self.ex.redactor.call(self._buffer_sync, raw)
        except Uninterpretable as u:
            await self._fail(Failure("response", "uninterpretable", 502, u.code,
                                     f"the response cannot be checked for PII: {u.message}"),
                             raw)
            return
        except RedactionFailed as exc:
            await self._fail(Failure("response", "detector", 503, "redaction_failed", str(exc)),
                             raw)
            return
        self.ex.resp_outcome = "redacted" if self.ex.resp_counts else "clean"
        await self.down({**self.start, "headers": headers})
        await self.down({"type": "http.response.body", "body": body, "more_body": False})
