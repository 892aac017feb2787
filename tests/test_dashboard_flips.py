"""The Item flips page under Streamlit's AppTest: paired runs, and runs that share no cases."""

from __future__ import annotations

from pathlib import Path

from streamlit.testing.v1 import AppTest

from audit.model.fake import FakeModel
from audit.runner import AuditConfig, run_audit

APP = str(Path(__file__).resolve().parent.parent / "dashboard" / "app.py")


def _open(monkeypatch, url: str) -> AppTest:
    monkeypatch.setenv("ASSAY_STORE", url)
    at = AppTest.from_file(APP, default_timeout=120).run()
    at.switch_page("pages/flips.py").run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def test_flips_page_shows_flip_rates_groups_and_strata(monkeypatch, store, sqlite_url, datasets):
    cfg = AuditConfig(suites=("crows_pairs",), limit=80,
                      data={"crows_pairs": datasets / "crows_pairs/crows_pairs_anonymized.csv"})
    a = run_audit(cfg, FakeModel(), store).run.run_id
    b = run_audit(cfg, FakeModel(bonus={" he": 0.8, " gay": 1.5, " black": -1.0}), store).run.run_id
    sa = {s.case_id: s.outcomes["stereotype"] for s in store.samples(a)}
    flips = sum(sa[s.case_id] != s.outcomes["stereotype"] for s in store.samples(b))
    at = _open(monkeypatch, sqlite_url)
    top = at.dataframe[0].value.set_index("outcome")
    assert top.loc["stereotype", "flips"] == flips and top.loc["stereotype", "n"] == 80
    assert at.dataframe[1].value["flips"].sum() == flips  # per group
    assert at.dataframe[2].value["n"].sum() == 80  # four strata cover every item


def test_flips_page_explains_unpaired_runs(monkeypatch, store, sqlite_url, datasets):
    for path in ("crows_pairs/crows_pairs_anonymized.csv", "bbq/Religion.jsonl"):
        suite = path.split("/")[0]
        run_audit(AuditConfig(suites=(suite,), limit=20, data={suite: datasets / path}),
                  FakeModel(), store)
    at = _open(monkeypatch, sqlite_url)
    assert any("share no cases" in w.value for w in at.warning)


def test_flips_page_opens_on_the_newest_pair_with_shared_samples(monkeypatch, store, sqlite_url,
                                                                datasets):
    from datetime import UTC, datetime, timedelta

    from tests.readers_data import seed_pii_run

    cfg = AuditConfig(suites=("crows_pairs",), limit=40,
                      data={"crows_pairs": datasets / "crows_pairs/crows_pairs_anonymized.csv"})
    a = run_audit(cfg, FakeModel(), store).run.run_id
    b = run_audit(cfg, FakeModel(bonus={" he": 0.8}), store).run.run_id
    # two newer runs without item samples: before, the page paired these two and showed nothing
    for k in (1, 2):
        seed_pii_run(store, f"{k}" * 16, datetime.now(UTC) + timedelta(minutes=k), "pii_leakage",
                     "leak_rate", 10, 0.3)
    at = _open(monkeypatch, sqlite_url)
    assert (at.selectbox(key="pick_fa").value, at.selectbox(key="pick_fb").value) == (a, b)
    assert not at.warning and at.dataframe[0].value.set_index("outcome").loc["stereotype",
                                                                             "n"] == 40
