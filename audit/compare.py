"""`assay compare`: item-level paired comparison of two runs (e.g. an original and its compressed
variant), built only from the stored `samples` of both.

Items are paired by (suite, case_id). For every suite both runs share:
  outcomes  each binary item outcome: A and B rates, the difference B - A with a paired bootstrap
            CI, flip rate with a Wilson CI, exact McNemar p; per group the same with Holm-adjusted
            p-values (over the groups of that outcome); by stratum of the original's |margin|
  values    each continuous per-item value: A and B means and the paired difference with its CI
  warnings  "masked flips": the aggregate did not move beyond its CI but items flipped. An
            aggregate comparison (`assay diff`) cannot see this (arXiv 2602.06181).
`to_metrics` flattens the result into Metric rows so `assay gate` rules apply unchanged:
`SUITE.flip_rate` (the suite's first outcome), `SUITE.OUTCOME.flip_rate`, `.mcnemar_p`, `.diff`,
`SUITE.flip_rate[GROUP]`, `SUITE.VALUE.diff`.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

from audit.errors import UsageError
from audit.metrics.items import flip_stats, margin_strata, paired_bootstrap_diff
from audit.metrics.paired import holm
from audit.samples import Sample
from audit.types import Metric

__all__ = ["compare_samples", "to_metrics"]

N_STRATA = 4
# The bias outcome of a suite whose samples carry several (bbq also stores `correct`).
PRIMARY = {"bbq": "biased", "crows_pairs": "stereotype"}


def _f(x: float) -> float | None:
    return None if x is None or not math.isfinite(float(x)) else float(x)


def _outcome(name: str, pairs: list[tuple[Sample, Sample]], seed: int) -> dict[str, Any]:
    a = np.array([p[0].outcomes[name] for p in pairs], dtype=int)
    b = np.array([p[1].outcomes[name] for p in pairs], dtype=int)
    fs = flip_stats(a, b)
    diff, lo, hi = paired_bootstrap_diff(a, b, seed=seed)
    out: dict[str, Any] = {
        "n": fs.n, "a": fs.a_rate, "b": fs.b_rate, "diff": diff, "diff_ci": [lo, hi],
        "flips": fs.flips, "one_to_zero": fs.one_to_zero, "zero_to_one": fs.zero_to_one,
        "flip_rate": fs.flip_rate, "flip_ci": list(fs.flip_ci), "mcnemar_p": fs.mcnemar_p}
    groups = np.array([p[0].group or "" for p in pairs])
    rows = []
    for g in sorted(set(groups.tolist())):
        sel = groups == g
        gs = flip_stats(a[sel], b[sel])
        d, glo, ghi = paired_bootstrap_diff(a[sel], b[sel], seed=seed)
        rows.append({"group": g, "n": gs.n, "a": gs.a_rate, "b": gs.b_rate, "diff": d,
                     "diff_ci": [glo, ghi], "flips": gs.flips, "flip_rate": gs.flip_rate,
                     "flip_ci": list(gs.flip_ci), "mcnemar_p": gs.mcnemar_p})
    for r, p_adj in zip(rows, holm([r["mcnemar_p"] for r in rows])):
        r["p_holm"] = p_adj
    out["groups"] = rows
    margins = [p[0].margin for p in pairs]
    if all(m is not None for m in margins) and pairs:
        idx, edges = margin_strata(margins, N_STRATA)
        strata = []
        for k in range(N_STRATA):
            sel = idx == k
            ss = flip_stats(a[sel], b[sel])
            strata.append({"stratum": k + 1, "abs_margin": [edges[k], edges[k + 1]], "n": ss.n,
                           "flips": ss.flips, "flip_rate": ss.flip_rate,
                           "flip_ci": list(ss.flip_ci)})
        out["strata"] = strata
        lo_r, hi_r = strata[0]["flip_rate"], strata[-1]["flip_rate"]
        out["uncertain_vs_certain"] = (lo_r / hi_r if hi_r and math.isfinite(lo_r) and hi_r > 0
                                       else None)
    out["masked_flips"] = bool(fs.flips > 0 and lo <= 0.0 <= hi)
    return out


def _value(name: str, pairs: list[tuple[Sample, Sample]], seed: int) -> dict[str, Any]:
    a = np.array([p[0].values[name] for p in pairs], dtype=float)
    b = np.array([p[1].values[name] for p in pairs], dtype=float)
    diff, lo, hi = paired_bootstrap_diff(a, b, seed=seed)
    return {"n": int(a.size), "a": float(a.mean()), "b": float(b.mean()), "diff": diff,
            "diff_ci": [lo, hi]}


def _suite(suite: str, sa: Sequence[Sample], sb: Sequence[Sample], seed: int) -> dict[str, Any]:
    by_b = {s.case_id: s for s in sb}
    pairs = [(s, by_b[s.case_id]) for s in sa if s.case_id in by_b]
    names_o = list(dict.fromkeys(k for s, _ in pairs for k in s.outcomes))
    if PRIMARY.get(suite) in names_o:  # the outcome a bare `SUITE.flip_rate` rule means
        names_o.remove(PRIMARY[suite])
        names_o.insert(0, PRIMARY[suite])
    names_v = list(dict.fromkeys(k for s, _ in pairs for k in s.values))
    out: dict[str, Any] = {"n_a": len(sa), "n_b": len(sb), "n_paired": len(pairs),
                           "outcomes": {}, "values": {}, "warnings": []}
    for name in names_o:
        both = [p for p in pairs if name in p[0].outcomes and name in p[1].outcomes]
        if both:
            out["outcomes"][name] = o = _outcome(name, both, seed)
            if o["masked_flips"]:
                out["warnings"].append(
                    f"masked flips: {suite}.{name} moved {o['diff']:+.3f} (95% CI "
                    f"{o['diff_ci'][0]:+.3f} to {o['diff_ci'][1]:+.3f}, includes 0) but "
                    f"{o['flips']} of {o['n']} items flipped ({o['flip_rate']:.1%}: "
                    f"{o['one_to_zero']} 1->0, {o['zero_to_one']} 0->1)")
    for name in names_v:
        both = [p for p in pairs if name in p[0].values and name in p[1].values]
        if both:
            out["values"][name] = _value(name, both, seed)
    if len(pairs) < len(sa) or len(pairs) < len(sb):
        out["warnings"].append(f"{suite}: {len(sa) - len(pairs)} items only in A, "
                               f"{len(sb) - len(pairs)} only in B (not compared)")
    return out


def _data_sha(data: Mapping[str, Any] | None, suite: str) -> str | None:
    entry = (data or {}).get(suite)
    return entry.get("sha256") if isinstance(entry, Mapping) else None


def compare_samples(run_a: str, run_b: str, samples_a: Sequence[Sample],
                    samples_b: Sequence[Sample], seed: int = 0,
                    data_a: Mapping[str, Any] | None = None,
                    data_b: Mapping[str, Any] | None = None) -> dict[str, Any]:
    """The comparison object (`assay compare --json`); UsageError when no case is shared.

    `data_a`/`data_b` are the runs' `Run.data` (suite -> path, sha256). Some suites number their
    cases by row (CrowS-Pairs: "0", "1", ...), so two different data files share every case id
    while row 5 is a different pair in each: a suite whose data hashes differ is not compared.
    """
    def by_suite(xs: Sequence[Sample]) -> dict[str, list[Sample]]:
        d: dict[str, list[Sample]] = {}
        for s in xs:
            d.setdefault(s.suite, []).append(s)
        return d

    a, b = by_suite(samples_a), by_suite(samples_b)
    suites, skipped = {}, []
    for suite in sorted(set(a) & set(b)):
        sha_a, sha_b = _data_sha(data_a, suite), _data_sha(data_b, suite)
        if sha_a and sha_b and sha_a != sha_b:
            skipped.append(f"{suite}: not compared, the runs scored different data files "
                           f"(sha256 {sha_a[:12]} vs {sha_b[:12]}), so equal case ids need not "
                           "be the same items")
            continue
        ids_b = {s.case_id for s in b[suite]}
        if any(s.case_id in ids_b for s in a[suite]):
            suites[suite] = _suite(suite, a[suite], b[suite], seed)
    if not suites:
        why = skipped[0] if skipped else (f"stored samples: {len(samples_a)} vs "
                                          f"{len(samples_b)}")
        raise UsageError(f"runs {run_a} and {run_b} share no cases ({why})",
                         "compare two audits of the same suites, data, --limit and --seed")
    return {"run_a": run_a, "run_b": run_b, "seed": seed, "suites": suites,
            "warnings": skipped + [w for s in suites.values() for w in s["warnings"]]}


def to_metrics(result: dict[str, Any]) -> list[Metric]:
    """Compare keys as Metric rows (run_id = B), so `audit.report.gate.evaluate_rules` applies."""
    run = result["run_b"]
    out: list[Metric] = []

    def add(suite: str, name: str, value: Any, n: int, ci: Any = None,
            group: str | None = None) -> None:
        lo, hi = (ci or (None, None))
        out.append(Metric(run_id=run, suite=suite, name=name, value=_f(value), n=int(n),
                          ci_low=_f(lo) if lo is not None else None,
                          ci_high=_f(hi) if hi is not None else None, group=group))

    for suite, s in result["suites"].items():
        for i, (name, o) in enumerate(s["outcomes"].items()):
            prefixes = [f"{name}."] + ([""] if i == 0 else [])
            for pre in prefixes:
                add(suite, f"{pre}flip_rate", o["flip_rate"], o["n"], o["flip_ci"])
                add(suite, f"{pre}mcnemar_p", o["mcnemar_p"], o["n"])
                add(suite, f"{pre}diff", o["diff"], o["n"], o["diff_ci"])
                for g in o["groups"]:
                    add(suite, f"{pre}flip_rate", g["flip_rate"], g["n"], g["flip_ci"], g["group"])
                    add(suite, f"{pre}diff", g["diff"], g["n"], g["diff_ci"], g["group"])
        for name, v in s["values"].items():
            add(suite, f"{name}.diff", v["diff"], v["n"], v["diff_ci"])
    return out
