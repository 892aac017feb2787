"""Logprobs in a response: token lists redacted as the text they spell, kept, not dropped.

A value can be split over several tokens (`"411"`, `"1 11"`, ...), so tokens are not checked one
by one: the detector runs over their concatenation (plus context already sent) and every token
that overlaps a detected span is replaced, the span's first token by `<ENTITY_TYPE>` and the rest
by "" (their `bytes` too, and the top alternatives at that position). In a stream the tokens are
held back like text (`holdback` characters, cut only between tokens and never inside a span).
Chat logprobs are lists of `{"token", "logprob", "bytes", "top_logprobs"}`; completions logprobs
are parallel arrays (`tokens`, `token_logprobs`, `top_logprobs`, `text_offset`), converted here.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from typing import Any

from audit.types import Span

__all__ = ["TokenStream", "CompletionLogprobStream", "redact_logprobs"]

AnalyzeOne = Callable[[str], list[Span]]


def _token(entry: Any) -> str:
    tok = entry.get("token") if isinstance(entry, dict) else None
    return tok if isinstance(tok, str) else ""


def _replace(entry: dict[str, Any], new: str) -> None:
    entry["token"] = new
    if "bytes" in entry:
        entry["bytes"] = list(new.encode("utf-8"))
    top = entry.get("top_logprobs")
    if isinstance(top, list):
        for alt in top:
            if isinstance(alt, dict):
                _replace(alt, new)
    elif isinstance(top, dict):  # completions: {token: logprob}
        entry["top_logprobs"] = {new: max(top.values(), default=0.0)} if top else {}


class TokenStream:
    """Feed logprob entries, get back entries safe to send (same API as `TextStream`)."""

    empty: list[Any] = []

    def __init__(self, analyze_one: AnalyzeOne, holdback: int = 64, context: int = 64) -> None:
        self.analyze_one = analyze_one
        self.holdback = holdback
        self.context_chars = context
        self.context = ""
        self.pending: list[Any] = []
        self.counts: Counter[str] = Counter()

    def append(self, entries: Any) -> None:
        if isinstance(entries, list):
            self.pending.extend(entries)

    def emit(self) -> list[Any]:
        if sum(len(_token(e)) for e in self.pending) < self.holdback + 1:
            return []
        return self._emit(final=False)

    def flush(self) -> list[Any]:
        return self._emit(final=True) if self.pending else []

    def held(self) -> int:
        return len(self.pending)

    def release_unredacted(self, upto: int | None = None) -> list[Any]:
        out = self.pending[:upto] if upto is not None else self.pending
        self.pending = []
        return out

    def _emit(self, final: bool) -> list[Any]:
        toks = [_token(e) for e in self.pending]
        off = len(self.context)
        text = self.context + "".join(toks)
        spans = [(s.start - off, s.end - off, s.entity_type) for s in self.analyze_one(text)
                 if s.end > off]
        ends, pos = [], 0
        for t in toks:
            pos += len(t)
            ends.append(pos)
        limit = pos if final else pos - self.holdback
        n = sum(1 for e in ends if e <= limit)
        while n > 0 and any(s < ends[n - 1] < e for s, e, _ in spans):
            n -= 1  # never cut inside a detected span
        if n <= 0:
            return []
        out = self.pending[:n]
        starts = [e - len(t) for e, t in zip(ends, toks, strict=True)]
        for s, e, etype in spans:
            hit = [i for i in range(n) if starts[i] < e and s < ends[i]]
            if hit:
                self.counts[etype] += 1
            for j, i in enumerate(hit):
                if isinstance(out[i], dict):
                    _replace(out[i], f"<{etype}>" if j == 0 else "")
        sent = "".join(toks[:n])
        self.context = (self.context + sent)[-self.context_chars:] if self.context_chars else ""
        self.pending = self.pending[n:]
        return out


class CompletionLogprobStream:
    """A `TokenStream` over completions logprobs (parallel arrays in, parallel arrays out)."""

    _KEYS = ("tokens", "token_logprobs", "top_logprobs", "text_offset")

    def __init__(self, inner: TokenStream) -> None:
        self.inner = inner
        self.empty: dict[str, Any] = {}

    @property
    def counts(self) -> Counter[str]:
        return self.inner.counts

    def append(self, value: Any) -> None:
        if not isinstance(value, dict) or not isinstance(value.get("tokens"), list):
            return
        cols = {k: value.get(k) if isinstance(value.get(k), list) else [] for k in self._KEYS}
        entries = []
        for i, tok in enumerate(cols["tokens"]):
            entries.append({"token": tok if isinstance(tok, str) else "",
                            **{k: cols[k][i] for k in self._KEYS[1:] if i < len(cols[k])}})
        self.inner.append(entries)

    def _pack(self, entries: list[Any]) -> dict[str, Any]:
        if not entries:
            return {}
        return {"tokens": [e["token"] for e in entries],
                **{k: [e.get(k) for e in entries] for k in self._KEYS[1:]}}

    def emit(self) -> dict[str, Any]:
        return self._pack(self.inner.emit())

    def flush(self) -> dict[str, Any]:
        return self._pack(self.inner.flush())

    def held(self) -> int:
        return self.inner.held()

    def release_unredacted(self, upto: int | None = None) -> dict[str, Any]:
        return self._pack(self.inner.release_unredacted(upto))


def redact_logprobs(logprobs: dict[str, Any], analyze_one: AnalyzeOne) -> Counter[str]:
    """Redact the token lists of one (non-streamed) choice's `logprobs` in place."""
    counts: Counter[str] = Counter()
    if isinstance(logprobs.get("tokens"), list):
        st = CompletionLogprobStream(TokenStream(analyze_one, context=0))
        st.append(logprobs)
        logprobs.update(st.flush())
        counts.update(st.counts)
    for key in ("content", "refusal"):
        if isinstance(logprobs.get(key), list):
            ts = TokenStream(analyze_one, context=0)
            ts.append(logprobs[key])
            logprobs[key] = ts.flush()
            counts.update(ts.counts)
    return counts
