"""Shared pieces of the sealed PII sets' tests: stand-in engines for the runner (no detector
runs) and the refusal checks every sealed file gets (a broken card, a broken IBAN, an overlap)."""

from __future__ import annotations

import json
import types
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest


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


def _rewrite(path: Path, tmp: Path, name: str, label: str, change: Callable[[dict, int, int], None]
             ) -> tuple[Path, int]:
    """A copy of the sealed file at `tmp/name` with `change(rec, start, end)` applied to the first
    line holding `label`, and that line's index."""
    lines = path.read_text(encoding="utf-8").splitlines()
    i = next(k for k, ln in enumerate(lines) if f'"{label}"' in ln)
    rec = json.loads(lines[i])
    s, e, _ = next(sp for sp in rec["spans"] if sp[2] == label)
    change(rec, s, e)
    lines[i] = json.dumps(rec, ensure_ascii=False)
    bad = tmp / name
    bad.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return bad, i


def refuses_a_broken_card(path: Path, tmp: Path, main: Callable[[list[str]], Any]) -> None:
    """One card digit changed: `load` names the line, and the runner exits 2 before any engine."""
    from bench.pii_sealed import load

    def bump(rec: dict, s: int, e: int) -> None:
        digit = next(j for j in range(e - 1, s - 1, -1) if rec["text"][j].isdigit())
        bumped = str((int(rec["text"][digit]) + 1) % 10)
        rec["text"] = rec["text"][:digit] + bumped + rec["text"][digit + 1:]

    bad, i = _rewrite(path, tmp, "bad.jsonl", "CREDIT_CARD", bump)
    with pytest.raises(ValueError, match=rf"bad.jsonl:{i + 1}: card .* fails Luhn"):
        load(bad)
    # the runner refuses it before any engine is built (exit 2, one line)
    with pytest.raises(SystemExit) as exc:
        main(["--path", str(bad)])
    assert exc.value.code == 2


def refuses_a_broken_iban(path: Path, tmp: Path) -> None:
    """Two adjacent differing IBAN digits swapped (mod-97 catches every such transposition)."""
    from bench.pii_sealed import load

    def swap(rec: dict, s: int, e: int) -> None:
        t, j = rec["text"], e - 1
        while not (t[j].isdigit() and t[j - 1].isdigit() and t[j] != t[j - 1]):
            j -= 1
        rec["text"] = t[:j - 1] + t[j] + t[j - 1] + t[j + 1:]

    bad, i = _rewrite(path, tmp, "iban.jsonl", "IBAN_CODE", swap)
    with pytest.raises(ValueError, match=rf"iban.jsonl:{i + 1}: IBAN .* fails mod-97"):
        load(bad)


def refuses_an_overlap(path: Path, tmp: Path) -> None:
    """The first record with a second span overlapping its first."""
    from bench.pii_sealed import load

    rec = json.loads(path.read_text(encoding="utf-8").splitlines()[0])
    s, e, t = rec["spans"][0]
    rec["spans"].append([s + 1, e, t])
    bad = tmp / "overlap.jsonl"
    bad.write_text(json.dumps(rec, ensure_ascii=False) + "\n", encoding="utf-8")
    with pytest.raises(ValueError, match="overlap.jsonl:1: span .* overlapping"):
        load(bad)
