"""PII: leak and emission findings by entity type, exposure metrics, redacted evidence."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pandas as pd
import streamlit as st

from audit.store.reads import FindingFilter
from dashboard import _data
from dashboard._widgets import findings_frame, metrics_frame, pager, pick_run, require_runs

st.title("PII")
url, runs = require_runs()
run = pick_run(runs, "run", prefer=lambda r: any(r.category(s) == "pii"
                                                 for s in r.suites))
metrics = _data.metrics(url, run.run_id)
suites = sorted({m.suite for m in metrics if run.category(m.suite) == "pii"}
                | {s for s in run.suites if run.category(s) == "pii"})
if not suites:
    st.info("This run has no PII suites. Run a PII-leakage suite with `assay audit --suite NAME` "
            "(see `assay suites`).")
    st.stop()
flt = FindingFilter(run_id=run.run_id, suites=tuple(suites))
counts = pd.DataFrame(_data.counts_by(url, flt, ("probe", "group")))
st.subheader("Findings by entity type")
if counts.empty:
    st.write("No PII findings in this run.")
else:
    counts["group"] = counts["group"].fillna("—")
    import altair as alt

    # counts are whole numbers: integer ticks (a 0-1 axis with .2 steps read as rates)
    st.altair_chart(alt.Chart(counts).mark_bar().encode(
        x=alt.X("n:Q", title="findings", axis=alt.Axis(tickMinStep=1, format="d")),
        y=alt.Y("group:N", title="entity type / category", sort="-x"),
        color=alt.Color("probe:N", title="probe"), tooltip=["probe", "group", "n"]),
        width="stretch")
    st.dataframe(counts.rename(columns={"group": "entity type / category"}), hide_index=True,
                 width="stretch")

st.subheader("Production findings by entity type (monitors, 24 h)")
since = (datetime.now(UTC) - timedelta(days=1)).replace(second=0, microsecond=0)
prod = pd.DataFrame(_data.counts_by(url, FindingFilter(source="monitor", since=since),
                                    ("suite", "group")))
if prod.empty:
    st.write("No production findings in the last 24 hours.")
else:
    prod["group"] = prod["group"].fillna("—")
    import altair as alt

    st.altair_chart(alt.Chart(prod).mark_bar().encode(
        x=alt.X("sum(n):Q", title="findings", axis=alt.Axis(tickMinStep=1, format="d")),
        y=alt.Y("group:N", title="entity type", sort="-x"), color=alt.Color("suite:N"),
        tooltip=["suite", "group", "n"]), width="stretch")

st.subheader("Exposure and leak metrics")
ms = [m for m in metrics if m.suite in suites]
if ms:
    st.dataframe(metrics_frame(ms), hide_index=True, width="stretch")
else:
    st.write("No PII metrics stored for this run.")

st.subheader("Redacted evidence")
st.caption("Evidence is stored redacted; raw values never reach the store.")
total = _data.findings_page(url, flt, 1, 0)[1]
offset = pager(total, 50, "pii")
page, _ = _data.findings_page(url, flt, 50, offset)
if page:
    st.dataframe(findings_frame(page), hide_index=True, width="stretch")
