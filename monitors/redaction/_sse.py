"""Server-sent events and NDJSON streams: split a byte stream into events, redact every field.

Pure and synchronous (run it off the event loop). Every string of every event is redacted:
the text fields a model streams (`content`, `reasoning_content`, `reasoning`, `refusal`,
`thinking`, tool-call `arguments`, completions `text`, Ollama `response`, Responses `delta`; in
`delta` and `message` chunks alike) are held back per field by a `TextStream`, so an entity split
across chunks is caught whole; `logprobs` token lists are held back the same way by a
`TokenStream` (kept and redacted, not dropped); every other string, the `id:`/`event:` fields
and `:` comment lines are redacted as they are (allow-listed ids and enums skip the detector).
A batch of events runs detection once per held field; the text goes into the field's last event
of the batch. Held text is sent in the choice's `finish_reason` event (or an extra event just
before it), before `[DONE]`, or at the end. Non-JSON `data:` payloads are one held text.
"""

from __future__ import annotations

import json
import re
from collections import Counter
from collections.abc import Callable
from typing import Any

from monitors.redaction._fields import is_not_text, rename_keys
from monitors.redaction._stream import TextStream, unpaired_to_replacement
from monitors.redaction._tokens import CompletionLogprobStream, TokenStream

__all__ = ["LineParser", "SSEParser", "SSERewriter", "STREAMED_TEXT_KEYS"]

STREAMED_TEXT_KEYS = frozenset({"content", "reasoning_content", "reasoning", "refusal",
                                "thinking", "arguments", "text", "response", "delta"})
_RAW = ("__raw__",)
_PLAIN_KEY = re.compile(r"[A-Za-z_][A-Za-z0-9_\-]{0,63}")


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


class LineParser(SSEParser):
    """NDJSON: one event per non-blank line."""

    _SEP = re.compile(rb"\r?\n")


class _Event:
    """One event being rewritten: its fields, and a JSON object or a raw data text."""

    def __init__(self, fields: list[list[Any]] | None = None, obj: Any = None,
                 data: str | None = None) -> None:
        self.fields = fields or []
        self.obj = obj
        self.data = [data] if data is not None else None  # a slot the batch can rewrite

    def encode(self, ndjson: bool) -> bytes:
        data = json.dumps(self.obj, ensure_ascii=False) if self.obj is not None else \
            (self.data[0] if self.data is not None else None)
        if ndjson:
            return (unpaired_to_replacement(data or "") + "\n").encode("utf-8")
        lines = [(":" + v if n == ":" else v if n == "" else n if v is None else f"{n}: {v}")
                 for n, v in self.fields]
        if data is not None:
            lines += ["data: " + ln for ln in data.split("\n")]
        return (unpaired_to_replacement("\n".join(lines)) + "\n\n").encode("utf-8")


def _envelope(obj: Any) -> dict[str, Any]:
    """The top-level ids/enums/numbers of an event, for the extra events held text goes in."""
    if not isinstance(obj, dict):
        return {}
    return {k: v for k, v in obj.items() if v is None or isinstance(v, bool | int | float) or
            (isinstance(v, str) and is_not_text(k, v))}


