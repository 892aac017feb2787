"""The suite registry: built-ins listed here, third-party suites through entry points.

A third-party package registers a suite with
    [project.entry-points."assay.probes"]
    my_suite = "my_package.probes:MySuite"
"""

from __future__ import annotations

import importlib
from importlib.metadata import entry_points

from audit.errors import UsageError

__all__ = ["BUILTIN_SUITES", "DEFAULT_SUITES", "ENTRY_POINT_GROUP", "available_suites", "get_suite"]

ENTRY_POINT_GROUP = "assay.probes"

# name -> "module:Class". One line per suite; keep alphabetical within each category.
BUILTIN_SUITES: dict[str, str] = {
    # bias
    "bbq": "probes.bias.bbq:BBQSuite",
    "bold": "probes.bias.bold:BoldSuite",
    "counterfactual": "probes.bias.counterfactual:CounterfactualSuite",
    "crows_pairs": "probes.bias.crows_pairs:CrowsPairsSuite",
    "decisions": "probes.bias.decisions:DecisionsSuite",
    "holistic_bias": "probes.bias.holistic_bias:HolisticBiasSuite",
    "occupations": "probes.bias.occupations:OccupationsSuite",
    "stereoset": "probes.bias.stereoset:StereoSetSuite",
    "winobias": "probes.bias.winobias:WinoBiasSuite",
    # pii (leakage)
    "canary_exposure": "probes.pii.canary_exposure:CanaryExposureSuite",
    "pii_emission": "probes.pii.pii_emission:PiiEmissionSuite",
    "pii_extraction": "probes.pii.pii_extraction:PiiExtractionSuite",
}

# What `assay audit` runs when no --suite is given: built in, no external data, quick on CPU.
DEFAULT_SUITES: tuple[str, ...] = ("occupations", "counterfactual", "decisions")


def available_suites() -> dict[str, str]:
    """All suite names -> import paths (built-ins win over plug-ins with the same name)."""
    found = {ep.name: ep.value for ep in entry_points(group=ENTRY_POINT_GROUP)}
    found.update(BUILTIN_SUITES)
    return dict(sorted(found.items()))


def get_suite(name: str) -> type:
    """The suite class registered as `name`; UsageError listing the valid names otherwise."""
    suites = available_suites()
    if name not in suites:
        raise UsageError(f"unknown suite {name!r}",
                         f"choose from: {', '.join(suites)} (see `assay suites`)")
    return import_entry(suites[name], f"suite {name!r}")


def import_entry(target: str, what: str) -> type:
    """The object a registry entry "module:attr" names; one-line UsageError if it is broken
    (shared by the suite and the model-backend registries)."""
    module, _, attr = target.partition(":")
    try:
        return getattr(importlib.import_module(module), attr)
    except (ImportError, AttributeError) as exc:
        raise UsageError(f"{what} ({target}) cannot be imported: {exc}",
                         "reinstall the package that provides it") from None
