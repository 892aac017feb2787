"""Incremental redaction of one streamed text: never emit a prefix an entity could straddle.

Invariant: text is emitted only up to a cut at least `holdback` characters before the end of
what has arrived. So when any character of an entity (of length <= holdback) is emitted, the
whole entity plus one more character was visible to the detector in that same step, and the
cut never lands inside a detected span (it moves back to the span's start). Detection runs on
the held text plus `context` characters already emitted (so context words still count). The cut
prefers a whitespace boundary; without one for `max_pending` characters it cuts anyway.

A character split across chunks is mended, never fatal: a UTF-16 surrogate pair split between
two JSON-escaped chunks (`"\\ud83d"` + `"\\ude00"`) or UTF-8 bytes split between two events
(decoded with `surrogateescape`) are joined when the rest arrives; a cut never lands after an
unpaired surrogate, and one still unpaired when it must be sent becomes U+FFFD.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable, Sequence

from audit.types import Span

__all__ = ["TextStream", "mend", "unpaired_to_replacement"]

_SURROGATE = re.compile("[\ud800-\udfff]")


def mend(text: str) -> str:
    """Join surrogate pairs and `surrogateescape`d UTF-8 bytes that now sit side by side."""
    if not _SURROGATE.search(text):
        return text
    text = text.encode("utf-16-le", "surrogatepass").decode("utf-16-le", "surrogatepass")
    try:
        return text.encode("utf-8", "surrogateescape").decode("utf-8", "surrogateescape")
    except UnicodeEncodeError:  # a lone high/low surrogate that is not an escaped byte
        return text


def unpaired_to_replacement(text: str) -> str:
    """Text that can be encoded as UTF-8: any surrogate left is U+FFFD."""
    return _SURROGATE.sub("\ufffd", text) if _SURROGATE.search(text) else text

AnalyzeOne = Callable[[str], list[Span]]
Render = Callable[[str, Sequence[Span]], str]
Protect = Callable[[str], list[tuple[int, int]]]


class TextStream:
    """Feed chunks, get back redacted text that is safe to send; `flush()` at the end."""

    def __init__(self, analyze_one: AnalyzeOne, render: Render, holdback: int = 64,
                 context: int = 64, min_emit: int = 1, max_pending: int = 4096,
                 protect: Protect | None = None, restore: Callable[[str], str] | None = None
                 ) -> None:
        self.analyze_one = analyze_one
        self.render = render
        self.holdback = holdback
        self.context_chars = context
        self.min_emit = max(1, min_emit)
        self.max_pending = max(max_pending, 2 * holdback)
        self.protect = protect
        self.restore = restore
        self.context = ""
        self.pending = ""
        self.counts: Counter[str] = Counter()
        self.detections = 0

    def feed(self, chunk: str) -> str:
        """Add a chunk; return what can be sent now (maybe "")."""
        self.append(chunk)
        return self.emit()

    def append(self, chunk: str) -> None:
        """Add a chunk without running detection (coalesce several, then `emit`)."""
        if _SURROGATE.search(chunk):  # maybe the rest of a character split across chunks
            keep = max(0, len(self.pending) - 4)
            self.pending = self.pending[:keep] + mend(self.pending[keep:] + chunk)
        else:
            self.pending += chunk

    def emit(self) -> str:
        """Run detection once over what is held; return what can be sent now (maybe "")."""
        if len(self.pending) < self.holdback + self.min_emit:
            return ""
        return self._emit(final=False)

    def flush(self) -> str:
        """End of stream: redact and return everything still held."""
        if not self.pending:
            return ""
        return self._emit(final=True)

    def held(self) -> int:
        return len(self.pending)

    def release_unredacted(self, upto: int | None = None) -> str:
        """Fail-open after a failure: what is held (the first `upto` chars), as it arrived."""
        out = self.pending[:upto] if upto is not None else self.pending
        self.pending = ""
        if self.restore is not None:
            out = self.restore(out)
        return unpaired_to_replacement(out)

    def _cut(self, spans: list[Span], guarded: list[tuple[int, int]]) -> int:
        p = self.pending
        cut = len(p) - self.holdback
        if cut <= 0:
            return 0
        if len(p) <= self.max_pending:
            ws = next((i for i in range(cut - 1, -1, -1) if p[i].isspace()), -1)
            if ws < 0:
                return 0  # no word boundary yet: wait for more text
            cut = ws + 1
        moved = True
        while moved and cut > 0:
            moved = False
            for s, e in [(x.start, x.end) for x in spans] + guarded:
                if s < cut < e:
                    cut = max(0, s)
                    moved = True
        for _ in range(3):  # half a character (at most 3 escaped bytes): wait for the rest
            if cut > 0 and _SURROGATE.match(p[cut - 1]):
                cut -= 1
        return cut

    def _emit(self, final: bool) -> str:
        text = self.context + self.pending
        off = len(self.context)
        self.detections += 1
        guarded = [(s - off, e - off) for s, e in (self.protect(text) if self.protect else [])]
        spans = []
        for s in self.analyze_one(text):
            if s.end <= off:
                continue  # already handled when it was emitted
            if any(gs < s.end - off and s.start - off < ge for gs, ge in guarded):
                continue  # a pseudonym from the vault, restored below, not new PII
            spans.append(Span(s.start - off, s.end - off, s.entity_type, s.score,
                              s.recognizer, s.explanation))
        cut = len(self.pending) if final else self._cut(spans, guarded)
        if cut <= 0:
            return ""
        head = self.pending[:cut]
        inside = [Span(max(0, s.start), min(cut, s.end), s.entity_type, s.score, s.recognizer)
                  for s in spans if s.start < cut]
        self.counts.update(s.entity_type for s in inside)
        out = self.render(head, inside) if inside else head
        if self.restore is not None:
            out = self.restore(out)
        out = unpaired_to_replacement(out)
        self.context = (self.context + head)[-self.context_chars:] if self.context_chars else ""
        self.pending = self.pending[cut:]
        return out
