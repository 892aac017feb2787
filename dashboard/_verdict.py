"""The Overview's first screen: verdict tiles, the judged items with links, per-group bars."""

from __future__ import annotations

import math
from typing import Any

import pandas as pd
import streamlit as st

from audit.report._format import fmt, fmt_ci
from audit.report.verdict import Verdict, reference_for
from audit.types import Metric

__all__ = ["group_bars", "verdict_frame", "verdict_tiles"]

_COLOUR = {"pass": "green", "warn": "orange", "fail": "red"}
_HEX = {"pass": "#2ca02c", "warn": "#e6a700", "fail": "#d62728"}


def verdict_tiles(v: Verdict) -> None:
    """A coloured headline and one tile per status (fail, warn, pass) with its count."""
    st.markdown(f"### Verdict: :{_COLOUR[v.status]}-background[{v.status.upper()}]")
    cols = st.columns(3)
    for col, status in zip(cols, ("fail", "warn", "pass")):
        col.metric(f":{_COLOUR[status]}[{status}]", v.count(status), border=True)


def verdict_frame(v: Verdict) -> pd.DataFrame:
    """One row per judged item, worst first, numbers formatted as the CLI prints them."""
    return pd.DataFrame([{"status": i.status.upper(), "what": i.title, "value": fmt(i.value),
                          "95% CI": fmt_ci(*i.ci) if i.ci else "—",
                          "n": "—" if i.n is None else str(i.n), "rule": i.rule}
                         for i in v.items])


def _significant(m: Metric, ref: float) -> bool:
    return (m.ci_low is not None and m.ci_high is not None
            and (m.ci_low > ref or m.ci_high < ref))


def group_bars(metrics: list[Metric], name: str, title: str) -> Any | None:
    """Altair: one bar per group from the reference line to the value, its 95% CI as a rule,
    red where the interval excludes the reference, the reference itself dashed."""
    import altair as alt

    rows = [m for m in metrics if m.name == name and m.group is not None
            and m.value is not None and math.isfinite(m.value)]
    if not rows:
        return None
    ref = reference_for(name, rows[0].details)
    base_ref = 0.0 if ref is None else ref
    rows.sort(key=lambda m: -abs(m.value - base_ref))  # largest effect first
    df = pd.DataFrame([{"group": m.group, "value": m.value, "ref": base_ref,
                        "ci_low": m.ci_low, "ci_high": m.ci_high, "n": m.n,
                        "significant": "interval excludes reference"
                        if ref is not None and _significant(m, ref) else "consistent"}
                       for m in rows])
    y = alt.Y("group:N", sort=None, title=None, axis=alt.Axis(labelLimit=260))
    colour = alt.Color("significant:N", title=None, legend=alt.Legend(orient="bottom"),
                       scale=alt.Scale(domain=["interval excludes reference", "consistent"],
                                       range=[_HEX["fail"], "#1f77b4"]))
    bars = alt.Chart(df).mark_bar(opacity=0.8).encode(
        y=y, x=alt.X("ref:Q", title=title, scale=alt.Scale(zero=False)), x2="value:Q", color=colour,
        tooltip=["group", alt.Tooltip("value:Q", format=".4g"), alt.Tooltip("ci_low:Q", format=".4g"),
                 alt.Tooltip("ci_high:Q", format=".4g"), "n"])
    ci = alt.Chart(df).mark_rule(strokeWidth=2, color="#333").encode(y=y, x="ci_low:Q", x2="ci_high:Q")
    layers = [bars, ci]
    if ref is not None:  # same data: one dashed line per row, all at the reference
        layers.append(alt.Chart(df).mark_rule(strokeDash=[4, 3], color="#444", size=2)
                      .encode(x="ref:Q"))
    return alt.layer(*layers).properties(height=alt.Step(28), title=title)
