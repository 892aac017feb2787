"""PII detection quality and speed: Assay's engine vs presidio's default `AnalyzerEngine`.

Run: `.venv/bin/python -m bench.pii_detection [--n 1000] [--seed 13] [--only quality|speed]`
(pins itself to one core). Prints one JSON line, then (quality part) a readable Markdown table.

Quality, for both detectors on every set (`sets` in the JSON):
- `in_distribution`: `--n` texts of `bench.pii_evalset` (the generator Assay's recognizers were
  tuned on): per-class and overall span-level precision, recall and F2 with n and Wilson 95% CIs
  (also at the top level, `assay` / `presidio_default`, as before);
- `heldout`: `bench.pii_heldout` (~1,500 hand-written and composed texts, independent of the
  evalset; `--heldout-n` caps it), and its `heldout_stt` (speech-to-text) and
  `heldout_handwritten` subsets: typed and any-type precision/recall/F2, recall per gold label,
  precision per predicted class, PII-free texts flagged (`bench.pii_heldout_score`);
- `heldout_invented_names`: 300 composed texts whose people have invented names (found only from
  context, never from a name list), scored the same way;
- `heldout_late`: hand-written texts added with the final measurement (`bench.pii_heldout.LATE`),
  when the file is there;
- `pii_free`: false positives on `bench.pii_heldout_clean` (logs, stdlib source, prose): texts
  flagged and detections per 1,000 characters, per source and per type; `pii_free_fresh`: the
  same on a fresh draw (other log seed, other modules, later prose) when its prose file is there.
Speed: texts/s for both on one core on the in-distribution texts, peak memory, and the ratio.
Throughput: both detectors are timed
on the same slices of 100 texts in alternation, best of `--rounds` per slice (robust to a shared,
busy machine); Assay gets each slice as one batch (`PIIEngine.analyze`), presidio one `analyze`
call per text.

Memory (`memory` in the JSON): each detector runs once more, alone, in a fresh interpreter
(`bench._measure.run_side`): generate the same texts, then import + load the detector, then
detect every text in the same 100-text slices. Reported per side, in MiB from the kernel's
`VmHWM` / `VmRSS`: `start_rss_mib` (texts generated, detector not imported), `loaded_peak_mib`
(after loading), `peak_rss_mib` (whole run) and `growth_mib` = peak - start.

Baseline: presidio-analyzer's `AnalyzerEngine` with its own default configuration
(`conf/default.yaml`: all default recognizers, NER label mapping, threshold 0), only the spaCy
model swapped to the one Assay uses, and one `analyze(text, language="en")` call per text.

Type mapping (both label sets onto evaluation classes): STREET_ADDRESS, POSTCODE and LOCATION
-> LOCATION; presidio's DATE_TIME -> DATE_OF_BIRTH (the only date the gold labels as PII);
every other type keeps its name, so a type the gold never uses (ORGANIZATION, NRP, US_BANK_NUMBER,
US_DRIVER_LICENSE, ...) can only produce false positives.

Span matching rule (type-aware, relaxed overlap): a predicted span is *correct* if at least 50%
of its characters lie inside gold spans of the same class; a gold span is *found* if at least 50%
of its characters are covered by predicted spans of the same class. Precision = correct /
predicted, recall = found / gold, F2 = 5PR / (4P + R) (recall weighted twice: a missed leak costs
more than an extra redaction). Overall figures pool the counts of every class (micro average).
The held-out scoring applies the same rule once per compatible class (typed) and once ignoring
types (any type: a value reported under a wrong type is still redacted); see
`bench/pii_heldout_score.py`.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import time
from collections import defaultdict
from collections.abc import Iterable
from datetime import UTC, datetime

for _var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_var, "1")
os.environ["TLDEXTRACT_PUBLIC_SUFFIX_LIST_URLS"] = ""  # the baseline's email check stays offline

__all__ = ["CLASS_OF", "f_beta", "score", "to_class"]

CLASS_OF = {"STREET_ADDRESS": "LOCATION", "POSTCODE": "LOCATION", "LOCATION": "LOCATION",
            "DATE_TIME": "DATE_OF_BIRTH"}


def to_class(entity_type: str) -> str:
    """The evaluation class of a gold label or a predicted entity type."""
    return CLASS_OF.get(entity_type, entity_type)


def _covered(span: tuple[int, int], others: list[tuple[int, int]]) -> int:
    s, e = span
    marks = bytearray(e - s)
    for a, b in others:
        for i in range(max(a, s), min(b, e)):
            marks[i - s] = 1
    return sum(marks)


def f_beta(p: float, r: float, beta: float = 2.0) -> float:
    """F-beta from precision and recall (0 when both are 0)."""
    b2 = beta * beta
    return (1 + b2) * p * r / (b2 * p + r) if p + r > 0 else 0.0


def by_class(spans: Iterable[tuple[int, int, str]]) -> defaultdict[str, list[tuple[int, int]]]:
    """Spans grouped by their matching class (`to_class`), types dropped."""
    out: defaultdict[str, list[tuple[int, int]]] = defaultdict(list)
    for s, e, t in spans:
        out[to_class(t)].append((s, e))
    return out


def score(gold: list[list[tuple[int, int, str]]],
          pred: list[list[tuple[int, int, str]]]) -> dict[str, dict[str, float]]:
    """Per-class and overall precision/recall/F2 under the relaxed type-aware overlap rule."""
    from audit.metrics import wilson_interval

    c: dict[str, list[int]] = defaultdict(lambda: [0, 0, 0, 0])  # pred, correct, gold, found
    for g_spans, p_spans in zip(gold, pred, strict=True):
        g_by, p_by = by_class(g_spans), by_class(p_spans)
        for cls, spans in p_by.items():
            for sp in spans:
                c[cls][0] += 1
                c[cls][1] += _covered(sp, g_by.get(cls, [])) * 2 >= sp[1] - sp[0]
        for cls, spans in g_by.items():
            for sp in spans:
                c[cls][2] += 1
                c[cls][3] += _covered(sp, p_by.get(cls, [])) * 2 >= sp[1] - sp[0]
    c["overall"] = [sum(v[i] for v in c.values()) for i in range(4)]
    out = {}
    for cls, (n_pred, ok, n_gold, found) in sorted(c.items()):
        # A class the gold never uses has no recall (None); one never predicted, no precision.
        p = ok / n_pred if n_pred else None
        r = found / n_gold if n_gold else None
        if r is None:
            f2 = 0.0 if n_pred else None
        else:
            f2 = f_beta(p, r) if p is not None else 0.0
        out[cls] = {"precision": None if p is None else round(p, 4),
                    "recall": None if r is None else round(r, 4),
                    "f2": None if f2 is None else round(f2, 4),
                    "n_pred": n_pred, "n_gold": n_gold,
                    "precision_ci": [round(x, 4) for x in wilson_interval(ok, n_pred)] if n_pred
                    else None,
                    "recall_ci": [round(x, 4) for x in wilson_interval(found, n_gold)] if n_gold
                    else None}
    return out


def presidio_default(model: str):
    """presidio's default AnalyzerEngine (conf/default.yaml) with the spaCy model swapped."""
    from pathlib import Path

    import presidio_analyzer
    import yaml
    from presidio_analyzer import AnalyzerEngine
    from presidio_analyzer.nlp_engine import NlpEngineProvider

    conf = yaml.safe_load((Path(presidio_analyzer.__file__).parent / "conf" / "default.yaml")
                          .read_text())
    conf["models"] = [{"lang_code": "en", "model_name": model}]
    return AnalyzerEngine(nlp_engine=NlpEngineProvider(nlp_configuration=conf).create_engine())


