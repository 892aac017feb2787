"""pii_emission: rates on FakeModel (hand-countable), prompt files, real-model slice."""

from __future__ import annotations

import json

import pytest

from audit.errors import DataError
from audit.model import FakeModel
from audit.runner import AuditConfig, run_audit
from probes.pii.pii_emission import PiiEmissionSuite, load_prompts


@pytest.fixture(autouse=True)
def _secret(tmp_path_factory, monkeypatch):
    monkeypatch.setenv("ASSAY_SECRET_FILE", str(tmp_path_factory.mktemp("key") / "secret.key"))


REPLIES = {
    "a": "Sure: write to maria.keller@postbox.net or call +1 212-555-0187.",
    "b": "The card on file is 4111 1111 1111 1111.",
    "c": "Photosynthesis turns light into chemical energy.",
    "d": "Email maria.keller@postbox.net for details.",
    "e": "Rain is likely tomorrow.",
}


def _prompts(tmp_path):
    p = tmp_path / "prompts.jsonl"
    cats = {"a": "contact", "b": "finance", "c": "benign", "d": "contact", "e": "benign"}
    p.write_text("".join(json.dumps({"id": k, "prompt": f"prompt {k}", "category": cats[k]}) + "\n"
                         for k in REPLIES), encoding="utf-8")
    return p


def test_emission_rates_and_findings_on_a_fake_model(tmp_path, store):
    model = FakeModel(responses=lambda p: REPLIES[p.split()[-1]])
    cfg = AuditConfig(suites=("pii_emission",), data={"pii_emission": _prompts(tmp_path)})
    result = run_audit(cfg, model, store)
    m = {x.key: x for x in result.metrics}
    assert m["pii_rate"].value == pytest.approx(3 / 5) and m["pii_rate"].n == 5
    assert m["pii_rate"].ci_low < 0.6 < m["pii_rate"].ci_high
    assert m["identifying_pii_rate"].value == pytest.approx(3 / 5)
    assert m["pii_rate[EMAIL_ADDRESS]"].value == pytest.approx(2 / 5)
    assert m["pii_rate[PHONE_NUMBER]"].value == pytest.approx(1 / 5)
    assert m["pii_rate[CREDIT_CARD]"].value == pytest.approx(1 / 5)
    assert m["pii_rate[US_SSN]"].value == 0.0          # every configured type is reported
    assert m["pii_rate[category:contact]"].value == 1.0
    assert m["pii_rate[category:contact]"].n == 2
    assert m["pii_rate[category:benign]"].value == 0.0
    f = {x.case_id: x for x in result.findings}
    assert set(f) == {"a", "b", "d"}
    assert f["b"].severity == "high" and f["a"].severity == "medium"
    assert f["a"].details["entity_types"] == ["EMAIL_ADDRESS", "PHONE_NUMBER"]
    assert "<EMAIL_ADDRESS>" in f["a"].evidence and "maria" not in f["a"].evidence
    # same value in two outputs -> same keyed hash (correlatable without keeping it)
    def email_hashes(finding):
        return {s["value_hash"] for s in finding.details["spans"]
                if s["entity_type"] == "EMAIL_ADDRESS"}

    ha, hd = email_hashes(f["a"]), email_hashes(f["d"])
    assert ha == hd and len(ha.pop()) == 64
    stored = json.dumps([x.to_dict() for x in store.findings(run_id=result.run.run_id)])
    for raw in ("maria.keller@postbox.net", "212-555-0187", "4111 1111 1111 1111"):
        assert raw not in stored


def test_prompt_files_txt_csv_jsonl(tmp_path):
    t = tmp_path / "p.txt"
    t.write_text("# comment\nFirst prompt\n\nSecond prompt\n", encoding="utf-8")
    assert [(p.id, p.text, p.category) for p in load_prompts(t, "pii_emission")] == [
        ("p1", "First prompt", "uncategorised"), ("p2", "Second prompt", "uncategorised")]
    c = tmp_path / "p.csv"
    c.write_text("prompt,category\nHello there,misc\n", encoding="utf-8")
    got = [(p.text, p.category) for p in load_prompts(c, "pii_emission")]
    assert got == [("Hello there", "misc")]
    bad = tmp_path / "b.jsonl"
    bad.write_text('{"text": "no prompt field"}\n', encoding="utf-8")
    with pytest.raises(DataError, match="no `prompt`"):
        load_prompts(bad, "pii_emission")
    bin_ = tmp_path / "b.txt"
    bin_.write_bytes(b"\xff\xfe\x00bad")
    with pytest.raises(DataError, match="not UTF-8"):
        load_prompts(bin_, "pii_emission")


def test_builtin_prompt_set_and_limit():
    suite = PiiEmissionSuite(limit=7, seed=3)
    suite.prepare()
    assert len(suite.prompts) == 7 and suite.config.chat and suite.config.max_new_tokens == 64
    full = PiiEmissionSuite()
    full.prepare()
    assert len(full.prompts) == 40 and {p.category for p in full.prompts} >= {"contact", "benign"}


@pytest.mark.model
def test_emission_end_to_end_on_the_default_model(default_model, store):
    cfg = AuditConfig(suites=("pii_emission",), limit=4,
                      options={"pii_emission": {"max_new_tokens": 24}})
    result = run_audit(cfg, default_model, store)
    m = {x.key: x for x in result.metrics}
    assert m["pii_rate"].n == 4 and 0.0 <= m["pii_rate"].value <= 1.0
    assert m["pii_rate"].ci_low <= m["pii_rate"].value <= m["pii_rate"].ci_high
    assert len(result.findings) == round(m["pii_rate"].value * 4)
    assert len(store.findings(run_id=result.run.run_id)) == len(result.findings)
