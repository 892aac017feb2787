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
# when an alert fired is the end of its window; created_at is when the row was written (a
# replayed monitor writes many at once, which collapsed the timeline to one instant)
TIME_COLUMNS = ("window_end", "fired_at", "created_at", "ts", "time", "window_start", "updated_at")
# what a reader needs, in reading order; ids and hashes stay out so the tables fit the page
SHOWN = {"alerts": ("window_end", "monitor", "rule", "severity", "value", "ci", "threshold", "n",
                    "message"),
         "quarantine": ("created_at", "monitor", "file", "offset", "length", "reason"),
         "redactions": ("created_at", "source", "path", "direction", "mode", "outcome",
                        "n_entities", "entity_counts", "latency_ms")}

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

    # short horizontal labels: full timestamps stood on end and squeezed the bars to a sliver
    hourly["hour"] = pd.to_datetime(hourly["hour"]).dt.strftime("%m-%d %H:00")
    st.altair_chart(alt.Chart(hourly).mark_bar().encode(
        x=alt.X("hour:O", title="hour (UTC)", axis=alt.Axis(labelAngle=0, labelOverlap=True)),
        y=alt.Y("n:Q", title="findings"), color="severity:N",
        tooltip=["hour", "severity", "n"]).properties(height=200), width="stretch")


def _frame(rows: list[dict]) -> pd.DataFrame:
    """Rows as a frame with JSON columns shown as text (Arrow cannot mix dict shapes)."""
    df = pd.DataFrame(rows)
    for c in df.columns:
        if df[c].map(lambda v: isinstance(v, dict | list)).any():
            df[c] = df[c].map(lambda v: json.dumps(v, sort_keys=True) if isinstance(v, dict | list)
                              else v)
    return df


def _readable(rows: list[dict], kind: str) -> pd.DataFrame:
    """The columns of SHOWN[kind] that the table has, an interval as one `[lo, hi]` column and
    entity counts as `TYPE n` text (no JSON, no ids), so the table fits without scrolling."""
    df = pd.DataFrame(rows)
    if {"ci_low", "ci_high"} <= set(df.columns):
        df["ci"] = [f"[{lo:.3g}, {hi:.3g}]" if pd.notna(lo) and pd.notna(hi) else "—"
                    for lo, hi in zip(df["ci_low"], df["ci_high"])]
    if "entity_counts" in df.columns:
        df["entity_counts"] = df["entity_counts"].map(
            lambda c: ", ".join(f"{k} {v}" for k, v in sorted(c.items()))
            if isinstance(c, dict) else c)
    if "window_end" in df.columns:
        df = df.rename(columns={"window_end": "fired (UTC)"})
    keep = [("fired (UTC)" if c == "window_end" else c) for c in SHOWN[kind]]
    keep = [c for c in keep if c in df.columns]
    return _frame(df[keep].to_dict("records")) if keep else _frame(rows)


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
        tips = [c for c in ("rule", "severity", "value", "threshold", "n", "message")
                if c in df.columns]
        chart = alt.Chart(df).mark_circle(size=90).encode(
            x=alt.X(f"{tc}:T", title="fired (UTC)",
                    axis=alt.Axis(format="%m-%d %H:%M", tickMinStep=60_000, labelAngle=0)),
            tooltip=[f"{tc}:T", *tips])
        if colour:
            chart = chart.encode(y=alt.Y(f"{colour}:N", title=None,
                                         axis=alt.Axis(labelLimit=320)),
                                 color=alt.Color(f"{colour}:N", legend=None))
        # a height per row: a fixed chart height squeezed the rows into one band
        st.altair_chart(chart.properties(height=alt.Step(30) if colour else 120),
                        width="stretch")
    st.dataframe(_readable(rows, "alerts"), hide_index=True, width="stretch")

st.subheader("Quarantined lines")
name, n, rows = table("quarantine")
if name is None:
    st.write("No quarantine table in this store yet.")
elif not rows:
    st.write("Nothing quarantined.")
else:
    st.caption(f"{n:,} quarantined lines; newest {len(rows)} shown.")
    st.dataframe(_readable(rows, "quarantine"), hide_index=True, width="stretch")

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
        import altair as alt

        counts = pd.DataFrame(sorted(by_entity.items(), key=lambda kv: -kv[1]),
                              columns=["entity type", "redacted"])
        st.altair_chart(alt.Chart(counts).mark_bar().encode(
            x=alt.X("redacted:Q", title="entities redacted", axis=alt.Axis(tickMinStep=1)),
            y=alt.Y("entity type:N", sort="-x", title=None, axis=alt.Axis(labelLimit=320)),
            tooltip=["entity type", "redacted"]).properties(height=alt.Step(28)),
            width="stretch")
    st.caption(f"{n:,} redaction events; entity counts over the newest {len(rows)} shown.")
    st.dataframe(_readable(rows, "redactions"), hide_index=True, width="stretch")
