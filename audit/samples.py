"""Item-level results (`samples`): one compact record per case of a suite, stored with the run.

A suite's aggregate metrics are means over its items; a sample keeps the per-item numbers they
are built from so two runs can be compared item by item (`assay compare`): which binary outcomes
flipped, by how much each item moved, and whether flips concentrate where the original was unsure.

    outcomes  binary item outcomes (0/1), e.g. crows_pairs `stereotype`, bbq `biased`, `correct`
    values    continuous per-item values whose mean is a published metric (e.g. likelihood_diff)
    margin    the signed decision margin of the primary outcome (nats); |margin| is the model's
              certainty, used to stratify flips by the original's uncertainty
    scores    the raw per-item numbers (log-likelihoods, chosen option), rounded to 4 decimals

Never raw text: leakage suites pass keyed hashes (audit.pii.secret) as case ids and no text.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

__all__ = ["Sample", "compact"]


def _r(x: Any) -> Any:
    """Round floats to 4 decimals (nats: far below any decision threshold) to keep rows small."""
    if isinstance(x, float) or (hasattr(x, "item") and isinstance(x.item(), float)):
        x = float(x)
        return round(x, 4) if math.isfinite(x) else None
    if hasattr(x, "item"):
        return x.item()
    if isinstance(x, list | tuple):
        return [_r(v) for v in x]
    return x


def compact(d: dict[str, Any]) -> dict[str, Any]:
    """`d` with floats rounded and numpy scalars made plain (JSON-ready)."""
    return {str(k): _r(v) for k, v in d.items()}


@dataclass(frozen=True)
class Sample:
    """One case of one suite in one run: id, group, binary outcomes, values, margin, raw scores."""

    suite: str
    case_id: str
    group: str | None = None
    outcomes: dict[str, int] = field(default_factory=dict)
    values: dict[str, float] = field(default_factory=dict)
    margin: float | None = None
    scores: dict[str, Any] = field(default_factory=dict)

    def data(self) -> dict[str, Any]:
        """The JSON column: short keys, since a large store holds millions of these."""
        d: dict[str, Any] = {}
        if self.outcomes:
            d["o"] = {k: int(v) for k, v in self.outcomes.items()}
        if self.values:
            d["v"] = compact(self.values)
        if self.scores:
            d["s"] = compact(self.scores)
        return d

    def to_dict(self) -> dict[str, Any]:
        return {"suite": self.suite, "case_id": self.case_id, "group": self.group,
                "outcomes": {k: int(v) for k, v in self.outcomes.items()},
                "values": compact(self.values), "margin": _r(self.margin),
                "scores": compact(self.scores)}

    @classmethod
    def from_row(cls, suite: str, case_id: str, group: str | None, margin: float | None,
                 data: dict[str, Any] | None) -> Sample:
        data = data or {}
        return cls(suite=suite, case_id=case_id, group=group, margin=margin,
                   outcomes=dict(data.get("o", {})), values=dict(data.get("v", {})),
                   scores=dict(data.get("s", {})))
