"""Monitors: live tiles that refresh, alerts timeline, quarantined lines, redaction counts.

Monitor tables (alerts, quarantine, redaction events, window counts) come from the monitors'
migration; when they are absent or empty the page says so instead of failing.
"""

from __future__ import annotations

import json
from collections import Counter
from datetime import UTC, datetime

import pandas as pd
import streamlit as st

from dashboard import _data

TABLES = {"alerts": ("monitor_alerts", "alerts"),
          "quarantine": ("monitor_quarantine", "quarantine"),
          "redactions": ("redaction_events", "redactions"),
          "windows": ("monitor_windows", "window_counts")}
TIME_COLUMNS = ("created_at", "fired_at", "ts", "time", "window_start", "updated_at")

st.title("Monitors")
cfg = _data.config()
if _data.load_store(cfg.store_url) is None:
    st.stop()
url = cfg.store_url


def table(kind: str) -> tuple[str | None, int, list[dict]]:
    for name in TABLES[kind]:
        exists, n, rows = _data.monitor_table(url, name)
        if exists:
            return name, n, rows
    return None, 0, []


@st.fragment(run_every=_data.LIVE_TTL)
def live_tiles() -> None:
    counts = _data.live_counts(url, datetime.now(UTC).strftime("%Y-%m-%d %H:%M:%S"))
    cols = st.columns(6)
    for col, (label, n) in zip(cols, counts.items()):
        col.metric(f"monitor findings, {label}", f"{n:,}")
    for col, kind in zip(cols[3:], ("alerts", "quarantine", "redactions")):
        name, n, _ = table(kind)
        col.metric(kind, f"{n:,}" if name else "—")
    st.caption(f"Refreshes every {_data.LIVE_TTL}s · {datetime.now(UTC):%H:%M:%S} UTC")


live_tiles()
hourly = pd.DataFrame(_data.hourly_monitor(url))
st.subheader("Monitor findings per hour (last 48 h)")
if hourly.empty:
    st.write("No monitor findings yet. Start a tail monitor with `assay monitor` on your "
             "gateway's logs.")
else:
    import altair as alt

    st.altair_chart(alt.Chart(hourly).mark_bar().encode(
        x=alt.X("hour:N", title="hour (UTC)"), y=alt.Y("n:Q", title="findings"),
        color="severity:N", tooltip=["hour", "severity", "n"]).properties(height=200),
        width="stretch")


def _frame(rows: list[dict]) -> pd.DataFrame:
    """Rows as a frame with JSON columns shown as text (Arrow cannot mix dict shapes)."""
    df = pd.DataFrame(rows)
    for c in df.columns:
        if df[c].map(lambda v: isinstance(v, dict | list)).any():
            df[c] = df[c].map(lambda v: json.dumps(v, sort_keys=True) if isinstance(v, dict | list)
                              else v)
    return df


def _time_col(df: pd.DataFrame) -> str | None:
    return next((c for c in TIME_COLUMNS if c in df.columns), None)


st.subheader("Alerts timeline")
name, n, rows = table("alerts")
if name is None:
    st.write("No alerts table in this store yet (it appears once the monitors' migration has run).")
elif not rows:
    st.write("No alerts have fired.")
else:
    df = _frame(rows)
    tc = _time_col(df)
    if tc:
        import altair as alt

        colour = next((c for c in ("rule", "name", "severity") if c in df.columns), None)
        # whole minutes on the axis: alerts fired within one second read ".314" (milliseconds)
        chart = alt.Chart(df).mark_circle(size=90).encode(
            x=alt.X(f"{tc}:T", title="time (UTC)",
                    axis=alt.Axis(format="%m-%d %H:%M", tickMinStep=60_000, labelAngle=0)),
            tooltip=list(df.columns[:6]))
        if colour:
            chart = chart.encode(y=alt.Y(f"{colour}:N", title=None), color=f"{colour}:N")
        st.altair_chart(chart.properties(height=180), width="stretch")
    st.dataframe(df, hide_index=True, width="stretch")

st.subheader("Quarantined lines")
name, n, rows = table("quarantine")
if name is None:
    st.write("No quarantine table in this store yet.")
elif not rows:
    st.write("Nothing quarantined.")
else:
    st.caption(f"{n:,} quarantined lines; newest {len(rows)} shown.")
    st.dataframe(_frame(rows), hide_index=True, width="stretch")

st.subheader("Redactions")
name, n, rows = table("redactions")
if name is None:
    st.write("No redaction events table in this store yet.")
elif not rows:
    st.write("No redactions recorded.")
else:
    by_entity: Counter[str] = Counter()
    for r in rows:
        counts = r.get("entity_counts")
        if isinstance(counts, dict):
            by_entity.update({str(k): int(v) for k, v in counts.items()})
        elif r.get("entity_type"):
            by_entity[str(r["entity_type"])] += int(r.get("count") or 1)
    if by_entity:
        st.bar_chart(pd.Series(by_entity, name="entities redacted").sort_values(ascending=False))
    st.caption(f"{n:,} redaction events; entity counts over the newest {len(rows)} shown.")
    st.dataframe(_frame(rows), hide_index=True, width="stretch")
