"""The report's item-level section: the run paired case by case with its comparison run."""

from __future__ import annotations

from html import escape
from typing import Any

__all__ = ["item_compare", "items_html"]


def item_compare(store: Any, run_a: str, run_b: str) -> dict[str, Any] | None:
    """`assay compare A B` as a dict, or None when the runs share no stored cases."""
    from audit.compare import compare_samples
    from audit.errors import UsageError

    try:
        return compare_samples(run_a, run_b, store.samples(run_a), store.samples(run_b),
                               data_a=store.get_run(run_a).data, data_b=store.get_run(run_b).data)
    except UsageError:
        return None


def _pct(x: float | None) -> str:
    return "n/a" if x is None else f"{100 * x:.1f}%"


def items_html(result: dict[str, Any] | None) -> str:
    """Flip rates with CIs, McNemar p, strata; masked-flip warnings first. Empty when None."""
    if not result:
        return ""
    out = [f"<h2>Item flips against run {escape(result['run_a'])}</h2><p class='muted'>Cases "
           "paired by id. Flip rate: share of items whose outcome changed (Wilson 95% CI); "
           "McNemar exact p on the discordant items; strata are quartiles of that run's "
           "run's |margin| (Q1 least certain).</p>"]
    out += [f"<p class='sig'>{escape(w)}</p>" for w in result["warnings"]]
    rows = []
    for suite, s in result["suites"].items():
        for name, o in s["outcomes"].items():
            strata = " / ".join(_pct(x["flip_rate"]) for x in o.get("strata", []))
            rows.append(f"<tr><td>{escape(suite)}.{escape(name)}</td><td class='num'>{o['n']}</td>"
                        f"<td class='num'>{_pct(o['a'])} → {_pct(o['b'])}</td>"
                        f"<td class='num'>{o['flips']} ({_pct(o['flip_rate'])}, "
                        f"{_pct(o['flip_ci'][0])}–{_pct(o['flip_ci'][1])})</td>"
                        f"<td class='num'>{o['mcnemar_p']:.3g}</td><td>{escape(strata)}</td></tr>")
    head = "".join(f"<th>{h}</th>" for h in ("outcome", "n", "rate", "flips (95% CI)",
                                              "McNemar p", "flip rate Q1 / … / Q4"))
    out.append(f"<table><tr>{head}</tr>{''.join(rows)}</table>")
    return "".join(out)
