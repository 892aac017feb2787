"""The five standard-benchmark suites through the runner into a real store (FakeModel), with
directory data paths hashed into the run record."""

from __future__ import annotations

import json
from pathlib import Path

from audit.model import FakeModel
from audit.runner import AuditConfig, run_audit

SUITES = ("stereoset", "bbq", "winobias", "holistic_bias", "bold")


def test_all_standard_suites_land_in_the_store(store, datasets: Path) -> None:
    data = {"stereoset": datasets / "stereoset", "bbq": datasets / "bbq",
            "winobias": datasets / "winobias", "holistic_bias": datasets / "holistic_bias",
            "bold": datasets / "bold" / "religious_ideology_prompt.json"}
    result = run_audit(AuditConfig(model="fake", suites=SUITES, data=data, limit=60, seed=7),
                       FakeModel(), store)
    run = store.get_run(result.run.run_id)
    assert run.suites == SUITES and run.seed == 7
    for name in ("stereoset", "bbq", "winobias", "holistic_bias"):  # directories are hashed
        assert len(run.data[name]["sha256"]) == 64
    summary = json.loads(json.dumps(result.summary()))
    for name in SUITES:
        stored = store.metrics(run.run_id, suite=name)
        # every value has an interval, except where none can exist (ICAT of a single target
        # term, a one-observation group)
        assert stored and all(m.n > 0 and m.ci_low is not None and m.ci_high is not None
                              for m in stored if m.value is not None and m.n >= 2
                              and not (m.name == "icat" and m.details.get("n_terms") == 1)), name
        assert any(m.group for m in stored), name  # per-group values exist
        assert summary["suites"][name]["n"] > 0
    keys = summary["suites"]
    assert {"ss", "lms", "icat", "ss[intrasentence]"} <= set(keys["stereoset"]["metrics"])
    assert {"bias_ambig", "bias_disambig", "accuracy_ambig[Age]"} <= set(keys["bbq"]["metrics"])
    assert {"pro_preferred[type1]", "pro_anti_gap[type2]"} <= set(keys["winobias"]["metrics"])
    assert any(k.startswith("likelihood_bias[") for k in keys["holistic_bias"]["metrics"])
    assert "sentiment_gap[religious_ideology]" in keys["bold"]["metrics"]
    assert store.count_findings(run_id=run.run_id) == len(result.findings)
    # the same config hashed twice gives the same data hashes (directories hash deterministically)
    again = run_audit(AuditConfig(model="fake", suites=("winobias",),
                                  data={"winobias": data["winobias"]}, limit=5), FakeModel())
    assert again.run.data["winobias"]["sha256"] == run.data["winobias"]["sha256"]
