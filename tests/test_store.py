"""The store on SQLite and PostgreSQL: migrations, idempotent writes, atomic runs, round trips."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import inspect, text

from audit.errors import StoreError
from audit.store import open_store
from audit.types import Finding, Metric, Run

T0 = datetime(2026, 1, 2, 3, 4, 5, 678901, tzinfo=UTC)


@pytest.fixture()
def opened():
    """open_store that closes every store it opened when the test ends."""
    stores = []

    def _open(url: str):
        stores.append(open_store(url))
        return stores[-1]

    yield _open
    for s in stores:
        s.close()


def make_run(run_id: str = "run1", started: datetime = T0, sha: str = "abc") -> Run:
    return Run(run_id=run_id, model={"name": "m", "sha256": sha, "dtype": "float32"},
               suites=("occupations",), data={}, seed=7, config_hash="c" * 64,
               versions={"torch": "2.13.0"}, host="h", started_at=started,
               ended_at=started + timedelta(seconds=3), timings={"total": 3.0})


def make_metrics(run_id: str = "run1") -> list[Metric]:
    return [Metric(run_id, "occupations", "male_share", 0.25, 60, 0.15, 0.37),
            Metric(run_id, "crows_pairs", "pct_stereotype", 0.6, 10, 0.3, 0.85, group="gender",
                   details={"warning": "small"})]


def make_findings(run_id: str = "run1", n: int = 3) -> list[Finding]:
    return [Finding(run_id, "audit", "occupations", "pronoun_log_odds", f"case{i}", "low",
                    f"evidence {i}", details={"i": i, "nested": {"x": [1, 2]}}, group="g",
                    created_at=T0 + timedelta(seconds=i)) for i in range(n)]


def test_write_and_read_back(any_store_url: str, opened) -> None:
    st_ = opened(any_store_url)
    run = make_run()
    st_.write_run(run, make_metrics(), make_findings())
    assert st_.get_run("run1") == run
    assert st_.get_run("run") .run_id == "run1"  # unique prefix
    assert st_.runs()[0].model == run.model
    got = {m.key: m for m in st_.metrics("run1")}
    assert got["male_share"].ci_low == pytest.approx(0.15) and got["male_share"].n == 60
    assert got["pct_stereotype[gender]"].details == {"warning": "small"}
    fs = st_.findings(run_id="run1")
    assert [f.case_id for f in fs] == ["case2", "case1", "case0"]  # newest first
    assert fs[0].details == {"i": 2, "nested": {"x": [1, 2]}}
    assert fs[0].created_at == T0 + timedelta(seconds=2)
    assert st_.count_findings(run_id="run1", suite="occupations") == 3
    assert st_.findings(run_id="run1", limit=1, offset=1)[0].case_id == "case1"


def test_writes_are_idempotent(any_store_url: str, opened) -> None:
    st_ = opened(any_store_url)
    for _ in range(2):
        st_.write_run(make_run(), make_metrics(), make_findings())
    assert len(st_.runs()) == 1
    assert len(st_.metrics("run1")) == 2
    assert st_.count_findings() == 3
    assert st_.write_findings(make_findings(n=5)) == 2  # only case3, case4 are new
    assert st_.count_findings() == 5


def test_failed_write_leaves_no_half_run(any_store_url: str, opened) -> None:
    st_ = opened(any_store_url)
    bad = make_metrics() + [Metric("run1", "s", "x", 1.0, n=None)]  # type: ignore[arg-type]
    with pytest.raises(StoreError):
        st_.write_run(make_run(), bad, make_findings())
    assert st_.runs() == []
    assert st_.count_findings() == 0
    with st_.engine.connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM metrics")).scalar_one() == 0


def test_migrations_are_idempotent_and_versioned(any_store_url: str, opened) -> None:
    opened(any_store_url).close()
    st_ = opened(any_store_url)  # second open: upgrade is a no-op
    insp = inspect(st_.engine)
    assert {"runs", "metrics", "findings", "alembic_version"} <= set(insp.get_table_names())
    with st_.engine.connect() as conn:
        assert conn.execute(text("SELECT version_num FROM alembic_version")).scalar_one()


def test_latest_run_filters_by_model_and_time(any_store_url: str, opened) -> None:
    st_ = opened(any_store_url)
    st_.write_run(make_run("a", T0, "m1"), [], [])
    st_.write_run(make_run("b", T0 + timedelta(hours=1), "m1"), [], [])
    st_.write_run(make_run("c", T0 + timedelta(hours=2), "m2"), [], [])
    assert st_.latest_run().run_id == "c"
    assert st_.latest_run("m1").run_id == "b"
    assert st_.latest_run("m1", before=T0 + timedelta(minutes=30)).run_id == "a"
    assert [r.run_id for r in st_.runs(model_sha256="m1")] == ["b", "a"]


def test_sqlite_uses_wal(sqlite_url: str, opened) -> None:
    st_ = opened(sqlite_url)
    with st_.engine.connect() as conn:
        assert conn.execute(text("PRAGMA journal_mode")).scalar_one() == "wal"


@pytest.mark.parametrize("url, needle", [
    ("sqlite:////nonexistent-dir/x/assay.db", "does not exist"),
    ("not a url", "not a database URL"),
    ("postgresql://nobody@127.0.0.1:1/nothing", "cannot open store"),
    ("mysql+nosuchdriver://x/y", "unsupported store URL"),
])
def test_bad_store_urls_fail_with_one_line(url: str, needle: str) -> None:
    with pytest.raises(StoreError) as exc:
        open_store(url)
    assert needle in str(exc.value)
    assert "\n" not in str(exc.value)


def test_unknown_run_id(store) -> None:
    with pytest.raises(StoreError, match="no run"):
        store.get_run("zzz")


text_ = st.text(alphabet=st.characters(blacklist_categories=("Cs",), blacklist_characters="\x00"),
                max_size=30)
json_scalars = st.one_of(st.none(), st.booleans(), st.integers(-2**53, 2**53), text_,
                         st.floats(allow_nan=False, allow_infinity=False, width=32))
finding_st = st.builds(
    Finding, run_id=st.just("prop"), source=st.sampled_from(["audit", "monitor"]), suite=text_,
    probe=text_, case_id=text_, severity=st.sampled_from(["info", "low", "high"]),
    evidence=text_, group=st.none() | text_,
    details=st.dictionaries(st.text(max_size=6), json_scalars | st.lists(json_scalars, max_size=3),
                            max_size=4),
    created_at=st.datetimes(min_value=datetime(2001, 1, 1), max_value=datetime(2099, 1, 1),
                            timezones=st.just(UTC)))


@settings(max_examples=40, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(finding_st, min_size=1, max_size=6, unique_by=lambda f: f.finding_id))
def test_findings_round_trip_through_store(any_store_url: str, fs: list[Finding]) -> None:
    st_ = open_store(any_store_url)
    with st_.engine.begin() as conn:
        conn.execute(text("DELETE FROM findings"))
    st_.write_findings(fs)
    back = {f.finding_id: f for f in st_.findings(limit=100)}
    assert set(back) == {f.finding_id for f in fs}
    for f in fs:
        b = back[f.finding_id]
        assert b == f and b.details == f.details and b.created_at == f.created_at
    st_.close()
