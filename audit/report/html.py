"""Self-contained HTML report: inline CSS and SVG, no scripts, no external requests."""

from __future__ import annotations

from html import escape
from typing import Any

from audit.report._format import fmt, fmt_ci, fmt_delta, metric_groups, metrics_by_suite, short_details
from audit.report.attribution import attributions_of, colour_for
from audit.report.build import ReportData
from audit.report.items import items_html
from audit.report.svg import IntervalRow, bar_chart, interval_chart
from audit.report.verdict import Verdict, reference_for
from audit.types import Finding

__all__ = ["render_html", "attribution_html"]

_CSS = """
body{font-family:system-ui,-apple-system,Segoe UI,Roboto,sans-serif;margin:2rem auto;max-width:1000px;
color:#222;line-height:1.4;padding:0 1rem}
h1{font-size:1.6rem}h2{border-bottom:1px solid #ddd;padding-bottom:.2rem;margin-top:2rem}
table{border-collapse:collapse;margin:.5rem 0 1rem;font-size:.9rem}
td,th{border:1px solid #ddd;padding:.25rem .5rem;text-align:left;vertical-align:top}
th{background:#f5f5f5}td.num{text-align:right;font-variant-numeric:tabular-nums}
.sev{padding:0 .4rem;border-radius:3px;color:#fff;font-size:.8rem}
.sev-critical{background:#7f0000}.sev-high{background:#d62728}.sev-medium{background:#ff7f0e}
.sev-low{background:#bcbd22}.sev-info{background:#7f7f7f}
.finding{border:1px solid #ddd;border-radius:4px;padding:.5rem .75rem;margin:.5rem 0}
.tokens span{padding:1px 2px;margin:0 1px;border-radius:2px;white-space:pre-wrap}
.muted{color:#666;font-size:.85rem}.sig{font-weight:bold;color:#b00}
code{background:#f3f3f3;padding:0 .2rem}
.tiles{display:flex;gap:.5rem;flex-wrap:wrap;margin:.5rem 0}
.tile{border-radius:6px;padding:.5rem .9rem;color:#fff;min-width:7rem}
.tile b{font-size:1.4rem;display:block}
.st-zero{background:#b5b5b5}.st-pass{background:#2ca02c}.st-warn{background:#e6a700}.st-fail{background:#d62728}
.badge{padding:0 .4rem;border-radius:3px;color:#fff;font-size:.8rem;font-weight:bold}
"""


def _table(head: list[str], rows: list[list[str]], num: set[int] = frozenset()) -> str:
    h = "".join(f"<th>{escape(c)}</th>" for c in head)
    body = "".join("<tr>" + "".join(
        f'<td class="num">{c}</td>' if i in num else f"<td>{c}</td>" for i, c in enumerate(r))
        + "</tr>" for r in rows)
    return f"<table><thead><tr>{h}</tr></thead><tbody>{body}</tbody></table>"


def attribution_html(attribution: Any) -> str:
    """Token heat map(s) for a finding's attribution (red: towards target, blue: towards foil)."""
    parts = []
    for a in attributions_of(attribution):
        scale = a.scale
        spans = "".join(
            f'<span style="background:{colour_for(s, scale)}" title="{s:.3g}">{escape(t)}</span>'
            for t, s in zip(a.tokens, a.scores))
        contrast = ""
        if a.target is not None:
            contrast = f" — why <code>{escape(str(a.target))}</code>"
            if a.foil is not None:
                contrast += f" rather than <code>{escape(str(a.foil))}</code>"
        top = ", ".join(f"{escape(t.strip() or t)} ({s:+.3g})" for t, s in a.top(5))
        parts.append(f'<div class="attr"><div class="muted">attribution '
                     f'{escape(a.method or "?")}{contrast}</div><div class="tokens">{spans}</div>'
                     f'<div class="muted">strongest: {top}</div></div>')
    return "".join(parts)


