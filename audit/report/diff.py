"""Run diffs: which metrics moved between two runs, by how much, and whether beyond their CIs.

The rule (stated in the README and in every diff's output): a change is **significant** when the
two runs' 95% confidence intervals for that metric do not overlap. Non-overlap is conservative
(two intervals can overlap while the difference is still significant at 5%), so a "significant"
flag is strong evidence of a real move; a "not significant" one is not proof of no move. When
either interval is missing the significance is `None` (unknown).
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass, field
from typing import Any

from audit.types import Metric

__all__ = ["MetricChange", "RunDiff", "SIGNIFICANCE_RULE", "diff_metrics"]

SIGNIFICANCE_RULE = "significant = the two runs' 95% confidence intervals do not overlap"


def _finite(v: float | None) -> bool:
    return v is not None and math.isfinite(v)


@dataclass(frozen=True)
class MetricChange:
    """One metric in both runs (or only one of them)."""

    suite: str
    key: str
    a: float | None
    b: float | None
    a_ci: tuple[float | None, float | None]
    b_ci: tuple[float | None, float | None]
    a_n: int | None
    b_n: int | None
    delta: float | None
    significant: bool | None
    status: str  # "up" | "down" | "same" | "added" | "removed" | "undefined"

    @property
    def full_key(self) -> str:
        return f"{self.suite}.{self.key}"

    def to_dict(self) -> dict[str, Any]:
        d = asdict(self)
        d["full_key"] = self.full_key
        d["a_ci"], d["b_ci"] = list(self.a_ci), list(self.b_ci)
        return d


@dataclass(frozen=True)
class RunDiff:
    """All metric changes from run `a` (before) to run `b` (after)."""

    run_a: str
    run_b: str
    changes: list[MetricChange] = field(default_factory=list)
    rule: str = SIGNIFICANCE_RULE

    @property
    def significant(self) -> list[MetricChange]:
        return [c for c in self.changes if c.significant]

    @property
    def moved(self) -> list[MetricChange]:
        return [c for c in self.changes if c.status in ("up", "down")]

    def to_dict(self) -> dict[str, Any]:
        return {"run_a": self.run_a, "run_b": self.run_b, "rule": self.rule,
                "n_metrics": len(self.changes), "n_moved": len(self.moved),
                "n_significant": len(self.significant),
                "changes": [c.to_dict() for c in self.changes]}


def _overlap(a: tuple[float | None, float | None], b: tuple[float | None, float | None]) -> bool | None:
    if not all(_finite(v) for v in (*a, *b)):
        return None
    return not (a[1] < b[0] or b[1] < a[0])


def _change(a: Metric | None, b: Metric | None) -> MetricChange:
    ref = b or a
    assert ref is not None
    a_v = a.value if a else None
    b_v = b.value if b else None
    a_ci = (a.ci_low, a.ci_high) if a else (None, None)
    b_ci = (b.ci_low, b.ci_high) if b else (None, None)
    delta = b_v - a_v if _finite(a_v) and _finite(b_v) else None
    if a is None:
        status, sig = "added", None
    elif b is None:
        status, sig = "removed", None
    elif delta is None:
        status, sig = "undefined", None
    else:
        status = "up" if delta > 0 else "down" if delta < 0 else "same"
        overlap = _overlap(a_ci, b_ci)
        sig = None if overlap is None else (not overlap and delta != 0)
    return MetricChange(suite=ref.suite, key=ref.key, a=a_v, b=b_v, a_ci=a_ci, b_ci=b_ci,
                        a_n=a.n if a else None, b_n=b.n if b else None, delta=delta,
                        significant=sig, status=status)


def diff_metrics(run_a: str, a: list[Metric], run_b: str, b: list[Metric]) -> RunDiff:
    """Pair metrics by (suite, name, group) and describe each change from `a` to `b`.

    Ordered: significant changes first, then by absolute delta, then by key.
    """
    left = {(m.suite, m.key): m for m in a}
    right = {(m.suite, m.key): m for m in b}
    changes = [_change(left.get(k), right.get(k)) for k in sorted(set(left) | set(right))]
    changes.sort(key=lambda c: (not c.significant, -abs(c.delta or 0.0), c.full_key))
    return RunDiff(run_a, run_b, changes)
