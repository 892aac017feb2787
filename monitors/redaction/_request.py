"""Request side of the boundary: read the body, decide what it is, redact it, or refuse it."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from monitors.redaction._policy import Failure
from monitors.redaction._redactor import RedactionFailed, Redactor
from monitors.redaction._shape import (StreamDecoder, Uninterpretable, content_encodings,
                                       fixed_headers, interpret, media_type, serialise)

__all__ = ["TOO_LARGE", "read_body", "redact_request"]

Headers = list[tuple[bytes, bytes]]
TOO_LARGE = object()


async def read_body(receive: Any, limit: int) -> bytes | None | object:
    """The whole body, None if the client went away, `TOO_LARGE` past `limit` bytes."""
    parts: list[bytes] = []
    size = 0
    while True:
        msg = await receive()
        if msg["type"] == "http.disconnect":
            return None
        chunk = msg.get("body", b"")
        size += len(chunk)
        if size > limit:
            return TOO_LARGE
        parts.append(chunk)
        if not msg.get("more_body", False):
            return b"".join(parts)


def _redact_sync(redactor: Redactor, body: bytes, headers: Sequence[tuple[bytes, bytes]],
                 counts: Any) -> tuple[bytes, Headers]:
    encodings = content_encodings(headers)
    base, charset = media_type(headers)
    raw = StreamDecoder(encodings, redactor.cfg.max_body_bytes).feed(body, True) \
        if encodings else body
    shape = interpret(raw, base, charset)
    counts.update(redactor.body(shape, request=True))
    out = serialise(shape)
    return out, fixed_headers(headers, shape, len(out), bool(encodings))


async def redact_request(redactor: Redactor, body: bytes, headers: Headers, counts: Any
                         ) -> tuple[bytes, Headers] | Failure:
    """(new body, new headers), or the `Failure` that stops it (the policy decides)."""
    try:
        return await redactor.call(_redact_sync, redactor, body, headers, counts)
    except Uninterpretable as u:
        return Failure("request", "uninterpretable", 415, u.code,
                       f"the request body cannot be checked for PII: {u.message}")
    except RedactionFailed as exc:
        return Failure("request", "detector", 503, "redaction_failed", str(exc))
