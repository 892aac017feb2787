"""`assay audit` and `assay suites`."""

from __future__ import annotations

import math
from pathlib import Path

import typer
from rich.table import Table
from rich.text import Text

from audit.cli import app
from audit.cli._common import StoreOption, err, open_cli_store, out, print_json, progress_factory
from audit.cli._model import (MODEL_HELP, backend_options, check_cli_model, model_option_flag,
                              no_cache_flag, with_no_cache)
from audit.cli._ray import (RayOption, RayTimeoutOption, ReplicaCpusOption, ReplicaGpusOption,
                            ReplicasOption, open_audit_model, pool_config)
from audit.errors import UsageError
from audit.registry import DEFAULT_SUITES, available_suites, get_suite
from audit.runner import AuditConfig, AuditResult, prepare_suites, run_audit


def parse_data_options(values: list[str]) -> dict[str, Path]:
    data: dict[str, Path] = {}
    for v in values:
        name, sep, path = v.partition("=")
        if not sep or not name or not path:
            raise UsageError(f"--data {v!r} is not SUITE=PATH", "write e.g. --data crows_pairs=pairs.csv")
        data[name.strip()] = Path(path).expanduser()
    return data


def parse_suite_options(values: list[str]) -> dict[str, dict[str, object]]:
    """`SUITE.KEY=VALUE` -> {suite: {key: value}}; VALUE is read as JSON when it parses."""
    import json

    options: dict[str, dict[str, object]] = {}
    for v in values:
        lhs, sep, raw = v.partition("=")
        suite, dot, key = lhs.partition(".")
        if not sep or not dot or not suite or not key:
            raise UsageError(f"--option {v!r} is not SUITE.KEY=VALUE",
                             "write e.g. --option decisions.threshold=0.6")
        try:
            value: object = json.loads(raw)
        except json.JSONDecodeError:
            value = raw
        options.setdefault(suite.strip(), {})[key.strip()] = value
    return options


def _fmt(v: float | None) -> str:
    if v is None or (isinstance(v, float) and not math.isfinite(v)):
        return "—"
    return f"{v:.3f}" if abs(v) < 1000 else f"{v:.0f}"


def print_summary(result: AuditResult, location: str, rules: list | None = None,
                  store: object | None = None) -> None:
    """Verdict first (what fails, how sure, where the evidence is), one line a suite after it."""
    from audit.cli._verdict import print_verdict
    from audit.report.verdict import build_verdict, recent_alerts

    run = result.run
    m = run.model
    out.print(Text.assemble(("Assay audit", "bold"), f" of {m['name']} ({m['architecture']}, "
                            f"{m['dtype']} on {m['device']}, sha256 {m['sha256'][:12]}) — run ",
                            (run.run_id, "bold")))
    verdict = build_verdict(run.run_id, result.metrics, rules or [],
                            {s: run.category(s) for s in run.suites},
                            recent_alerts(store) if store is not None else None)
    print_verdict(out, verdict, result.results, run.run_id)
    secs = run.timings.get("total", 0.0)
    out.print(Text(f"Stored run {run.run_id} in {location} ({secs:.1f}s). "
                   f"Report: assay report --run {run.run_id} --out report.html"))