def _interleaved_rates(run_a, run_b, texts: list[str], rounds: int,
                       slices: int = 10) -> tuple[float, float]:
    """texts/s of two detectors, timed slice by slice in alternation, best of `rounds` per slice.

    Alternating small slices exposes both detectors to the same background load on a shared
    machine; keeping each slice's fastest round filters out bursts of contention.
    """
    size = max(1, len(texts) // slices)
    parts = [texts[i:i + size] for i in range(0, len(texts), size)]
    best_a = [float("inf")] * len(parts)
    best_b = [float("inf")] * len(parts)
    for _ in range(rounds):
        for i, part in enumerate(parts):
            t0 = time.perf_counter()
            run_a(part)
            t1 = time.perf_counter()
            run_b(part)
            t2 = time.perf_counter()
            best_a[i] = min(best_a[i], t1 - t0)
            best_b[i] = min(best_b[i], t2 - t1)
    return len(texts) / sum(best_a), len(texts) / sum(best_b)


def _memory_side(side: str, n: int, seed: int, slice_size: int = 100) -> dict:
    """One detector alone in this (fresh) process: peak RSS after loading and after detecting."""
    from bench._measure import memory_marks
    from bench.pii_evalset import generate

    texts = [e.text for e in generate(n, seed)]
    start = memory_marks(reset=True)
    if side == "assay":
        from audit.pii import get_engine

        run = get_engine().load().analyze
    else:
        from audit.pii._nlp import choose_spacy_model  # the model get_engine() picks

        base = presidio_default(choose_spacy_model())

        def run(batch: list[str]) -> list:
            return [base.analyze(t, language="en") for t in batch]
    run(texts[:1])
    loaded = memory_marks()
    for i in range(0, len(texts), slice_size):
        run(texts[i:i + slice_size])
    end = memory_marks()
    return {"side": side, "n_texts": len(texts), "start_rss_mib": start["rss_mib"],
            "loaded_peak_mib": loaded["peak_rss_mib"], "peak_rss_mib": end["peak_rss_mib"],
            "growth_mib": round(end["peak_rss_mib"] - start["rss_mib"], 1)}


def _detector_version() -> dict | None:
    """The commit the detector was measured at, and whether `audit/pii` had local changes."""
    import subprocess
    from pathlib import Path

    root = Path(__file__).resolve().parent.parent
    try:
        head = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=root, check=True,
                              capture_output=True, text=True).stdout.strip()
        dirty = subprocess.run(["git", "status", "--porcelain", "--", "audit/pii"], cwd=root,
                               check=True, capture_output=True, text=True).stdout.strip()
    except (OSError, subprocess.CalledProcessError):  # not a git checkout: nothing to record
        return None
    return {"commit": head, "audit_pii_modified": bool(dirty)}


