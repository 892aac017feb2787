"""Bias: per suite, group metrics with 95% CI error bars, gaps, significance, worst cases."""

from __future__ import annotations

import streamlit as st

from audit.report.verdict import reference_for
from audit.store.reads import FindingFilter
from dashboard import _data
from dashboard._widgets import findings_frame, interval_chart, metrics_frame, pager, pick_run, require_runs

st.title("Bias")
url, runs = require_runs()
run = pick_run(runs, "run", prefer=lambda r: any(r.category(s) == "bias"
                                                 for s in r.suites))
metrics = _data.metrics(url, run.run_id)
suites = sorted({m.suite for m in metrics if run.category(m.suite) == "bias"}
                | {s for s in run.suites if run.category(s) == "bias"})
if not suites:
    st.info("This run has no bias suites. Run e.g. `assay audit --suite occupations`.")
    st.stop()
suite = st.selectbox("Suite", suites, key="bias_suite")
ms = [m for m in metrics if m.suite == suite]
if not ms:
    st.warning(f"{suite}: no metrics stored for this run.")
df = metrics_frame(ms)
for name in dict.fromkeys(m.name for m in ms):
    sub = df[df["metric"] == name]
    st.subheader(f"{suite}.{name}")
    definition = next((m.details.get("definition") for m in ms if m.name == name
                       and m.details.get("definition")), None)
    if definition:
        st.caption(definition)
    grouped = sub[sub["group"] != "overall"]
    if len(grouped) > 1:
        details = next((m.details for m in ms if m.name == name), {})
        st.altair_chart(interval_chart(sub, name, reference_for(name, details)),
                        width="stretch")
        g = grouped.dropna(subset=["value"])
        if len(g) > 1:
            hi, lo = g.loc[g["value"].idxmax()], g.loc[g["value"].idxmin()]
            separated = (hi["ci_low"] is not None and lo["ci_high"] is not None
                         and hi["ci_low"] > lo["ci_high"])
            st.markdown(f"**Gap** (max − min group): {hi['value'] - lo['value']:.4g} "
                        f"({hi['group']} vs {lo['group']}); "
                        + ("**significant**: their 95% CIs do not overlap."
                           if separated else "not significant: their 95% CIs overlap."))
    st.dataframe(sub, hide_index=True, width="stretch")

st.subheader("Worst cases")
flt = FindingFilter(run_id=run.run_id, suites=(suite,))
total = _data.findings_page(url, flt, 1, 0)[1]
offset = pager(total, 50, f"bias_{suite}")
page, total = _data.findings_page(url, flt, 50, offset)
if page:
    st.dataframe(findings_frame(page), hide_index=True, width="stretch")
else:
    st.write("No findings for this suite.")
