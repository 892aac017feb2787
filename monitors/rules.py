"""Alert rules over time windows, read from a YAML or JSON rules file, evaluated on stored counts.

Three kinds:
- `rate`: share of records whose `field` has PII, over the last `window`, above `above`
  (e.g. responses above 0.5% over 5 minutes). The value carries n and a Wilson 95% CI.
- `entity`: more than `above` (default 0) detections of `entity` over the window ("any US_SSN").
- `baseline`: the production rate above `factor` x the audited model's metric (latest run in
  the store that has `suite`/`metric`, e.g. the `pii_emission` suite's rate).

Windows slide (the last `window` seconds, in whole counter buckets); a rule fires at most once
per `window`-long period, so a lasting problem does not flood the sinks.
"""

from __future__ import annotations

import json
import math
import re
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any, Literal

from audit.errors import DataError
from audit.metrics.ci import wilson_interval
from audit.types import SEVERITIES, Alert
from monitors.findings import window_start

__all__ = ["Rule", "RulesConfig", "SinkSpec", "evaluate", "load_rules", "parse_duration",
           "BASELINE_SUITE", "BASELINE_METRIC"]

# The audit metric a `baseline` rule compares with by default (see README, pii_emission suite).
BASELINE_SUITE = "pii_emission"
BASELINE_METRIC = "pii_rate"

_UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400}


def parse_duration(value: Any) -> int:
    """Seconds from 300, "300s", "5m", "1h" or "1d"."""
    if isinstance(value, int | float) and not isinstance(value, bool) and value > 0:
        return int(value)
    m = re.fullmatch(r"\s*(\d+)\s*([smhd]?)\s*", str(value))
    if not m or int(m.group(1)) <= 0:
        raise ValueError(f"window {value!r} is not a duration like 30s, 5m, 1h")
    return int(m.group(1)) * _UNITS[m.group(2) or "s"]


@dataclass(frozen=True)
class Rule:
    """One alert rule (see the module docstring for the kinds)."""

    name: str
    kind: Literal["rate", "entity", "baseline"]
    window_s: int = 300
    field: str = "response"
    above: float | None = None
    entity: str | None = None
    factor: float = 3.0
    suite: str = BASELINE_SUITE
    metric: str = BASELINE_METRIC
    group: str | None = None
    min_records: int = 1
    severity: str = "high"


@dataclass(frozen=True)
class SinkSpec:
    """Where alerts go: `log` (stdout JSON line + logging) or `webhook` (HTTP POST with retry)."""

    kind: Literal["log", "webhook"]
    url: str | None = None
    retries: int = 3
    backoff_s: float = 0.5
    timeout_s: float = 5.0
    headers: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class RulesConfig:
    rules: tuple[Rule, ...] = ()
    sinks: tuple[SinkSpec, ...] = (SinkSpec("log"),)


def _rule(raw: Any, i: int) -> Rule:
    if not isinstance(raw, dict):
        raise ValueError(f"rule {i + 1} is a {type(raw).__name__}, expected a mapping")
    kind = raw.get("type", raw.get("kind"))
    if kind not in ("rate", "entity", "baseline"):
        raise ValueError(f"rule {i + 1} has type {kind!r}; use rate, entity or baseline")
    name = str(raw.get("name") or f"{kind}-{i + 1}")
    unknown = set(raw) - {"name", "type", "kind", "window", "field", "above", "entity",
                          "factor", "suite", "metric", "group", "min_records", "severity"}
    if unknown:
        raise ValueError(f"rule {name!r} has unknown keys {sorted(unknown)}")
    severity = str(raw.get("severity", "high"))
    if severity not in SEVERITIES:
        raise ValueError(f"rule {name!r} severity {severity!r} is not one of {SEVERITIES}")
    above = raw.get("above")
    if kind == "rate" and not isinstance(above, int | float):
        raise ValueError(f"rate rule {name!r} needs a numeric `above` (a share, e.g. 0.005)")
    if kind == "entity" and not raw.get("entity"):
        raise ValueError(f"entity rule {name!r} needs `entity` (e.g. US_SSN)")
    return Rule(name=name, kind=kind, window_s=parse_duration(raw.get("window", "5m")),
                field=str(raw.get("field", "*" if kind == "entity" else "response")),
                above=float(above) if above is not None else None,
                entity=raw.get("entity"), factor=float(raw.get("factor", 3.0)),
                suite=str(raw.get("suite", BASELINE_SUITE)),
                metric=str(raw.get("metric", BASELINE_METRIC)), group=raw.get("group"),
                min_records=int(raw.get("min_records", 1)), severity=severity)