@app.command()
def audit(
    model: str = typer.Option("default", "--model", "-m", help=MODEL_HELP),
    model_option: list[str] = model_option_flag(),
    no_cache: bool = no_cache_flag(),
    suite: list[str] = typer.Option(None, "--suite", "-s",
                                    help=f"Suite to run (repeatable). Default: {', '.join(DEFAULT_SUITES)}."),
    data: list[str] = typer.Option(None, "--data", "-d", help="SUITE=PATH data file (repeatable)."),
    option: list[str] = typer.Option(None, "--option", "-o",
                                     help="SUITE.KEY=VALUE suite option (repeatable), e.g. "
                                          "decisions.threshold=0.6; see each suite in the README."),
    store: str = StoreOption,
    device: str = typer.Option("auto", help="auto (CUDA bf16 if present, else CPU fp32), cpu, cuda."),
    quantize: str = typer.Option("none", "--quantize",
                                 help="none, int8 (per-channel scales) or int4 (group-wise, "
                                      "32 per scale): decoder weights only; scores move."),
    prune: str = typer.Option("none", "--prune",
                              help="none, or magnitude:S: zero the S share of smallest weights in "
                                   "each decoder linear layer (e.g. magnitude:0.5)."),
    seed: int = typer.Option(0, help="Seed for sampling, --limit subsets and bootstrap intervals."),
    limit: int = typer.Option(None, min=1, help="Score at most N cases per suite (seeded sample)."),
    json_out: bool = typer.Option(False, "--json", help="Print one JSON object on stdout."),
    no_progress: bool = typer.Option(False, "--no-progress", help="Hide progress bars."),
    explain_top: int = typer.Option(3, "--explain-top", min=0,
                                    help="Attach attributions to the K most severe explainable "
                                         "findings (0 disables)."),
    explain_method: str = typer.Option("ablation", "--explain-method",
                                       help="ig, ablation, shapley or shap (see `assay explain`)."),
    evidence: str = typer.Option("shape", "--evidence",
                                 help="What PII findings keep of the text: shape (default: "
                                      "placeholders, word shapes, common words) or redacted "
                                      "(the text with detected PII replaced; keeps what the "
                                      "detector missed)."),
    rule: list[str] = typer.Option(None, "--rule", "-r",
                                   help='Gate rule judged in the verdict, as `assay gate` takes it '
                                        '(repeatable), e.g. "crows_pairs.pct_stereotype<=0.60".'),
    accept_new_secret: bool = typer.Option(False, "--accept-new-secret",
                                           help="Let a new or replaced PII secret file replace "
                                                "the key the store's keyed hashes use."),
    ray: str = RayOption,
    replicas: int = ReplicasOption,
    replica_cpus: float = ReplicaCpusOption,
    replica_gpus: float = ReplicaGpusOption,
    ray_timeout: float = RayTimeoutOption,
) -> None:
    """Audit a model with probe suites and store the run.

    Example: assay audit --suite crows_pairs --data crows_pairs=crows_pairs_anonymized.csv --json
    """
    from audit.pii.evidence import check_mode
    from audit.pii.secret import bind_secret
    from audit.report import parse_rule

    rules = [parse_rule(r) for r in rule or []]  # a malformed rule fails before anything runs

    model_opts = with_no_cache(model, backend_options(device, quantize, prune, model_option),
                               no_cache)
    pool = pool_config(ray, replicas, replica_cpus, replica_gpus, ray_timeout)  # no Ray: fails now
    config = AuditConfig(model=model, suites=tuple(suite or DEFAULT_SUITES),
                         data=parse_data_options(data or []), seed=seed, limit=limit,
                         options=parse_suite_options(option or []), backend_options=model_opts,
                         evidence=check_mode(evidence), accept_new_secret=accept_new_secret)

    # Everything a user can get wrong is checked before the (slow) model load.
    suites = prepare_suites(config)
    hook = None
    if explain_top > 0 and pool is not None:  # explainers need the weights in this process
        err.print("note: --ray runs no attributions (--explain-top); run `assay explain` on a "
                  "finding afterwards")
    elif explain_top > 0:  # an unknown --explain-method fails here, before the model loads
        from audit.explain.findings import make_finding_hook

        hook = make_finding_hook(explain_top, explain_method,
                                 progress=progress_factory(not no_progress))
    # the backend, its options, --quantize/--prune values and the model path: checked here
    check_cli_model(model, model_opts)
    st = open_cli_store(store)
    if any(s.category == "pii" for s in suites):  # a lost or replaced key stops us here
        note = bind_secret(st, accept_new_secret)[1]
        if note:
            err.print(f"warning: {note}")
    show = not no_progress
    if show:
        err.print(f"loading model {model!r} …")
    lm = open_audit_model(model, model_opts, pool, err.print, show_status=show)
    try:
        result = run_audit(config, lm, st, suites=suites, progress=progress_factory(show),
                           on_suite=(lambda s: err.print(f"running {s} …")) if show else None,
                           finding_hook=hook)
    finally:
        if pool is not None:  # the replicas and their reservation go back to the cluster
            lm.close()
    if json_out:
        print_json(result.summary())
    else:
        print_summary(result, st.location, rules, st)


@app.command("suites")
def list_suites() -> None:
    """List the available probe suites (built-in and plug-ins)."""
    table = Table(show_edge=False, header_style="bold")
    for col in ("suite", "category", "data", "model needs", "what it measures"):
        table.add_column(col)
    for name in available_suites():
        cls = get_suite(name)
        need = "required" if cls.requires_data else ("optional" if cls.data_help else "built in")
        caps = ", ".join(sorted(c.value for c in getattr(cls, "requires", ()))) or "—"
        table.add_row(name + (" *" if name in DEFAULT_SUITES else ""), cls.category, need, caps,
                      cls.description)
    out.print(table)
    out.print("* part of the default audit")
