"""Overview: the verdict first (tiles, judged items, per-group bars), then runs and counts."""

from __future__ import annotations

from datetime import UTC, datetime

import pandas as pd
import streamlit as st

from audit.errors import UsageError
from audit.report._format import fmt
from audit.report.gate import evaluate_rules, parse_rule
from audit.report.verdict import build_verdict
from audit.store.reads import FindingFilter
from audit.types import SEVERITIES
from dashboard import _data
from dashboard._verdict import group_bars, verdict_frame, verdict_tiles
from dashboard._widgets import pager, pick_run, require_runs

st.title("Overview")
url, runs = require_runs()
cfg = _data.config()

with st.expander("Gate rules", expanded=bool(cfg.gate_rules)):
    rules_text = st.text_area("Gate rules (one per line, e.g. crows_pairs.pct_stereotype<=0.60)",
                              value="\n".join(cfg.gate_rules), key="gate_rules", height=80)
rules, rule_error = [], ""
try:
    rules = [parse_rule(line) for line in rules_text.splitlines() if line.strip()]
except UsageError as exc:
    rule_error = exc.one_line()
if rule_error:
    st.error(rule_error)

run = pick_run(runs, "run", "Verdict for run")
metrics = _data.metrics(url, run.run_id)
live = _data.live_counts(url, datetime.now(UTC).strftime("%Y-%m-%d %H:%M"))
alerts = _data.recent_alerts(url)
verdict = build_verdict(run.run_id, metrics, rules, {s: run.category(s) for s in run.suites},
                        alerts)
verdict_tiles(verdict)
if verdict.items:
    frame = verdict_frame(verdict)
    colours = {"FAIL": "background-color:#f8d0d0", "WARN": "background-color:#fbe9b7",
               "PASS": "background-color:#d5f0d5"}
    st.dataframe(frame.style.map(lambda s: colours.get(s, ""), subset=["status"]),
                 hide_index=True, width="stretch")
else:
    st.info("Nothing to judge in this run: no gate rule, gap test or metric with a reference line.")

# evidence: the page that shows each suite with a fail or warn, on this run
bad = [i for i in verdict.items if i.status != "pass" and i.suite]
cats = {s: run.category(s) for s in sorted({i.suite for i in bad})}
links = st.columns(max(1, min(4, len(cats))))
for col, (suite, cat) in zip(links, sorted(cats.items())):
    col.page_link(f"pages/{'pii' if cat == 'pii' else 'bias'}.py", label=f"Evidence: {suite} →",
                  query_params={"run": run.run_id})

charted: list[tuple[str, str]] = []
for item in verdict.items:  # per-group bars for what the verdict judged, worst first
    key = (item.suite or "", item.title.split(".", 1)[-1].split("[", 1)[0])
    if item.suite and key not in charted and any(
            m.suite == key[0] and m.name == key[1] and m.group for m in metrics):
        charted.append(key)
if charted:
    st.subheader("By group")
    cols = st.columns(2)
    for i, (suite, name) in enumerate(charted[:6]):
        chart = group_bars([m for m in metrics if m.suite == suite], name, f"{suite}.{name}")
        if chart is not None:
            cols[i % 2].altair_chart(chart, width="stretch")
    st.caption("Bars run from the reference line (dashed: 0.5 for preference rates, 0.8 for the "
               "four-fifths rule, 0 for gaps) to the value; black: 95% CI; red: the interval "
               "excludes the reference. Largest effect first.")

st.subheader("Findings")
total_runs = _data.runs_page(url, 1, 0)[1]
sev_audit = {r["severity"]: r["n"] for r in _data.counts_by(url, FindingFilter(source="audit"),
                                                            ("severity",))}
cols = st.columns(2 + len(SEVERITIES))
cols[0].metric("Runs", f"{total_runs:,}")
cols[1].metric("Models", len({r.model.get("sha256") for r in runs}))
for col, sev in zip(cols[2:], reversed(SEVERITIES)):
    col.metric(f"{sev} findings", f"{sev_audit.get(sev, 0):,}", help="audit findings, all runs")
st.caption(f"Production (monitors): {live['5 min']:,} finding{'' if live['5 min'] == 1 else 's'} "
           f"in 5 min, {live['1 h']:,} in 1 h, "
           f"{live['24 h']:,} in 24 h; {len(alerts or []):,} "
           f"alert{'' if len(alerts or []) == 1 else 's'} in 24 h. Audit and production "
           "findings are counted apart.")

st.subheader("Runs")
page_size = 25
offset = pager(total_runs, page_size, "runs")
page, _ = _data.runs_page(url, page_size, offset)
sev = _data.severity_by_run(url, tuple(r.run_id for r in page))


def gate_status(run_id: str) -> str:
    if not rules:
        return "—"
    try:
        result = evaluate_rules(run_id, rules, _data.metrics(url, run_id))
    except UsageError:
        return "n/a (metric missing)"
    if result.passed:
        return "pass"
    first = result.failures[0]
    more = f" (+{len(result.failures) - 1})" if len(result.failures) > 1 else ""
    return (f"FAIL {first.rule.full_key} = {fmt(first.observed)} not {first.rule.op} "
            f"{fmt(first.rule.threshold)}{more}")


rows = []
for r in page:
    counts = sev.get(r.run_id, {})
    rows.append({"started (UTC)": f"{r.started_at:%Y-%m-%d %H:%M}", "run": r.run_id,
                 "model": r.model.get("name", ""), "model sha256": str(r.model.get("sha256", ""))[:12],
                 "suites": ", ".join(r.suites), "status": r.status, "gate": gate_status(r.run_id),
                 **{s: counts.get(s, 0) for s in reversed(SEVERITIES)},
                 "seconds": r.timings.get("total")})
st.dataframe(pd.DataFrame(rows), hide_index=True, width="stretch",
             column_config={"run": st.column_config.TextColumn(width="medium"),
                            "gate": st.column_config.TextColumn(width="large")})
st.caption("Reports for a run: `assay report --run RUN_ID --out report.html`; "
           "CI gates: `assay gate RUN_ID --rule ...`.")
