"""What a body *is*, decided from its bytes as well as its headers (default-deny on shape).

`Content-Encoding` (gzip, deflate, br when the `brotli` package is installed; several in a
row) is decoded first, never passed through. Then: bytes that parse as JSON are JSON, whatever
the `Content-Type` says (none, `text/plain`, `application/x-www-form-urlencoded`, octet-stream);
lines that each parse as JSON are NDJSON; a form body is its fields; any other text is one text;
anything that is not text in a known character set (binary, control characters, an unknown
charset, a compression that cannot be decoded) is `Uninterpretable`, which the failure policy
refuses unless it fails open. The redacted body always goes on as UTF-8 without encoding.
"""

from __future__ import annotations

import codecs
import json
import re
import zlib
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qsl, urlencode

__all__ = ["Body", "Uninterpretable", "StreamDecoder", "content_encodings", "dump_json",
           "fixed_headers", "interpret", "media_type", "serialise"]

Headers = Sequence[tuple[bytes, bytes]]
_CONTROL = re.compile("[\x00-\x08\x0b\x0e-\x1f\x7f]")
_UTF8 = {"utf-8", "utf8", "us-ascii", "ascii"}


class Uninterpretable(Exception):
    """The body cannot be read as text, so it cannot be checked for PII."""

    def __init__(self, message: str, code: str = "uninterpretable_body") -> None:
        super().__init__(message)
        self.message, self.code = message, code


def _values(headers: Headers, name: bytes) -> list[str]:
    return [v.decode("latin-1").strip() for k, v in headers if k.lower() == name]


def content_encodings(headers: Headers) -> list[str]:
    """Every coding applied, in order (several headers and comma lists both count)."""
    out = []
    for v in _values(headers, b"content-encoding"):
        out += [c.strip().lower() for c in v.split(",") if c.strip()]
    return [c for c in out if c != "identity"]


def media_type(headers: Headers) -> tuple[str, str | None]:
    """(base type, charset) from the Content-Type header(s); conflicting charsets refused."""
    bases, charsets = [], set()
    for v in _values(headers, b"content-type"):
        for part in v.split(","):  # "a, b": a list where one header was expected
            fields = [f.strip() for f in part.split(";")]
            if fields[0]:
                bases.append(fields[0].lower())
            for f in fields[1:]:
                k, _, val = f.partition("=")
                if k.strip().lower() == "charset" and val.strip(' "'):
                    charsets.add(val.strip(' "').lower())
    if len(charsets) > 1:
        raise Uninterpretable(f"the body declares {len(charsets)} different charsets",
                              "conflicting_charset")
    return (bases[0] if bases else ""), (charsets.pop() if charsets else None)


class StreamDecoder:
    """Incremental Content-Encoding decoder for a response body that streams."""

    def __init__(self, encodings: list[str], max_bytes: int, whole: bool = True) -> None:
        # `whole`: max_bytes bounds the whole decoded body; else (a stream) each decoded chunk,
        # so a small compressed chunk cannot expand into gigabytes in one step.
        self.max_bytes = max_bytes
        self.whole = whole
        self.steps = [_decompressor(c) for c in reversed(encodings)]
        self.size = 0

    def feed(self, data: bytes, final: bool) -> bytes:
        for step in self.steps:
            try:
                data = step.decompress(data, self.max_bytes + 1)
                if final:
                    data += step.flush()
            except _TooLarge:
                raise Uninterpretable(f"the decoded body is larger than {self.max_bytes} bytes",
                                      "decoded_too_large") from None
            except Exception as exc:
                raise Uninterpretable(f"the body is not valid {step.name} data "
                                      f"({type(exc).__name__})", "undecodable_encoding") from None
        self.size = self.size + len(data) if self.whole else len(data)
        if self.size > self.max_bytes:
            raise Uninterpretable(f"the decoded body is larger than {self.max_bytes} bytes",
                                  "decoded_too_large")
        return data


class _TooLarge(Exception):
    """Decompression went past the limit (a compression bomb, or just too big)."""


class _Inflate:
    """zlib-wrapped or raw deflate (servers send both as `deflate`)."""

    def __init__(self, wbits: int, name: str) -> None:
        self.wbits, self.name = wbits, name
        self.obj: Any = None
        self.head = b""

    def decompress(self, data: bytes, limit: int) -> bytes:
        if self.obj is None:
            self.head += data
            if len(self.head) < 2:
                return b""
            raw = self.wbits == 15 and ((self.head[0] & 0x0F) != 8 or
                                        ((self.head[0] << 8) | self.head[1]) % 31 != 0)
            self.obj = zlib.decompressobj(-15 if raw else self.wbits)
            data, self.head = self.head, b""
        out = self.obj.decompress(data, limit)
        if self.obj.unconsumed_tail:
            raise _TooLarge
        return out

    def flush(self) -> bytes:
        if self.obj is None:
            if self.head:
                raise ValueError("truncated")
            return b""
        if not self.obj.eof:
            raise ValueError("truncated")
        return self.obj.flush()


