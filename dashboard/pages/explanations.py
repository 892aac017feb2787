"""Explanations: a finding's token attributions as a heat map; contrastive target vs foil."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from audit.report.attribution import attributions_of
from audit.report.html import attribution_html
from audit.store.reads import FindingFilter
from dashboard import _data
from dashboard._widgets import pager, pick_run, require_runs

st.title("Explanations")
url, runs = require_runs()
run = pick_run(runs, "run", prefer=lambda r: _data.findings_page(
    url, FindingFilter(run_id=r.run_id, with_attribution=True), 1, 0)[1] > 0)
flt = FindingFilter(run_id=run.run_id, with_attribution=True)
total = _data.findings_page(url, flt, 1, 0)[1]
if not total:
    st.info("No finding in this run carries an attribution. Explainers attach them to flagged "
            "cases during `assay audit` (see the README's explanations section).")
    st.stop()
offset = pager(total, 50, "explain")
page, _ = _data.findings_page(url, flt, 50, offset)
by_id = {f.finding_id: f for f in page}
fid = st.selectbox("Finding", list(by_id), key="explain_finding",
                   format_func=lambda i: f"[{by_id[i].severity}] {by_id[i].suite}: "
                                         f"{by_id[i].evidence[:90]}")
f = by_id[fid]
st.markdown(f"**{f.suite} / {f.probe}**, case `{f.case_id}`"
            + (f", group **{f.group}**" if f.group else "") + f" — {f.evidence}")
attrs = attributions_of(f.attribution)
if not attrs:
    st.warning("This finding's attribution has no token scores to show.")
for a in attrs:
    st.subheader(f"{a.method or 'attribution'}")
    if a.target is not None:
        st.markdown(f"Why **`{a.target}`**" + (f" rather than **`{a.foil}`**" if a.foil else "")
                    + ": red tokens push towards the target, blue towards the foil.")
    st.html(attribution_html({"tokens": a.tokens, "scores": a.scores, "method": a.method,
                              "target": a.target, "foil": a.foil}))
    df = pd.DataFrame({"label": [f"{i}:{t.strip() or repr(t)}" for i, t in enumerate(a.tokens)],
                       "token": a.tokens, "score": a.scores})
    import altair as alt

    st.altair_chart(alt.Chart(df).mark_bar().encode(
        # level labels: upright token labels took most of the chart's height from the bars
        x=alt.X("label:N", sort=None, title="token (position:text)",
                axis=alt.Axis(labelAngle=0, labelLimit=120)),
        y=alt.Y("score:Q", title="attribution"),
        color=alt.condition("datum.score > 0", alt.value("#d62728"), alt.value("#1f77b4")),
        tooltip=["token", alt.Tooltip("score:Q", format=".4g")]).properties(height=180),
        width="stretch")
