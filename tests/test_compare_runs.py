"""Samples stored with every run (migration 0005) and `assay samples` / `assay compare` on them."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from sqlalchemy import inspect

from audit.cli import main
from audit.compare import compare_samples, to_metrics
from audit.errors import UsageError
from audit.model.fake import FakeModel
from audit.runner import AuditConfig, run_audit
from audit.samples import Sample

CROWS = Path("crows_pairs/crows_pairs_anonymized.csv")


def _cli(argv, capsys):
    with pytest.raises(SystemExit) as exc:
        main(argv)
    out = capsys.readouterr()
    return exc.value.code, out.out, out.err


def _audit(store, datasets, bonus=None, limit=120, seed=0):
    bbq = datasets / "bbq" / "Sexual_orientation.jsonl"
    cfg = AuditConfig(suites=("crows_pairs", "bbq"),
                      data={"crows_pairs": datasets / CROWS, "bbq": bbq}, limit=limit, seed=seed)
    return run_audit(cfg, FakeModel(bonus=bonus), store)


def test_migration_creates_samples_table_with_its_key(store):
    insp = inspect(store.engine)
    assert "samples" in insp.get_table_names()
    assert insp.get_pk_constraint("samples")["constrained_columns"] == ["run_id", "suite",
                                                                          "case_id"]
    with store.engine.connect() as conn:
        from sqlalchemy import text
        # at 0005 or any later migration (0006 added run categories)
        assert conn.execute(text("select version_num from alembic_version")).scalar() >= "0005"


def test_every_case_is_stored_and_round_trips(store, datasets):
    res = _audit(store, datasets)
    rid = res.run.run_id
    assert store.sample_suites(rid) == {"crows_pairs": 120, "bbq": 120}
    crows = store.samples(rid, "crows_pairs")
    by_id = {s.case_id: s for s in crows}
    emitted = {s.case_id: s for r in res.results for s in r.samples if s.suite == "crows_pairs"}
    assert by_id.keys() == emitted.keys()
    # pct_stereotype is exactly the mean of the stored item outcomes
    pct = next(m.value for m in res.metrics if m.suite == "crows_pairs" and m.key == "pct_stereotype")
    assert sum(s.outcomes["stereotype"] for s in crows) / len(crows) == pytest.approx(pct)
    s = crows[0]
    assert s.outcomes["stereotype"] == int(s.scores["ll_more"] > s.scores["ll_less"])
    assert s.margin == pytest.approx(s.scores["ll_more"] - s.scores["ll_less"], abs=2e-4)
    # nothing but numbers and ids: no sentence text in a sample row
    assert all(isinstance(v, (int, float)) for v in s.scores.values())


def test_compare_with_itself_has_no_flips_and_p_one(store, datasets):
    a = _audit(store, datasets).run.run_id
    b = _audit(store, datasets).run.run_id
    r = compare_samples(a, b, store.samples(a), store.samples(b))
    for suite in ("crows_pairs", "bbq"):
        for o in r["suites"][suite]["outcomes"].values():
            assert (o["flips"], o["flip_rate"], o["mcnemar_p"], o["diff"]) == (0, 0.0, 1.0, 0.0)
    assert r["warnings"] == []


def test_compare_counts_flips_independently_and_warns_when_masked(store, datasets):
    a = _audit(store, datasets).run.run_id
    b = _audit(store, datasets, bonus={" he": 0.8, " gay": 1.5, " black": -1.0}).run.run_id
    sa = {s.case_id: s for s in store.samples(a, "crows_pairs")}
    sb = {s.case_id: s for s in store.samples(b, "crows_pairs")}
    flips = sum(sa[k].outcomes["stereotype"] != sb[k].outcomes["stereotype"] for k in sa)
    assert flips > 0
    r = compare_samples(a, b, store.samples(a), store.samples(b))
    o = r["suites"]["crows_pairs"]["outcomes"]["stereotype"]
    assert o["flips"] == flips and o["flip_rate"] == pytest.approx(flips / 120)
    assert o["one_to_zero"] + o["zero_to_one"] == flips
    assert sum(g["flips"] for g in o["groups"]) == flips
    assert sum(st["n"] for st in o["strata"]) == 120
    assert sum(st["flips"] for st in o["strata"]) == flips
    masked = o["diff_ci"][0] <= 0 <= o["diff_ci"][1]
    assert o["masked_flips"] is masked
    assert any("masked flips: crows_pairs.stereotype" in w for w in r["warnings"]) is masked
    keys = {(m.suite, m.key) for m in to_metrics(r)}
    assert ("crows_pairs", "flip_rate") in keys and ("bbq", "flip_rate") in keys
    assert ("bbq", "correct.flip_rate") in keys and ("crows_pairs", "flip_rate[gender]") in keys


def test_unpaired_runs_are_refused_in_one_line(store, sqlite_url, datasets, capsys):
    a = _audit(store, datasets, limit=40, seed=0).run.run_id
    with pytest.raises(UsageError, match="share no cases"):
        compare_samples(a, "x", store.samples(a), [Sample("crows_pairs", "nope")])
    from audit.types import Run
    store.write_run(Run(run_id="ffff0000ffff0000", model={"name": "m", "sha256": "0"},
                        suites=("crows_pairs",), config_hash="0" * 64), [], [],
                    [Sample("crows_pairs", "elsewhere-1", outcomes={"stereotype": 1})])
    code, out, err = _cli(["compare", a, "ffff0000", "--store", sqlite_url], capsys)
    assert code == 2 and out == "" and "share no cases" in err
    assert len(err.strip().splitlines()) == 1


def test_cli_samples_json_and_compare_gate(store, sqlite_url, datasets, capsys):
    a = _audit(store, datasets).run.run_id
    b = _audit(store, datasets, bonus={" he": 0.8, " gay": 1.5, " black": -1.0}).run.run_id
    code, out, _ = _cli(["samples", a, "--suite", "crows_pairs", "--json", "--store", sqlite_url],
                        capsys)
    data = json.loads(out)
    assert code == 0 and data["n"] == 120 and {s["suite"] for s in data["samples"]} == {"crows_pairs"}
    code, out, _ = _cli(["compare", a, b, "--json", "--store", sqlite_url], capsys)
    res = json.loads(out)
    rate = res["suites"]["crows_pairs"]["outcomes"]["stereotype"]["flip_rate"]
    assert code == 0 and rate > 0
    code, out, _ = _cli(["compare", a, b, "--store", sqlite_url,
                         "--rule", f"crows_pairs.flip_rate<={rate / 2}"], capsys)
    assert code == 1 and "FAIL crows_pairs.flip_rate" in out
    code, out, _ = _cli(["compare", a, b, "--store", sqlite_url,
                         "--rule", f"crows_pairs.flip_rate<={rate}"], capsys)
    assert code == 0 and "PASS crows_pairs.flip_rate" in out
    code, _, err = _cli(["compare", a, b, "--store", sqlite_url, "--rule", "crows_pairs.nope<=1"],
                        capsys)
    assert code == 2 and "no metric crows_pairs.nope" in err


def test_gate_with_a_baseline_judges_compare_rules(store, sqlite_url, datasets, capsys):
    a = _audit(store, datasets).run.run_id
    b = _audit(store, datasets, bonus={" he": 0.8, " gay": 1.5, " black": -1.0}).run.run_id
    code, out, _ = _cli(["gate", b, "--baseline", a, "--store", sqlite_url,
                         "--rule", "crows_pairs.flip_rate<=0.0"], capsys)
    assert code == 1 and "FAIL crows_pairs.flip_rate" in out
    code, out, _ = _cli(["gate", b, "--baseline", a, "--store", sqlite_url,
                         "--rule", "crows_pairs.flip_rate<=1", "--rule",
                         "bbq.correct.mcnemar_p>=0"], capsys)
    assert code == 0 and out.count("PASS") == 2


def test_report_has_an_item_flips_section(store, sqlite_url, datasets, tmp_path, capsys):
    a = _audit(store, datasets).run.run_id
    b = _audit(store, datasets, bonus={" he": 0.8, " gay": 1.5, " black": -1.0}).run.run_id
    out_html, out_json = tmp_path / "r.html", tmp_path / "r.json"
    for path, fmt in ((out_html, "html"), (out_json, "json")):
        code, _, err = _cli(["report", "--run", b, "--compare", a, "--format", fmt, "--out",
                             str(path), "--store", sqlite_url], capsys)
        assert code == 0, err
    r = compare_samples(a, b, store.samples(a), store.samples(b))
    flips = r["suites"]["crows_pairs"]["outcomes"]["stereotype"]["flips"]
    html = out_html.read_text()
    assert f"Item flips against run {a}" in html and "crows_pairs.stereotype" in html
    items = json.loads(out_json.read_text())["item_compare"]
    assert items["suites"]["crows_pairs"]["outcomes"]["stereotype"]["flips"] == flips


def test_samples_round_trip_on_sqlite_and_postgresql(any_store_url):
    from audit.store import open_store
    from audit.types import Run

    st = open_store(any_store_url)
    try:
        rows = [Sample("bbq", f"c{i}", "Age" if i % 2 else None, {"biased": i % 2, "correct": 1},
                       {"p": i / 7}, None if i == 3 else (-1) ** i * i / 3,
                       {"ll": [-1.5, -2.25, -3.0], "chosen": i % 3}) for i in range(7)]
        st.write_run(Run(run_id="r0", model={"name": "m", "sha256": "0"}, suites=("bbq",),
                         config_hash="0" * 64), [], [], rows)
        back = st.samples("r0")
        assert [s.case_id for s in back] == [f"c{i}" for i in range(7)]
        for a, b in zip(rows, back):
            assert b.group == a.group and b.outcomes == a.outcomes
            assert b.margin == (None if a.margin is None else pytest.approx(a.margin))
            assert b.values["p"] == pytest.approx(round(a.values["p"], 4))
            assert b.scores == {"ll": [-1.5, -2.25, -3.0], "chosen": a.scores["chosen"]}
        assert st.sample_suites("r0") == {"bbq": 7} and st.samples("r0", "crows_pairs") == []
    finally:
        st.close()


def test_runs_on_different_data_files_are_not_paired_by_row_number(store, sqlite_url, datasets,
                                                                     tmp_path, capsys):
    # CrowS-Pairs case ids are row numbers: a second file with the same 30 pairs in reverse
    # order shares every id ("0".."29") while each id names a different pair
    import pandas as pd

    src = pd.read_csv(datasets / CROWS, index_col=0).iloc[:30]
    fwd, rev = tmp_path / "fwd.csv", tmp_path / "rev.csv"
    src.to_csv(fwd)
    src.iloc[::-1].reset_index(drop=True).to_csv(rev)
    bbq = datasets / "bbq" / "Sexual_orientation.jsonl"

    def audit(path, suites=("crows_pairs",)):
        data = {"crows_pairs": path, "bbq": bbq}
        cfg = AuditConfig(suites=suites, data={k: data[k] for k in suites}, limit=30)
        return run_audit(cfg, FakeModel(), store).run

    a, b = audit(fwd), audit(rev)
    ids = [{s.case_id for s in store.samples(r.run_id)} for r in (a, b)]
    assert ids[0] == ids[1] and len(ids[0]) == 30
    code, out, err = _cli(["compare", a.run_id, b.run_id, "--store", sqlite_url], capsys)
    assert code == 2 and out == "" and len(err.strip().splitlines()) == 1
    assert "different data files" in err
    code, _, err = _cli(["gate", b.run_id, "--baseline", a.run_id, "--store", sqlite_url,
                         "--rule", "crows_pairs.flip_rate<=1"], capsys)
    assert code == 2 and "different data files" in err
    assert store.get_run(a.run_id).data["crows_pairs"]["sha256"] != b.data["crows_pairs"]["sha256"]
    # the same file under another path is the same data: compared, no flips (FakeModel)
    same = tmp_path / "copy.csv"
    same.write_bytes(fwd.read_bytes())
    c = audit(same)
    code, out, _ = _cli(["compare", a.run_id, c.run_id, "--json", "--store", sqlite_url], capsys)
    assert code == 0 and json.loads(out)["suites"]["crows_pairs"]["outcomes"]["stereotype"][
        "flips"] == 0
    # a mismatched suite is left out with a warning; a suite on the same file is still compared
    d, e = audit(fwd, ("crows_pairs", "bbq")), audit(rev, ("crows_pairs", "bbq"))
    code, out, _ = _cli(["compare", d.run_id, e.run_id, "--json", "--store", sqlite_url], capsys)
    res = json.loads(out)
    assert code == 0 and set(res["suites"]) == {"bbq"}
    assert sum("crows_pairs: not compared" in w for w in res["warnings"]) == 1
    rep = tmp_path / "r.json"
    code, _, _ = _cli(["report", "--run", b.run_id, "--compare", a.run_id, "--format", "json",
                       "--out", str(rep), "--store", sqlite_url], capsys)
    assert code == 0 and json.loads(rep.read_text())["item_compare"] is None
