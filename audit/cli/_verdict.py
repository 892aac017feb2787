"""The terminal verdict after `assay audit`: what fails, what to look at, then one line a suite.

Fits one screen: every fail/warn item (at most `MAX_ITEMS`), passes folded into one line, then
one line per suite with its headline metric and its strongest finding. The full table of
per-group metrics stays in `assay show RUN`. User data goes through `rich.text.Text`, never
markup, so labels like `length_gap[gender_name:female-male]` print as they are.
"""

from __future__ import annotations

from collections import Counter
from typing import Any

from rich.console import Console
from rich.text import Text

from audit.report._format import fmt, fmt_ci
from audit.report.verdict import Verdict, VerdictItem

__all__ = ["MAX_ITEMS", "print_verdict", "verdict_lines"]

MAX_ITEMS = 12
STYLE = {"pass": "bold green", "warn": "bold yellow", "fail": "bold red"}
_EVIDENCE_WIDTH = 110


def _number(item: VerdictItem) -> str:
    if item.value is None:
        return ""
    ci = f" {fmt_ci(*item.ci)}" if item.ci and None not in item.ci else ""
    n = f" n={item.n}" if item.n is not None else ""
    return f" = {fmt(item.value)}{ci}{n}"


def _cut(text: str, width: int = _EVIDENCE_WIDTH) -> str:
    text = " ".join(str(text).split())
    return text if len(text) <= width else text[: width - 1] + "…"


def verdict_lines(verdict: Verdict, results: list[Any], run_id: str) -> list[Text]:
    """The summary as rich Text lines (no markup is parsed anywhere)."""
    lines = []
    head = Text("Verdict: ")
    head.append(verdict.status.upper(), style=STYLE[verdict.status])
    head.append(f" — {verdict.count('fail')} fail, {verdict.count('warn')} warn, "
                f"{verdict.count('pass')} pass")
    lines.append(head)
    shown = [i for i in verdict.items if i.status != "pass"]
    for item in shown[:MAX_ITEMS]:
        line = Text("  ")
        line.append(f"{item.status.upper():<4}", style=STYLE[item.status])
        line.append(f" {item.title}{_number(item)}  ")
        line.append(item.rule, style="dim")
        if item.suite and item.kind != "alert":
            line.append(f"  → assay findings --run {run_id} --suite {item.suite}", style="cyan")
        lines.append(line)
    if len(shown) > MAX_ITEMS:
        lines.append(Text(f"  … {len(shown) - MAX_ITEMS} more: assay report --run {run_id}"))
    passes = list(dict.fromkeys(i.title for i in verdict.items if i.status == "pass"))
    if passes:
        line = Text("  ")
        line.append("PASS", style=STYLE["pass"])
        line.append(" " + _cut(", ".join(passes), 140))
        lines.append(line)
    lines.append(Text(f"By suite (every metric with n and CI: assay show {run_id}):", style="bold"))
    for res in results:
        overall = [m for m in res.metrics if m.group is None][:2]
        heads = "; ".join(f"{m.name} {fmt(m.value)} {fmt_ci(m.ci_low, m.ci_high)}" for m in overall)
        counts = Counter(f.severity for f in res.findings if f.severity != "info")
        found = ", ".join(f"{k} {s}" for s, k in counts.most_common())
        line = Text(f"  {res.suite}: ", style="bold")
        line.append(f"{heads or 'no overall metric'} (n={res.n}); "
                    f"{found + ' findings' if found else 'no findings'}")
        lines.append(line)
        for note in res.warnings[:2]:  # e.g. which reference column a file was read with
            lines.append(Text(f"      warning: {_cut(note, 200)}", style="yellow"))
        if len(res.warnings) > 2:
            lines.append(Text(f"      … {len(res.warnings) - 2} more warnings: assay audit --json"))
        strongest = next((f for f in res.findings if f.severity != "info"), None)
        if strongest is not None:
            lines.append(Text(f"      strongest: [{strongest.severity}] {_cut(strongest.evidence)}"))
            att = strongest.attribution or {}
            pairs = list(zip(att.get("tokens") or [], att.get("scores") or []))
            if pairs:  # the token that moved the score most, either way (as `assay explain`)
                tok, sc = max(pairs, key=lambda ts: abs(ts[1]))
                lines.append(Text(f"      why ({att.get('method', '?')}): strongest token "
                                  f"{tok!r} {sc:+.3f}"))
    return lines


def print_verdict(console: Console, verdict: Verdict, results: list[Any], run_id: str) -> None:
    for line in verdict_lines(verdict, results, run_id):
        console.print(line, soft_wrap=True)
