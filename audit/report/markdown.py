"""Markdown report (for pull requests and wikis): the same content as HTML, tables instead of charts."""

from __future__ import annotations

from audit.report._format import fmt, fmt_ci, fmt_delta, metrics_by_suite, short_details
from audit.report.attribution import attributions_of
from audit.report.build import ReportData

__all__ = ["render_markdown"]


def _cell(text: str) -> str:
    return str(text).replace("|", "\\|").replace("\n", " ")


def _table(head: list[str], rows: list[list[str]]) -> list[str]:
    out = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    out += ["| " + " | ".join(_cell(c) for c in r) + " |" for r in rows]
    return out + [""]


def _verdict(data: ReportData) -> list[str]:
    v = data.verdict
    if v is None:
        return []
    out = [f"## Verdict: **{v.status.upper()}** ({v.count('fail')} fail, {v.count('warn')} warn, "
           f"{v.count('pass')} pass)", ""]
    if v.items:
        out += _table(["", "what", "value", "95% CI", "n", "rule"],
                      [[f"**{i.status.upper()}**", f"`{i.title}`", fmt(i.value),
                        fmt_ci(*i.ci) if i.ci else "—", "—" if i.n is None else str(i.n), i.rule]
                       for i in v.items])
    return out


def render_markdown(data: ReportData) -> str:
    """The whole report as GitHub-flavoured Markdown."""
    run, m = data.run, data.run.model
    lines = [f"# Assay report: {m.get('name', '')} — run `{run.run_id}`", "",
             f"Generated {data.generated_at:%Y-%m-%d %H:%M:%S} UTC.", ""]
    lines += _verdict(data)
    lines += ["## Provenance", ""]
    prov = [["run", f"`{run.run_id}` ({run.status}), {run.started_at:%Y-%m-%d %H:%M:%S} UTC on "
             f"{run.host}"],
            ["model", f"{m.get('name', '')} `{m.get('path', '')}`"],
            ["model sha256", f"`{m.get('sha256', '')}`"],
            ["dtype / device", f"{m.get('dtype', '')} / {m.get('device', '')}"],
            ["suites", ", ".join(run.suites)], ["seed", str(run.seed)],
            ["config hash", f"`{run.config_hash}`"]]
    prov += [[f"data: {k}", f"`{d.get('path', '')}` sha256 `{d.get('sha256', '')}`"]
             for k, d in sorted(run.data.items())]
    prov.append(["versions", ", ".join(f"{k} {v}" for k, v in sorted(run.versions.items()))])
    lines += _table(["", ""], prov)
    lines += ["## Metrics", "", "Every value with its sample size n and 95% confidence interval.", ""]
    for suite, ms in metrics_by_suite(data.metrics).items():
        lines += [f"### {suite}", ""]
        lines += _table(["metric", "value", "95% CI", "n"],
                        [[x.key, fmt(x.value), fmt_ci(x.ci_low, x.ci_high), str(x.n)] for x in ms])
    if data.diff is None:
        lines += ["## Change since the previous run", "",
                  "No earlier run of this model (same weights hash) is in the store.", ""]
    else:
        d = data.diff
        lines += [f"## Change since {data.compare_reason}", "",
                  f"Compared with run `{d.run_a}`: {len(d.moved)} of {len(d.changes)} metrics "
                  f"moved, {len(d.significant)} beyond their CIs ({d.rule}).", ""]
        lines += _table(["metric", "before", "after", "Δ", "before CI", "after CI", "significant"],
                        [[c.full_key, fmt(c.a), fmt(c.b), fmt_delta(c.delta), fmt_ci(*c.a_ci),
                          fmt_ci(*c.b_ci), "**yes**" if c.significant else
                          ("no" if c.significant is False else c.status)] for c in d.changes])
    lines += ["## Findings", "", f"{data.n_findings} findings "
              f"({', '.join(f'{k}: {v}' for k, v in data.severity_counts.items()) or 'none'})"
              + (f"; the {len(data.findings)} most severe:" if data.findings else "."), ""]
    for f in data.findings:
        lines.append(f"- **{f.severity}** {f.suite}/{f.probe} case `{f.case_id}`"
                     + (f" (group {f.group})" if f.group else "") + f": {_cell(f.evidence)}")
        for k, v in short_details(f.details, 4):
            lines.append(f"  - {k}: {_cell(v)}")
        for a in attributions_of(f.attribution):
            why = f" why `{a.target}`" + (f" rather than `{a.foil}`" if a.foil else "") \
                if a.target is not None else ""
            top = ", ".join(f"`{t.strip() or t}` {s:+.3g}" for t, s in a.top(5))
            lines.append(f"  - attribution ({a.method}){why}: {top}")
    return "\n".join(lines) + "\n"
