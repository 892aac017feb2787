"""Turn detections on one log record into monitor findings and per-window counter increments."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from datetime import UTC, datetime

from audit.types import CountDelta, Finding, Span
from monitors.detector import Detector
from monitors.parse import ParsedRecord

__all__ = ["SUITE", "count_deltas", "monitor_run_id", "record_finding",
           "severity_for", "window_start"]

SUITE = "pii_monitor"


def monitor_run_id(monitor: str) -> str:
    """The run id monitor findings are filed under (constant, so ids survive restarts)."""
    return f"monitor:{monitor}"


def severity_for(entity_types: Sequence[str]) -> str:
    """The worst severity of `entity_types` in the one table audits use too
    (`audit.pii.severity`)."""
    # imported here: `audit.pii` loads the analysis stack, which a monitor pays for only once
    # it detects (tests/test_lazy_imports.py)
    from audit.pii.severity import worst_severity

    return worst_severity(entity_types)


def window_start(ts: datetime, seconds: int) -> datetime:
    """Start of the tumbling window of `seconds` that contains `ts` (UTC)."""
    epoch = int(ts.timestamp())
    return datetime.fromtimestamp(epoch - epoch % seconds, UTC)


def record_finding(monitor: str, file: str, file_key: str, offset: int, record: ParsedRecord,
                   label: str, path: str, text: str, spans: Sequence[Span], detector: Detector,
                   evidence_chars: int = 500, evidence_mode: str = "shape") -> Finding:
    """One finding for one field of one record: safe evidence (`audit.pii.evidence`), where it
    came from, what. With `shape` (default) neither the evidence nor the details hold any of the
    record's own characters but placeholders, shapes and common words; the record's id is kept
    as a keyed hash (ids in logs are often user names or e-mails)."""
    from audit.pii.evidence import check_mode, shape_evidence

    check_mode(evidence_mode)
    types = sorted({s.entity_type for s in spans})
    counts = Counter(s.entity_type for s in spans)
    if evidence_mode == "redacted":
        evidence = detector.render(text, spans)
        if len(evidence) > evidence_chars:
            evidence = evidence[:evidence_chars] + "…"
    else:
        evidence = shape_evidence(text, spans, max_chars=evidence_chars)
    rid: dict[str, object] = {"record_id": record.record_id}
    if evidence_mode != "redacted" and record.record_id is not None:
        rid = ({"record_id_hash": detector.hasher(str(record.record_id))[:16]}
               if detector.hasher is not None else {})
    details = {
        "file": file, "offset": offset, **rid, "evidence_mode": evidence_mode, "field": label,
        "field_path": path, "entity_types": types, "entity_counts": dict(sorted(counts.items())),
        "spans": [{"start": s.start, "end": s.end, "entity_type": s.entity_type,
                   "score": round(float(s.score), 4), "recognizer": s.recognizer}
                  for s in spans],
        "detector": detector.name,
    }
    if detector.hasher is not None:
        details["value_hashes"] = [detector.hasher(text[s.start:s.end]) for s in spans]
    return Finding(run_id=monitor_run_id(monitor), source="monitor", suite=SUITE, probe=label,
                   case_id=f"{file_key}:{offset}:{label}", severity=severity_for(types),
                   evidence=evidence, details=details)


def count_deltas(file_key: str, offset: int, ws: datetime, seconds: int,
                 spans_by_label: dict[str, Sequence[Span]] | None,
                 quarantined: bool = False) -> list[CountDelta]:
    """Counter increments for one line: records, records_with_pii, entity:<TYPE>, quarantined."""
    def d(field: str, name: str, n: int = 1) -> CountDelta:
        return CountDelta(file_key, offset, ws, seconds, field, name, n)

    if quarantined:
        return [d("*", "quarantined")]
    out = [d("*", "records")]
    any_pii = False
    for label, spans in (spans_by_label or {}).items():
        out.append(d(label, "records"))
        if spans:
            any_pii = True
            out.append(d(label, "records_with_pii"))
            for etype, n in Counter(s.entity_type for s in spans).items():
                out.append(d(label, f"entity:{etype}", n))
    if any_pii:
        out.append(d("*", "records_with_pii"))
    return out
