"""Cached, read-only queries for the pages (`st.cache_resource` store, `st.cache_data` reads)."""

from __future__ import annotations

import os
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import streamlit as st

from audit.errors import StoreError
from audit.store.reads import FindingFilter, StoreReads
from audit.types import Finding, Metric, Run

__all__ = ["DashboardConfig", "config", "counts_by", "findings_page", "load_store", "metrics",
           "monitor_table", "recent_alerts", "runs_page", "severity_by_run"]

RUNS_TTL, METRICS_TTL, LIVE_TTL = 30, 600, 5


@dataclass(frozen=True)
class DashboardConfig:
    """What the dashboard serves: the store URL, optional password hash, default gate rules."""

    store_url: str
    password_sha256: str = ""
    gate_rules: tuple[str, ...] = ()


def config() -> DashboardConfig:
    """The session's config, read once from the environment `assay dashboard` sets."""
    if "assay_config" not in st.session_state:
        rules = tuple(r for r in os.environ.get("ASSAY_DASHBOARD_RULES", "").splitlines() if r)
        st.session_state["assay_config"] = DashboardConfig(
            store_url=os.environ.get("ASSAY_STORE") or "sqlite:///assay.db",
            password_sha256=os.environ.get("ASSAY_DASHBOARD_PASSWORD_SHA256", ""),
            gate_rules=rules)
    return st.session_state["assay_config"]


@st.cache_resource(show_spinner=False)
def _store(url: str) -> Any:
    from audit.store import open_store

    return open_store(url, create=False)


def load_store(url: str) -> Any | None:
    """The store, or None (with an explanation on the page) when there is none yet."""
    try:
        return _store(url)
    except StoreError as exc:
        st.info(f"No Assay store yet ({exc.one_line()}).\n\nCreate a first run with\n\n"
                f"```\nassay audit --store {url}\n```\n\nthen reload this page.")
        return None


@st.cache_data(ttl=RUNS_TTL, show_spinner=False)
def runs_page(url: str, limit: int = 25, offset: int = 0) -> tuple[list[Run], int]:
    """A page of runs (newest first) and the total count."""
    reads = StoreReads(_store(url))
    return reads.runs_page(limit, offset), reads.count_runs()


@st.cache_data(ttl=RUNS_TTL, show_spinner=False)
def all_runs(url: str, limit: int = 500) -> list[Run]:
    """The newest runs (for pickers)."""
    return _store(url).runs(limit=limit)


@st.cache_data(ttl=METRICS_TTL, show_spinner=False)
def metrics(url: str, run_id: str) -> list[Metric]:
    return _store(url).metrics(run_id)


@st.cache_data(ttl=RUNS_TTL, show_spinner=False)
def severity_by_run(url: str, run_ids: tuple[str, ...]) -> dict[str, dict[str, int]]:
    return StoreReads(_store(url)).severity_counts_by_run(run_ids)


@st.cache_data(ttl=RUNS_TTL, show_spinner=False)
def counts_by(url: str, flt: FindingFilter, columns: tuple[str, ...]) -> list[dict[str, Any]]:
    return StoreReads(_store(url)).counts_by(flt, *columns)


@st.cache_data(ttl=RUNS_TTL, show_spinner=False)
def findings_page(url: str, flt: FindingFilter, limit: int, offset: int,
                  order: str = "severity") -> tuple[list[Finding], int]:
    """One page of findings and how many match in all."""
    reads = StoreReads(_store(url))
    return reads.page(flt, limit=limit, offset=offset, order=order), reads.count(flt)


@st.cache_data(ttl=LIVE_TTL, show_spinner=False)
def live_counts(url: str, now_minute: str) -> dict[str, int]:
    """Monitor findings in the last 5 min / hour / day (keyed by the minute for the cache)."""
    reads = StoreReads(_store(url))
    now = datetime.now(UTC)
    out = {}
    for label, delta in (("5 min", timedelta(minutes=5)), ("1 h", timedelta(hours=1)),
                         ("24 h", timedelta(days=1))):
        out[label] = reads.count(FindingFilter(source="monitor", since=now - delta))
    return out


@st.cache_data(ttl=LIVE_TTL, show_spinner=False)
def hourly_monitor(url: str, hours: int = 48) -> list[dict[str, Any]]:
    since = datetime.now(UTC) - timedelta(hours=hours)
    return StoreReads(_store(url)).hourly_counts(FindingFilter(source="monitor", since=since))


@st.cache_data(ttl=LIVE_TTL, show_spinner=False)
def monitor_table(url: str, name: str, limit: int = 200) -> tuple[bool, int, list[dict[str, Any]]]:
    """(exists, row count, newest rows) of an optional monitor table."""
    reads = StoreReads(_store(url))
    if not reads.has_table(name):
        return False, 0, []
    return True, reads.table_count(name), reads.table_rows(name, limit=limit)


@st.cache_data(ttl=LIVE_TTL, show_spinner=False)
def recent_alerts(url: str) -> list[dict[str, Any]] | None:
    """Monitor alerts of the last 24 h (None when the store never ran a monitor)."""
    from audit.report.verdict import recent_alerts as _recent

    return _recent(_store(url))