def _sink(raw: Any, i: int) -> SinkSpec:
    if not isinstance(raw, dict) or raw.get("type") not in ("log", "webhook"):
        raise ValueError(f"sink {i + 1} needs type log or webhook")
    if raw["type"] == "webhook" and not str(raw.get("url", "")).startswith(("http://",
                                                                             "https://")):
        raise ValueError(f"webhook sink {i + 1} needs an http(s) url")
    return SinkSpec(kind=raw["type"], url=raw.get("url"), retries=int(raw.get("retries", 3)),
                    backoff_s=float(raw.get("backoff", 0.5)),
                    timeout_s=float(raw.get("timeout", 5.0)),
                    headers={str(k): str(v) for k, v in (raw.get("headers") or {}).items()})


def load_rules(path: Path) -> RulesConfig:
    """Read a rules file (YAML or JSON: `rules:` list and optional `sinks:` list)."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise DataError(f"rules file {path} does not exist", "check the --rules path") from None
    except UnicodeDecodeError:
        raise DataError(f"rules file {path} is not UTF-8", "save it as UTF-8") from None
    try:
        if path.suffix.lower() == ".json":
            data = json.loads(text)
        else:
            import yaml

            data = yaml.safe_load(text)
    except Exception as exc:  # yaml.YAMLError / JSONDecodeError: report one line
        first = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        raise DataError(f"rules file {path} does not parse: {first}",
                        "fix the YAML/JSON syntax") from None
    if not isinstance(data, dict) or not isinstance(data.get("rules", []), list):
        raise DataError(f"rules file {path} must be a mapping with a `rules:` list",
                        "see README, Production monitoring")
    try:
        rules = tuple(_rule(r, i) for i, r in enumerate(data.get("rules") or []))
        sinks = tuple(_sink(s, i) for i, s in enumerate(data.get("sinks") or [{"type": "log"}]))
    except ValueError as exc:
        raise DataError(f"rules file {path}: {exc}", "see README, Production monitoring") from None
    names = [r.name for r in rules]
    if len(set(names)) != len(names):
        raise DataError(f"rules file {path} repeats a rule name", "give each rule its own name")
    return RulesConfig(rules, sinks)


def _counts(store: Any, monitor: str, rule: Rule, now: datetime, bucket_s: int
            ) -> tuple[datetime, datetime, dict[tuple[str, str], int]]:
    end = window_start(now, bucket_s) + timedelta(seconds=bucket_s)
    start = end - timedelta(seconds=max(rule.window_s, bucket_s))
    field_ = None if rule.field == "*" else rule.field
    return start, end, store.window_counts(monitor, start, end, field=field_)


def evaluate(rule: Rule, store: Any, monitor: str, now: datetime, bucket_s: int = 60
             ) -> Alert | None:
    """The alert this rule raises now, or None."""
    start, end, counts = _counts(store, monitor, rule, now, bucket_s)
    period = window_start(now, rule.window_s).isoformat()
    field_ = rule.field

    def total(name: str) -> int:
        if field_ == "*":
            return sum(v for (f, n), v in counts.items() if n == name and f != "*")
        return counts.get((field_, name), 0)

    common = {"monitor": monitor, "rule": rule.name, "kind": rule.kind,
              "severity": rule.severity, "window_start": start, "window_end": end,
              "dedupe": f"{rule.kind}:{period}"}
    if rule.kind == "entity":
        k = total(f"entity:{rule.entity}")
        limit = rule.above or 0.0
        if k <= limit:
            return None
        n = total("records")
        return Alert(**common, value=float(k), threshold=limit, n=n,
                     message=f"{k} {rule.entity} detection(s) in {field_} over the last "
                             f"{rule.window_s}s (limit {limit:g})",
                     details={"entity": rule.entity, "field": field_, "count": k})
    n = total("records")
    k = total("records_with_pii")
    if n < max(rule.min_records, 1):
        return None
    rate = k / n
    lo, hi = wilson_interval(k, n)
    if rule.kind == "rate":
        threshold = float(rule.above or 0.0)
        details: dict[str, Any] = {"field": field_, "k": k}
        what = f"{threshold:.4%}"
    else:
        base = store.latest_metric(rule.suite, rule.metric, rule.group)
        if base is None or base.value is None or not math.isfinite(base.value):
            return None
        threshold = rule.factor * float(base.value)
        details = {"field": field_, "k": k, "baseline": base.to_dict(), "factor": rule.factor}
        what = (f"{rule.factor:g}x the audited {rule.suite}/{rule.metric} "
                f"{base.value:.4%} (run {base.run_id})")
    if rate <= threshold:
        return None
    return Alert(**common, value=rate, threshold=threshold, n=n, ci_low=lo, ci_high=hi,
                 message=f"PII in {field_}: {rate:.3%} of {n} records (95% CI {lo:.3%}-"
                         f"{hi:.3%}) over the last {rule.window_s}s, above {what}",
                 details=details)
