"""`assay audit` and `assay explain` with `--model http://.../v1`, end to end into a store, on
the loopback test server that computes with the default model."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from audit.cli import main
from audit.store import open_store
from tests.boundary_kit import Server
from tests.openai_server import model_app

pytestmark = pytest.mark.model


def run_main(capsys, *args: str) -> tuple[int, str, str]:
    with pytest.raises(SystemExit) as exc:
        main(list(args))
    out, err = capsys.readouterr()
    return exc.value.code, out, err


@pytest.fixture(scope="module")
def served(default_model):
    app = model_app(default_model)
    good = Server(app)
    bad = Server(model_app(default_model, llama_cpp_bugs=True))
    yield good.url + "/v1", bad.url + "/v1", app.state.counts
    good.close()
    bad.close()


def test_audit_a_served_model_into_the_store(served, datasets: Path, tmp_path: Path, capsys,
                                             monkeypatch) -> None:
    monkeypatch.setenv("ASSAY_CACHE", str(tmp_path / "cache"))
    url, _, counts = served
    store = f"sqlite:///{tmp_path / 'a.db'}"
    data = datasets / "crows_pairs/crows_pairs_anonymized.csv"
    code, out, err = run_main(capsys, "audit", "--model", url, "--suite", "crows_pairs",
                              "--data", f"crows_pairs={data}", "--limit", "8", "--json",
                              "--no-progress", "--explain-top", "0", "--store", store)
    assert code == 0, err
    doc = json.loads(out.strip().splitlines()[-1])
    st = open_store(store)
    try:
        runs = st.runs()
        assert len(runs) == 1
        model = runs[0].model
        assert model["backend"] == "openai" and model["path"] == url and model["sha256"] == ""
        assert model["extra"]["weights_hashed"] is False
        assert model["extra"]["served_model"] == "smollm2-135m-test"
        assert "loglikelihood" in model["extra"]["capabilities"]
        assert 0 <= doc["suites"]["crows_pairs"]["metrics"]["pct_stereotype"] <= 1
    finally:
        st.close()
    # a rerun is answered from the response cache: the server is not asked to score again,
    # only the start-up probe's 12 completions requests (never cached) reach it
    before = counts["complete"]
    code, out2, err = run_main(capsys, "audit", "--model", url, "--suite", "crows_pairs",
                               "--data", f"crows_pairs={data}", "--limit", "8", "--json",
                               "--no-progress", "--explain-top", "0", "--store", store)
    assert code == 0, err
    again = json.loads(out2.strip().splitlines()[-1])
    assert again["suites"]["crows_pairs"]["metrics"] == doc["suites"]["crows_pairs"]["metrics"]
    assert counts["complete"] - before == 12
    # --no-cache asks again: the probe's 12 + 16 sentences in batches of 8
    before = counts["complete"]
    code, out3, err = run_main(capsys, "audit", "--model", url, "--suite", "crows_pairs",
                               "--data", f"crows_pairs={data}", "--limit", "8", "--json",
                               "--no-progress", "--explain-top", "0", "--no-cache",
                               "--store", store)
    assert code == 0, err
    assert counts["complete"] - before == 12 + 2
    fresh = json.loads(out3.strip().splitlines()[-1])
    assert fresh["suites"]["crows_pairs"]["metrics"] == doc["suites"]["crows_pairs"]["metrics"]


def test_a_server_with_wrong_prompt_logprobs_is_refused_before_anything_runs(
        served, datasets: Path, tmp_path: Path, capsys) -> None:
    _, bad, _ = served
    store = f"sqlite:///{tmp_path / 'b.db'}"
    data = datasets / "crows_pairs/crows_pairs_anonymized.csv"
    code, out, err = run_main(capsys, "audit", "--model", bad, "--model-option", "cache=off",
                              "--suite", "crows_pairs", "--data", f"crows_pairs={data}",
                              "--limit", "4", "--no-progress", "--store", store)
    assert code == 2
    last = err.strip().splitlines()[-1]
    assert last.startswith("assay: error: crows_pairs needs loglikelihood")
    assert "prompt log-probs disagree with next-token log-probs" in last
    st = open_store(store)
    try:
        assert st.runs() == []
    finally:
        st.close()


def test_explain_a_served_model_through_loglikelihood_requests(served, tmp_path: Path, capsys,
                                                               monkeypatch) -> None:
    monkeypatch.setenv("ASSAY_CACHE", str(tmp_path / "cache"))
    url, _, _ = served
    code, out, err = run_main(capsys, "explain", "--model", url, "-p", "The nurse said that",
                              "-t", " she", "-f", " he", "--method", "ablation", "--json")
    assert code == 0, err
    doc = json.loads(out.strip().splitlines()[-1])
    assert doc["method"] == "ablation" and len(doc["tokens"]) == len(doc["scores"]) >= 4
    code, _, err = run_main(capsys, "explain", "--model", url, "-p", "The nurse said that",
                            "-t", " she", "--method", "ig")
    assert code == 2
    last = err.strip().splitlines()[-1]
    assert "gradients" in last and "ablation" in last
