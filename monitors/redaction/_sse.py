"""Server-sent events: split a byte stream into events and redact OpenAI-style chunks in them.

Each choice of an OpenAI stream (`choices[i].delta.content` for chat, `choices[i].text` for
completions) is its own `TextStream`, so an entity split across chunks is held back until it can
be redacted whole. A choice's held text is sent with its `finish_reason` chunk, or in an extra
chunk before `[DONE]` / the end of the stream. Non-JSON `data:` payloads are one text stream.
"""

from __future__ import annotations

import json
import re
from collections import Counter
from collections.abc import Callable
from typing import Any

from monitors.redaction._json import string_slots
from monitors.redaction._stream import TextStream

__all__ = ["SSEParser", "SSERewriter"]

_RAW = "__raw__"


class SSEParser:
    """Bytes in, complete events out (each without its terminating blank line, LF endings)."""

    _SEP = re.compile(rb"\r?\n\r?\n")

    def __init__(self) -> None:
        self.buf = b""

    def feed(self, data: bytes) -> list[bytes]:
        self.buf += data
        out: list[bytes] = []
        pos = 0
        for m in self._SEP.finditer(self.buf):
            event = self.buf[pos:m.start()].replace(b"\r\n", b"\n")
            if event.strip(b"\n"):
                out.append(event.strip(b"\n"))
            pos = m.end()
        self.buf = self.buf[pos:]
        return out

    def flush(self) -> bytes:
        """Whatever is left when the stream ends (an unterminated last event)."""
        rest, self.buf = self.buf.replace(b"\r\n", b"\n").strip(b"\n"), b""
        return rest


def _encode(other: list[str], data: str) -> bytes:
    lines = other + ["data: " + ln for ln in data.split("\n")]
    return ("\n".join(lines) + "\n\n").encode("utf-8")


class SSERewriter:
    """Redacts the text of a stream of SSE events; synchronous (run it off the event loop)."""

    def __init__(self, make_stream: Callable[[], TextStream],
                 redact_whole: Callable[[str], tuple[str, Counter[str]]]) -> None:
        self.make_stream = make_stream
        self.redact_whole = redact_whole
        self.streams: dict[Any, TextStream] = {}
        self.envelopes: dict[Any, tuple[dict[str, Any], str]] = {}
        self.extra_counts: Counter[str] = Counter()

    @property
    def counts(self) -> Counter[str]:
        total = Counter(self.extra_counts)
        for st in self.streams.values():
            total.update(st.counts)
        return total

    def _stream(self, key: Any) -> TextStream:
        if key not in self.streams:
            self.streams[key] = self.make_stream()
        return self.streams[key]

    def event(self, raw: bytes) -> list[bytes]:
        """One parsed event in, the events to send out (maybe none, maybe extra flushes)."""
        text = raw.decode("utf-8")
        other: list[str] = []
        data_lines: list[str] = []
        for line in text.split("\n"):
            if line.startswith("data:"):
                v = line[5:]
                data_lines.append(v[1:] if v.startswith(" ") else v)
            else:
                other.append(line)
        if not data_lines:
            return [raw + b"\n\n"]
        data = "\n".join(data_lines)
        if data.strip() == "[DONE]":
            return self.finish() + [raw + b"\n\n"]
        try:
            obj = json.loads(data)
        except ValueError:
            obj = None
        if not isinstance(obj, dict | list):
            out = self._stream(_RAW).feed(data)
            return [_encode(other, out)] if out else []
        if isinstance(obj, dict) and isinstance(obj.get("choices"), list):
            self._choices(obj)
        else:
            for c, k in string_slots(obj, ["**"]):
                c[k], counts = self.redact_whole(c[k])
                self.extra_counts.update(counts)
        return [_encode(other, json.dumps(obj, ensure_ascii=False))]

    def _choices(self, obj: dict[str, Any]) -> None:
        for i, ch in enumerate(obj["choices"]):
            if not isinstance(ch, dict):
                continue
            idx = ch.get("index", i)
            if isinstance(ch.get("delta"), dict):
                container, key, kind = ch["delta"], "content", "chat"
            elif "text" in ch:
                container, key, kind = ch, "text", "completion"
            else:
                continue
            st = self._stream(idx)
            val = container.get(key)
            out = st.feed(val) if isinstance(val, str) else ""
            if ch.get("finish_reason") is not None:
                out += st.flush()
            if isinstance(val, str) or out:
                container[key] = out
            self.envelopes[idx] = ({k: v for k, v in obj.items() if k != "choices"}, kind)

    def finish(self) -> list[bytes]:
        """Flush every stream's held text as extra events (end of stream or before [DONE])."""
        out: list[bytes] = []
        for key, st in self.streams.items():
            rest = st.flush()
            if not rest:
                continue
            if key == _RAW:
                out.append(_encode([], rest))
                continue
            env, kind = self.envelopes.get(key, ({}, "chat"))
            choice: dict[str, Any] = ({"index": key, "delta": {"content": rest},
                                       "finish_reason": None} if kind == "chat" else
                                      {"index": key, "text": rest, "finish_reason": None})
            out.append(_encode([], json.dumps({**env, "choices": [choice]},
                                              ensure_ascii=False)))
        return out
