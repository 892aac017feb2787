"""Overview: runs by model and time, suites, gate status, severity counts."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from audit.errors import UsageError
from audit.report.gate import evaluate_rules, parse_rule
from audit.store.reads import FindingFilter
from audit.types import SEVERITIES
from dashboard import _data
from dashboard._widgets import pager, require_runs

st.title("Overview")
url, runs = require_runs()
cfg = _data.config()

total_runs = _data.runs_page(url, 1, 0)[1]
sev_all = {r["severity"]: r["n"] for r in _data.counts_by(url, FindingFilter(), ("severity",))}
cols = st.columns(2 + len(SEVERITIES))
cols[0].metric("Runs", f"{total_runs:,}")
cols[1].metric("Models", len({r.model.get("sha256") for r in runs}))
for col, sev in zip(cols[2:], reversed(SEVERITIES)):
    col.metric(f"{sev} findings", f"{sev_all.get(sev, 0):,}")

rules_text = st.text_area("Gate rules (one per line, e.g. crows_pairs.pct_stereotype<=0.60)",
                          value="\n".join(cfg.gate_rules), key="gate_rules", height=80)
rules, rule_error = [], ""
try:
    rules = [parse_rule(line) for line in rules_text.splitlines() if line.strip()]
except UsageError as exc:
    rule_error = exc.one_line()
if rule_error:
    st.error(rule_error)

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
    return "pass" if result.passed else f"FAIL ({len(result.failures)})"


rows = []
for r in page:
    counts = sev.get(r.run_id, {})
    rows.append({"started (UTC)": f"{r.started_at:%Y-%m-%d %H:%M}", "run": r.run_id,
                 "model": r.model.get("name", ""), "model sha256": str(r.model.get("sha256", ""))[:12],
                 "suites": ", ".join(r.suites), "status": r.status, "gate": gate_status(r.run_id),
                 **{s: counts.get(s, 0) for s in reversed(SEVERITIES)},
                 "seconds": r.timings.get("total")})
st.dataframe(pd.DataFrame(rows), hide_index=True, width="stretch")

if len(runs) > 1:
    import altair as alt

    df = pd.DataFrame([{"started": r.started_at, "model": r.model.get("name", ""),
                        "findings": sum((sev.get(r.run_id) or {}).values())} for r in page])
    st.altair_chart(alt.Chart(df).mark_circle(size=80).encode(
        x=alt.X("started:T", title="started (UTC)"), y=alt.Y("model:N", title=None),
        size="findings:Q", tooltip=["model", "started", "findings"]).properties(height=160),
        width="stretch")
st.caption("Reports for a run: `assay report --run RUN_ID --out report.html`; "
           "CI gates: `assay gate RUN_ID --rule ...`.")