class SSERewriter:
    """Redacts the events of a stream (SSE, or NDJSON with `ndjson=True`)."""

    def __init__(self, make_stream: Callable[[], TextStream],
                 redact_whole: Callable[[str], tuple[str, Counter[str]]],
                 make_tokens: Callable[[], TokenStream] | None = None,
                 redact_many: Callable[[list[str]], tuple[list[str], Counter[str]]] | None
                 = None, ndjson: bool = False) -> None:
        self.make_stream = make_stream
        self.make_tokens = make_tokens or (lambda: TokenStream(make_stream().analyze_one))
        self.redact_many = redact_many or self._many_from_whole(redact_whole)
        self.ndjson = ndjson
        self.streams: dict[tuple, Any] = {}
        self.templates: dict[tuple, tuple[dict[str, Any], tuple]] = {}
        self.extra_counts: Counter[str] = Counter()
        self._batch: list[bytes] = []  # the raw events of a batch that has not completed
        self._snap: dict[tuple, int] = {}  # what each field held before that batch

    @staticmethod
    def _many_from_whole(one: Callable[[str], tuple[str, Counter[str]]]) -> Callable:
        def many(texts: list[str]) -> tuple[list[str], Counter[str]]:
            total: Counter[str] = Counter()
            out = []
            for t in texts:
                new, c = one(t)
                out.append(new)
                total.update(c)
            return out, total
        return many

    @property
    def counts(self) -> Counter[str]:
        total = Counter(self.extra_counts)
        for st in self.streams.values():
            total.update(st.counts)
        return total

    def event(self, raw: bytes) -> list[bytes]:
        """One parsed event in, the events to send out (maybe none, maybe extra flushes)."""
        return self.events([raw])

    def events(self, raws: list[bytes]) -> list[bytes]:
        """A batch of parsed events in, the events to send out."""
        self._batch = list(raws)
        self._snap = {k: st.held() for k, st in self.streams.items()}
        self._out: list[_Event] = []
        self._last: dict[tuple, tuple[Any, Any]] = {}
        self._whole: list[tuple[Any, Any]] = []
        self._keys: list[tuple[dict, str]] = []
        for raw in raws:
            self._one(raw)
        for skey, (container, key) in self._last.items():
            self._place(container, key, self.streams[skey].emit())
        self._redact_whole()
        out = [e.encode(self.ndjson) for e in self._out
               if not (e.obj is None and e.data is not None and not e.data[0] and not e.fields)]
        self._batch, self._snap = [], {}
        return out

    def finish(self) -> list[bytes]:
        """Flush every held field as extra events (end of stream)."""
        self._out, self._last = [], {}
        self._flush_where(lambda _k: True)
        return [e.encode(self.ndjson) for e in self._out]

    def release_unredacted(self) -> list[bytes]:
        """Fail-open after a failure: what the fields held before the failed batch, then that
        batch's events as they arrived (each character exactly once)."""
        out = []
        for skey, st in self.streams.items():
            val = st.release_unredacted(self._snap.get(skey, 0) if self._batch else None)
            if val:
                out.append(self._synth(skey, val).encode(self.ndjson))
        sep = b"\n" if self.ndjson else b"\n\n"
        out += [raw + sep for raw in self._batch]
        self._batch, self._snap = [], {}
        return out

    # -- one event -----------------------------------------------------------------------------
    def _one(self, raw: bytes) -> None:
        text = raw.decode("utf-8", "surrogateescape")  # a split character is mended later
        fields: list[list[Any]] = []
        data_lines: list[str] = []
        for line in [text] if self.ndjson else text.split("\n"):
            if self.ndjson:
                data_lines.append(line)
            elif line.startswith(":"):
                fields.append([":", line[1:]])
            else:
                name, colon, value = line.partition(":")
                value = value[1:] if value.startswith(" ") else value
                if name == "data":
                    data_lines.append(value)
                elif name in ("event", "id", "retry"):
                    fields.append([name, value if colon else None])
                else:  # not an SSE field: a line of text (kept as it is, and redacted)
                    fields.append(["", line])
        for f in fields:  # only `event:`/`id:` values may be allow-listed identifiers
            if f[1] and not is_not_text(f[0] if f[0] in ("event", "id") else "", f[1].strip()):
                self._whole.append((f, 1))
        if not data_lines:
            self._out.append(_Event(fields))
            return
        data = "\n".join(data_lines)
        if data.strip() == "[DONE]":
            self._flush_where(lambda _k: True)
            self._out.append(_Event(fields, data=data))
            return
        try:
            obj = json.loads(data)
        except ValueError:
            obj = None
        if not isinstance(obj, dict | list):
            ev = _Event(fields, data="")
            if self.ndjson:
                ev.data = [data]
                self._whole.append((ev.data, 0))
            else:
                self._feed(ev.data, 0, _RAW, (), data, {})
            self._out.append(ev)
            return
        ev = _Event(fields, obj=obj)
        finished: list[tuple] = []
        self._walk(obj, (), obj, finished)
        if isinstance(obj, dict) and isinstance(obj.get("type"), str) and \
                obj["type"].endswith((".done", ".completed", ".failed", ".incomplete")):
            finished.append(())  # Responses API: the item (or response) is whole now
        for prefix in finished:
            self._flush_where(lambda k, p=prefix: k[:len(p)] == p)
        self._out.append(ev)

    def _walk(self, node: Any, steps: tuple, root: Any, finished: list[tuple]) -> None:
        if isinstance(node, dict):
            for k, v in list(node.items()):
                st = steps + (("k", k),)
                if isinstance(v, str):
                    if k in STREAMED_TEXT_KEYS:
                        self._feed(node, k, _skey(st), v, st, root)
                    elif v and not is_not_text(k, v):
                        self._whole.append((node, k))
                elif k == "logprobs" and isinstance(v, dict):
                    self._feed_logprobs(v, st, root)
                elif isinstance(v, dict | list):
                    self._walk(v, st, root, finished)
                if not _PLAIN_KEY.fullmatch(k):
                    self._keys.append((node, k))
            if node.get("finish_reason") is not None or node.get("done") is True:
                finished.append(_skey(_choice_prefix(steps)))
        elif isinstance(node, list):
            for i, v in enumerate(node):
                if isinstance(v, str):
                    if v:
                        self._whole.append((node, i))
                    continue
                idx = v.get("index") if isinstance(v, dict) else None
                defaults = {}
                if steps and steps[-1] == ("k", "choices") and isinstance(v, dict):
                    defaults = {"finish_reason": None, **({"delta": {}} if "delta" in v else {})}
                st = steps + (("i", idx if isinstance(idx, int) else i, isinstance(idx, int),
                               tuple(defaults.items())),)
                self._walk(v, st, root, finished)

    def _feed(self, container: Any, key: Any, skey: tuple, value: Any, steps: tuple,
              root: Any) -> None:
        if skey not in self.streams:
            self.streams[skey] = self.make_stream()
        self.streams[skey].append(value)
        container[key] = ""
        self._last[skey] = (container, key)
        self.templates[skey] = (_envelope(root), steps)

    def _feed_logprobs(self, lp: dict[str, Any], steps: tuple, root: Any) -> None:
        if isinstance(lp.get("tokens"), list):  # completions: parallel arrays
            skey = _skey(steps) + ("completion",)
            if skey not in self.streams:
                self.streams[skey] = CompletionLogprobStream(self.make_tokens())
            self.streams[skey].append(lp)
            for k in CompletionLogprobStream._KEYS:
                lp.pop(k, None)
            self._last[skey] = (lp, None)
            self.templates[skey] = (_envelope(root), steps)
        for k in ("content", "refusal"):
            if isinstance(lp.get(k), list):
                st = steps + (("k", k),)
                skey = _skey(st)
                if skey not in self.streams:
                    self.streams[skey] = self.make_tokens()
                self.streams[skey].append(lp[k])
                lp[k] = []
                self._last[skey] = (lp, k)
                self.templates[skey] = (_envelope(root), st)
        for k, v in lp.items():
            if isinstance(v, str) and v:
                self._whole.append((lp, k))

    @staticmethod
    def _place(container: Any, key: Any, value: Any) -> None:
        if not value:
            return
        if key is None:
            container.update(value)
        else:
            container[key] = value

    def _flush_where(self, match: Callable[[tuple], bool]) -> None:
        """Flush the matching held fields: into their slot of this batch, or an event here."""
        for skey, st in self.streams.items():
            if not match(skey):
                continue
            val = st.flush()
            slot = self._last.pop(skey, None)
            if not val:
                continue
            if slot is not None:  # the field's own event of this batch (not sent yet)
                self._place(slot[0], slot[1], val)
            else:
                self._out.append(self._synth(skey, val))

    def _synth(self, skey: tuple, value: Any) -> _Event:
        if skey == _RAW:
            return _Event(data=value)
        env, steps = self.templates.get(skey, ({}, ()))
        obj: dict[str, Any] = dict(env)
        node: Any = obj
        for j, step in enumerate(steps):
            last = j == len(steps) - 1
            nxt_is_list = not last and steps[j + 1][0] == "i"
            child: Any = value if last else ([] if nxt_is_list else {})
            if step[0] == "k":
                node[step[1]] = child
            else:
                if isinstance(child, dict):
                    child.update(({"index": step[1]} if step[2] else {}) | dict(step[3]))
                node.append(child)
            node = child
        return _Event(obj=obj)

    def _redact_whole(self) -> None:
        slots = self._whole
        if slots or self._keys:
            texts = [c[k] for c, k in slots] + [k for _d, k in self._keys]
            new, counts = self.redact_many(texts)
            self.extra_counts.update(counts)
            for (c, k), v in zip(slots, new[:len(slots)], strict=True):
                c[k] = v
            rename_keys(self._keys, new[len(slots):])


def _skey(steps: tuple) -> tuple:
    return tuple(s[1] if s[0] == "k" else ("#", s[1]) for s in steps)


def _choice_prefix(steps: tuple) -> tuple:
    """The steps that name one choice (`choices[i]`), or () for a top-level object."""
    for j, s in enumerate(steps):
        if s == ("k", "choices") and j + 1 < len(steps):
            return steps[:j + 2]
    return ()
