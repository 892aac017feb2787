"""Request side of the boundary: read the body, decide what it is, redact it, or refuse it.

The query string (its keys and values, URL-decoded) and the values of headers that are not
known to be protocol or credentials (`SAFE_HEADERS`, `x-stainless-*` from the openai client)
are redacted too: a client can put an e-mail address in `?user=` or `X-User` as easily as in
the body.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any
from urllib.parse import parse_qsl, urlencode

from monitors.redaction._policy import Failure
from monitors.redaction._redactor import RedactionFailed, Redactor
from monitors.redaction._shape import (StreamDecoder, Uninterpretable, content_encodings,
                                       fixed_headers, interpret, media_type, serialise)

__all__ = ["SAFE_HEADERS", "TOO_LARGE", "read_body", "redact_request"]

Headers = list[tuple[bytes, bytes]]
TOO_LARGE = object()
SAFE_HEADERS = frozenset({
    b"host", b"connection", b"keep-alive", b"content-type", b"content-length",
    b"content-encoding", b"transfer-encoding", b"accept", b"accept-encoding",
    b"accept-language", b"user-agent", b"authorization", b"proxy-authorization",
    b"x-api-key", b"api-key", b"x-assay-token", b"openai-organization", b"openai-project",
    b"openai-beta", b"anthropic-version", b"cache-control", b"pragma", b"te", b"upgrade",
    b"expect", b"origin", b"referer", b"cookie", b"x-request-id", b"idempotency-key",
    b"traceparent", b"tracestate", b"x-forwarded-for", b"x-forwarded-proto", b"x-real-ip"})
_SAFE_PREFIXES = (b"x-stainless-", b"sec-", b"x-amzn-", b"x-b3-")


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


def _redact_meta(redactor: Redactor, headers: Headers, query: bytes, counts: Any
                 ) -> tuple[Headers, bytes]:
    """Redact free-form header values and the query string (one detector call, if any)."""
    idx = [i for i, (k, v) in enumerate(headers)
           if v and k.lower() not in SAFE_HEADERS and not k.lower().startswith(_SAFE_PREFIXES)]
    pairs: list[tuple[str, str]] = []
    if query:
        try:
            pairs = parse_qsl(query.decode("latin-1"), keep_blank_values=True, errors="strict")
        except UnicodeDecodeError:
            raise Uninterpretable("the query string is not UTF-8", "invalid_query") from None
    if not idx and not pairs:
        return headers, query
    texts = [headers[i][1].decode("latin-1") for i in idx] + [x for p in pairs for x in p]
    new, found = redactor.request_texts(texts)
    counts.update(found)
    headers = list(headers)
    for j, i in enumerate(idx):
        headers[i] = (headers[i][0], new[j].encode("latin-1", "replace"))
    if found and pairs:
        flat = new[len(idx):]
        query = urlencode(list(zip(flat[0::2], flat[1::2], strict=True))).encode("ascii")
    return headers, query


def _redact_sync(redactor: Redactor, body: bytes, headers: Headers, query: bytes,
                 counts: Any) -> tuple[bytes, Headers, bytes]:
    headers, query = _redact_meta(redactor, headers, query, counts)
    if not body:
        return body, headers, query
    encodings = content_encodings(headers)
    base, charset = media_type(headers)
    raw = StreamDecoder(encodings, redactor.cfg.max_body_bytes).feed(body, True) \
        if encodings else body
    shape = interpret(raw, base, charset)
    counts.update(redactor.body(shape, request=True))
    out = serialise(shape)
    return out, fixed_headers(headers, shape, len(out), bool(encodings)), query


async def redact_request(redactor: Redactor, body: bytes, headers: Headers, query: bytes,
                         counts: Any) -> tuple[bytes, Headers, bytes] | Failure:
    """(new body, headers, query string), or the `Failure` that stops it (the policy decides)."""
    try:
        return await redactor.call(_redact_sync, redactor, body, headers, query, counts)
    except Uninterpretable as u:
        return Failure("request", "uninterpretable", 415, u.code,
                       f"the request body cannot be checked for PII: {u.message}")
    except RedactionFailed as exc:
        return Failure("request", "detector", 503, "redaction_failed", str(exc))
