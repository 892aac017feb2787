"""Stand-in engines for the sealed PII sets' runner tests (no detector runs)."""

from __future__ import annotations

import types
from typing import Any


def fake_engines(monkeypatch: Any, recs: list[dict]) -> None:
    """Make `bench.pii_detection` score with two stand-ins: "assay" returns the gold spans, and
    "presidio" marks the first character of every PII-free text as a PERSON and finds nothing else."""
    import bench.pii_detection as pd

    gold = {r["text"]: r["spans"] for r in recs}
    monkeypatch.setattr(pd, "_detector_version", lambda: "fake")
    monkeypatch.setattr(pd, "_predictors", lambda: (
        types.SimpleNamespace(spacy_model="fake"),
        lambda texts: [list(gold[t]) for t in texts],
        lambda texts: [[] if gold[t] else [(0, 1, "PERSON")] for t in texts]))
