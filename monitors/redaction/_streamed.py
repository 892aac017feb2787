"""Streamed responses (SSE, NDJSON): decoded, parsed and redacted as they arrive.

Chunks queue up while a detection runs and are then redacted together, so a slow detector never
makes the stream fall further and further behind. A failure mid-stream goes to the failure
policy: fail-closed ends the stream with an `error` event (an error line for NDJSON) and no
`[DONE]`; fail-open sends what is held, unredacted, and passes the rest through.
"""

from __future__ import annotations

import json
import math
from typing import Any

import anyio

from monitors.redaction._policy import Failure
from monitors.redaction._redactor import RedactionFailed
from monitors.redaction._shape import StreamDecoder, Uninterpretable
from monitors.redaction._sse import LineParser, SSEParser

__all__ = ["StreamedBody"]


class StreamedBody:
    """Feed body chunks (`feed`); a task in the exchange's task group sends them redacted."""

    def __init__(self, ex: Any, send: Any, ndjson: bool, decoder: StreamDecoder | None) -> None:
        self.ex = ex
        self.send = send
        self.ndjson = ndjson
        self.decoder = decoder
        self.parser = LineParser() if ndjson else SSEParser()
        self.rewriter = ex.redactor.rewriter(ndjson)
        self.passing = False
        self.done: list[bytes] = []
        self.consumed = False
        self.tx, rx = anyio.create_memory_object_stream(max_buffer_size=math.inf)
        ex.tg.start_soon(self._drain, rx)

    def feed(self, data: bytes, final: bool) -> None:
        try:
            self.tx.send_nowait((data, final))
        except (anyio.BrokenResourceError, anyio.ClosedResourceError):
            return  # the stream was already ended (refused)
        if final:
            self.tx.close()

    def close(self) -> None:
        self.tx.close()

    async def _drain(self, rx: Any) -> None:
        async with rx:
            while not self.ex.closed:
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
                await self._out(b"".join(parts), final)
                if final:
                    return

    def _sync(self, data: bytes, final: bool) -> bytes:
        self.done: list[bytes] = []  # what this step completed before a failure, if one comes
        self.consumed = False
        if self.decoder is not None:
            data = self.decoder.feed(data, final)
        events = self.parser.feed(data)
        self.consumed = True
        if len(self.parser.buf) > self.ex.cfg.max_body_bytes:  # no event boundary in sight
            raise Uninterpretable(f"a stream event is larger than the redaction limit of "
                                  f"{self.ex.cfg.max_body_bytes} bytes", "event_too_large")
        if final:
            rest = self.parser.flush()
            if rest:
                events.append(rest)
        self.done = self.rewriter.events(events)
        if final:
            self.done += self.rewriter.finish()
        return b"".join(self.done)

    async def _out(self, data: bytes, final: bool) -> None:
        ex = self.ex
        if self.passing:  # fail-open after a failure: the rest as it comes (decoded: the
            if self.decoder is not None:  # client was told the body is not encoded)
                try:
                    data = self.decoder.feed(data, final)
                except Uninterpretable:
                    pass
            await self.send({"type": "http.response.body", "body": data, "more_body": not final})
            return
        try:
            out = await ex.redactor.call(self._sync, data, final)
        except (RedactionFailed, Uninterpretable) as exc:
            failure = (Failure("response", "detector", 503, "redaction_failed", str(exc))
                       if isinstance(exc, RedactionFailed) else
                       Failure("response", "uninterpretable", 502, exc.code,
                               f"the stream cannot be checked for PII: {exc.message}"))
            forward, ex.resp_outcome = ex.policy.decide(failure)
            if not forward:
                await self._error(ex.policy.refusal(failure), failure.code)
                return
            self.passing = True
            out = b"".join(self.done + self.rewriter.release_unredacted()) + self.parser.buf + \
                (b"" if self.consumed else data)
            self.parser.buf = b""
        if out or final:
            await self.send({"type": "http.response.body", "body": out, "more_body": not final})
        if final:
            ex.resp_counts.update(self.rewriter.counts)
            ex.resp_outcome = ex.resp_outcome or ("redacted" if ex.resp_counts else "clean")

    async def _error(self, message: str, code: str) -> None:
        err = json.dumps({"error": {"message": message, "type": "pii_redaction_error",
                                    "code": code}})
        body = (err + "\n") if self.ndjson else f"event: error\ndata: {err}\n\n"
        await self.send({"type": "http.response.body", "more_body": False,
                         "body": body.encode()})
        self.ex.resp_counts.update(self.rewriter.counts)
        self.ex.closed = True
