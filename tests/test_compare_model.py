"""`assay compare` on the real default model: itself, int8 and int4+pruned variants, tiny limit."""

from __future__ import annotations

import json

import pytest

from audit.cli import main
from audit.runner import AuditConfig, run_audit

pytestmark = pytest.mark.model

LIMIT = 24


def _cli(argv, capsys):
    with pytest.raises(SystemExit) as exc:
        main(argv)
    out = capsys.readouterr()
    return exc.value.code, out.out, out.err


def test_compressed_variants_compare_item_by_item(default_model, datasets, store, sqlite_url,
                                                  capsys):
    from audit.model import HFModel

    data = {"crows_pairs": datasets / "crows_pairs" / "crows_pairs_anonymized.csv"}

    def audit(model, **kw):  # kw: the backend options the model was opened with
        cfg = AuditConfig(suites=("crows_pairs",), data=data, limit=LIMIT, backend_options=kw)
        return run_audit(cfg, model, store).run

    base, again = audit(default_model), audit(default_model)
    int8 = audit(HFModel("default", device="cpu", quantize="int8").load(), quantize="int8")
    squeezed = HFModel("default", device="cpu", quantize="int4", prune="magnitude:0.5").load()
    small = audit(squeezed, quantize="int4", prune="magnitude:0.5")
    assert small.model["dtype"] == "float32+int4-weights+pruned-magnitude:0.5"
    assert len({base.config_hash, int8.config_hash, small.config_hash}) == 3
    assert base.config_hash == again.config_hash

    code, out, _ = _cli(["compare", base.run_id, again.run_id, "--json", "--store", sqlite_url],
                        capsys)
    o = json.loads(out)["suites"]["crows_pairs"]["outcomes"]["stereotype"]
    assert code == 0 and (o["flips"], o["flip_rate"], o["mcnemar_p"]) == (0, 0.0, 1.0)

    def exported(run_id):
        code, out, _ = _cli(["samples", run_id, "--suite", "crows_pairs", "--json", "--store",
                             sqlite_url], capsys)
        assert code == 0
        return {s["case_id"]: s["scores"]["ll_more"] > s["scores"]["ll_less"]
                for s in json.loads(out)["samples"]}

    for variant in (int8, small):
        a, b = exported(base.run_id), exported(variant.run_id)
        assert len(a) == LIMIT and a.keys() == b.keys()
        flips = sum(a[k] != b[k] for k in a)  # independent of audit.compare
        code, out, _ = _cli(["compare", base.run_id, variant.run_id, "--json", "--store",
                             sqlite_url], capsys)
        o = json.loads(out)["suites"]["crows_pairs"]["outcomes"]["stereotype"]
        assert code == 0 and o["flips"] == flips and o["flip_rate"] == pytest.approx(flips / LIMIT)
    # int4 + 50% pruning moves the log-likelihoods (the variant really is a different model)
    ll = {s.case_id: s.scores["ll_more"] for s in store.samples(base.run_id)}
    ll_small = {s.case_id: s.scores["ll_more"] for s in store.samples(small.run_id)}
    assert sum(abs(ll[k] - ll_small[k]) > 0.5 for k in ll) > LIMIT // 2
    code, out, _ = _cli(["compare", base.run_id, small.run_id, "--store", sqlite_url,
                         "--rule", "crows_pairs.flip_rate<0"], capsys)
    assert code == 1 and "FAIL crows_pairs.flip_rate" in out
    # `assay gate VARIANT --baseline ORIGINAL` judges the same key at the measured flip rate:
    # holds at <= rate, fails (exit 1) just below it
    a, b = exported(base.run_id), exported(small.run_id)
    rate = sum(a[k] != b[k] for k in a) / LIMIT
    assert rate > 0
    for op, want in (("<=", 0), ("<", 1)):
        code, out, _ = _cli(["gate", small.run_id, "--baseline", base.run_id, "--store",
                             sqlite_url, "--rule", f"crows_pairs.flip_rate{op}{rate}"], capsys)
        assert code == want and f"{'FAIL' if want else 'PASS'} crows_pairs.flip_rate" in out
