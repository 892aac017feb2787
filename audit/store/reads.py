"""Read-only aggregate and paginated queries for the dashboard and reports (all work done in SQL).

Every method only SELECTs. Tables that other migrations may add (monitor alerts, quarantine,
redaction events, window counts) are read through `has_table`/`table_rows`, so a store without
them reads as empty instead of failing.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import MetaData, Table, Text, and_, case, cast, func, inspect, select

from audit.store import Store, schema
from audit.types import SEVERITIES, Finding, Run, as_utc

__all__ = ["FindingFilter", "StoreReads", "SEVERITY_RANK"]

SEVERITY_RANK: dict[str, int] = {s: i for i, s in enumerate(SEVERITIES)}


@dataclass(frozen=True)
class FindingFilter:
    """Which findings to read; every field left as None does not filter."""

    run_id: str | None = None
    source: str | None = None
    suites: tuple[str, ...] | None = None
    severity: str | None = None
    min_severity: str | None = None
    group: str | None = None
    probe: str | None = None
    with_attribution: bool = False
    since: datetime | None = None


def _finding(r: Any) -> Finding:
    return Finding(run_id=r.run_id, source=r.source, suite=r.suite, probe=r.probe,
                   case_id=r.case_id, severity=r.severity, group=r.grp, evidence=r.evidence,
                   details=r.details, attribution=r.attribution, created_at=as_utc(r.created_at))


class StoreReads:
    """Aggregates and pages over one `Store`; construct with the store, call the queries."""

    def __init__(self, store: Store) -> None:
        self.store = store
        self.engine = store.engine

    # -- runs --------------------------------------------------------------------------------
    def runs_page(self, limit: int = 25, offset: int = 0) -> list[Run]:
        """A page of runs, newest first (LIMIT/OFFSET in SQL)."""
        q = (select(schema.runs).order_by(schema.runs.c.started_at.desc(), schema.runs.c.run_id)
             .limit(max(1, int(limit))).offset(max(0, int(offset))))
        with self.engine.connect() as conn:
            return [Store._run(r) for r in conn.execute(q)]

    def count_runs(self) -> int:
        """How many runs the store holds."""
        with self.engine.connect() as conn:
            return int(conn.execute(select(func.count()).select_from(schema.runs)).scalar_one())

    def severity_counts_by_run(self, run_ids: Sequence[str]) -> dict[str, dict[str, int]]:
        """run_id -> {severity: count} for the given runs (one GROUP BY)."""
        if not run_ids:
            return {}
        t = schema.findings
        q = (select(t.c.run_id, t.c.severity, func.count()).where(t.c.run_id.in_(list(run_ids)))
             .group_by(t.c.run_id, t.c.severity))
        out: dict[str, dict[str, int]] = {r: {} for r in run_ids}
        with self.engine.connect() as conn:
            for run_id, sev, n in conn.execute(q):
                out[run_id][sev] = int(n)
        return out

    def metric_suites(self, run_id: str) -> list[str]:
        """Suites that wrote metrics or findings for a run."""
        m, f = schema.metrics, schema.findings
        with self.engine.connect() as conn:
            a = {r[0] for r in conn.execute(select(m.c.suite).where(m.c.run_id == run_id).distinct())}
            b = {r[0] for r in conn.execute(select(f.c.suite).where(f.c.run_id == run_id).distinct())}
        return sorted(a | b)

    # -- findings ----------------------------------------------------------------------------
    def _where(self, flt: FindingFilter) -> list[Any]:
        t = schema.findings
        cond: list[Any] = []
        if flt.run_id:
            cond.append(t.c.run_id == flt.run_id)
        if flt.source:
            cond.append(t.c.source == flt.source)
        if flt.suites is not None:
            cond.append(t.c.suite.in_(list(flt.suites)))
        if flt.severity:
            cond.append(t.c.severity == flt.severity)
        if flt.min_severity:
            keep = [s for s in SEVERITIES if SEVERITY_RANK[s] >= SEVERITY_RANK[flt.min_severity]]
            cond.append(t.c.severity.in_(keep))
        if flt.group:
            cond.append(t.c.grp == flt.group)
        if flt.probe:
            cond.append(t.c.probe == flt.probe)
        if flt.with_attribution:
            # JSON null and SQL NULL both mean "no attribution"
            cond.append(t.c.attribution.isnot(None))
            cond.append(func.length(cast(t.c.attribution, Text)) > 4)
        if flt.since is not None:
            cond.append(t.c.created_at >= flt.since)
        return cond

    def count(self, flt: FindingFilter) -> int:
        """How many findings match."""
        t = schema.findings
        q = select(func.count()).select_from(t).where(and_(True, *self._where(flt)))
        with self.engine.connect() as conn:
            return int(conn.execute(q).scalar_one())

    def page(self, flt: FindingFilter, limit: int = 50, offset: int = 0,
             order: str = "severity") -> list[Finding]:
        """One page of findings: most severe and strongest first (`order="severity"`) or newest
        first."""
        t = schema.findings
        rank = case(SEVERITY_RANK, value=t.c.severity, else_=-1)
        # within a severity, strongest first: the suite's own ranking (details.rank, stamped by
        # the runner), then oldest first, which is the order a suite emits them
        strength = t.c.details["rank"].as_integer().asc().nulls_last()
        by = ([rank.desc(), strength, t.c.created_at.asc(), t.c.finding_id]
              if order == "severity"
              else [t.c.created_at.desc(), t.c.finding_id])
        q = (select(t).where(and_(True, *self._where(flt))).order_by(*by)
             .limit(max(1, int(limit))).offset(max(0, int(offset))))
        with self.engine.connect() as conn:
            return [_finding(r) for r in conn.execute(q)]

    def counts_by(self, flt: FindingFilter, *columns: str) -> list[dict[str, Any]]:
        """Finding counts grouped by columns (`suite`, `severity`, `group`, `probe`, `source`)."""
        t = schema.findings
        names = {"group": "grp"}
        cols = [t.c[names.get(c, c)].label(c) for c in columns]
        q = (select(*cols, func.count().label("n")).where(and_(True, *self._where(flt)))
             .group_by(*cols).order_by(func.count().desc()))
        with self.engine.connect() as conn:
            return [dict(r._mapping) for r in conn.execute(q)]

    def hourly_counts(self, flt: FindingFilter) -> list[dict[str, Any]]:
        """Findings per UTC hour and severity (bucketed in SQL), oldest first."""
        t = schema.findings
        if self.engine.dialect.name == "postgresql":
            hour = func.to_char(func.date_trunc("hour", func.timezone("UTC", t.c.created_at)),
                                "YYYY-MM-DD HH24:00")
        else:
            hour = func.strftime("%Y-%m-%d %H:00", t.c.created_at)
        hour = hour.label("hour")
        q = (select(hour, t.c.severity, func.count().label("n")).where(and_(True, *self._where(flt)))
             .group_by(hour, t.c.severity).order_by(hour))
        with self.engine.connect() as conn:
            return [dict(r._mapping) for r in conn.execute(q)]

    # -- optional tables (monitor migrations) --------------------------------------------------
    def table_names(self) -> list[str]:
        """Tables present in the store (so optional ones can be detected)."""
        return sorted(inspect(self.engine).get_table_names())

    def has_table(self, name: str) -> bool:
        return inspect(self.engine).has_table(name)

    def _reflect(self, name: str) -> Table:
        return Table(name, MetaData(), autoload_with=self.engine)

    def table_count(self, name: str) -> int:
        """Rows in an optional table; 0 when the table does not exist."""
        if not self.has_table(name):
            return 0
        with self.engine.connect() as conn:
            return int(conn.execute(select(func.count()).select_from(self._reflect(name))).scalar_one())

    def table_rows(self, name: str, limit: int = 200,
                   time_columns: Sequence[str] = ("created_at", "fired_at", "ts", "time",
                                                  "window_start", "updated_at")) -> list[dict[str, Any]]:
        """The newest `limit` rows of an optional table ([] when absent), newest first if it has
        a time column."""
        if not self.has_table(name):
            return []
        t = self._reflect(name)
        q = select(t)
        order = next((c for c in time_columns if c in t.c), None)
        if order:
            q = q.order_by(t.c[order].desc())
        q = q.limit(max(1, int(limit)))
        with self.engine.connect() as conn:
            return [dict(r._mapping) for r in conn.execute(q)]
