"""The monitor with the real presidio engine: real entity types, keyed hashes, no raw values."""

from __future__ import annotations

import json
from pathlib import Path

from audit.pii import keyed_hash
from monitors.detector import presidio_detector
from monitors.monitor import Monitor, MonitorConfig


def test_monitor_with_real_engine(store, tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setenv("ASSAY_SECRET_FILE", str(tmp_path / "secret.key"))
    log = tmp_path / "gw.jsonl"
    recs = [
        {"id": "a", "prompt": "What is my balance?",
         "response": "Your SSN 536-22-8726 is on file."},
        {"id": "b", "prompt": "Email bob.jones@example.org please", "response": "Done."},
        {"id": "c", "prompt": "Tell me a joke", "response": "Why did the chicken cross the road?"},
    ]
    log.write_text("".join(json.dumps(r) + "\n" for r in recs) + "{oops\n")
    cfg = MonitorConfig(paths=(str(log),), state_path=tmp_path / "s.json", rotated_grace_s=0)
    m = Monitor(cfg, store, presidio_detector())
    m.poll_once()
    # record ids from the log are kept as keyed hashes, the evidence as shapes by default
    ids = {keyed_hash(r)[:16]: r for r in ("a", "b", "c")}
    got = {(ids[f.details["record_id_hash"]], f.probe): f
           for f in store.findings(source="monitor")}
    assert set(got) == {("a", "response"), ("b", "prompt")}
    assert got[("a", "response")].details["entity_types"] == ["US_SSN"]
    assert got[("a", "response")].evidence == "Your XXX <US_SSN> is on file."
    assert all("record_id" not in f.details for f in got.values())
    assert "EMAIL_ADDRESS" in got[("b", "prompt")].details["entity_types"]
    assert len(got[("b", "prompt")].details["value_hashes"][0]) == 64
    dump = json.dumps([f.to_dict() for f in got.values()])
    assert "536-22-8726" not in dump and "bob.jones@example.org" not in dump
    assert m.stats.records == 3 and store.count_quarantined() == 1
