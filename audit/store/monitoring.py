"""Store methods for the production side: monitor batches, quarantine, windows, alerts, redaction.

Mixed into `Store`; the records it reads and writes (`Alert`, `QuarantinedLine`, ...) live in
`audit.types` with the other records. A monitor batch (findings + window counts + quarantined
lines + progress) is written in one transaction, and window counts are guarded by the stored
per-file progress, so a batch that is re-read after a crash adds no finding (deterministic ids)
and no count twice.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.exc import SQLAlchemyError

from audit.errors import StoreError
from audit.store import schema
from audit.store._leases import LeaseStore, fence_lease
from audit.store._sql import insert_ignore, upsert_add, upsert_max
from audit.types import (Alert, BatchResult, CountDelta, Finding, Metric, QuarantinedLine,
                         RedactionEvent, as_utc, utcnow)

__all__ = ["MonitoringStore"]


class MonitoringStore(LeaseStore):
    """Monitor and redaction tables; expects `self.engine` and `self.display_url` (see Store)."""

    engine: Any
    display_url: str

    # -- monitor batches -------------------------------------------------------------------
    def commit_monitor_batch(self, monitor: str, findings: Sequence[Finding],
                             deltas: Sequence[CountDelta], quarantined: Sequence[QuarantinedLine],
                             progress: Mapping[str, int],
                             lease: tuple[str, float] | None = None) -> BatchResult:
        """Write one batch atomically; counts from records below the stored progress are skipped.

        With `lease` (holder, ttl seconds) the batch first renews that holder's lease in the same
        transaction and is rolled back with LeaseLost when another monitor holds the name.
        """

        now = utcnow()
        try:
            with self.engine.begin() as conn:
                if lease is not None:
                    fence_lease(conn, monitor, *lease)
                done = self._progress(conn, monitor, list(progress))
                new_f = (self.write_findings(findings, conn=conn)  # type: ignore[attr-defined]
                         if findings else 0)
                new_q = 0
                if quarantined:
                    rows = {q.quarantine_id: {
                        "quarantine_id": q.quarantine_id, "monitor": q.monitor, "file": q.file,
                        "file_key": q.file_key, "offset": q.offset, "length": q.length,
                        "reason": q.reason, "line_hash": q.line_hash,
                        "created_at": q.created_at} for q in quarantined}
                    tq = schema.monitor_quarantine
                    # executemany rowcounts are not portable (psycopg says -1): count first.
                    seen = conn.execute(select(func.count()).select_from(tq).where(
                        tq.c.quarantine_id.in_(list(rows)))).scalar_one()
                    conn.execute(insert_ignore(self.engine, tq), list(rows.values()))
                    new_q = len(rows) - int(seen)
                sums: dict[tuple[datetime, str, str, int], int] = defaultdict(int)
                counted: set[tuple[str, int]] = set()
                for d in deltas:
                    if d.offset < done.get(d.file_key, 0):
                        continue  # counted before a crash: lines are re-read, never re-counted
                    sums[(d.window_start, d.field, d.name, d.window_seconds)] += d.count
                    counted.add((d.file_key, d.offset))
                if sums:
                    conn.execute(upsert_add(self.engine, schema.monitor_windows,
                                             ["monitor", "window_start", "field", "name"], "count"),
                                 [{"monitor": monitor, "window_start": k[0], "field": k[1],
                                   "name": k[2], "window_seconds": k[3], "count": v}
                                  for k, v in sums.items()])
                if progress:
                    conn.execute(upsert_max(self.engine, schema.monitor_progress,
                                             ["monitor", "file_key"], "offset"),
                                 [{"monitor": monitor, "file_key": k, "offset": v,
                                   "updated_at": now} for k, v in progress.items()])
        except SQLAlchemyError as exc:
            raise StoreError(f"could not write monitor batch to {self.display_url}: "
                             f"{type(exc).__name__}", "check the store is writable") from exc
        return BatchResult(new_f, new_q, len(counted))

    @staticmethod
    def _progress(conn: Any, monitor: str, keys: list[str]) -> dict[str, int]:
        if not keys:
            return {}
        t = schema.monitor_progress
        rows = conn.execute(select(t.c.file_key, t.c.offset).where(
            t.c.monitor == monitor, t.c.file_key.in_(keys)))
        return {r.file_key: int(r.offset) for r in rows}

    def monitor_progress(self, monitor: str) -> dict[str, int]:
        """Committed end offset per file key for one monitor."""
        t = schema.monitor_progress
        with self.engine.connect() as conn:
            return {r.file_key: int(r.offset)
                    for r in conn.execute(select(t).where(t.c.monitor == monitor))}

    def window_counts(self, monitor: str, since: datetime, until: datetime | None = None,
                      field: str | None = None) -> dict[tuple[str, str], int]:
        """Summed counters {(field, name): count} over windows starting in [since, until)."""
        t = schema.monitor_windows
        q = select(t.c.field, t.c.name, func.sum(t.c.count)).where(
            t.c.monitor == monitor, t.c.window_start >= since).group_by(t.c.field, t.c.name)
        if until is not None:
            q = q.where(t.c.window_start < until)
        if field is not None:
            q = q.where(t.c.field == field)
        with self.engine.connect() as conn:
            return {(r[0], r[1]): int(r[2]) for r in conn.execute(q)}

    def window_rows(self, monitor: str | None = None, since: datetime | None = None
                    ) -> list[dict[str, Any]]:
        """Raw per-window counters, oldest first (for dashboards)."""
        t = schema.monitor_windows
        q = select(t).order_by(t.c.window_start, t.c.field, t.c.name)
        if monitor:
            q = q.where(t.c.monitor == monitor)
        if since:
            q = q.where(t.c.window_start >= since)
        with self.engine.connect() as conn:
            return [{**r._mapping, "window_start": as_utc(r.window_start)} for r in conn.execute(q)]

    # -- quarantine ------------------------------------------------------------------------
    def quarantined(self, monitor: str | None = None, limit: int | None = None
                    ) -> list[QuarantinedLine]:
        """Quarantined lines, oldest offset first within each file."""
        t = schema.monitor_quarantine
        q = select(t).order_by(t.c.created_at, t.c.file_key, t.c.offset)
        if monitor:
            q = q.where(t.c.monitor == monitor)
        if limit:
            q = q.limit(limit)
        with self.engine.connect() as conn:
            return [QuarantinedLine(monitor=r.monitor, file=r.file, file_key=r.file_key,
                                    offset=int(r.offset), length=int(r.length), reason=r.reason,
                                    line_hash=r.line_hash, created_at=as_utc(r.created_at))
                    for r in conn.execute(q)]

    def count_quarantined(self, monitor: str | None = None) -> int:
        t = schema.monitor_quarantine
        q = select(func.count()).select_from(t)
        if monitor:
            q = q.where(t.c.monitor == monitor)
        with self.engine.connect() as conn:
            return int(conn.execute(q).scalar_one())

    # -- alerts ----------------------------------------------------------------------------
    def write_alert(self, alert: Alert) -> bool:
        """Store an alert; False when the same rule already fired for that window."""
        row = {"alert_id": alert.alert_id, "monitor": alert.monitor, "rule": alert.rule,
               "kind": alert.kind, "severity": alert.severity, "window_start": alert.window_start,
               "window_end": alert.window_end, "value": alert.value,
               "threshold": alert.threshold, "n": alert.n, "ci_low": alert.ci_low,
               "ci_high": alert.ci_high, "message": alert.message,
               "details": {**alert.details, "dedupe": alert.dedupe}, "created_at": alert.created_at}
        try:
            with self.engine.begin() as conn:
                t = schema.monitor_alerts
                # RETURNING, not rowcount: psycopg reports a row even when the insert was skipped.
                stmt = insert_ignore(self.engine, t).values(**row).returning(t.c.alert_id)
                return conn.execute(stmt).first() is not None
        except SQLAlchemyError as exc:
            raise StoreError(f"could not write alert to {self.display_url}: "
                             f"{type(exc).__name__}", "check the store is writable") from exc

    def alerts(self, monitor: str | None = None, limit: int | None = None) -> list[Alert]:
        """Alerts, newest first."""
        t = schema.monitor_alerts
        q = select(t).order_by(t.c.created_at.desc())
        if monitor:
            q = q.where(t.c.monitor == monitor)
        if limit:
            q = q.limit(limit)
        with self.engine.connect() as conn:
            return [Alert(monitor=r.monitor, rule=r.rule, kind=r.kind, severity=r.severity,
                          window_start=as_utc(r.window_start), window_end=as_utc(r.window_end),
                          value=r.value, threshold=r.threshold, n=int(r.n), message=r.message,
                          ci_low=r.ci_low, ci_high=r.ci_high,
                          details={k: v for k, v in r.details.items() if k != "dedupe"},
                          dedupe=r.details.get("dedupe", ""), created_at=as_utc(r.created_at))
                    for r in conn.execute(q)]

    # -- redaction events ------------------------------------------------------------------
    def write_redaction_events(self, events: Iterable[RedactionEvent]) -> int:
        """Insert redaction events (types and counts only; ids are unique per event)."""
        rows = [{"event_id": e.event_id, "created_at": e.created_at, "source": e.source,
                 "path": e.path[:512], "direction": e.direction, "mode": e.mode,
                 "outcome": e.outcome, "n_entities": e.n_entities,
                 "entity_counts": dict(e.entity_counts), "latency_ms": e.latency_ms,
                 "details": e.details} for e in events]
        if not rows:
            return 0
        try:
            with self.engine.begin() as conn:
                conn.execute(insert_ignore(self.engine, schema.redaction_events), rows)
                return len(rows)
        except SQLAlchemyError as exc:
            raise StoreError(f"could not write redaction events to {self.display_url}: "
                             f"{type(exc).__name__}", "check the store is writable") from exc

    def redaction_events(self, since: datetime | None = None, limit: int | None = None
                         ) -> list[RedactionEvent]:
        """Redaction events, newest first."""
        t = schema.redaction_events
        q = select(t).order_by(t.c.created_at.desc())
        if since:
            q = q.where(t.c.created_at >= since)
        if limit:
            q = q.limit(limit)
        with self.engine.connect() as conn:
            return [RedactionEvent(source=r.source, path=r.path, direction=r.direction,
                                   mode=r.mode, outcome=r.outcome,
                                   entity_counts=dict(r.entity_counts), latency_ms=r.latency_ms,
                                   details=r.details, created_at=as_utc(r.created_at))
                    for r in conn.execute(q)]

    # -- audit baselines -------------------------------------------------------------------
    def latest_metric(self, suite: str, name: str, group: str | None = None) -> Metric | None:
        """The named metric from the newest run that has it (the audited baseline), or None."""
        m, r = schema.metrics, schema.runs
        q = (select(m).join(r, r.c.run_id == m.c.run_id)
             .where(m.c.suite == suite, m.c.name == name)
             .order_by(r.c.started_at.desc()).limit(1))
        q = q.where(m.c.grp.is_(None)) if group is None else q.where(m.c.grp == group)
        with self.engine.connect() as conn:
            row = conn.execute(q).first()
        if row is None:
            return None
        return Metric(run_id=row.run_id, suite=row.suite, name=row.name, value=row.value,
                      n=row.n, ci_low=row.ci_low, ci_high=row.ci_high, group=row.grp,
                      details=row.details)
