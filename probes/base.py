"""The suite contract lives in the core (`audit.suite`); re-exported here so plug-ins that
import it from `probes.base` keep working."""

from __future__ import annotations

from audit.suite import (
    Advance,
    ProgressFactory,
    Suite,
    SuiteContext,
    SuiteResult,
    no_progress,
)

__all__ = ["Advance", "ProgressFactory", "Suite", "SuiteContext", "SuiteResult", "no_progress"]