class _Brotli:
    name = "br"

    def __init__(self, obj: Any) -> None:
        self.obj = obj

    def decompress(self, data: bytes, limit: int) -> bytes:
        return self.obj.process(data)

    def flush(self) -> bytes:
        if not self.obj.is_finished():
            raise ValueError("truncated")
        return b""


def _has_brotli() -> bool:
    try:
        import brotli  # noqa: F401
    except ImportError:
        return False
    return True


def _decompressor(coding: str) -> Any:
    if coding in ("gzip", "x-gzip"):
        return _Inflate(31, "gzip")
    if coding == "deflate":
        return _Inflate(15, "deflate")
    if coding == "br":
        try:
            import brotli
        except ImportError:
            raise Uninterpretable("the body is br-encoded and the brotli package is not "
                                  "installed", "unsupported_encoding") from None
        return _Brotli(brotli.Decompressor())
    # The header's value is the client's: it goes into no message (nor any log line).
    raise Uninterpretable("the body's content-encoding is not supported (gzip, deflate"
                          f"{', br' if _has_brotli() else ''} are)", "unsupported_encoding")


@dataclass
class Body:
    """An interpreted body: `kind` is empty, json, ndjson, form or text."""

    kind: str
    value: Any = None
    recoded: bool = False  # decoded from another charset: the Content-Type must say utf-8


def _decode(raw: bytes, charset: str | None) -> tuple[str, bool]:
    enc = charset or json.detect_encoding(raw)  # utf-8 / -16 / -32 (BOM or NUL pattern)
    try:
        name = codecs.lookup(enc).name
    except LookupError:
        raise Uninterpretable("the body's charset is unknown", "unknown_charset") from None
    try:
        text = raw.decode(name)
    except UnicodeDecodeError:
        raise Uninterpretable(f"the body is not valid {name} text (binary data cannot be "
                              "checked for PII)", "binary_body") from None
    if name == "utf-8" and text.startswith("\ufeff"):
        text = text[1:]
    return text, name not in _UTF8


def interpret(raw: bytes, base: str, charset: str | None) -> Body:
    """Decide what `raw` (already content-decoded) is; `Uninterpretable` if it is not text."""
    if not raw.strip():
        return Body("empty", raw)
    text, recoded = _decode(raw, charset)
    try:
        return Body("json", json.loads(text), recoded)
    except ValueError:
        pass
    lines = [ln for ln in text.split("\n") if ln.strip()]
    if len(lines) > 1:
        try:
            return Body("ndjson", [json.loads(ln) for ln in lines], recoded)
        except ValueError:
            pass
    if _CONTROL.search(text):
        raise Uninterpretable("the body holds control characters: binary data cannot be "
                              "checked for PII", "binary_body")
    if base == "application/x-www-form-urlencoded":
        try:
            return Body("form", parse_qsl(text, keep_blank_values=True, strict_parsing=True),
                        recoded)
        except ValueError:
            pass
    return Body("text", text, recoded)


def dump_json(doc: Any) -> bytes:
    """Compact UTF-8 JSON; an unpaired surrogate is kept as its `\\u` escape."""
    try:
        return json.dumps(doc, ensure_ascii=False).encode("utf-8")
    except UnicodeEncodeError:
        return json.dumps(doc).encode("ascii")


def serialise(body: Body) -> bytes:
    if body.kind == "json":
        return dump_json(body.value)
    if body.kind == "ndjson":
        return b"".join(dump_json(d) + b"\n" for d in body.value)
    if body.kind == "form":
        return urlencode(body.value).encode("ascii")
    if body.kind == "text":
        return body.value.encode("utf-8", "replace")
    return body.value


def fixed_headers(headers: Headers, body: Body, length: int, decoded: bool
                  ) -> list[tuple[bytes, bytes]]:
    """Headers for the rewritten body: one length, no content-encoding, utf-8 when recoded."""
    drop = {b"content-length"} | ({b"content-encoding"} if decoded else set())
    if body.recoded:
        drop.add(b"content-type")
    out = [(k, v) for k, v in headers if k.lower() not in drop]
    if body.recoded:
        base = "application/json" if body.kind in ("json", "ndjson") else "text/plain"
        out.append((b"content-type", f"{base}; charset=utf-8".encode()))
    out.append((b"content-length", str(length).encode()))
    return out
