"""Frozen records that travel the whole pipeline: Run, Metric, Finding, and the production
records the monitors and the redaction middleware write (Alert, QuarantinedLine, RedactionEvent).

Every record has `to_dict`/`from_dict` and a deterministic id, so writing the same record twice
is a no-op in the store (idempotent writes) and a monitor that re-reads a log line adds nothing.
"""

from __future__ import annotations

import hashlib
import json
import math
from dataclasses import asdict, dataclass, field, fields
from datetime import UTC, datetime
from typing import Any, Literal

__all__ = [
    "Alert",
    "BatchResult",
    "CountDelta",
    "Finding",
    "Metric",
    "ModelIdentity",
    "QuarantinedLine",
    "RedactionEvent",
    "Run",
    "Severity",
    "Source",
    "Span",
    "as_utc",
    "canonical_json",
    "stable_id",
    "utcnow",
]

Source = Literal["audit", "monitor"]
Severity = Literal["info", "low", "medium", "high", "critical"]
SEVERITIES: tuple[str, ...] = ("info", "low", "medium", "high", "critical")


def utcnow() -> datetime:
    """Timezone-aware UTC now, truncated to microseconds (what every store keeps)."""
    return datetime.now(UTC)


def as_utc(value: datetime | None) -> datetime | None:
    """`value` as aware UTC; naive values (SQLite drops the zone) are taken to be UTC already."""
    if value is None:
        return None
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def _default(obj: Any) -> Any:
    if isinstance(obj, datetime):
        return obj.isoformat()
    if hasattr(obj, "item"):  # numpy scalars
        return obj.item()
    if isinstance(obj, set | frozenset | tuple):
        return list(obj)
    raise TypeError(f"not JSON serialisable: {type(obj).__name__}")


def _clean(obj: Any) -> Any:
    """Replace NaN/inf (not valid JSON) with None, recursively."""
    if isinstance(obj, float) and not math.isfinite(obj):
        return None
    if isinstance(obj, dict):
        return {str(k): _clean(v) for k, v in obj.items()}
    if isinstance(obj, list | tuple):
        return [_clean(v) for v in obj]
    return obj


def canonical_json(obj: Any) -> str:
    """Deterministic JSON (sorted keys, no whitespace, NaN as null) used for hashing and storage."""
    return json.dumps(_clean(json.loads(json.dumps(obj, default=_default))), sort_keys=True,
                      separators=(",", ":"), ensure_ascii=False)


def stable_id(*parts: Any, length: int = 32) -> str:
    """A hex id derived only from `parts` (same parts, same id)."""
    return hashlib.sha256(canonical_json(list(parts)).encode()).hexdigest()[:length]


def _parse_time(value: Any) -> datetime | None:
    if value is None or isinstance(value, datetime):
        return value
    return datetime.fromisoformat(value)


@dataclass(frozen=True)
class Span:
    """A detected entity: character offsets into the analysed text, type, score, and why.

    Never holds the matched value itself, so spans can be stored and logged safely.
    """

    start: int
    end: int
    entity_type: str
    score: float
    recognizer: str = ""
    explanation: str = ""

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Span:
        names = {f.name for f in fields(cls)}
        return cls(**{k: v for k, v in data.items() if k in names})


@dataclass(frozen=True)
class ModelIdentity:
    """What was audited: enough to tell two models apart and to find the weights again."""

    name: str
    path: str
    sha256: str
    dtype: str
    device: str
    backend: str
    architecture: str = ""
    n_params: int = 0
    # Backend-specific identity stored with the run (an endpoint: base_url, served model name,
    # /v1/models answer, system_fingerprint, probe results, weights_hashed=False). Not compared
    # or hashed, so two identities with equal weights stay equal.
    extra: dict[str, Any] = field(default_factory=dict, compare=False)

    def to_dict(self) -> dict[str, Any]:
        out = asdict(self)
        if not out["extra"]:  # runs without extras keep their stored model dict unchanged
            del out["extra"]
        return out

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> ModelIdentity:
        names = {f.name for f in fields(cls)}
        return cls(**{k: v for k, v in data.items() if k in names})


