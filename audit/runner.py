"""The one orchestrator: suites x model -> metrics + findings -> store (one transaction)."""

from __future__ import annotations

import platform
import socket
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from typing import Any

from audit.errors import CapabilityError, DataError, UsageError
from audit.model._source import file_sha256
from audit.model.base import LanguageModel, missing_capabilities
from audit.registry import DEFAULT_SUITES, get_suite
from audit.suite import ProgressFactory, Suite, SuiteContext, SuiteResult, no_progress
from audit.types import Finding, Metric, Run, canonical_json, stable_id, utcnow

__all__ = ["AuditConfig", "AuditResult", "check_capabilities", "prepare_suites", "run_audit",
           "package_versions"]

_VERSIONED = ("assay", "torch", "transformers", "fairlearn", "presidio-analyzer", "captum", "shap",
              "spacy", "sqlalchemy", "numpy", "pandas", "scipy")

# Hook for explainers (issue #5): called with (model, suite results) after scoring, returns
# findings with attributions attached. Kept as a parameter so the runner has no hard dependency.
FindingHook = Callable[[Any, list[SuiteResult]], None]


def package_versions() -> dict[str, str]:
    out = {"python": platform.python_version()}
    for name in _VERSIONED:
        try:
            out[name] = version(name)
        except PackageNotFoundError:
            pass
    return out


@dataclass(frozen=True)
class AuditConfig:
    """Everything that determines an audit's result (hashed into `config_hash`)."""

    model: str = "default"
    suites: tuple[str, ...] = DEFAULT_SUITES
    data: dict[str, Path] = field(default_factory=dict)
    seed: int = 0
    limit: int | None = None
    options: dict[str, Any] = field(default_factory=dict)
    # What `open_model(model, **backend_options)` gets: the backend's own knobs (hf: device,
    # dtype, quantize, prune; any backend: model_options from --model-option). Only values a
    # user set, so a default run's config hash does not depend on a backend's defaults.
    backend_options: dict[str, Any] = field(default_factory=dict)
    # How much of a finding's text the store keeps (audit.pii.evidence; not in config_hash: it
    # changes no number) and whether a changed PII secret may replace the store's key.
    evidence: str = "shape"
    accept_new_secret: bool = False

    @property
    def device(self) -> str:
        return str(self.backend_options.get("device", "auto"))

    @property
    def quantize(self) -> str:
        return str(self.backend_options.get("quantize", "none"))

    @property
    def prune(self) -> str:  # "magnitude:S" (audit.model._compress)
        return str(self.backend_options.get("prune", "none"))


# --model-option keys that change how requests travel, not what a model answers: kept out of
# the config hash, so a rerun with more concurrency or a cache is the same configuration.
_TRANSPORT_OPTIONS = frozenset({"api_key_env", "timeout", "max_concurrency", "cache", "retries",
                                "max_batch_tokens", "compile", "share_prefixes", "cpu_workers",
                                # the endpoint's (audit/model/endpoint/_options.py)
                                "concurrency", "batch_size", "max_retries", "cache_path"})


@dataclass
class AuditResult:
    run: Run
    metrics: list[Metric]
    findings: list[Finding]
    results: list[SuiteResult]

    def summary(self) -> dict[str, Any]:
        """The `assay audit --json` object."""
        suites: dict[str, Any] = {}
        for res in self.results:
            entry: dict[str, Any] = {"n": res.n, "metrics": {}, "ci": {}, "metric_n": {},
                                     "findings": len(res.findings)}
            for m in res.metrics:
                entry["metrics"][m.key] = m.value
                entry["ci"][m.key] = [m.ci_low, m.ci_high]
                entry["metric_n"][m.key] = m.n
            if res.warnings:
                entry["warnings"] = res.warnings
            suites[res.suite] = entry
        return {"run_id": self.run.run_id, "model": self.run.model, "suites": suites,
                "seed": self.run.seed, "config_hash": self.run.config_hash,
                "timings": self.run.timings}


def prepare_suites(config: AuditConfig) -> list[Suite]:
    """Instantiate and validate every suite (data files read and checked) before any model loads."""
    if not config.suites:
        raise UsageError("no suites selected", "pass --suite NAME or leave it out for the default")
    unknown_data = set(config.data) - set(config.suites)
    if unknown_data:
        raise UsageError(f"--data given for suite(s) not selected: {', '.join(sorted(unknown_data))}",
                         "add --suite NAME for each, or drop the --data option")
    unknown_opts = set(config.options) - set(config.suites)
    if unknown_opts:
        raise UsageError(f"--option given for suite(s) not selected: "
                         f"{', '.join(sorted(unknown_opts))}",
                         "add --suite NAME for each, or drop the --option")
    suites = []
    for name in dict.fromkeys(config.suites):
        cls = get_suite(name)
        path = config.data.get(name)
        if cls.requires_data and path is None:
            raise DataError(f"suite {name!r} needs a data file",
                            f"pass --data {name}=FILE ({cls.data_help})")
        suite = cls(data_path=path, limit=config.limit, seed=config.seed,
                    options=config.options.get(name))
        suite.prepare()
        suites.append(suite)
    return suites


