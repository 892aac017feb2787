"""Second sealed PII set: hand-written texts nobody tuned on, scored per class and per genre.

Run once, by the lead: `.venv/bin/python -m bench.pii_sealed2` (`--path` for another file).
It runs `bench.pii_sealed` on this file (same engines, same ≥50%-overlap matching, same span and
checksum checks, its JSON line and table), then prints a second JSON line and table with what that
scorer leaves out: per-class precision, recall and F2 with n and Wilson 95% intervals, and the
false-positive rate on the PII-free texts, overall and per genre, for Assay and presidio's default
engine. Per class means the scorer's typed classes: STREET_ADDRESS, POSTCODE and LOCATION are one
class (LOCATION), every other label is its own.

How the set was written and labelled: bench/README.md, "Second sealed set".
"""

from __future__ import annotations

import argparse
import json
from collections import Counter
from pathlib import Path

from bench.pii_sealed import load
from bench.pii_sealed import main as sealed_main

__all__ = ["SEALED2", "fp_rates", "label_class", "per_class", "run_sealed"]

SEALED2 = Path(__file__).resolve().parent / "data" / "pii_sealed2.jsonl"
_ADDRESS = frozenset({"STREET_ADDRESS", "POSTCODE", "LOCATION"})


def label_class(label: str) -> str:
    """The typed-matching class of a gold label (the scorer merges the address parts)."""
    return "LOCATION" if label in _ADDRESS else label


def _wilson(k: int, n: int) -> list[float] | None:
    from bench.pii_heldout_score import _ci

    return [float(x) for x in _ci(k, n)] if n else None


def _f2(p: float | None, r: float | None) -> float | None:
    if p is None or r is None:
        return None
    return 0.0 if p + r == 0 else round(5 * p * r / (4 * p + r), 4)


def per_class(detail: dict) -> dict:
    """Class -> gold n, recall, predicted n, precision (Wilson CIs), F2, from `score_detail`.

    Recall pools the gold labels of a class; precision is over predictions of that class. A class
    with no gold (e.g. presidio's dates) has recall None; one never predicted has precision None.
    """
    found: Counter = Counter()
    gold: Counter = Counter()
    for label, r in detail["recall_by_label"].items():
        gold[label_class(label)] += r["n"]
        found[label_class(label)] += r["found"]
    out = {}
    for cls in sorted(set(gold) | set(detail["precision_by_class"])):
        pc = detail["precision_by_class"].get(cls, {"n": 0, "correct": 0})
        rec = round(found[cls] / gold[cls], 4) if gold[cls] else None
        prec = round(pc["correct"] / pc["n"], 4) if pc["n"] else None
        out[cls] = {"n_gold": gold[cls], "found": found[cls], "recall": rec,
                    "recall_ci": _wilson(found[cls], gold[cls]),
                    "n_pred": pc["n"], "correct": pc["correct"], "precision": prec,
                    "precision_ci": _wilson(pc["correct"], pc["n"]), "f2": _f2(prec, rec)}
    return out


def fp_rates(recs: list[dict], sealed: dict) -> dict:
    """Share of PII-free texts with any detection, per engine, overall and per genre (Wilson CI)."""
    free = [r for r in recs if not r["spans"]]
    n_by_genre = Counter(r["genre"] for r in free)
    out = {}
    for side, flagged in sealed["pii_free_flagged"].items():
        ids = {f["id"] for f in flagged}
        genres = Counter(r["genre"] for r in free if r["id"] in ids)
        out[side] = {"flagged": len(ids), "n": len(free),
                     "rate": round(len(ids) / len(free), 4) if free else None,
                     "ci": _wilson(len(ids), len(free)),
                     "by_genre": {g: {"flagged": genres[g], "n": n}
                                  for g, n in sorted(n_by_genre.items())}}
    return out


def _cell(v: float | None, ci: list[float] | None, k: int | None = None) -> str:
    if v is None:
        return "–"
    return f"{v:.3f} [{ci[0]:.3f}, {ci[1]:.3f}]" + ("" if k is None else f" ({k})")


def _table(extra: dict, title: str = "Second sealed set") -> str:
    rows = [f"\n{title}: per class, typed (≥50% overlap), Wilson 95% CI",
            "| class | n gold | Assay R | Assay P (n pred) | Assay F2 | presidio R | "
            "presidio P (n pred) | presidio F2 |", "|---|---|---|---|---|---|---|---|"]
    a, b = extra["per_class"]["assay"], extra["per_class"]["presidio_default"]
    for cls in sorted(set(a) | set(b)):
        ca, cb = a.get(cls, {}), b.get(cls, {})
        n_gold = (ca or cb).get("n_gold", 0)
        cells = []
        for c in (ca, cb):
            f2 = c.get("f2")
            cells += [_cell(c.get("recall"), c.get("recall_ci")),
                      _cell(c.get("precision"), c.get("precision_ci"), c.get("n_pred")),
                      "–" if f2 is None else f"{f2:.3f}"]
        rows.append(f"| {cls} | {n_gold} | " + " | ".join(cells) + " |")
    rows += ["\nPII-free texts with any detection (false-positive rate, Wilson 95% CI)",
             "| genre | n | Assay | presidio default |", "|---|---|---|---|"]
    fa, fb = extra["pii_free"]["assay"], extra["pii_free"]["presidio_default"]
    rows.append(f"| all | {fa['n']} | {fa['flagged']} = {_cell(fa['rate'], fa['ci'])} | "
                f"{fb['flagged']} = {_cell(fb['rate'], fb['ci'])} |")
    for g, c in fa["by_genre"].items():
        rows.append(f"| {g} | {c['n']} | {c['flagged']} | {fb['by_genre'][g]['flagged']} |")
    return "\n".join(rows)


def run_sealed(name: str, title: str, default: Path, description: str,
               argv: list[str] | None = None) -> dict:
    """The runner every sealed set after the first shares: `bench.pii_sealed` on the file, then
    per-class figures and the PII-free false-positive rate, printed as JSON and a table."""
    ap = argparse.ArgumentParser(description=description)
    ap.add_argument("--path", type=Path, default=default)
    args = ap.parse_args(argv)
    try:
        recs = load(args.path)
    except (OSError, ValueError) as exc:
        ap.exit(2, f"{name}: {exc}\n")
    result = sealed_main(["--path", str(args.path)])
    s = result["sealed"]
    extra = {"bench": name, "date": result["date"], "file_sha256": result["file_sha256"],
             "per_class": {side: per_class(s[side]) for side in ("assay", "presidio_default")},
             "pii_free": fp_rates(recs, s)}
    print(json.dumps(extra, ensure_ascii=False))
    print(_table(extra, title))
    return {**result, name.removeprefix("pii_"): extra}


def main(argv: list[str] | None = None) -> dict:
    return run_sealed("pii_sealed2", "Second sealed set", SEALED2, __doc__.splitlines()[0], argv)


if __name__ == "__main__":
    main()
