"""The read-only aggregate queries behind the dashboard and reports, on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from audit.store import open_store
from audit.store.reads import FindingFilter, StoreReads
from tests.readers_data import seed_runs


def test_reads_agree_on_both_backends(any_store_url):
    st = open_store(any_store_url)
    try:
        now = datetime.now(UTC).replace(minute=30, second=0, microsecond=0)
        a, b = seed_runs(st, now=now)
        r = StoreReads(st)
        assert r.count_runs() == 2 and [x.run_id for x in r.runs_page(1, 1)] == [a]
        assert r.severity_counts_by_run([a, b])[b] == {"critical": 2, "high": 5, "medium": 6,
                                                       "low": 4}
        assert r.count(FindingFilter(source="monitor")) == 20
        assert r.count(FindingFilter(run_id=b, with_attribution=True)) == 1
        assert r.count(FindingFilter(run_id=b, min_severity="high")) == 7
        page = r.page(FindingFilter(run_id=b), 3, 0)
        assert [f.severity for f in page] == ["critical", "critical", "high"]
        hours = r.hourly_counts(FindingFilter(source="monitor"))
        assert sum(h["n"] for h in hours) == 20
        # 20 findings 7 minutes apart ending at HH:30 span three UTC hours
        stamps = sorted({h["hour"] for h in hours})
        expect = sorted({(now - timedelta(minutes=7 * i)).strftime("%Y-%m-%d %H:00")
                         for i in range(20)})
        assert stamps == expect
        assert r.has_table("findings") and not r.has_table("no_such_table")
        assert r.table_rows("no_such_table") == [] and r.table_count("no_such_table") == 0
        assert r.metric_suites(b) == ["crows_pairs", "occupations", "pii_leakage"]
    finally:
        st.close()