def _provenance(data: ReportData) -> str:
    run, m = data.run, data.run.model
    rows = [["run", f"<code>{escape(run.run_id)}</code> ({escape(run.status)})"],
            ["started / ended (UTC)", escape(f"{run.started_at:%Y-%m-%d %H:%M:%S} / "
                                             f"{run.ended_at:%Y-%m-%d %H:%M:%S}" if run.ended_at
                                             else f"{run.started_at:%Y-%m-%d %H:%M:%S} / —")],
            ["host", escape(run.host)],
            ["model", escape(f"{m.get('name', '')} ({m.get('backend', '')}, "
                             f"{m.get('architecture', '')}, {m.get('n_params', 0):,} params)")],
            ["model path", f"<code>{escape(str(m.get('path', '')))}</code>"],
            ["model sha256", f"<code>{escape(str(m.get('sha256', '')))}</code>"],
            ["dtype / device", escape(f"{m.get('dtype', '')} / {m.get('device', '')}")],
            ["suites", escape(", ".join(run.suites))],
            ["seed", str(run.seed)],
            ["config hash", f"<code>{escape(run.config_hash)}</code>"]]
    for name, d in sorted(run.data.items()):
        rows.append([f"data: {escape(name)}", f"<code>{escape(d.get('path', ''))}</code><br>"
                     f"sha256 <code>{escape(d.get('sha256', ''))}</code>"])
    versions = ", ".join(f"{escape(k)} {escape(str(v))}" for k, v in sorted(run.versions.items()))
    rows.append(["versions", versions or "—"])
    timings = ", ".join(f"{escape(k)} {v:.1f}s" for k, v in run.timings.items()
                        if isinstance(v, int | float))
    rows.append(["timings", timings or "—"])
    return "<h2>Provenance</h2>" + _table(["", ""], rows)


def _anchor(suite: str) -> str:
    return "suite-" + "".join(c if c.isalnum() or c in "-_" else "-" for c in suite)


def _verdict(v: Verdict | None) -> str:
    """The opening section: coloured pass/warn/fail tiles, then one row per judged item."""
    if v is None:
        return ""
    tiles = "".join(f'<div class="tile st-{s if v.count(s) else "zero"}"><b>{v.count(s)}</b>{s}</div>'
                    for s in ("fail", "warn", "pass"))
    rows = []
    for i in v.items:
        where = (f'<a href="#{_anchor(i.suite)}">evidence</a>' if i.suite and i.kind != "alert"
                 else "")
        rows.append([f'<span class="badge st-{i.status}">{i.status.upper()}</span>',
                     f"<code>{escape(i.title)}</code>", fmt(i.value),
                     fmt_ci(*i.ci) if i.ci else "—", "—" if i.n is None else str(i.n),
                     escape(i.rule), where])
    body = (_table(["", "what", "value", "95% CI", "n", "rule", ""], rows, {2, 3, 4}) if rows
            else "<p>Nothing to judge: this run has no metric with a reference line, gap test "
                 "or gate rule.</p>")
    return (f'<h2 id="verdict">Verdict: <span class="badge st-{v.status}">{v.status.upper()}'
            f"</span></h2><div class='tiles'>{tiles}</div>" + body
            + "<p class='muted'>fail: a gate rule is violated, a group gap is significant after "
              "Holm correction, a four-fifths ratio is below 0.8, or a production alert is high; "
              "warn: an interval excludes its no-preference line, or PII appeared in outputs.</p>")


def _metrics(data: ReportData) -> str:
    prev = {(m.suite, m.key): m.value for m in data.compare_metrics}
    out = ["<h2>Metrics</h2><p class='muted'>Every value with its sample size n and 95% "
           "confidence interval.</p>"]
    if not data.metrics:
        out.append("<p>This run has no metrics.</p>")
    for suite, ms in metrics_by_suite(data.metrics).items():
        out.append(f'<h3 id="{_anchor(suite)}">{escape(suite)}</h3>')
        rows = []
        for m in ms:
            warn = m.details.get("warning") or ""
            rows.append([escape(m.key), fmt(m.value), fmt_ci(m.ci_low, m.ci_high), str(m.n),
                         escape(str(m.details.get("definition", ""))) +
                         (f" <span class='muted'>⚠ {escape(str(warn))}</span>" if warn else "")])
        out.append(_table(["metric", "value", "95% CI", "n", "definition"], rows, {1, 2, 3}))
        for name, group in metric_groups(ms).items():
            ref = reference_for(name, group[0].details)
            # overall first, then groups by effect size: distance from the reference line
            group = sorted(group, key=lambda m: (m.group is not None, -_effect(m, ref)))
            rows_ = [IntervalRow(label=m.group or "overall", value=m.value, low=m.ci_low,
                                 high=m.ci_high, previous=prev.get((suite, m.key)))
                     for m in group]
            if len(rows_) > 1 or data.compare_metrics or ref is not None:
                note = f"; dashed = {ref:g}, red = interval excludes it" if ref is not None else ""
                out.append(interval_chart(f"{suite}.{name}", rows_, reference=ref,
                                          note=f"dot = value, bar = 95% CI, hollow = compared "
                                               f"run{note}"))
    return "".join(out)


