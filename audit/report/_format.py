"""Number and text formatting shared by the report renderers and the dashboard."""

from __future__ import annotations

import math
from collections import defaultdict
from typing import Any

from audit.types import Metric

__all__ = ["fmt", "fmt_ci", "fmt_delta", "metrics_by_suite", "metric_groups", "short_details"]


def fmt(v: Any) -> str:
    """A number to 4 significant digits; '—' for missing/NaN."""
    if v is None:
        return "—"
    if isinstance(v, bool):
        return str(v)
    if isinstance(v, int):
        return str(v)
    if isinstance(v, float):
        if not math.isfinite(v):
            return "—"
        if abs(v) < 1e-9:  # float noise (2.776e-17 from 0.1 + 0.2 - 0.3): a bound of 0
            return "0"
        return f"{v:.4g}" if abs(v) < 1e5 else f"{v:.3e}"
    return str(v)


def fmt_ci(low: float | None, high: float | None) -> str:
    if low is None or high is None:
        return "—"
    return f"[{fmt(low)}, {fmt(high)}]"


def fmt_delta(v: float | None) -> str:
    return "—" if v is None else f"{v:+.4g}"


def metrics_by_suite(metrics: list[Metric]) -> dict[str, list[Metric]]:
    out: dict[str, list[Metric]] = defaultdict(list)
    for m in metrics:
        out[m.suite].append(m)
    return dict(out)


def metric_groups(metrics: list[Metric]) -> dict[str, list[Metric]]:
    """Metric name -> [overall, group…] (overall first, then groups in name order)."""
    out: dict[str, list[Metric]] = defaultdict(list)
    for m in sorted(metrics, key=lambda m: (m.name, m.group is not None, m.group or "")):
        out[m.name].append(m)
    return dict(out)


def short_details(details: dict[str, Any], limit: int = 6) -> list[tuple[str, str]]:
    """A few scalar detail fields worth showing next to a finding (skip long lists/dicts)."""
    out = []
    for k, v in details.items():
        if k in ("explain", "templates", "per_template"):
            continue
        if isinstance(v, int | float | str | bool) and len(str(v)) <= 160:
            out.append((k, fmt(v) if isinstance(v, float) else str(v)))
        if len(out) >= limit:
            break
    return out
