"""A 100k-finding SQLite store: the read paths stay in SQL (counts, pages) and every page renders."""

from __future__ import annotations

from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from audit.store import open_store
from audit.store.reads import FindingFilter, StoreReads
from tests.readers_data import seed_many_findings, seed_runs

APP = str(Path(__file__).resolve().parent.parent / "dashboard" / "app.py")
N = 100_000


@pytest.fixture(scope="module")
def big(tmp_path_factory):
    url = f"sqlite:///{tmp_path_factory.mktemp('big') / 'assay.db'}"
    st = open_store(url)
    a, b = seed_runs(st)
    seed_many_findings(st, b, N)
    yield url, st, a, b
    st.close()


def test_counts_and_pages_are_exact(big):
    url, st, a, b = big
    reads = StoreReads(st)
    assert reads.count(FindingFilter(run_id=b)) == N + 17
    sev = {r["severity"]: r["n"] for r in reads.counts_by(FindingFilter(run_id=b), "severity")}
    # bulk severities cycle every 5 findings; plus the 17 seeded ones (2 critical, 5 high, ...)
    assert sev["critical"] == N // 5 + 2 and sum(sev.values()) == N + 17
    by_run = reads.severity_counts_by_run([a, b])
    assert sum(by_run[a].values()) == 17 and sum(by_run[b].values()) == N + 17
    flt = FindingFilter(run_id=b, suites=("crows_pairs",))
    total = reads.count(flt)
    assert total == 33_334 + 12
    first = reads.page(flt, 50, 0)
    assert len(first) == 50 and all(f.severity == "critical" for f in first)
    last = reads.page(flt, 50, total - 10)
    assert len(last) == 10 and all(f.severity == "info" for f in last)
    ids = {f.finding_id for f in reads.page(flt, 500, 0)} | {f.finding_id for f in reads.page(flt, 500, 500)}
    assert len(ids) == 1000  # pages do not overlap
    assert reads.count(FindingFilter(run_id=b, with_attribution=True)) == N // 1000 + 1
    groups = {(r["probe"], r["group"]): r["n"] for r in reads.counts_by(
        FindingFilter(run_id=b, suites=("pii_leakage",)), "probe", "group")}
    assert groups[("bulk", "EMAIL_ADDRESS")] > 0 and ("bulk", "gender") in groups


@pytest.mark.parametrize("page", ["overview", "bias", "pii", "explanations", "compare"])
def test_pages_render_over_100k_findings(monkeypatch, big, page):
    url, _, _, b = big
    monkeypatch.setenv("ASSAY_STORE", url)
    at = AppTest.from_file(APP, default_timeout=120).run()
    if page != "overview":
        at.switch_page(f"pages/{page}.py").run()
    assert not at.exception, [e.value for e in at.exception]
    if page == "overview":
        assert {m.label: m.value for m in at.metric}["critical findings"] == f"{N // 5 + 4:,}"
    if page in ("bias", "pii", "explanations"):
        pager = at.number_input[0]
        # paginated, not loaded whole (101 findings carry attributions: 3 pages)
        assert pager.max == 3 if page == "explanations" else pager.max > 100
        first = at.dataframe[-1].value if page != "explanations" else None
        pager.set_value(3).run()
        assert not at.exception
        if first is not None:
            assert len(at.dataframe[-1].value) == 50
            assert set(at.dataframe[-1].value["finding_id"]).isdisjoint(first["finding_id"])
