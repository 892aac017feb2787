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


def interval_chart(df: pd.DataFrame, title: str) -> Any:
    """Altair: one point per group with its 95% CI as an error bar."""
    import altair as alt

    base = alt.Chart(df).encode(y=alt.Y("group:N", sort=None, title=None,
                                        axis=alt.Axis(labelOverlap=False, labelLimit=220)))
    bars = base.mark_rule(strokeWidth=2).encode(x=alt.X("ci_low:Q", title=title,
                                                        scale=alt.Scale(zero=False)),
                                                x2="ci_high:Q")
    points = base.mark_point(filled=True, size=70).encode(
        x="value:Q", tooltip=["group", alt.Tooltip("value:Q", format=".4g"),
                              alt.Tooltip("ci_low:Q", format=".4g"),
                              alt.Tooltip("ci_high:Q", format=".4g"), "n"])
    return (bars + points).properties(height=max(80, 36 * len(df)))
