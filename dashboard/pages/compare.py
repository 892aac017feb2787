"""Compare: two runs side by side; which metrics moved, by how much, beyond their CIs or not."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from audit.report.diff import SIGNIFICANCE_RULE, diff_metrics
from dashboard import _data
from dashboard._widgets import pick_run, require_runs

st.title("Compare")
url, runs = require_runs()
if len(runs) < 2:
    st.info("Comparing needs two runs; this store has one. Run `assay audit` again "
            "(e.g. on a new model version) and come back.")
    st.stop()
left, right = st.columns(2)
with right:
    b = pick_run(runs, "b", "After (run B)", 0)
# the default baseline shares a suite with B (else every metric reads "added"/"removed"):
# the newest earlier run of the same model, then of any model, then just the next run
earlier = [r for r in runs if r.started_at < b.started_at and set(r.suites) & set(b.suites)]
same_model = [r for r in earlier if r.model.get("sha256") == b.model.get("sha256")]
default_a = (runs.index(same_model[0]) if same_model else runs.index(earlier[0]) if earlier
             else min(1, len(runs) - 1))
with left:
    a = pick_run(runs, "a", "Before (run A)", default_a)
if a.run_id == b.run_id:
    st.warning("Pick two different runs.")
    st.stop()
d = diff_metrics(a.run_id, _data.metrics(url, a.run_id), b.run_id, _data.metrics(url, b.run_id))
c1, c2, c3 = st.columns(3)
c1.metric("metrics compared", len(d.changes))
c2.metric("moved", len(d.moved))
c3.metric("beyond their CIs", len(d.significant))
st.caption(f"Rule: {SIGNIFICANCE_RULE} (conservative: overlap does not prove no change).")
rows = [{"metric": c.full_key, "before": c.a, "after": c.b, "delta": c.delta,
         "before CI": f"[{c.a_ci[0]:.4g}, {c.a_ci[1]:.4g}]" if None not in c.a_ci else "—",
         "after CI": f"[{c.b_ci[0]:.4g}, {c.b_ci[1]:.4g}]" if None not in c.b_ci else "—",
         "n before": c.a_n, "n after": c.b_n,
         "significant": "yes" if c.significant else ("no" if c.significant is False else c.status)}
        for c in d.changes]
df = pd.DataFrame(rows)
moved = df[df["delta"].fillna(0) != 0]
if not moved.empty:
    import altair as alt

    st.altair_chart(alt.Chart(moved.head(40)).mark_bar().encode(
        x=alt.X("delta:Q", title="after − before"),
        y=alt.Y("metric:N", sort="-x", title=None, axis=alt.Axis(labelLimit=360)),  # whole keys
        color=alt.Color("significant:N", scale=alt.Scale(domain=["yes", "no"],
                                                         range=["#d62728", "#aaaaaa"])),
        tooltip=["metric", "before", "after", "delta", "significant"]), width="stretch")
st.dataframe(df, hide_index=True, width="stretch")
