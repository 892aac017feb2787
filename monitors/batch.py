"""Turn a batch of raw log lines into one store write per line; a line that fails is quarantined.

Every stage that runs on a line's content (parsing, detection, findings, bias counters, the
check that the result can be encoded for the store) is guarded per line: an exception there
quarantines that one line with the stage and the exception's type as its reason, and the other
lines of the batch go on. A detector that fails on a batch is asked again text by text, so one
poison text does not take its neighbours with it. Reasons never hold the line's content (an
exception's message may quote it), only where it failed and the exception type.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime

from audit.types import CountDelta, Finding, QuarantinedLine, Span, canonical_json
from monitors.bias_signals import BIAS_FIELD, BiasSignals
from monitors.detector import Detector
from monitors.findings import count_deltas, record_finding
from monitors.parse import LogFormat, ParsedRecord, parse_line
from monitors.tail import RawLine

__all__ = ["BatchContext", "LineWrite", "prepare", "quarantine", "storable_path"]

log = logging.getLogger(__name__)


def storable_path(path: str) -> str:
    """A file path as text any store accepts (undecodable name bytes become \\x escapes)."""
    return os.fsencode(path).decode("utf-8", "backslashreplace").replace("\x00", "\\x00")


@dataclass
class LineWrite:
    """What one line adds to the store: findings, counter increments, a quarantine row."""

    offset: int
    end: int
    findings: list[Finding] = field(default_factory=list)
    deltas: list[CountDelta] = field(default_factory=list)
    quarantined: list[QuarantinedLine] = field(default_factory=list)
    record: bool = False
    internal: bool = False  # quarantined for a failure of ours (detection...), not bad input


@dataclass(frozen=True)
class BatchContext:
    """Everything a batch of one file generation needs to become store writes."""

    monitor: str
    file: str
    file_key: str
    window_start: datetime
    window_s: int
    log_format: LogFormat
    detector: Detector
    line_hash: Callable[[bytes | None], str]
    evidence_chars: int = 500
    evidence: str = "shape"
    bias: BiasSignals | None = None


def quarantine(ctx: BatchContext, offset: int, end: int, reason: str,
               data: bytes | None) -> LineWrite:
    """A line that cannot be processed: its place, why, a keyed hash; counted as quarantined."""
    try:
        line_hash = ctx.line_hash(data)
    except Exception:  # the hash must not become a second way to fail
        line_hash = ""
    q = QuarantinedLine(monitor=ctx.monitor, file=ctx.file, file_key=ctx.file_key,
                        offset=offset, length=end - offset, reason=reason[:300],
                        line_hash=line_hash)
    return LineWrite(offset, end, quarantined=[q], deltas=count_deltas(
        ctx.file_key, offset, ctx.window_start, ctx.window_s, None, quarantined=True))


def _parse(data: bytes | None, fmt: LogFormat) -> ParsedRecord | str | None:
    try:
        return parse_line(data, fmt)
    except Exception as exc:
        return f"parsing failed ({type(exc).__name__})"


def _detect(detector: Detector, texts: list[str]) -> list[list[Span] | str]:
    """Spans per text; a text the detector fails on gets the reason instead."""
    if not texts:
        return []
    try:
        got = detector.analyze(texts)
        if len(got) != len(texts):
            raise ValueError(f"detector returned {len(got)} results for {len(texts)} texts")
        return [list(s) for s in got]
    except Exception:
        pass
    out: list[list[Span] | str] = []
    for t in texts:  # one bad text: find it without losing the others
        try:
            out.append(list(detector.analyze([t])[0]))
        except Exception as exc:
            out.append(f"detection failed ({type(exc).__name__})")
    return out


def _check_storable(w: LineWrite) -> None:
    """Raise now, for this line alone, what the store's UTF-8 encoding would raise later."""
    for f in w.findings:
        f.evidence.encode("utf-8")
        canonical_json(f.details).encode("utf-8")