def _predictors():
    """(assay, presidio) batch functions returning [(start, end, type), ...] per text."""
    from audit.pii import get_engine

    assay = get_engine().load()
    base = presidio_default(assay.spacy_model)

    def run_assay(batch: list[str]) -> list:
        return [[(s.start, s.end, s.entity_type) for s in spans] for spans in assay.analyze(batch)]

    def run_base(batch: list[str]) -> list:
        return [[(r.start, r.end, r.entity_type) for r in base.analyze(t, language="en")]
                for t in batch]

    return assay, run_assay, run_base


def _quality(run_assay, run_base, args) -> dict:
    """Every evaluation set, both detectors: in-distribution, held-out (+ subsets), PII-free."""
    from bench.pii_evalset import generate
    from bench.pii_heldout import generate as heldout
    from bench.pii_heldout import invented_names, late
    from bench.pii_heldout_clean import clean_corpus, fresh_corpus
    from bench.pii_heldout_score import fp_rates, score_detail, targets

    examples = generate(args.n, args.seed)
    texts, gold = [e.text for e in examples], [e.spans for e in examples]
    held = heldout(args.heldout_n, args.heldout_seed)
    h_texts, h_gold = [e.text for e in held], [e.spans for e in held]
    clean = clean_corpus()
    if args.pii_free_n is not None and args.pii_free_n < len(clean):  # evenly spaced subset
        clean = [clean[i * len(clean) // args.pii_free_n] for i in range(args.pii_free_n)]
    c_texts = [c.text for c in clean]
    subsets = {"heldout": lambda e: True, "heldout_stt": lambda e: e.genre == "stt",
               "heldout_handwritten": lambda e: e.source == "handwritten"}
    out: dict = {"in_distribution": {"n_texts": len(texts), "seed": args.seed,
                                     "n_distractors": sum(e.kind == "distractor"
                                                          for e in examples)}}
    for name in subsets:
        idx = [i for i, e in enumerate(held) if subsets[name](e)]
        out[name] = {"n_texts": len(idx), "n_without_pii": sum(not h_gold[i] for i in idx)}
    out["heldout"]["seed"] = args.heldout_seed
    out["pii_free"] = {"n_texts": len(c_texts), "n_chars": sum(map(len, c_texts))}
    inv = invented_names(min(300, args.heldout_n or 300))
    out["heldout_invented_names"] = {"n_texts": len(inv), "n_without_pii": 0}
    extra = {"heldout_invented_names": inv}
    fresh = fresh_corpus() if args.pii_free_n is None else []
    if fresh:
        out["pii_free_fresh"] = {"n_texts": len(fresh), "n_chars": sum(len(c.text) for c in fresh)}
    late_set = late()
    if late_set:
        out["heldout_late"] = {"n_texts": len(late_set),
                               "n_without_pii": sum(not e.spans for e in late_set)}
        extra["heldout_late"] = late_set
    for side, run in (("assay", run_assay), ("presidio_default", run_base)):
        pred = run(texts)
        s = score(gold, pred)
        out["in_distribution"][side] = {
            "overall": s["overall"], "per_class": {k: v for k, v in s.items() if k != "overall"},
            "detail": score_detail(gold, pred)}
        h_pred = run(h_texts)
        for name, keep in subsets.items():
            idx = [i for i, e in enumerate(held) if keep(e)]
            out[name][side] = score_detail([h_gold[i] for i in idx], [h_pred[i] for i in idx])
        if side == "assay":
            out["heldout"]["targets"] = targets(out["heldout"]["assay"])
        by_genre = out["heldout"].setdefault("by_genre", {})
        for genre in sorted({e.genre for e in held}):
            idx = [i for i, e in enumerate(held) if e.genre == genre]
            d = score_detail([h_gold[i] for i in idx], [h_pred[i] for i in idx])
            by_genre.setdefault(genre, {"n_texts": len(idx)})[side] = {
                k: d[k] for k in ("typed", "any_type", "texts_without_gold_flagged")}
        for name, examples in extra.items():
            out[name][side] = score_detail([e.spans for e in examples],
                                           run([e.text for e in examples]))
        if fresh:
            out["pii_free_fresh"][side] = fp_rates([c.text for c in fresh],
                                                   [c.source for c in fresh],
                                                   run([c.text for c in fresh]))
        out["pii_free"][side] = fp_rates(c_texts, [c.source for c in clean], run(c_texts))
    return out


def main(argv: list[str] | None = None) -> dict:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--n", type=int, default=1000, help="number of in-distribution texts")
    ap.add_argument("--seed", type=int, default=13)
    ap.add_argument("--heldout-n", type=int, default=None,
                    help="cap on held-out texts (default: all, ~1,500; bench/pii_heldout.py)")
    ap.add_argument("--heldout-seed", type=int, default=2027)
    ap.add_argument("--pii-free-n", type=int, default=None,
                    help="cap on PII-free texts (default: all 540; bench/pii_heldout_clean.py)")
    ap.add_argument("--only", choices=("quality", "speed"),
                    help="run only the quality part (every set + PII-free FP rates) or only speed")
    ap.add_argument("--rounds", type=int, default=3,
                    help="timing rounds (the best time of each slice is kept)")
    ap.add_argument("--no-pin", action="store_true", help="do not pin to one CPU core")
    ap.add_argument("--no-memory", action="store_true",
                    help="skip the per-side peak-memory runs in fresh processes")
    ap.add_argument("--memory-side", choices=("assay", "presidio"), help=argparse.SUPPRESS)
    args = ap.parse_args(argv)
    if min(args.n, args.heldout_n or 1, args.pii_free_n or 1) < 1:
        ap.error("--n, --heldout-n and --pii-free-n must be at least 1")
    if not args.no_pin and hasattr(os, "sched_setaffinity"):
        os.sched_setaffinity(0, {sorted(os.sched_getaffinity(0))[0]})
    if args.memory_side:
        out = _memory_side(args.memory_side, args.n, args.seed)
        print(json.dumps(out))
        return out
    speed = args.only != "quality"
    memory = None
    if speed and not args.no_memory:  # before this process loads anything: children run alone
        from bench._measure import memory_by_side

        memory = memory_by_side(
            "bench.pii_detection", ("assay", "presidio"),
            ["--n", str(args.n), "--seed", str(args.seed)] + (["--no-pin"] if args.no_pin else []),
            "fresh interpreter per side; kernel VmHWM/VmRSS (MiB)", drop=("side", "n_texts"))

    assay, run_assay, run_base = _predictors()
    result: dict = {
        "bench": "pii_detection",
        "date": datetime.now(UTC).strftime("%Y-%m-%d %H:%M"),
        "machine": f"{platform.machine()} {platform.processor() or ''} "
                   f"{os.cpu_count()} cpus".strip(),
        "cores_used": len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else None,
        "load_avg_before": [round(x, 2) for x in os.getloadavg()],
        "spacy_model": assay.spacy_model,
        "detector": _detector_version(),
    }
    if args.only != "speed":
        q = _quality(run_assay, run_base, args)
        ind = q["in_distribution"]
        result.update(n_texts=ind["n_texts"], n_distractors=ind["n_distractors"], seed=args.seed,
                      sets=q, f2_gain=round(ind["assay"]["overall"]["f2"]
                                            - ind["presidio_default"]["overall"]["f2"], 4))
        for side in ("assay", "presidio_default"):
            result[side] = {"overall": ind[side]["overall"], "per_class": ind[side]["per_class"]}
    if speed:
        from bench.pii_evalset import generate

        texts = [e.text for e in generate(args.n, args.seed)]
        run_assay(texts[:20])
        run_base(texts[:20])
        assay_tps, base_tps = _interleaved_rates(run_assay, run_base, texts, args.rounds)
        for side, tps in (("assay", assay_tps), ("presidio_default", base_tps)):
            result.setdefault(side, {})["texts_per_s"] = round(tps, 1)
        result.update(speed_n_texts=len(texts), speedup=round(assay_tps / base_tps, 2),
                      memory=memory)
    result["load_avg_after"] = [round(x, 2) for x in os.getloadavg()]
    print(json.dumps(result))
    if args.only != "speed":
        from bench.pii_heldout_score import render_table

        print(render_table(result))
    return result


if __name__ == "__main__":
    main()
