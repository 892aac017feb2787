"""The tail monitor: read -> parse -> detect -> store (one transaction) -> advance offsets -> rules.

At-least-once: offsets move only after the store committed the batch; a batch re-read after a
crash adds no finding (ids come from file identity + offset + field) and no count (the store
skips counts below its own per-file progress).
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from audit.errors import UsageError
from audit.types import Alert, CountDelta, Finding, QuarantinedLine, Span, utcnow
from monitors.bias_signals import BIAS_FIELD, BiasSignals
from monitors.detector import Detector
from monitors.findings import count_deltas, record_finding, window_start
from monitors.offsets import OffsetRegistry, tail_hash
from monitors.parse import LogFormat, ParsedRecord, parse_line
from monitors.rules import RulesConfig, evaluate
from monitors.sinks import Sink
from monitors.tail import LogTailer, RawLine, ReadTarget, read_lines

__all__ = ["Monitor", "MonitorConfig", "MonitorStats"]

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class MonitorConfig:
    """What to tail and how: paths/globs, state file, record format, batching, windows."""

    paths: tuple[str, ...]
    state_path: Path
    name: str = "default"
    log_format: LogFormat = field(default_factory=LogFormat)
    batch_size: int = 256
    poll_interval_s: float = 1.0
    window_s: int = 60
    rotated_grace_s: float = 5.0
    evidence_chars: int = 500
    bias: BiasSignals | None = None  # per-group refusal/negative counters (off by default)

    def __post_init__(self) -> None:
        if not self.paths:
            raise UsageError("no log path given", "pass one or more paths or globs")
        if self.batch_size < 1 or self.window_s < 1 or self.poll_interval_s <= 0:
            raise UsageError("batch size, window and poll interval must be positive",
                             "check --batch-size / --poll-interval")


@dataclass
class MonitorStats:
    """Running totals for one monitor process."""

    lines: int = 0
    records: int = 0
    findings: int = 0
    quarantined: int = 0
    alerts: int = 0
    batches: int = 0

    def to_dict(self) -> dict[str, int]:
        return dict(self.__dict__)


class Monitor:
    """Tails logs into the store. `poll_once()` drains what is there; `run()` loops."""

    def __init__(self, config: MonitorConfig, store: Any, detector: Detector,
                 rules: RulesConfig | None = None, sinks: Sequence[Sink] = (),
                 clock: Callable[[], datetime] = utcnow) -> None:
        self.config = config
        self.store = store
        self.detector = detector
        self.rules = rules or RulesConfig(rules=(), sinks=())
        self.sinks = list(sinks)
        self.clock = clock
        self.registry = OffsetRegistry(config.state_path).load()
        self.tailer = LogTailer(config.paths, self.registry, config.rotated_grace_s)
        self.stats = MonitorStats()
        self.stop_event = threading.Event()

    # -- one pass ------------------------------------------------------------------------------
    def poll_once(self) -> int:
        """Process every complete line available now; returns how many lines were processed."""
        done = 0
        for target in self.tailer.targets():
            while not self.stop_event.is_set():
                entry = self.registry.get(target.entry.key)
                assert entry is not None
                batch = read_lines(target.path, target.dev, target.ino, entry.offset,
                                   self.config.batch_size, self.config.log_format.max_line_bytes)
                if batch is None:
                    break
                if not batch.lines:
                    self.tailer.finish_if_idle(target)
                    break
                self._process(target, batch.lines, batch.tail)
                done += len(batch.lines)
        self.registry.save()
        if self.rules.rules and not self.stop_event.is_set():
            self.check_rules()
        return done

    def _bias_deltas(self, parsed: list[tuple[RawLine, ParsedRecord | str | None]], key: str,
                     ws: datetime) -> list[CountDelta]:
        """Per-group refusal/negative counters for records that have a prompt and a response."""
        cfg = self.config
        rows = [(ln, rec) for ln, rec in parsed if isinstance(rec, ParsedRecord)
                and "prompt" in rec.texts and "response" in rec.texts]
        if not rows or cfg.bias is None:
            return []
        names = cfg.bias.count([r.texts["prompt"] for _, r in rows],
                               [r.texts["response"] for _, r in rows])
        return [CountDelta(key, ln.offset, ws, cfg.window_s, BIAS_FIELD, name)
                for (ln, _), ns in zip(rows, names, strict=True) for name in ns]

    def _process(self, target: ReadTarget, lines: list[RawLine], tail: bytes) -> None:
        cfg = self.config
        key = target.entry.key
        now = self.clock()
        ws = window_start(now, cfg.window_s)
        parsed: list[tuple[RawLine, ParsedRecord | str | None]] = [
            (ln, parse_line(ln.data, cfg.log_format)) for ln in lines]
        texts: list[str] = []
        where: list[tuple[int, str]] = []
        for i, (_, rec) in enumerate(parsed):
            if isinstance(rec, ParsedRecord):
                for label, text in rec.texts.items():
                    texts.append(text)
                    where.append((i, label))
        spans_all = self.detector.analyze(texts) if texts else []
        by_line: dict[int, dict[str, list[Span]]] = {}
        for (i, label), spans in zip(where, spans_all, strict=True):
            by_line.setdefault(i, {})[label] = list(spans)
        findings: list[Finding] = []
        deltas: list[CountDelta] = []
        quarantined: list[QuarantinedLine] = []
        fields = cfg.log_format.fields()
        n_records = 0
        for i, (ln, rec) in enumerate(parsed):
            if rec is None:
                continue
            if isinstance(rec, str):
                quarantined.append(QuarantinedLine(
                    monitor=cfg.name, file=target.path, file_key=key, offset=ln.offset,
                    length=ln.end - ln.offset, reason=rec,
                    line_hash=self._line_hash(ln.data)))
                deltas += count_deltas(key, ln.offset, ws, cfg.window_s, None, quarantined=True)
                continue
            n_records += 1
            spans_by_label = by_line.get(i, {})
            deltas += count_deltas(key, ln.offset, ws, cfg.window_s, spans_by_label)
            for label, spans in spans_by_label.items():
                if spans:
                    findings.append(record_finding(
                        cfg.name, target.path, key, ln.offset, rec, label, fields[label],
                        rec.texts[label], spans, self.detector, cfg.evidence_chars))
        if cfg.bias is not None:
            deltas += self._bias_deltas(parsed, key, ws)
        end = lines[-1].end
        result = self.store.commit_monitor_batch(cfg.name, findings, deltas, quarantined,
                                                 {key: end})
        # Only now is it safe to move the offset (at-least-once).
        self.registry.advance(key, end, tail_hash(tail), path=target.path)
        self.registry.save()
        s = self.stats
        s.lines += len(lines)
        s.records += n_records
        s.findings += result.new_findings
        s.quarantined += result.new_quarantined
        s.batches += 1

    def _line_hash(self, data: bytes | None) -> str:
        """Keyed hash of a quarantined line (correlate repeats without storing the content)."""
        if data is None or self.detector.hasher is None:
            return ""
        return self.detector.hasher(data.decode("utf-8", "replace"))[:64]

    # -- rules ---------------------------------------------------------------------------------
    def check_rules(self) -> list[Alert]:
        """Evaluate every rule now; store new alerts and send them to the sinks."""
        fired: list[Alert] = []
        now = self.clock()
        for rule in self.rules.rules:
            alert = evaluate(rule, self.store, self.config.name, now, self.config.window_s)
            if alert is None or not self.store.write_alert(alert):
                continue
            fired.append(alert)
            self.stats.alerts += 1
            for sink in self.sinks:
                try:
                    sink.send(alert)
                except Exception:  # a broken sink must not stop the monitor
                    log.exception("sink %s failed for alert %s", type(sink).__name__, alert.rule)
        return fired

    # -- loop ----------------------------------------------------------------------------------
    def run(self, follow: bool = False,
            on_poll: Callable[[MonitorStats], None] | None = None) -> MonitorStats:
        """One pass, or with `follow` poll until `stop()` (SIGINT/SIGTERM in the CLI)."""
        while True:
            self.poll_once()
            if on_poll:
                on_poll(self.stats)
            if not follow or self.stop_event.wait(self.config.poll_interval_s):
                return self.stats

    def stop(self) -> None:
        """Ask the loop to stop after the current batch (safe from a signal handler)."""
        self.stop_event.set()