def _bias(ctx: BatchContext, rows: list[tuple[RawLine, ParsedRecord]]
          ) -> dict[int, list[CountDelta] | str]:
    """Bias counters per line offset (a reason string for a line they failed on)."""
    assert ctx.bias is not None
    rows = [(ln, r) for ln, r in rows if "prompt" in r.texts and "response" in r.texts]

    def deltas(ln: RawLine, names: Sequence[str]) -> list[CountDelta]:
        return [CountDelta(ctx.file_key, ln.offset, ctx.window_start, ctx.window_s, BIAS_FIELD,
                           name) for name in names]

    try:
        names = ctx.bias.count([r.texts["prompt"] for _, r in rows],
                               [r.texts["response"] for _, r in rows])
        return {ln.offset: deltas(ln, ns) for (ln, _), ns in zip(rows, names, strict=True)}
    except Exception:
        out: dict[int, list[CountDelta] | str] = {}
        for ln, r in rows:
            try:
                out[ln.offset] = deltas(ln, ctx.bias.count([r.texts["prompt"]],
                                                           [r.texts["response"]])[0])
            except Exception as exc:
                out[ln.offset] = f"bias counting failed ({type(exc).__name__})"
        return out


def prepare(ctx: BatchContext, lines: Sequence[RawLine]) -> list[LineWrite]:
    """One LineWrite per line, in order (blank lines give empty ones: they still move on)."""
    fmt = ctx.log_format
    parsed = [(ln, _parse(ln.data, fmt)) for ln in lines]
    texts: list[str] = []
    where: list[tuple[int, str]] = []
    for i, (_, rec) in enumerate(parsed):
        if isinstance(rec, ParsedRecord):
            for label, text in rec.texts.items():
                texts.append(text)
                where.append((i, label))
    by_line: dict[int, dict[str, list[Span]]] = {}
    failed: dict[int, str] = {}
    for (i, label), spans in zip(where, _detect(ctx.detector, texts), strict=True):
        if isinstance(spans, str):
            failed.setdefault(i, spans)
        else:
            by_line.setdefault(i, {})[label] = spans
    bias: dict[int, list[CountDelta] | str] = {}
    if ctx.bias is not None:
        bias = _bias(ctx, [(ln, r) for i, (ln, r) in enumerate(parsed)
                           if isinstance(r, ParsedRecord) and i not in failed])
    fields = fmt.fields()
    out: list[LineWrite] = []
    for i, (ln, rec) in enumerate(parsed):
        if rec is None:
            out.append(LineWrite(ln.offset, ln.end))
            continue
        reason = rec if isinstance(rec, str) else failed.get(i)
        extra = bias.get(ln.offset, [])
        if reason is None and isinstance(extra, str):
            reason = extra
        if reason is None:
            assert isinstance(rec, ParsedRecord)
            try:
                w = _record(ctx, ln, rec, by_line.get(i, {}), fields)
                w.deltas += extra  # type: ignore[operator]
                _check_storable(w)
            except Exception as exc:
                reason = f"building the finding failed ({type(exc).__name__})"
            else:
                out.append(w)
                continue
        q = quarantine(ctx, ln.offset, ln.end, reason, ln.data)
        q.internal = not isinstance(rec, str)
        out.append(q)
    return out


def _record(ctx: BatchContext, ln: RawLine, rec: ParsedRecord,
            spans_by_label: dict[str, list[Span]], fields: dict[str, str]) -> LineWrite:
    w = LineWrite(ln.offset, ln.end, record=True, deltas=count_deltas(
        ctx.file_key, ln.offset, ctx.window_start, ctx.window_s, spans_by_label))
    for label, spans in spans_by_label.items():
        if spans:
            w.findings.append(record_finding(
                ctx.monitor, ctx.file, ctx.file_key, ln.offset, rec, label, fields[label],
                rec.texts[label], spans, ctx.detector, ctx.evidence_chars, ctx.evidence))
    return w


def merged(writes: Sequence[LineWrite]) -> tuple[list[Finding], list[CountDelta],
                                                 list[QuarantinedLine]]:
    """The findings, deltas and quarantine rows of several lines, for one transaction."""
    return ([f for w in writes for f in w.findings], [d for w in writes for d in w.deltas],
            [q for w in writes for q in w.quarantined])