def check_capabilities(suites: Sequence[Suite], model: LanguageModel) -> None:
    """Refuse, before anything runs, a model that lacks a capability a suite needs: one line
    naming the suite, what is missing, what the model offers, and what to use instead (every
    other refused suite is listed too, so one rerun fixes them all)."""
    refused = [(s.id, missing) for s in suites
               if (missing := missing_capabilities(model, frozenset(s.requires)))]
    if not refused:
        return
    (first, missing), rest = refused[0], refused[1:]
    have = sorted(c.value for c in getattr(model, "capabilities", ()))
    ident = model.identity
    where = (f"the {ident.backend} model at {ident.path}" if ident.path
             else f"the {ident.backend} model {ident.name}")
    also = ("; also refused: " + ", ".join(f"{sid} ({'+'.join(c.value for c in m)})"
                                             for sid, m in rest)) if rest else ""
    hint = getattr(model, "capability_hint", None)
    fix = hint(missing[0]) if callable(hint) else None
    drop = " ".join(f"--suite {sid}" for sid, _ in refused)
    raise CapabilityError(
        f"{first} needs {' and '.join(c.value for c in missing)}; {where} "
        + (f"offers only {', '.join(have)}" if have else "declares no capabilities") + also,
        fix or f"drop {drop}, or audit local weights (--model default, a .gguf file or a "
               "model directory), which offer every capability")


def run_audit(config: AuditConfig, model: LanguageModel, store: Any | None = None,
              suites: Sequence[Suite] | None = None, progress: ProgressFactory = no_progress,
              finding_hook: FindingHook | None = None,
              on_suite: Callable[[str], None] | None = None) -> AuditResult:
    """Run `suites` (prepared from `config` if not given) on `model`; write to `store` if given.

    Nothing is written until every suite has finished; then the run, its metrics and findings are
    written in one transaction, so an interrupted or failed audit leaves no partial run.
    """
    suites = list(suites) if suites is not None else prepare_suites(config)
    check_capabilities(suites, model)
    from audit.pii.evidence import check_mode

    check_mode(config.evidence)
    secret_fp = None
    if store is not None and any(s.category == "pii" for s in suites):
        from audit.pii.secret import bind_secret  # refuse a lost/replaced key before any work

        secret_fp = bind_secret(store, config.accept_new_secret)[0]
    started = utcnow()
    identity = model.identity
    data = {name: {"path": str(p.resolve()), "sha256": data_sha256(p)}
            for name, p in sorted(config.data.items())}
    cfg = {"suites": [s.id for s in suites], "data": {k: v["sha256"] for k, v in data.items()},
           "seed": config.seed, "limit": config.limit, "options": config.options,
           "model_sha256": identity.sha256}
    if config.quantize != "none":  # only then, so unquantized runs keep their config hashes
        cfg["quantize"] = config.quantize
    if config.prune != "none":  # likewise: unpruned runs keep their config hashes
        cfg["prune"] = config.prune
    if config.backend_options.get("dtype"):
        cfg["dtype"] = config.backend_options["dtype"]
    if not identity.sha256:  # weights not hashed (an endpoint): what names the model instead
        cfg["model_identity"] = {"backend": identity.backend, "name": identity.name,
                                 "path": identity.path}
    answer_options = {k: v for k, v in (config.backend_options.get("model_options") or {}).items()
                      if k not in _TRANSPORT_OPTIONS}
    if answer_options:
        cfg["model_options"] = dict(sorted(answer_options.items()))
    config_hash = stable_id(cfg, length=64)
    host = socket.gethostname()
    run_id = Run.make_id(identity.sha256, config_hash, config.seed, started, host)
    timings: dict[str, float] = {}
    results: list[SuiteResult] = []
    for suite in suites:
        if on_suite:
            on_suite(suite.id)
        t0 = time.perf_counter()
        ctx = SuiteContext(model=model, run_id=run_id, seed=config.seed, limit=config.limit,
                           progress=progress, options=config.options.get(suite.id) or {},
                           evidence=config.evidence)
        results.append(suite.run(ctx))
        timings[suite.id] = round(time.perf_counter() - t0, 3)
    if finding_hook is not None:
        t0 = time.perf_counter()
        finding_hook(model, results)
        timings["explain"] = round(time.perf_counter() - t0, 3)
    metrics = [m for r in results for m in r.metrics]
    findings = [f for r in results for f in r.findings]
    for r in results:  # each suite lists its findings strongest first; readers order by it
        for i, f in enumerate(r.findings):
            f.details.setdefault("rank", i)
    ended = utcnow()
    timings["total"] = round((ended - started).total_seconds(), 3)
    run = Run(run_id=run_id, model=identity.to_dict(), suites=tuple(s.id for s in suites),
              data=data, seed=config.seed, config_hash=config_hash,
              versions=package_versions(), host=host, started_at=started, ended_at=ended,
              status="completed", timings=timings,
              categories={s.id: str(s.category) for s in suites},
              config=json_safe({"model": config.model, "device": config.device,
                                "evidence": config.evidence, "pii_secret": secret_fp, **cfg}))
    if store is not None:
        store.write_run(run, metrics, findings, [s for r in results for s in r.samples])
    return AuditResult(run, metrics, findings, results)


def data_sha256(path: Path) -> str:
    """sha256 of a data file, or of a data directory (its files' relative paths and hashes)."""
    if not path.is_dir():
        return file_sha256(path)
    import hashlib

    h = hashlib.sha256()
    for f in sorted(p for p in path.rglob("*") if p.is_file()):
        h.update(f"{f.relative_to(path).as_posix()}\0{file_sha256(f)}\n".encode())
    return h.hexdigest()


def json_safe(obj: Any) -> Any:
    import json

    return json.loads(canonical_json(obj))