@dataclass(frozen=True)
class Metric:
    """One number with its sample size and 95% confidence interval.

    `group` is set for disaggregated values (e.g. `pct_stereotype` for `bias_type=gender`); the
    flat key used in JSON output and gate rules is `name[group]`.
    """

    run_id: str
    suite: str
    name: str
    value: float
    n: int
    ci_low: float | None = None
    ci_high: float | None = None
    group: str | None = None
    details: dict[str, Any] = field(default_factory=dict, compare=False)

    @property
    def key(self) -> str:
        return f"{self.name}[{self.group}]" if self.group else self.name

    @property
    def metric_id(self) -> str:
        return stable_id("metric", self.run_id, self.suite, self.name, self.group)

    def to_dict(self) -> dict[str, Any]:
        d = asdict(self)
        d["metric_id"] = self.metric_id
        d["key"] = self.key
        return d

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Metric:
        names = {f.name for f in fields(cls)}
        return cls(**{k: v for k, v in data.items() if k in names})


@dataclass(frozen=True)
class Finding:
    """One flagged case: what, where, how bad, the (redacted) evidence, and why (attribution).

    `finding_id` depends only on (run_id, source, suite, probe, case_id), so writing the same
    finding twice stores it once.
    """

    run_id: str
    source: Source
    suite: str
    probe: str
    case_id: str
    severity: Severity = "info"
    evidence: str = ""
    details: dict[str, Any] = field(default_factory=dict, compare=False)
    group: str | None = None
    attribution: dict[str, Any] | None = field(default=None, compare=False)
    created_at: datetime = field(default_factory=utcnow, compare=False)

    def __post_init__(self) -> None:
        if self.source not in ("audit", "monitor"):
            raise ValueError(f"source must be 'audit' or 'monitor', not {self.source!r}")
        if self.severity not in SEVERITIES:
            raise ValueError(f"severity must be one of {SEVERITIES}, not {self.severity!r}")

    @property
    def finding_id(self) -> str:
        return stable_id("finding", self.run_id, self.source, self.suite, self.probe, self.case_id)

    def to_dict(self) -> dict[str, Any]:
        return {
            "finding_id": self.finding_id,
            "run_id": self.run_id,
            "source": self.source,
            "suite": self.suite,
            "probe": self.probe,
            "case_id": self.case_id,
            "severity": self.severity,
            "group": self.group,
            "evidence": self.evidence,
            "details": self.details,
            "attribution": self.attribution,
            "created_at": self.created_at.isoformat(),
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Finding:
        names = {f.name for f in fields(cls)}
        kw = {k: v for k, v in data.items() if k in names}
        kw["created_at"] = _parse_time(kw.get("created_at")) or utcnow()
        return cls(**kw)


@dataclass(frozen=True)
class Run:
    """One audit run: model identity, suites, data hashes, seed, config hash, versions, timings."""

    run_id: str
    model: dict[str, Any]
    suites: tuple[str, ...]
    data: dict[str, dict[str, str]] = field(default_factory=dict, compare=False)
    seed: int = 0
    config_hash: str = ""
    versions: dict[str, str] = field(default_factory=dict, compare=False)
    host: str = ""
    started_at: datetime = field(default_factory=utcnow)
    ended_at: datetime | None = None
    status: str = "completed"
    timings: dict[str, float] = field(default_factory=dict, compare=False)
    config: dict[str, Any] = field(default_factory=dict, compare=False)
    # suite -> its category ("bias" | "pii") as the suite declared it when the run was made, so
    # readers need not import the suite registry (a plug-in may be gone by then)
    categories: dict[str, str] = field(default_factory=dict, compare=False)

    def category(self, suite: str) -> str:
        """The suite's stored category; for runs stored before categories were, a guess from the
        name (what the dashboard did then)."""
        if suite in self.categories:
            return self.categories[suite]
        low = suite.lower()
        return "pii" if "pii" in low or "leak" in low or "canary" in low else "bias"

    @staticmethod
    def make_id(model_sha: str, config_hash: str, seed: int, started_at: datetime, host: str) -> str:
        return stable_id("run", model_sha, config_hash, seed, started_at.isoformat(), host, length=16)

    def to_dict(self) -> dict[str, Any]:
        d = asdict(self)
        d["suites"] = list(self.suites)
        d["started_at"] = self.started_at.isoformat()
        d["ended_at"] = self.ended_at.isoformat() if self.ended_at else None
        return d

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Run:
        names = {f.name for f in fields(cls)}
        kw = {k: v for k, v in data.items() if k in names}
        kw["suites"] = tuple(kw.get("suites", ()))
        kw["started_at"] = _parse_time(kw.get("started_at")) or utcnow()
        kw["ended_at"] = _parse_time(kw.get("ended_at"))
        return cls(**kw)


# -- production records: monitors, alert rules, redaction middleware ---------------------

@dataclass(frozen=True)
class CountDelta:
    """One increment of a per-window counter, tied to the log record it came from."""

    file_key: str
    offset: int
    window_start: datetime
    window_seconds: int
    field: str
    name: str
    count: int = 1


@dataclass(frozen=True)
class QuarantinedLine:
    """A log line the monitor could not parse: where it is and why (never its content)."""

    monitor: str
    file: str
    file_key: str
    offset: int
    length: int
    reason: str
    line_hash: str = ""
    created_at: datetime = field(default_factory=utcnow, compare=False)

    @property
    def quarantine_id(self) -> str:
        return stable_id("quarantine", self.monitor, self.file_key, self.offset)

    def to_dict(self) -> dict[str, Any]:
        d = asdict(self)
        d["quarantine_id"] = self.quarantine_id
        d["created_at"] = self.created_at.isoformat()
        return d


@dataclass(frozen=True)
class Alert:
    """A rule that fired over a time window, with the observed value, its n and 95% CI."""

    monitor: str
    rule: str
    kind: str
    severity: str
    window_start: datetime
    window_end: datetime
    value: float | None
    threshold: float | None
    n: int
    message: str
    ci_low: float | None = None
    ci_high: float | None = None
    details: dict[str, Any] = field(default_factory=dict, compare=False)
    created_at: datetime = field(default_factory=utcnow, compare=False)
    dedupe: str = field(default="", compare=False)

    @property
    def alert_id(self) -> str:
        # One alert per rule per dedupe period (default: per window): re-evaluating adds nothing.
        return stable_id("alert", self.monitor, self.rule,
                         self.dedupe or self.window_start.isoformat())

    def to_dict(self) -> dict[str, Any]:
        d = asdict(self)
        d.pop("dedupe")
        d["alert_id"] = self.alert_id
        for k in ("window_start", "window_end", "created_at"):
            d[k] = getattr(self, k).isoformat()
        return d


@dataclass(frozen=True)
class RedactionEvent:
    """One redaction by the middleware/proxy: entity types and counts, never the values."""

    source: str
    path: str
    direction: str
    mode: str
    outcome: str
    entity_counts: dict[str, int]
    latency_ms: float | None = None
    details: dict[str, Any] = field(default_factory=dict, compare=False)
    created_at: datetime = field(default_factory=utcnow, compare=False)
    nonce: str = field(default="", compare=False)

    @property
    def n_entities(self) -> int:
        return int(sum(self.entity_counts.values()))

    @property
    def event_id(self) -> str:
        return stable_id("redaction", self.source, self.path, self.direction,
                         self.created_at.isoformat(), self.nonce)

    def to_dict(self) -> dict[str, Any]:
        d = asdict(self)
        d.pop("nonce")
        d["event_id"] = self.event_id
        d["n_entities"] = self.n_entities
        d["created_at"] = self.created_at.isoformat()
        return d


@dataclass(frozen=True)
class BatchResult:
    """What a committed monitor batch added (repeats add nothing)."""

    new_findings: int
    new_quarantined: int
    counted_records: int
