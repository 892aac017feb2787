"""Collect what a report shows (run, metrics, findings, diff) from the store, read-only."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from audit.errors import StoreError, UsageError
from audit.report.diff import RunDiff, diff_metrics
from audit.report.gate import Rule
from audit.report.verdict import Verdict, load_verdict
from audit.store.reads import FindingFilter, StoreReads
from audit.types import SEVERITIES, Finding, Metric, Run, utcnow

__all__ = ["ReportData", "build_report", "previous_run", "resolve_run"]


@dataclass
class ReportData:
    """Everything one report renders; `to_dict()` is the JSON report."""

    run: Run
    metrics: list[Metric]
    findings: list[Finding]
    n_findings: int
    severity_counts: dict[str, int]
    suite_counts: dict[str, int]
    compare: Run | None = None
    compare_metrics: list[Metric] = field(default_factory=list)
    compare_reason: str = ""
    diff: RunDiff | None = None
    generated_at: datetime = field(default_factory=utcnow)
    max_findings: int = 200
    verdict: Verdict | None = None
    items: dict[str, Any] | None = None  # item-level compare with `compare` (audit.report.items)

    def to_dict(self) -> dict[str, Any]:
        return {
            "report": {"generated_at": self.generated_at.isoformat(), "format_version": 1,
                       "findings_shown": len(self.findings), "findings_total": self.n_findings},
            "verdict": self.verdict.to_dict() if self.verdict else None,
            "run": self.run.to_dict(),
            "metrics": [m.to_dict() for m in self.metrics],
            "severity_counts": self.severity_counts,
            "suite_counts": self.suite_counts,
            "findings": [f.to_dict() for f in self.findings],
            "compare": ({"run": self.compare.to_dict(), "reason": self.compare_reason}
                        if self.compare else None),
            "diff": self.diff.to_dict() if self.diff else None,
            "item_compare": self.items,
        }


def resolve_run(store: Any, run_id: str | None, latest: bool) -> Run:
    """The run named by `--run ID` or `--latest` (exactly one of them)."""
    if bool(run_id) == bool(latest):
        raise UsageError("give exactly one of --run ID and --latest",
                         "e.g. assay report --latest --out report.html")
    if run_id:
        return store.get_run(run_id)
    run = store.latest_run()
    if run is None:
        raise StoreError(f"no runs in {store.display_url}", "create one with `assay audit`")
    return run


def previous_run(store: Any, run: Run) -> Run | None:
    """The latest earlier run of the same model (same weights hash) that shares a suite with it.

    A PII-only run between two bias audits is no baseline for either: diffing runs with no
    suite in common lists every metric as added or removed.
    """
    sha = run.model.get("sha256") or None
    if not sha:
        return None
    suites = set(run.suites)
    for other in store.runs(model_sha256=sha):  # newest first
        if other.started_at < run.started_at and suites & set(other.suites):
            return other
    return None


def build_report(store: Any, run: Run, compare_id: str | None = None,
                 max_findings: int = 200, rules: list[Rule] | None = None) -> ReportData:
    """Read the run, its metrics, its most severe findings and the diff to compare/previous."""
    reads = StoreReads(store)
    metrics = store.metrics(run.run_id)
    flt = FindingFilter(run_id=run.run_id)
    sev = {r["severity"]: r["n"] for r in reads.counts_by(flt, "severity")}
    severity_counts = {s: sev.get(s, 0) for s in reversed(SEVERITIES) if sev.get(s)}
    suite_counts = {r["suite"]: r["n"] for r in reads.counts_by(flt, "suite")}
    findings = reads.page(flt, limit=max_findings, order="severity") if max_findings else []
    data = ReportData(run=run, metrics=metrics, findings=findings,
                      n_findings=sum(sev.values()), severity_counts=severity_counts,
                      suite_counts=suite_counts, max_findings=max_findings,
                      verdict=load_verdict(store, run, rules or []))
    if compare_id:
        other, reason = store.get_run(compare_id), "chosen with --compare"
    else:
        other, reason = previous_run(store, run), "previous run of the same model and suites"
    if other is not None and other.run_id != run.run_id:
        data.compare, data.compare_reason = other, reason
        data.compare_metrics = store.metrics(other.run_id)
        data.diff = diff_metrics(other.run_id, data.compare_metrics, run.run_id, metrics)
        from audit.report.items import item_compare

        data.items = item_compare(store, other.run_id, run.run_id)
    return data
