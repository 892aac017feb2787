"""`assay samples` and `assay compare`: item-level results of a run, and two runs paired by case."""

from __future__ import annotations

import sys

import typer

from audit.cli import app
from audit.cli._common import StoreOption, open_cli_store, print_json
from audit.errors import UsageError

__all__ = ["compare", "samples"]


def _run(st: object, run_id: str) -> object:
    if run_id == "latest":
        runs = st.runs(limit=1)  # type: ignore[attr-defined]
        if not runs:
            raise UsageError(f"no runs in {st.display_url}", "create one with `assay audit`")  # type: ignore[attr-defined]
        return runs[0]
    return st.get_run(run_id)  # type: ignore[attr-defined]


@app.command()
def samples(run_id: str = typer.Argument(..., help="Run id, unique prefix, or 'latest'."),
            suite: str = typer.Option(None, "--suite", "-s", help="Only this suite."),
            store: str = StoreOption,
            json_out: bool = typer.Option(False, "--json", help="Print one JSON object.")) -> None:
    """Item-level results of a run: per case its group, binary outcomes, values and margin.

    Example: assay samples latest --suite crows_pairs --json
    """
    st = open_cli_store(store, create=False)
    run = _run(st, run_id)
    rows = st.samples(run.run_id, suite)
    if not rows:
        have = st.sample_suites(run.run_id)
        raise UsageError(f"run {run.run_id} has no samples" + (f" for suite {suite}" if suite else ""),
                         f"suites with samples: {', '.join(have) or 'none (run predates samples)'}")
    if json_out:
        print_json({"run_id": run.run_id, "n": len(rows), "samples": [s.to_dict() for s in rows]})
        return
    print("suite\tcase_id\tgroup\toutcomes\tmargin")
    for s in rows:
        o = ",".join(f"{k}={v}" for k, v in s.outcomes.items())
        print(f"{s.suite}\t{s.case_id}\t{s.group or ''}\t{o}\t"
              f"{'' if s.margin is None else f'{s.margin:+.4f}'}")


def _pct(x: float | None) -> str:
    return "n/a" if x is None else f"{x:.1%}"


def _print(result: dict) -> None:
    """Verdict first: one summary line (each suite's bias outcome), the warnings, then per
    suite its outcomes, groups and strata."""
    heads = []
    for suite, s in result["suites"].items():
        name, o = next(iter(s["outcomes"].items()), (None, None))
        if o is not None:
            heads.append(f"{suite}.{name} {o['flips']}/{o['n']} flipped ({_pct(o['flip_rate'])}, "
                         f"McNemar p={o['mcnemar_p']:.3g})")
    print(f"{result['run_a']} -> {result['run_b']}: " + ("; ".join(heads) or "no binary outcomes"))
    for w in result["warnings"]:
        print(f"WARNING {w}")
    for suite, s in result["suites"].items():
        print(f"\n== {suite}: {s['n_paired']} paired items ({result['run_a']} -> {result['run_b']})")
        for name, o in s["outcomes"].items():
            lo, hi = o["flip_ci"]
            print(f"{name}: {_pct(o['a'])} -> {_pct(o['b'])} (diff {o['diff']:+.3f}, 95% CI "
                  f"{o['diff_ci'][0]:+.3f} to {o['diff_ci'][1]:+.3f}); flipped {o['flips']}/{o['n']}"
                  f" = {_pct(o['flip_rate'])} [{_pct(lo)}, {_pct(hi)}] "
                  f"({o['one_to_zero']} 1->0, {o['zero_to_one']} 0->1); McNemar p={o['mcnemar_p']:.3g}")
            for g in o["groups"]:
                print(f"  {g['group']:<22} n={g['n']:<5} {_pct(g['a'])} -> {_pct(g['b'])} "
                      f"diff {g['diff']:+.3f} [{g['diff_ci'][0]:+.3f}, {g['diff_ci'][1]:+.3f}] "
                      f"flips {g['flips']} ({_pct(g['flip_rate'])}) p_holm={g['p_holm']:.3g}")
            for st in o.get("strata", []):
                m_lo, m_hi = st["abs_margin"]
                print(f"  |margin| Q{st['stratum']} [{m_lo:.3f}, {m_hi:.3f}] n={st['n']:<5} "
                      f"flip rate {_pct(st['flip_rate'])} [{_pct(st['flip_ci'][0])}, "
                      f"{_pct(st['flip_ci'][1])}]")
        for name, v in s["values"].items():
            print(f"{name}: {v['a']:.4f} -> {v['b']:.4f} (diff {v['diff']:+.4f}, 95% CI "
                  f"{v['diff_ci'][0]:+.4f} to {v['diff_ci'][1]:+.4f})")
    sys.stdout.flush()


@app.command()
def compare(run_a: str = typer.Argument(..., help="The original run (id or prefix)."),
            run_b: str = typer.Argument(..., help="The variant run (id, prefix or 'latest')."),
            rule: list[str] = typer.Option([], "--rule", "-r",
                                           help='Gate rule on compare keys, e.g. '
                                                '"crows_pairs.flip_rate<=0.05" (repeatable).'),
            seed: int = typer.Option(0, "--seed", help="Bootstrap seed."),
            store: str = StoreOption,
            json_out: bool = typer.Option(False, "--json", help="Print one JSON object.")) -> None:
    """Pair two runs by case: flip rates (Wilson CI), McNemar exact p, per-group differences
    (Holm), flips by the original's certainty, and masked-flip warnings.

    Refused (exit 2) when the runs share no cases. With --rule, exits 1 when a rule fails.

    Example: assay compare 3f2a9c4b latest --rule "crows_pairs.flip_rate<=0.05"
    """
    from audit.compare import compare_samples, to_metrics
    from audit.report.gate import evaluate_rules, parse_rule

    rules = [parse_rule(r) for r in rule]
    st = open_cli_store(store, create=False)
    a, b = _run(st, run_a), _run(st, run_b)
    result = compare_samples(a.run_id, b.run_id, st.samples(a.run_id), st.samples(b.run_id),
                             seed=seed, data_a=a.data, data_b=b.data)
    gate = evaluate_rules(b.run_id, rules, to_metrics(result)) if rules else None
    if gate is not None:
        result["gate"] = gate.to_dict()
    if json_out:
        print_json(result)
    else:
        _print(result)
        if gate is not None:
            for o in gate.outcomes:
                print(f"{'PASS' if o.passed else 'FAIL'} {o.reason}")
            sys.stdout.flush()
    if gate is not None and not gate.passed:
        raise typer.Exit(1)
