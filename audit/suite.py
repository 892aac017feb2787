"""The suite contract (core): a small declarative class plus data, scored against one model.

Suites are plug-ins (`probes/`, or third-party packages through the `assay.probes` entry point);
the runner depends only on this module, never on them (lm-evaluation-harness's split of
`lm_eval/api/task.py` from its tasks).
"""

from __future__ import annotations

import math
from abc import ABC, abstractmethod
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, ClassVar

from audit.metrics.ci import MIN_N
from audit.model.base import Capability, LanguageModel
from audit.types import Finding, Metric, Severity

__all__ = ["Advance", "ProgressFactory", "Suite", "SuiteContext", "SuiteResult", "no_progress"]

Advance = Callable[[int], None]  # what a progress bar yields; the model methods' `progress=`
ProgressFactory = Callable[[str, int], Any]  # (description, total) -> context manager -> Advance


@contextmanager
def no_progress(description: str, total: int) -> Iterator[Advance]:
    yield lambda n=1: None


@dataclass
class SuiteContext:
    """What a suite gets to run: the model, the run id, seed, limit, progress, options."""

    model: LanguageModel
    run_id: str
    seed: int = 0
    limit: int | None = None
    progress: ProgressFactory = no_progress
    options: dict[str, Any] = field(default_factory=dict)
    evidence: str = "shape"  # audit.pii.evidence mode for findings' text ("shape" / "redacted")


@dataclass
class SuiteResult:
    """A suite's output: `n` cases scored, metrics (with n and CI), findings."""

    suite: str
    n: int
    metrics: list[Metric] = field(default_factory=list)
    findings: list[Finding] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    samples: list[Any] = field(default_factory=list)  # audit.samples.Sample, one per case


class Suite(ABC):
    """Base class for a probe suite.

    Class attributes describe the suite; `__init__` only stores settings; `prepare()` loads and
    validates cases (before any model is loaded, so bad data fails fast); `run()` scores them.
    `requires` lists the model capabilities `run()` uses: the runner refuses a model that lacks
    one before any suite runs.
    """

    id: ClassVar[str]
    category: ClassVar[str]  # "bias" | "pii"
    description: ClassVar[str]
    requires: ClassVar[frozenset[Capability]] = frozenset()
    requires_data: ClassVar[bool] = False
    data_help: ClassVar[str] = ""  # the accepted file format(s), shown in errors and --help
    default_limit: ClassVar[int | None] = None

    def __init__(self, data_path: Path | None = None, limit: int | None = None, seed: int = 0,
                 options: dict[str, Any] | None = None) -> None:
        self.data_path = data_path
        self.limit = limit
        self.seed = seed
        self.options = dict(options or {})

    @abstractmethod
    def prepare(self) -> None:
        """Load and validate cases; raise DataError with the expected format when they are bad."""

    @abstractmethod
    def run(self, ctx: SuiteContext) -> SuiteResult:
        """Score the prepared cases with `ctx.model`."""

    # -- helpers for subclasses ------------------------------------------------------------
    def metric(self, ctx: SuiteContext, name: str, value: float, n: int,
               ci: tuple[float, float] | None = None, group: str | None = None,
               **details: Any) -> Metric:
        lo, hi = ci if ci is not None else (None, None)
        clean = [None if v is None or not math.isfinite(float(v)) else float(v) for v in (lo, hi)]
        if n < MIN_N:
            details.setdefault("warning", f"n={n} < {MIN_N}: the interval is wide and unstable")
        val = float(value) if value is not None and math.isfinite(float(value)) else None
        return Metric(run_id=ctx.run_id, suite=self.id, name=name, value=val, n=int(n),
                      ci_low=clean[0], ci_high=clean[1], group=group, details=details)

    def finding(self, ctx: SuiteContext, probe: str, case_id: str, severity: Severity,
                evidence: str, group: str | None = None, **details: Any) -> Finding:
        return Finding(run_id=ctx.run_id, source="audit", suite=self.id, probe=probe,
                       case_id=case_id, severity=severity, evidence=evidence, group=group,
                       details=details)
