"""Helpers shared by the PII leakage suites: the engine, keyed hashes, scrubbing known values.

Severities per entity type live in `audit.pii.severity` (one table with the monitors).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

__all__ = ["engine", "evidence_spans", "hash_value", "hash_id", "load_prompt_lines",
           "known_spans", "redact_evidence", "score_continuations", "shape_spans"]

def engine(options: dict[str, Any] | None = None) -> Any:
    """The shared PII engine (`audit.pii.get_engine`), optionally with a score threshold."""
    from audit.pii import PIIConfig, get_engine

    threshold = (options or {}).get("score_threshold")
    if threshold is None:
        return get_engine()
    return get_engine(PIIConfig(score_threshold=float(threshold)))


def hash_value(value: str) -> str:
    """HMAC-SHA256 of a PII value under the per-install secret (kept outside the store)."""
    from audit.pii.secret import keyed_hash

    return keyed_hash(value)


def known_spans(text: str, known: dict[str, Sequence[str]]) -> list[Any]:
    """Spans of every occurrence (case-insensitive) of known raw values, typed by their tag.

    Used on texts that embed values we were given (record attributes), so a value the detector
    misses still never reaches the store. Digit strings also match when written with other
    separators (`415-555-0132` vs `(415) 555 0132`), and parts are caught too: runs of >= 4 of a
    number's digits, an email's local part, a name's or address's words of >= 3 characters.
    """
    from audit.types import Span

    out = []
    for tag, values in known.items():
        for value in values:
            if not value or not value.strip():
                continue
            out.extend(Span(a, b, tag, 1.0, "known-value") for a, b in _known_ranges(text, value))
    return out


_NUMBERISH = re.compile(r"\+?\d[\d\s().\-/]*\d|\d")


def _known_ranges(text: str, value: str) -> list[tuple[int, int]]:
    """Where `value`, or a recognisable part of it, occurs in `text` (over-redaction is fine)."""
    value = value.strip()
    ranges = [(m.start(), m.end()) for m in re.finditer(re.escape(value), text, re.IGNORECASE)]
    digits = re.sub(r"\D", "", value)
    if len(digits) >= 6 and len(digits) >= len(re.sub(r"\s", "", value)) * 0.6:
        sep = r"[\s().+\-/]*"
        ranges.extend((m.start(), m.end()) for m in re.finditer(
            r"\+?" + sep.join(re.escape(d) for d in digits), text))
        for m in _NUMBERISH.finditer(text):  # phone-like: any run of >= 4 of its digits
            d = re.sub(r"\D", "", m.group())
            if len(d) >= 4 and d in digits:
                ranges.append((m.start(), m.end()))
        return ranges
    words = set(re.findall(r"\w+", value.split("@", 1)[0] if "@" in value else value))
    if "@" in value:
        words = {value.split("@", 1)[0]}
    for w in words:
        if len(w) >= 3 or w.isdigit():
            ranges.extend((m.start(), m.end()) for m in re.finditer(
                r"(?<!\w)" + re.escape(w) + r"(?!\w)", text, re.IGNORECASE))
    return ranges


# Shapes that are often secrets even when no recognizer knows them: runs of >= 4 digits (account
# numbers, PINs, codes) and tokens mixing letters and digits (keys, ids). Over-redaction in
# evidence is the safe side; a secret with no such shape (random letters) is only caught when its
# value is known (records, canaries).
_DIGIT_RUN = re.compile(r"(?<![A-Za-z])\+?\d(?:[\s().\-/]?\d){3,}(?![A-Za-z])")
_MIXED_TOKEN = re.compile(r"\b(?=\w*\d)(?=\w*[A-Za-z])\w{6,}\b")


def shape_spans(text: str) -> list[Any]:
    """Spans of digit runs (>= 4 digits) and letter+digit tokens (>= 6 characters)."""
    from audit.types import Span

    out = [Span(m.start(), m.end(), "NUMBER", 1.0, "shape") for m in _DIGIT_RUN.finditer(text)]
    out += [Span(m.start(), m.end(), "ID", 1.0, "shape") for m in _MIXED_TOKEN.finditer(text)]
    return out


def evidence_spans(eng: Any, texts: Sequence[str],
                   known: Sequence[dict[str, Sequence[str]]] | None = None,
                   detected: Sequence[Sequence[Any]] | None = None) -> list[list[Any]]:
    """Per text, the engine's detections (`detected`, else analysed now), the known values
    (`known_spans`) and secret-like shapes (`shape_spans`), overlaps merged."""
    from audit.types import Span

    detected = list(detected) if detected is not None else eng.analyze(list(texts))
    known = list(known) if known is not None else [{} for _ in texts]
    out = []
    for text, spans, kn in zip(texts, detected, known, strict=True):
        merged: list[Span] = sorted(list(spans) + known_spans(text, kn) + shape_spans(text),
                                    key=lambda x: (x.start, -(x.end - x.start)))
        flat: list[Span] = []
        for sp in merged:  # union overlapping spans; the first (widest) tag names the union
            if flat and sp.start < flat[-1].end:
                last = flat[-1]
                flat[-1] = Span(last.start, max(last.end, sp.end), last.entity_type, last.score,
                                last.recognizer)
            else:
                flat.append(sp)
        out.append(flat)
    return out


def redact_evidence(eng: Any, texts: Sequence[str],
                    known: Sequence[dict[str, Sequence[str]]] | None = None,
                    detected: Sequence[Sequence[Any]] | None = None,
                    mode: str = "shape", max_chars: int = 1000) -> list[str]:
    """Texts safe to store (`audit.pii.evidence`): with `shape` (default) a window of shaped
    tokens around `<TYPE>` tags, with `redacted` the whole text with `evidence_spans` tagged."""
    from audit.pii.evidence import check_mode, shape_evidence

    check_mode(mode)
    spans = evidence_spans(eng, texts, known, detected)
    if mode == "redacted":
        return [eng.redact_spans(t, s) for t, s in zip(texts, spans, strict=True)]
    return [shape_evidence(t, s, max_chars=max_chars) for t, s in zip(texts, spans, strict=True)]


def hash_id(value: str, mode: str) -> str:
    """A user-supplied id as findings keep it: as is with `redacted`, else a 16-hex keyed hash."""
    return value if mode == "redacted" else "h:" + hash_value(value)[:16]


def load_prompt_lines(text: str) -> list[str]:
    """Non-empty, non-comment lines."""
    return [ln.strip() for ln in text.splitlines()
            if ln.strip() and not ln.lstrip().startswith("#")]


def score_continuations(model: Any, context: str, continuations: Sequence[str],
                        progress: Any = None) -> list[float]:
    """Log-likelihoods of continuations of one context (the model shares the context itself)."""
    return list(model.loglikelihood([(context, c) for c in continuations], progress=progress))
