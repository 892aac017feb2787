"""Inline SVG charts for self-contained reports (no scripts, no external resources)."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from html import escape

__all__ = ["IntervalRow", "bar_chart", "interval_chart"]

SEVERITY_COLOURS = {"critical": "#7f0000", "high": "#d62728", "medium": "#ff7f0e",
                    "low": "#bcbd22", "info": "#7f7f7f"}


@dataclass(frozen=True)
class IntervalRow:
    """One labelled point with an optional 95% interval (and an optional earlier value)."""

    label: str
    value: float | None
    low: float | None = None
    high: float | None = None
    previous: float | None = None


def _ok(v: float | None) -> bool:
    return v is not None and math.isfinite(v)


def _ticks(lo: float, hi: float, k: int = 5) -> list[float]:
    if hi <= lo:
        return [lo]
    raw = (hi - lo) / k
    mag = 10 ** math.floor(math.log10(raw))
    step = next(s * mag for s in (1, 2, 2.5, 5, 10) if s * mag >= raw)
    start = math.ceil(lo / step) * step
    return [round(start + i * step, 10) for i in range(int((hi - start) / step) + 1)]


def interval_chart(title: str, rows: Sequence[IntervalRow], width: int = 640,
                   reference: float | None = None, note: str = "") -> str:
    """A forest plot: each row's value as a dot with its CI as a bar (hollow dot = previous).

    With a `reference` (0.5 for preference rates, 0.8 for the four-fifths rule, 0 for gaps) a
    dashed line marks it, and rows whose interval excludes it are drawn red. `note` is a second,
    smaller title line (the legend), so a long title is not cut at the chart's edge.
    """
    vals = [v for r in rows for v in (r.value, r.low, r.high, r.previous) if _ok(v)]
    if vals and reference is not None:
        vals.append(reference)
    if not vals:
        return ""
    lo, hi = min(vals), max(vals)
    pad = (hi - lo) * 0.08 or max(abs(hi) * 0.1, 0.05)
    lo, hi = lo - pad, hi + pad
    left, right, top, row_h = 190, 20, 28 + (16 if note else 0), 22
    plot_w = width - left - right
    height = top + row_h * len(rows) + 30

    def x(v: float) -> float:
        return left + (v - lo) / (hi - lo) * plot_w

    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" role="img" width="{width}" '
             f'height="{height}" viewBox="0 0 {width} {height}" class="chart">',
             f'<title>{escape(title)}</title>',
             f'<text x="4" y="16" font-size="13" font-weight="bold">{escape(title)}</text>']
    if note:
        parts.append(f'<text x="4" y="32" font-size="11" fill="#555">{escape(note)}</text>')
    axis_y = top + row_h * len(rows) + 4
    for t in _ticks(lo, hi):
        tx = x(t)
        parts.append(f'<line x1="{tx:.1f}" y1="{top - 4}" x2="{tx:.1f}" y2="{axis_y}" '
                     f'stroke="#e5e5e5"/>')
        parts.append(f'<text x="{tx:.1f}" y="{axis_y + 14}" font-size="10" '
                     f'text-anchor="middle">{t:g}</text>')
    if reference is not None:
        rx = x(reference)
        parts.append(f'<line x1="{rx:.1f}" y1="{top - 6}" x2="{rx:.1f}" y2="{axis_y}" '
                     f'stroke="#444" stroke-dasharray="4 3" class="reference">'
                     f'<title>reference {reference:g}</title></line>')
    for i, r in enumerate(rows):
        cy = top + row_h * i + row_h / 2
        colour = ("#d62728" if reference is not None and _ok(r.low) and _ok(r.high)
                  and (r.low > reference or r.high < reference) else "#1f77b4")
        parts.append(f'<text x="{left - 8}" y="{cy + 4:.1f}" font-size="11" '
                     f'text-anchor="end">{escape(r.label[:32])}</text>')
        if _ok(r.low) and _ok(r.high):
            parts.append(f'<line x1="{x(r.low):.1f}" y1="{cy:.1f}" x2="{x(r.high):.1f}" '
                         f'y2="{cy:.1f}" stroke="{colour}" stroke-width="2"/>')
            for end in (r.low, r.high):
                parts.append(f'<line x1="{x(end):.1f}" y1="{cy - 5:.1f}" x2="{x(end):.1f}" '
                             f'y2="{cy + 5:.1f}" stroke="{colour}" stroke-width="2"/>')
        if _ok(r.previous):
            parts.append(f'<circle cx="{x(r.previous):.1f}" cy="{cy:.1f}" r="4.5" fill="none" '
                         f'stroke="#555" stroke-width="1.5"><title>previous {r.previous:.4g}'
                         f'</title></circle>')
        if _ok(r.value):
            ci = f" [{r.low:.4g}, {r.high:.4g}]" if _ok(r.low) and _ok(r.high) else ""
            parts.append(f'<circle cx="{x(r.value):.1f}" cy="{cy:.1f}" r="4" fill="{colour}">'
                         f'<title>{escape(r.label)} = {r.value:.4g}{ci}</title></circle>')
    parts.append("</svg>")
    return "".join(parts)


def bar_chart(title: str, counts: Sequence[tuple[str, int]], width: int = 640) -> str:
    """Horizontal bars with counts (severity colours when the labels are severities)."""
    if not counts:
        return ""
    left, right, top, row_h = 120, 60, 28, 20
    biggest = max(n for _, n in counts) or 1
    height = top + row_h * len(counts) + 8
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" role="img" width="{width}" '
             f'height="{height}" viewBox="0 0 {width} {height}" class="chart">',
             f'<title>{escape(title)}</title>',
             f'<text x="4" y="16" font-size="13" font-weight="bold">{escape(title)}</text>']
    for i, (label, n) in enumerate(counts):
        y = top + row_h * i
        w = (width - left - right) * n / biggest
        colour = SEVERITY_COLOURS.get(label, "#1f77b4")
        parts.append(f'<text x="{left - 8}" y="{y + 14}" font-size="11" '
                     f'text-anchor="end">{escape(label[:20])}</text>')
        parts.append(f'<rect x="{left}" y="{y + 3}" width="{w:.1f}" height="{row_h - 6}" '
                     f'fill="{colour}"/>')
        parts.append(f'<text x="{left + w + 4:.1f}" y="{y + 14}" font-size="11">{n}</text>')
    parts.append("</svg>")
    return "".join(parts)
