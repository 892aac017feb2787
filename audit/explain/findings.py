"""Attach attributions to the top-K explainable findings of an audit (the runner's finding hook).

A finding is explainable when its suite put `details["explain"] = {"prompt", "target", "foil"}`
on it. The K most severe (ties keep the suites' own order, strongest first) are explained with one
method and the `Attribution.to_dict()` is stored as `Finding.attribution`.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from typing import Any

from audit.errors import AssayError
from audit.explain.config import ExplainConfig
from audit.explain.registry import get_explainer
from audit.types import SEVERITIES, Finding

__all__ = ["explain_findings", "explain_request", "make_finding_hook"]

_RANK = {s: i for i, s in enumerate(SEVERITIES)}


def explain_request(finding: Finding) -> dict[str, Any] | None:
    """The finding's `details["explain"]` if it names a prompt and a target, else None."""
    req = (finding.details or {}).get("explain")
    if not isinstance(req, dict):
        return None
    if not isinstance(req.get("prompt"), str) or not isinstance(req.get("target"), str):
        return None
    return req


def explain_findings(lm: Any, results: list[Any], top_k: int = 3, method: str = "ablation",
                     config: ExplainConfig | None = None,
                     progress: Callable[[str, int], Any] | None = None) -> int:
    """Explain the `top_k` most severe explainable findings in place; returns how many."""
    if top_k <= 0:
        return 0
    explainer = get_explainer(method, config)
    candidates = [(ri, fi, f) for ri, res in enumerate(results) for fi, f in enumerate(res.findings)
                  if f.attribution is None and explain_request(f) is not None]
    candidates.sort(key=lambda c: -_RANK[c[2].severity])  # stable: suites' order within a rank
    chosen = candidates[:top_k]
    if not chosen:
        return 0
    check = getattr(explainer, "check_model", None)
    try:
        if callable(check):
            check(lm)
    except AssayError as exc:  # e.g. an endpoint: the scores stand, one note says why no "why"
        results[chosen[0][0]].warnings.append(f"explanations skipped: {exc.one_line()}")
        return 0
    done = 0
    ctx = progress(f"explaining ({method})", len(chosen)) if progress else None
    advance = ctx.__enter__() if ctx else (lambda n=1: None)
    try:
        for ri, fi, f in chosen:
            req = explain_request(f)
            try:
                att = explainer.explain(lm, req["prompt"], req["target"], req.get("foil"))
            except AssayError as exc:  # a bad request from one suite must not sink the audit
                results[ri].warnings.append(f"explain {f.probe}/{f.case_id}: {exc.one_line()}")
            else:
                results[ri].findings[fi] = dataclasses.replace(f, attribution=att.to_dict())
                done += 1
            advance(1)
    finally:
        if ctx:
            ctx.__exit__(None, None, None)
    return done


def make_finding_hook(top_k: int = 3, method: str = "ablation",
                      config: ExplainConfig | None = None,
                      progress: Callable[[str, int], Any] | None = None):
    """A `run_audit(finding_hook=...)` callable explaining the top-K findings with `method`."""
    get_explainer(method, config)  # unknown method fails before the audit starts

    def hook(lm: Any, results: list[Any]) -> None:
        explain_findings(lm, results, top_k=top_k, method=method, config=config,
                         progress=progress)

    return hook
