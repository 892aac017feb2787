"""The tail monitor: read -> parse -> detect -> store (one transaction) -> advance offsets -> rules.

At-least-once: offsets move only after the store committed the batch; a batch re-read after a
crash adds no finding (ids come from file identity + offset + field) and no count (the store
skips counts below its own per-file progress). A line that fails anywhere is quarantined
(`monitors.batch`); a store that is down is waited for (`monitors.store_guard`); one process per
monitor name (`monitors.lease`).
"""

from __future__ import annotations

import logging
import os
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from audit.errors import UsageError
from audit.store._leases import LeaseLost
from audit.types import Alert, BatchResult, utcnow
from monitors.batch import BatchContext, LineWrite, merged, prepare, quarantine, storable_path
from monitors.bias_signals import BiasSignals
from monitors.detector import Detector
from monitors.findings import window_start
from monitors.lease import MonitorLease
from monitors.offsets import OffsetRegistry, tail_hash
from monitors.parse import LogFormat
from monitors.rules import RulesConfig, evaluate
from monitors.sinks import Sink
from monitors.store_guard import DataFault, MonitorStopped, StoreGuard, StoreReconnected
from monitors.tail import LogTailer, RawLine, ReadTarget, bytes_before, read_lines

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
    evidence: str = "shape"  # audit.pii.evidence mode; "redacted" keeps what the detector missed
    bias: BiasSignals | None = None  # per-group refusal/negative counters (off by default)
    max_outage_s: float | None = None  # give up after a store outage this long (None: never)
    retry_initial_s: float = 0.1       # first pause of the store retry backoff (doubles)
    retry_max_s: float = 30.0          # longest pause between store retries
    recreate_store: bool = False       # a deleted SQLite store: start a new one, do not wait
    lease_ttl_s: float = 30.0          # the name's lease expires this long after a renewal
    wait_for_lease: bool = False       # another monitor holds the name: wait, do not exit

    def __post_init__(self) -> None:
        if not self.paths:
            raise UsageError("no log path given", "pass one or more paths or globs")
        if self.batch_size < 1 or self.window_s < 1 or self.poll_interval_s <= 0:
            raise UsageError("batch size, window and poll interval must be positive",
                             "check --batch-size / --poll-interval")
        if self.retry_initial_s <= 0 or self.retry_max_s <= 0 or self.lease_ttl_s <= 0 or (
                self.max_outage_s is not None and self.max_outage_s < 0):
            raise UsageError("retry pauses, lease time and --max-outage must be positive",
                             "check --retry-max / --lease-ttl / --max-outage")


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
                 clock: Callable[[], datetime] = utcnow,
                 announce: Callable[[str], None] | None = None) -> None:
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
        self.guard = StoreGuard(store, self.stop_event, config.max_outage_s,
                                config.retry_initial_s, config.retry_max_s,
                                config.recreate_store, announce, on_reconnect=self.reconcile)
        self.announce = self.guard.announce
        self.lease: MonitorLease | None = None

    # -- one pass ------------------------------------------------------------------------------
    def poll_once(self) -> int:
        """Process every complete line available now; returns how many lines were processed."""
        done = 0
        for target in self.tailer.targets():
            while not self.stop_event.is_set():
                self._check_lease()
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
        self._save()
        if self.rules.rules and not self.stop_event.is_set():
            self.check_rules()
        return done

    def _context(self, target: ReadTarget) -> BatchContext:
        cfg = self.config
        return BatchContext(cfg.name, storable_path(target.path), target.entry.key,
                            window_start(self.clock(), cfg.window_s), cfg.window_s,
                            cfg.log_format, self.detector, self._line_hash,
                            cfg.evidence_chars, cfg.evidence, cfg.bias)

    def _process(self, target: ReadTarget, lines: list[RawLine], tail: bytes) -> None:
        ctx = self._context(target)
        writes = prepare(ctx, lines)
        failed = [w for w in writes if w.internal]
        if len(failed) >= 8 and not any(w.record for w in writes):
            # Not one line but the detector (or its setup) failing: say so, loudly, every time.
            self.announce(f"all {len(failed)} records of a batch in {target.path} failed to "
                          f"process ({failed[0].quarantined[0].reason}); they are quarantined, "
                          "check the detector")
        try:
            result = self._write(ctx, writes)
        except StoreReconnected:
            return  # a restored or new store: the offsets were reconciled, read on from there
        # Only now is it safe to move the offset (at-least-once).
        self.registry.advance(ctx.file_key, lines[-1].end, tail_hash(tail), path=target.path)
        self._save()
        s = self.stats
        s.lines += len(lines)
        s.records += sum(1 for w in writes if w.record)
        s.findings += result.new_findings
        s.quarantined += result.new_quarantined
        s.batches += 1

    def _save(self) -> None:
        """Write the offsets; a full disk or unwritable state file is waited out like the store."""
        try:
            self.guard.call(self.registry.save)
        except StoreReconnected:
            pass  # reconciled (and saved) on the reconnect

    def _commit(self, ctx: BatchContext, writes: Sequence[LineWrite]) -> BatchResult:
        findings, deltas, quarantined = merged(writes)
        return self.store.commit_monitor_batch(
            self.config.name, findings, deltas, quarantined, {ctx.file_key: writes[-1].end},
            lease=self.lease.fence if self.lease is not None else None)

    def _write(self, ctx: BatchContext, writes: Sequence[LineWrite]) -> BatchResult:
        """Commit the lines in order; a write the store refuses for its data is split in halves
        until the one line responsible is found and quarantined instead. Outages wait (guard).
        """
        try:
            return self.guard.call(lambda: self._commit(ctx, writes))
        except DataFault as fault:
            if len(writes) > 1:
                mid = len(writes) // 2
                a, b = self._write(ctx, writes[:mid]), self._write(ctx, writes[mid:])
                return BatchResult(a.new_findings + b.new_findings,
                                   a.new_quarantined + b.new_quarantined,
                                   a.counted_records + b.counted_records)
            w = writes[0]
            why = str(fault).split(":", 1)[0]  # the exception type; messages may quote values
            q = quarantine(ctx, w.offset, w.end, f"the store refused the record ({why})", None)
            # If even a bare quarantine row is refused, the store is at fault, not the line.
            return self.guard.call(lambda: self._commit(ctx, [q]), data_is_outage=True)

    def _line_hash(self, data: bytes | None) -> str:
        """Keyed hash of a quarantined line (correlate repeats without storing the content)."""
        if data is None or self.detector.hasher is None:
            return ""
        return self.detector.hasher(data.decode("utf-8", "replace"))[:64]

    # -- lease and recovery --------------------------------------------------------------------
    def acquire_lease(self) -> None:
        """Hold this monitor's name (LeaseHeld, or wait with `wait_for_lease`), then reconcile."""
        lease = MonitorLease(self.store, self.config.name, self.config.lease_ttl_s,
                             runner=self.guard.try_once)
        told = False
        while True:
            try:
                cur = self.guard.call(lease.try_acquire)
            except StoreReconnected:
                continue
            if cur is None:
                break
            if not self.config.wait_for_lease:
                raise lease.held_error(cur)
            if not told:
                self.announce(f"{lease.held_error(cur).problem}; waiting for it to stop")
                told = True
            if self.stop_event.wait(min(self.config.lease_ttl_s / 3, 5.0)):
                raise MonitorStopped("while waiting for the lease")
        self.lease = lease
        lease.start_heartbeat()
        try:
            self.guard.call(self.reconcile)
        except StoreReconnected:
            pass  # reconciled on the reconnect

    def _check_lease(self) -> None:
        if self.lease is not None and self.lease.lost.is_set():
            raise LeaseLost(f"monitor {self.config.name!r} was taken over by another process",
                            "only one monitor may run per --name")

    def reconcile(self) -> None:
        """Rewind offsets past what the store holds (a restored or new store): read them again."""
        have = self.store.monitor_progress(self.config.name)
        changed = False
        for e in self.registry.active():
            at = have.get(e.key, 0)
            if at >= e.offset:
                continue
            data = None
            try:
                st = os.stat(e.path)
                if (st.st_dev, st.st_ino) == (e.dev, e.ino):
                    data = bytes_before(e.path, at)
            except OSError:
                pass
            if data is None:
                self.announce(f"the store lacks {e.path} bytes {at}-{e.offset} and that file "
                              "is gone: those lines cannot be read again")
                continue
            self.registry.rewind(e.key, at, tail_hash(data))
            changed = True
            self.announce(f"the store holds {e.path} up to byte {at}, the offsets said "
                          f"{e.offset}: reading {e.offset - at} bytes again")
        if changed:
            self.registry.save()

    # -- rules ---------------------------------------------------------------------------------
    def check_rules(self) -> list[Alert]:
        """Evaluate every rule now; store new alerts and send them to the sinks."""
        fired: list[Alert] = []
        now = self.clock()
        for rule in self.rules.rules:
            def one() -> Alert | None:
                alert = evaluate(rule, self.store, self.config.name, now, self.config.window_s)
                return alert if alert is not None and self.store.write_alert(alert) else None

            try:
                alert = self.guard.call(one)
            except DataFault as fault:
                log.error("rule %s could not be evaluated: %s", rule.name, fault)
                continue
            except StoreReconnected:
                continue
            if alert is None:
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
        """One pass, or with `follow` poll until `stop()` (SIGINT/SIGTERM in the CLI).

        Holds the name's lease meanwhile. A stop during a store outage returns at once: the
        uncommitted lines are read again on the next start.
        """
        try:
            self.acquire_lease()
            while True:
                self.poll_once()
                if on_poll:
                    on_poll(self.stats)
                if not follow or self.stop_event.wait(self.config.poll_interval_s):
                    return self.stats
        except MonitorStopped as exc:
            self.announce(f"stopped {exc}; lines not committed yet are read again on the next "
                          "start")
            return self.stats
        finally:
            if self.lease is not None:
                self.lease.release()

    def stop(self) -> None:
        """Ask the loop to stop after the current batch (safe from a signal handler)."""
        self.stop_event.set()
