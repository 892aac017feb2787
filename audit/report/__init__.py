"""Reports (HTML / Markdown / JSON), run diffs and threshold gates over the store (read-only)."""

from __future__ import annotations

import json
import os
import tempfile
from pathlib import Path

from audit.errors import UsageError
from audit.report.build import ReportData, build_report, previous_run, resolve_run
from audit.report.diff import SIGNIFICANCE_RULE, MetricChange, RunDiff, diff_metrics
from audit.report.gate import GateResult, Rule, evaluate_rules, parse_rule
from audit.types import canonical_json

__all__ = ["FORMATS", "GateResult", "MetricChange", "ReportData", "Rule", "RunDiff",
           "SIGNIFICANCE_RULE", "build_report", "diff_metrics", "evaluate_rules", "parse_rule",
           "previous_run", "render", "resolve_run", "write_report"]

FORMATS = ("html", "md", "json")


def render(data: ReportData, fmt: str) -> str:
    """The report as text in `fmt` (html, md or json)."""
    if fmt == "html":
        from audit.report.html import render_html

        return render_html(data)
    if fmt == "md":
        from audit.report.markdown import render_markdown

        return render_markdown(data)
    if fmt == "json":
        return json.dumps(json.loads(canonical_json(data.to_dict())), indent=2,
                          ensure_ascii=False) + "\n"
    raise UsageError(f"report format {fmt!r} is not supported", f"use one of {', '.join(FORMATS)}")


def write_report(data: ReportData, fmt: str, out: Path) -> Path:
    """Render and write atomically (temp file + rename), so a reader never sees half a report."""
    text = render(data, fmt)
    out = Path(out)
    if not out.parent.is_dir():
        raise UsageError(f"output directory {out.parent} does not exist", "create it first")
    fd, tmp = tempfile.mkstemp(dir=out.parent, prefix=f".{out.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            fh.write(text)
        os.replace(tmp, out)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return out