def _effect(m: Any, ref: float | None) -> float:
    import math

    if m.value is None or not math.isfinite(m.value):
        return -1.0
    return abs(m.value - (ref if ref is not None else 0.0))


def _diff(data: ReportData) -> str:
    if data.diff is None:
        return ("<h2>Change since the previous run</h2><p>No earlier run of this model "
                "(same weights hash) is in the store.</p>")
    d, c = data.diff, data.compare
    head = (f"<h2>Change since {escape(data.compare_reason)}</h2><p>Compared with run "
            f"<code>{escape(c.run_id)}</code> of {c.started_at:%Y-%m-%d %H:%M} UTC. "
            f"{len(d.moved)} of {len(d.changes)} metrics moved; {len(d.significant)} beyond their "
            f"CIs (rule: {escape(d.rule)}).</p>")
    rows = [[escape(ch.full_key), fmt(ch.a), fmt(ch.b), fmt_delta(ch.delta),
             fmt_ci(*ch.a_ci), fmt_ci(*ch.b_ci),
             "<span class='sig'>yes</span>" if ch.significant else
             ("no" if ch.significant is False else escape(ch.status))]
            for ch in d.changes]
    return head + _table(["metric", "before", "after", "Δ", "before CI", "after CI",
                          "significant"], rows, {1, 2, 3})


def _finding(f: Finding) -> str:
    details = "".join(f"<li><b>{escape(k)}</b>: {escape(v)}</li>" for k, v in
                      short_details(f.details))
    return (f'<div class="finding"><span class="sev sev-{escape(f.severity)}">'
            f"{escape(f.severity)}</span> <b>{escape(f.suite)}</b> / {escape(f.probe)} / "
            f"case <code>{escape(f.case_id)}</code>"
            + (f" / group <b>{escape(f.group)}</b>" if f.group else "")
            + f"<p>{escape(f.evidence)}</p>"
            + (f"<ul class='muted'>{details}</ul>" if details else "")
            + attribution_html(f.attribution) + "</div>")


def _findings(data: ReportData) -> str:
    out = [f"<h2>Findings</h2><p>{data.n_findings} findings in this run"]
    if data.n_findings > len(data.findings):
        out.append(f"; the {len(data.findings)} most severe are shown (all of them: "
                   f"<code>assay findings --run {escape(data.run.run_id)}</code>)")
    out.append(".</p>")
    out.append(bar_chart("findings by severity", list(data.severity_counts.items())))
    if data.suite_counts:
        out.append(bar_chart("findings by suite", list(data.suite_counts.items())))
    out.extend(_finding(f) for f in data.findings)
    return "".join(out)


def render_html(data: ReportData) -> str:
    """The whole report as one HTML document."""
    run = data.run
    title = f"Assay report: {run.model.get('name', '')} — run {run.run_id}"
    return ("<!DOCTYPE html><html lang='en'><head><meta charset='utf-8'>"
            "<meta http-equiv='Content-Security-Policy' content=\"default-src 'none'; "
            "style-src 'unsafe-inline'; img-src data:\">"
            f"<title>{escape(title)}</title><style>{_CSS}</style></head><body>"
            f"<h1>{escape(title)}</h1><p class='muted'>Generated "
            f"{data.generated_at:%Y-%m-%d %H:%M:%S} UTC by Assay from the store; "
            "self-contained (no external resources).</p>"
            + _verdict(data.verdict) + _metrics(data) + _diff(data) + items_html(data.items)
            + _findings(data)
            + _provenance(data)
            + "</body></html>")
