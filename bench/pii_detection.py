"""PII detection quality and speed: Assay's engine vs presidio's default `AnalyzerEngine`.

Run: `.venv/bin/python -m bench.pii_detection [--n 1000] [--seed 13]` (pins itself to one core).
Prints one JSON line: per-class and overall span-level precision, recall and F2 (with n and
Wilson 95% CIs) for both detectors on the same generated texts (`bench.pii_evalset`), texts/s
for both on one core, peak memory for both, and the ratios. Throughput: both detectors are timed
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
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import time
from collections import defaultdict
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


def score(gold: list[list[tuple[int, int, str]]],
          pred: list[list[tuple[int, int, str]]]) -> dict[str, dict[str, float]]:
    """Per-class and overall precision/recall/F2 under the relaxed type-aware overlap rule."""
    from audit.metrics import wilson_interval

    c: dict[str, list[int]] = defaultdict(lambda: [0, 0, 0, 0])  # pred, correct, gold, found
    for g_spans, p_spans in zip(gold, pred, strict=True):
        g_by, p_by = defaultdict(list), defaultdict(list)
        for s, e, t in g_spans:
            g_by[to_class(t)].append((s, e))
        for s, e, t in p_spans:
            p_by[to_class(t)].append((s, e))
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


def main(argv: list[str] | None = None) -> dict:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--n", type=int, default=1000, help="number of generated texts")
    ap.add_argument("--seed", type=int, default=13)
    ap.add_argument("--rounds", type=int, default=3,
                    help="timing rounds (the best time of each slice is kept)")
    ap.add_argument("--no-pin", action="store_true", help="do not pin to one CPU core")
    ap.add_argument("--no-memory", action="store_true",
                    help="skip the per-side peak-memory runs in fresh processes")
    ap.add_argument("--memory-side", choices=("assay", "presidio"), help=argparse.SUPPRESS)
    args = ap.parse_args(argv)
    if not args.no_pin and hasattr(os, "sched_setaffinity"):
        os.sched_setaffinity(0, {sorted(os.sched_getaffinity(0))[0]})
    if args.memory_side:
        out = _memory_side(args.memory_side, args.n, args.seed)
        print(json.dumps(out))
        return out
    memory = None
    if not args.no_memory:  # before this process loads anything: the children run alone
        from bench._measure import memory_by_side

        memory = memory_by_side(
            "bench.pii_detection", ("assay", "presidio"),
            ["--n", str(args.n), "--seed", str(args.seed)] + (["--no-pin"] if args.no_pin else []),
            "fresh interpreter per side; kernel VmHWM/VmRSS (MiB)", drop=("side", "n_texts"))

    from audit.pii import get_engine
    from bench.pii_evalset import generate

    examples = generate(args.n, args.seed)
    texts = [e.text for e in examples]
    gold = [e.spans for e in examples]

    assay = get_engine().load()
    base = presidio_default(assay.spacy_model)
    assay.analyze(texts[:20])
    for t in texts[:20]:
        base.analyze(t, language="en")

    def run_assay(batch: list[str]) -> list:
        return [[(s.start, s.end, s.entity_type) for s in spans] for spans in assay.analyze(batch)]

    def run_base(batch: list[str]) -> list:
        return [[(r.start, r.end, r.entity_type) for r in base.analyze(t, language="en")]
                for t in batch]

    assay_pred, base_pred = run_assay(texts), run_base(texts)
    assay_tps, base_tps = _interleaved_rates(run_assay, run_base, texts, args.rounds)
    a_scores, b_scores = score(gold, assay_pred), score(gold, base_pred)
    result = {
        "bench": "pii_detection",
        "date": datetime.now(UTC).strftime("%Y-%m-%d"),
        "machine": f"{platform.machine()} {platform.processor() or ''} "
                   f"{os.cpu_count()} cpus".strip(),
        "cores_used": len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else None,
        "spacy_model": assay.spacy_model,
        "n_texts": len(texts),
        "n_distractors": sum(e.kind == "distractor" for e in examples),
        "seed": args.seed,
        "assay": {"overall": a_scores["overall"], "texts_per_s": round(assay_tps, 1),
                  "per_class": {k: v for k, v in a_scores.items() if k != "overall"}},
        "presidio_default": {"overall": b_scores["overall"], "texts_per_s": round(base_tps, 1),
                             "per_class": {k: v for k, v in b_scores.items() if k != "overall"}},
        "speedup": round(assay_tps / base_tps, 2),
        "f2_gain": round(a_scores["overall"]["f2"] - b_scores["overall"]["f2"], 4),
        "memory": memory,
    }
    print(json.dumps(result))
    return result


if __name__ == "__main__":
    main()
