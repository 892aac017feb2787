"""Turn detections on one log record into monitor findings and per-window counter increments."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from datetime import UTC, datetime

from audit.types import CountDelta, Finding, Span
from monitors.detector import Detector
from monitors.parse import ParsedRecord

__all__ = ["HIGH_RISK", "SUITE", "count_deltas", "monitor_run_id", "record_finding",
           "severity_for", "window_start"]

SUITE = "pii_monitor"
# Entity types whose exposure is directly exploitable (fraud, identity theft): severity high.
HIGH_RISK = frozenset({"US_SSN", "CREDIT_CARD", "IBAN_CODE", "US_BANK_NUMBER", "US_PASSPORT",
                       "US_DRIVER_LICENSE", "US_ITIN", "UK_NHS", "UK_NINO", "CRYPTO",
                       "MEDICAL_LICENSE", "PASSWORD", "API_KEY"})


def monitor_run_id(monitor: str) -> str:
    """The run id monitor findings are filed under (constant, so ids survive restarts)."""
    return f"monitor:{monitor}"


def severity_for(entity_types: Sequence[str]) -> str:
    """high for directly exploitable identifiers, medium for other PII."""
    return "high" if any(t in HIGH_RISK for t in entity_types) else "medium"


def window_start(ts: datetime, seconds: int) -> datetime:
    """Start of the tumbling window of `seconds` that contains `ts` (UTC)."""
    epoch = int(ts.timestamp())
    return datetime.fromtimestamp(epoch - epoch % seconds, UTC)


def record_finding(monitor: str, file: str, file_key: str, offset: int, record: ParsedRecord,
                   label: str, path: str, text: str, spans: Sequence[Span], detector: Detector,
                   evidence_chars: int = 500) -> Finding:
    """One finding for one field of one record: redacted evidence, where it came from, what."""
    types = sorted({s.entity_type for s in spans})
    counts = Counter(s.entity_type for s in spans)
    evidence = detector.render(text, spans)
    if len(evidence) > evidence_chars:
        evidence = evidence[:evidence_chars] + "…"
    details = {
        "file": file, "offset": offset, "record_id": record.record_id, "field": label,
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
