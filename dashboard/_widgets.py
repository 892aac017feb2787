"""Small UI pieces shared by the pages: store guard, run picker, pager, charts, tables."""

from __future__ import annotations

import math
from typing import Any

import pandas as pd
import streamlit as st

from audit.types import Finding, Metric, Run
from dashboard import _data

__all__ = ["findings_frame", "interval_chart", "metrics_frame", "pager", "pick_run",
           "require_runs", "run_label"]


def run_label(run: Run) -> str:
    m = run.model
    return (f"{run.started_at:%Y-%m-%d %H:%M} · {m.get('name', '?')} "
            f"({str(m.get('sha256', ''))[:8]}) · {run.run_id[:10]}")


def require_runs() -> tuple[str, list[Run]]:
    """(store URL, newest runs); stops the page with instructions when there are none."""
    cfg = _data.config()
    if _data.load_store(cfg.store_url) is None:
        st.stop()
    runs = _data.all_runs(cfg.store_url)
    if not runs:
        st.info("This store has no runs yet. Create a first one with\n\n"
                f"```\nassay audit --store {cfg.store_url}\n```\n\n"
                "(or `assay audit --suite crows_pairs --data crows_pairs=FILE.csv` for CrowS-Pairs),"
                " then reload this page.")
        st.stop()
    return cfg.store_url, runs


def pick_run(runs: list[Run], key: str, label: str = "Run", index: int = 0,
             prefer: Any = None) -> Run:
    """A run picker (newest first); the choice survives page switches via the query string.

    `prefer(run) -> bool` moves the default to the newest run it accepts, so a page opens on a
    run it has something to show for (the Bias page on the newest bias run, not a PII run).
    """
    ids = [r.run_id for r in runs]
    if prefer is not None:
        index = next((i for i, r in enumerate(runs) if prefer(r)), index)
    chosen = st.query_params.get(key)
    if chosen in ids:
        index = ids.index(chosen)
    by_id = {r.run_id: r for r in runs}
    run_id = st.selectbox(label, ids, index=min(index, len(ids) - 1), key=f"pick_{key}",
                          format_func=lambda i: run_label(by_id[i]))
    return by_id[run_id]


def pager(total: int, page_size: int, key: str) -> int:
    """A page-number input; returns the row offset."""
    pages = max(1, math.ceil(total / page_size))
    if pages == 1:
        return 0
    page = st.number_input(f"Page (of {pages}; {total:,} rows, {page_size} per page)",
                           min_value=1, max_value=pages, value=1, step=1, key=f"page_{key}")
    return (int(page) - 1) * page_size


def _clean(v: float | None) -> float | None:
    """Float noise (2.776e-17 from a bootstrap bound of 0) shown as the 0 it is."""
    return 0.0 if v is not None and math.isfinite(v) and abs(v) < 1e-9 else v


def metrics_frame(metrics: list[Metric]) -> pd.DataFrame:
    return pd.DataFrame([{"suite": m.suite, "metric": m.name, "group": m.group or "overall",
                          "value": _clean(m.value), "ci_low": _clean(m.ci_low),
                          "ci_high": _clean(m.ci_high), "n": m.n,
                          "note": m.details.get("warning", "")} for m in metrics])


def findings_frame(findings: list[Finding]) -> pd.DataFrame:
    return pd.DataFrame([{"severity": f.severity, "suite": f.suite, "probe": f.probe,
                          "group": f.group or "", "case": f.case_id, "evidence": f.evidence,
                          "created (UTC)": f"{f.created_at:%Y-%m-%d %H:%M:%S}",
                          "finding_id": f.finding_id[:12]} for f in findings])


def interval_chart(df: pd.DataFrame, title: str, reference: float | None = None) -> Any:
    """Altair: one point per group with its 95% CI, overall first, then groups by effect size.

    With a `reference` (0.5 no preference, 0.8 four-fifths, 0 no gap) the line is drawn dashed
    and an interval that excludes it is red; without one, groups are ordered by value.
    """
    import altair as alt

    df = df.copy()
    centre = reference if reference is not None else 0.0
    effect = (df["value"].astype(float) - centre).abs()
    df["_order"] = [(-math.inf if g == "overall" else -e) for g, e in zip(df["group"], effect)]
    order = list(df.sort_values("_order", kind="stable")["group"])
    if reference is not None:
        excl = [lo is not None and hi is not None and pd.notna(lo) and pd.notna(hi)
                and (lo > reference or hi < reference)
                for lo, hi in zip(df["ci_low"], df["ci_high"])]
        df["vs reference"] = [f"95% CI excludes {reference:g}" if e else f"consistent with "
                              f"{reference:g}" for e in excl]
        colour = alt.Color("vs reference:N", title=None, legend=alt.Legend(orient="bottom"),
                           scale=alt.Scale(domain=[f"95% CI excludes {reference:g}",
                                                   f"consistent with {reference:g}"],
                                           range=["#d62728", "#4c78a8"]))
    else:
        colour = alt.value("#4c78a8")
    base = alt.Chart(df.drop(columns="_order")).encode(
        y=alt.Y("group:N", sort=order, title=None,
                axis=alt.Axis(labelOverlap=False, labelLimit=220)), color=colour)
    bars = base.mark_rule(strokeWidth=2).encode(x=alt.X("ci_low:Q", title=title,
                                                        scale=alt.Scale(zero=False)),
                                                x2="ci_high:Q")
    points = base.mark_point(filled=True, size=70).encode(
        x="value:Q", tooltip=["group", alt.Tooltip("value:Q", format=".4g"),
                              alt.Tooltip("ci_low:Q", format=".4g"),
                              alt.Tooltip("ci_high:Q", format=".4g"), "n"])
    chart = bars + points
    if reference is not None:
        chart = chart + alt.Chart(pd.DataFrame({"reference": [reference]})).mark_rule(
            strokeDash=[5, 4], color="#555").encode(x="reference:Q")
    return chart.properties(height=alt.Step(28))  # a fixed height collapsed the rows
