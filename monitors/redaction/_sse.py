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
        return self.events([raw])

    def events(self, raws: list[bytes]) -> list[bytes]:
        """A batch of events in, the events to send out.

        Plain text chunks of one stream within the batch are coalesced: detection runs once
        per stream per batch, and their text goes out as one chunk at the end of the batch.
        Events that carry more than text (role, finish_reason, other fields) keep their place.
        """
        out: list[bytes] = []
        dirty: list[Any] = []
        for raw in raws:
            out += self._one(raw, dirty)
        for key in dirty:
            text = self.streams[key].emit()
            if text:
                out.append(self._text_event(key, text))
        return out

    def _one(self, raw: bytes, dirty: list[Any]) -> list[bytes]:
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
            dirty.clear()
            return self.finish() + [raw + b"\n\n"]
        try:
            obj = json.loads(data)
        except ValueError:
            obj = None
        if not isinstance(obj, dict | list):
            self._stream(_RAW).append(data)
            if _RAW not in dirty:
                dirty.append(_RAW)
            return [_encode(other, "")] if other and any(o.strip() for o in other) else []
        if isinstance(obj, dict) and isinstance(obj.get("choices"), list):
            if not self._choices(obj, dirty) and not other:
                return []  # pure text: coalesced into the batch's chunk for its stream
        else:
            for c, k in string_slots(obj, ["**"]):
                c[k], counts = self.redact_whole(c[k])
                self.extra_counts.update(counts)
        return [_encode(other, json.dumps(obj, ensure_ascii=False))]

    def _choices(self, obj: dict[str, Any], dirty: list[Any]) -> bool:
        """Move choice text into the streams; True if the event must still be sent."""
        keep = len(obj["choices"]) != 1
        for i, ch in enumerate(obj["choices"]):
            if not isinstance(ch, dict):
                keep = True
                continue
            idx = ch.get("index", i)
            if isinstance(ch.get("delta"), dict):
                container, key, kind = ch["delta"], "content", "chat"
                extra = set(ch["delta"]) - {"content"}
            elif "text" in ch:
                container, key, kind = ch, "text", "completion"
                extra = {k for k, v in ch.items() if v is not None} - {"text", "index"}
            else:
                keep = True
                continue
            self.envelopes[idx] = ({k: v for k, v in obj.items() if k != "choices"}, kind)
            st = self._stream(idx)
            val = container.get(key)
            if isinstance(val, str):
                st.append(val)
            if ch.get("finish_reason") is not None:
                rest = st.flush()
                if idx in dirty:
                    dirty.remove(idx)
                if isinstance(val, str) or rest:
                    container[key] = rest
                keep = True
            else:
                if idx not in dirty:
                    dirty.append(idx)
                if isinstance(val, str):
                    container[key] = ""
                keep = keep or bool(extra) or not isinstance(val, str)
        return keep

    def _text_event(self, key: Any, text: str) -> bytes:
        if key == _RAW:
            return _encode([], text)
        env, kind = self.envelopes.get(key, ({}, "chat"))
        choice: dict[str, Any] = ({"index": key, "delta": {"content": text},
                                   "finish_reason": None} if kind == "chat" else
                                  {"index": key, "text": text, "finish_reason": None})
        return _encode([], json.dumps({**env, "choices": [choice]}, ensure_ascii=False))

    def finish(self) -> list[bytes]:
        """Flush every stream's held text as extra events (end of stream or before [DONE])."""
        out: list[bytes] = []
        for key, st in self.streams.items():
            rest = st.flush()
            if rest:
                out.append(self._text_event(key, rest))
        return out
