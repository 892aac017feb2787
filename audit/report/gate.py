"""Threshold gates: `suite.metric[group] OP number` rules checked against a stored run.

Grammar: `KEY[@FIELD] OP NUMBER` where KEY is `suite.metric` or `suite.metric[group]` (see
`Metric.key`), FIELD is `value` (default), `ci_low`, `ci_high` or `n`, and OP is one of
`<=`, `>=`, `<`, `>`, `==`, `!=`. Example: `crows_pairs.pct_stereotype[gender]@ci_high<=0.7`.
A metric whose value is undefined (NaN) fails every rule.
"""

from __future__ import annotations

import math
import operator
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from audit.errors import UsageError
from audit.types import Metric

__all__ = ["GateResult", "Rule", "RuleOutcome", "evaluate_rules", "parse_rule"]

_OPS: dict[str, Callable[[float, float], bool]] = {
    "<=": operator.le, ">=": operator.ge, "==": operator.eq, "!=": operator.ne,
    "<": operator.lt, ">": operator.gt,
}
_FIELDS = ("value", "ci_low", "ci_high", "n")
_RULE = re.compile(
    r"^\s*(?P<suite>[A-Za-z0-9_\-]+)\.(?P<name>[A-Za-z0-9_\-.]+?)"
    r"(?:\[(?P<group>[^\]]+)\])?(?:@(?P<field>[a-z_]+))?\s*"
    r"(?P<op><=|>=|==|!=|<|>)\s*(?P<num>[-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?)\s*$")
_HELP = ("write SUITE.METRIC[GROUP]@FIELD OP NUMBER, e.g. "
         "\"crows_pairs.pct_stereotype<=0.60\" (GROUP and @FIELD optional)")


@dataclass(frozen=True)
class Rule:
    """One parsed gate rule."""

    text: str
    suite: str
    name: str
    group: str | None
    field: str
    op: str
    threshold: float

    @property
    def key(self) -> str:
        return f"{self.name}[{self.group}]" if self.group else self.name

    @property
    def full_key(self) -> str:
        return f"{self.suite}.{self.key}"


def parse_rule(text: str) -> Rule:
    """Parse one rule; UsageError (exit 2) with the grammar when it is malformed."""
    m = _RULE.match(text)
    if not m:
        raise UsageError(f"gate rule {text!r} is malformed", _HELP)
    field = m["field"] or "value"
    if field not in _FIELDS:
        raise UsageError(f"gate rule {text!r}: unknown field @{field}",
                         f"use one of {', '.join('@' + f for f in _FIELDS)}")
    threshold = float(m["num"])
    if not math.isfinite(threshold):
        raise UsageError(f"gate rule {text!r}: threshold is not a finite number", _HELP)
    return Rule(text=text.strip(), suite=m["suite"], name=m["name"], group=m["group"],
                field=field, op=m["op"], threshold=threshold)


@dataclass(frozen=True)
class RuleOutcome:
    """A rule, the observed number, and whether it held."""

    rule: Rule
    observed: float | None
    passed: bool
    reason: str

    def to_dict(self) -> dict[str, Any]:
        return {"rule": self.rule.text, "metric": self.rule.full_key, "field": self.rule.field,
                "observed": self.observed, "threshold": self.rule.threshold, "op": self.rule.op,
                "passed": self.passed, "reason": self.reason}


@dataclass(frozen=True)
class GateResult:
    """Every rule's outcome for one run."""

    run_id: str
    outcomes: list[RuleOutcome]

    @property
    def passed(self) -> bool:
        return all(o.passed for o in self.outcomes)

    @property
    def failures(self) -> list[RuleOutcome]:
        return [o for o in self.outcomes if not o.passed]

    def to_dict(self) -> dict[str, Any]:
        return {"run_id": self.run_id, "passed": self.passed,
                "rules": [o.to_dict() for o in self.outcomes]}


def _fmt(v: float) -> str:
    return f"{v:.4g}"


def evaluate_rules(run_id: str, rules: Sequence[Rule], metrics: Sequence[Metric]) -> GateResult:
    """Check every rule against the run's metrics; UsageError naming the unknown metric(s) first."""
    by_key = {(m.suite, m.key): m for m in metrics}
    unknown = [r for r in rules if (r.suite, r.key) not in by_key]
    if unknown:
        have = sorted(f"{s}.{k}" for s, k in by_key)
        shown = ", ".join(have[:12]) + (" …" if len(have) > 12 else "")
        raise UsageError(f"gate: run {run_id} has no metric {', '.join(r.full_key for r in unknown)}",
                         f"known metrics: {shown or 'none'}")
    outcomes = []
    for r in rules:
        m = by_key[(r.suite, r.key)]
        raw = getattr(m, r.field)
        observed = float(raw) if raw is not None else None
        if observed is None or not math.isfinite(observed):
            outcomes.append(RuleOutcome(r, None, False,
                                        f"{r.text}: {r.full_key} {r.field} is undefined (n={m.n})"))
            continue
        ok = _OPS[r.op](observed, r.threshold)
        ci = (f", 95% CI [{_fmt(m.ci_low)}, {_fmt(m.ci_high)}]"
              if m.ci_low is not None and m.ci_high is not None else "")
        what = f"{r.full_key}" + (f" {r.field}" if r.field != "value" else "")
        reason = (f"{r.text}: {what} = {_fmt(observed)} (n={m.n}{ci}) "
                  f"{'holds' if ok else 'violates'} {r.op} {_fmt(r.threshold)}")
        outcomes.append(RuleOutcome(r, observed, ok, reason))
    return GateResult(run_id, outcomes)
