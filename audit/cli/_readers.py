"""`assay dashboard`, `assay report`, `assay diff`, `assay gate`, `assay schedule`: read the store."""

from __future__ import annotations

import hashlib
import ipaddress
import logging
import os
import signal
import subprocess
import sys
from pathlib import Path

import typer
from rich.markup import escape

from audit.cli import app
from audit.cli._common import StoreOption, err, open_cli_store, out, print_json
from audit.errors import UsageError
from audit.paths import default_store_url

PASSWORD_ENV = "ASSAY_DASHBOARD_PASSWORD"


def _is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def dashboard_command(store_url: str, host: str, port: int) -> list[str]:
    """The `streamlit run` command line that serves the dashboard."""
    import dashboard

    script = Path(dashboard.__file__).resolve().parent / "app.py"
    return [sys.executable, "-m", "streamlit", "run", str(script),
            "--server.address", host, "--server.port", str(port), "--server.headless", "true",
            "--browser.gatherUsageStats", "false", "--server.fileWatcherType", "none",
            "--global.developmentMode", "false", "--client.toolbarMode", "minimal"]


@app.command()
def dashboard(store: str = StoreOption,
              port: int = typer.Option(8501, min=1, max=65535, help="TCP port."),
              host: str = typer.Option("127.0.0.1", help="Address to bind (loopback by default)."),
              no_password: bool = typer.Option(False, "--no-password",
                                               help="Allow a non-loopback bind without a password."),
              rule: list[str] = typer.Option(None, "--rule",
                                             help="Gate rule shown on the Overview (repeatable).")
              ) -> None:
    """Serve the read-only Streamlit dashboard over the store.

    Binding anywhere but loopback needs a password in the ASSAY_DASHBOARD_PASSWORD environment
    variable (or --no-password behind your own authenticating proxy).

    Example: assay dashboard --store sqlite:///assay.db --port 8501 --rule "crows_pairs.pct_stereotype<=0.6"
    """
    url = store or default_store_url()
    from sqlalchemy.engine import make_url
    from sqlalchemy.exc import ArgumentError

    from audit.store import _normalise_url

    try:
        make_url(_normalise_url(url))
    except ArgumentError:
        raise UsageError(f"store URL {url!r} is not a database URL",
                         "use sqlite:///path/to/assay.db or postgresql://user@host/db") from None
    env = {k: v for k, v in os.environ.items() if k != PASSWORD_ENV}
    env["ASSAY_STORE"] = url
    from audit.report import parse_rule

    env["ASSAY_DASHBOARD_RULES"] = "\n".join(parse_rule(r).text for r in rule or [])
    password = os.environ.get(PASSWORD_ENV, "")
    if password:
        env["ASSAY_DASHBOARD_PASSWORD_SHA256"] = hashlib.sha256(password.encode()).hexdigest()
    elif not _is_loopback(host) and not no_password:
        raise UsageError(f"--host {host} is reachable from other machines and no password is set",
                         f"set {PASSWORD_ENV}, bind 127.0.0.1, or pass --no-password")
    err.print(f"Assay dashboard on http://{host}:{port} (store {escape(url)}; read-only). "
              "Ctrl-C stops it.")
    proc = subprocess.Popen(dashboard_command(url, host, port), env=env)

    def stop(signum: int, _frame: object) -> None:
        # SIGTERM (systemd, kubectl, `kill`) must take the Streamlit child down too: without
        # this the child was orphaned (ppid 1) and kept serving the port
        proc.terminate()

    previous = signal.signal(signal.SIGTERM, stop)
    try:
        code = proc.wait()
    except KeyboardInterrupt:
        proc.terminate()
        code = proc.wait()
    finally:
        signal.signal(signal.SIGTERM, previous)
        if proc.poll() is None:
            proc.terminate()
            try:
                proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                proc.kill()
    raise typer.Exit(code if code > 0 else 0)


@app.command()
def report(run: str = typer.Option(None, "--run", help="Run id (or unique prefix)."),
           latest: bool = typer.Option(False, "--latest", help="Report the newest run."),
           compare: str = typer.Option(None, "--compare",
                                       help="Diff against this run (default: the previous run "
                                            "of the same model)."),
           fmt: str = typer.Option("html", "--format", help="html, md or json."),
           out_path: Path = typer.Option(..., "--out", "-o", help="File to write."),
           max_findings: int = typer.Option(200, min=0, help="Show at most N findings (most "
                                                             "severe first)."),
           rule: list[str] = typer.Option(None, "--rule", "-r",
                                          help="Gate rule judged in the report's verdict "
                                               "(repeatable), as `assay gate` takes it."),
           store: str = StoreOption) -> None:
    """Write a self-contained audit report (HTML opens offline; Markdown; JSON).

    It opens with the verdict (gates, significant gaps, reference lines, leakage, alerts).

    Example: assay report --latest --format html --out report.html
    """
    from audit.report import FORMATS, build_report, parse_rule, resolve_run, write_report

    rules = [parse_rule(r) for r in rule or []]
    if fmt not in FORMATS:
        raise UsageError(f"--format {fmt!r} is not supported", f"use one of {', '.join(FORMATS)}")
    st = open_cli_store(store, create=False)
    target = resolve_run(st, run, latest)
    data = build_report(st, target, compare_id=compare, max_findings=max_findings, rules=rules)
    path = write_report(data, fmt, out_path)
    vs = f"; compared with {data.compare.run_id} ({data.compare_reason})" if data.compare else ""
    out.print(f"wrote {fmt} report of run {target.run_id} to {escape(str(path))}{vs}")


@app.command()
def diff(run_a: str = typer.Argument(..., help="The earlier run (id or prefix)."),
         run_b: str = typer.Argument(..., help="The later run (id or prefix)."),
         store: str = StoreOption,
         all_metrics: bool = typer.Option(False, "--all", help="Also list unchanged metrics."),
         json_out: bool = typer.Option(False, "--json", help="Print one JSON object.")) -> None:
    """Which metrics moved from RUN_A to RUN_B, by how much, and whether beyond their 95% CIs.

    A change counts as significant when the two runs' 95% confidence intervals do not overlap.

    Example: assay diff 3f2a9c 8b1d04 --json
    """
    from audit.report import diff_metrics
    from audit.report._format import fmt, fmt_ci, fmt_delta

    st = open_cli_store(store, create=False)
    a, b = st.get_run(run_a), st.get_run(run_b)
    d = diff_metrics(a.run_id, st.metrics(a.run_id), b.run_id, st.metrics(b.run_id))
    if json_out:
        print_json(d.to_dict())
        return
    out.print(f"{a.run_id} → {b.run_id}: {len(d.moved)} of {len(d.changes)} metrics moved, "
              f"{len(d.significant)} beyond their CIs ({d.rule})")
    shown = [c for c in d.changes if all_metrics or c.status != "same"]
    width = max((len(c.full_key) for c in shown), default=0)
    for c in shown:  # one plain line per metric, readable at any terminal width
        verdict = ("BEYOND CIs" if c.significant else "within CIs" if c.significant is False
                   else c.status)
        print(f"{c.full_key:<{width}}  {fmt(c.a):>8} -> {fmt(c.b):<8} ({fmt_delta(c.delta)})  "
              f"CI {fmt_ci(*c.a_ci)} -> {fmt_ci(*c.b_ci)}  {verdict}")


def latest_run_with_suites(st: object, suites: set[str]) -> object:
    """The newest run that ran every suite the rules name.

    `gate latest` after a scheduled audit must judge that audit, not whatever ran last (a PII-only
    run after a bias audit would make every bias rule "unknown metric", exit 2).
    """
    runs = st.runs()  # type: ignore[attr-defined]
    if not runs:
        raise UsageError(f"no runs in {st.display_url}", "create one with `assay audit`")  # type: ignore[attr-defined]
    for run in runs:
        if suites <= set(run.suites):
            return run
    raise UsageError(f"no run in {st.display_url} has suite(s) {', '.join(sorted(suites))}",  # type: ignore[attr-defined]
                     "run `assay audit --suite ...` first, or name a run id")


@app.command()
def gate(run_id: str = typer.Argument(..., help="Run id, unique prefix, or 'latest'."),
         rule: list[str] = typer.Option(..., "--rule", "-r",
                                        help='SUITE.METRIC[GROUP][@FIELD] OP NUMBER, e.g. '
                                             '"crows_pairs.pct_stereotype<=0.60" (repeatable).'),
         store: str = StoreOption,
         json_out: bool = typer.Option(False, "--json", help="Print one JSON object."),
         baseline: str = typer.Option(None, "--baseline",
                                      help="Original run: rules then name `assay compare` keys "
                                           "of BASELINE vs the run, e.g. crows_pairs.flip_rate"
                                           "<=0.05.")) -> None:
    """Exit 0 when every rule holds for the run, 1 otherwise (one line per failed rule).

    `latest` is the newest run that ran every suite the rules name. A malformed rule or a metric the run does not have exits 2.

    Example: assay gate latest --rule "crows_pairs.pct_stereotype<=0.60"
    """
    from audit.report import evaluate_rules, parse_rule

    rules = [parse_rule(r) for r in rule]  # malformed rules fail before the store is touched
    st = open_cli_store(store, create=False)
    if run_id == "latest":
        run = latest_run_with_suites(st, {r.suite for r in rules})
    else:
        run = st.get_run(run_id)
    if baseline:  # compare rules (audit.compare): paired by case against the original run
        from audit.compare import compare_samples, to_metrics

        base = st.get_run(baseline)
        metrics = to_metrics(compare_samples(base.run_id, run.run_id, st.samples(base.run_id),
                                             st.samples(run.run_id), data_a=base.data,
                                             data_b=run.data))
    else:
        metrics = st.metrics(run.run_id)
    result = evaluate_rules(run.run_id, rules, metrics)
    if json_out:
        print_json(result.to_dict())
    else:
        # plain print: exactly one unwrapped line per rule, easy to read in CI logs
        for o in result.outcomes:
            print(f"{'PASS' if o.passed else 'FAIL'} {o.reason}")
        print(f"gate {'passed' if result.passed else 'FAILED'} for run {run.run_id}: "
              f"{len(result.outcomes) - len(result.failures)}/{len(result.outcomes)} rules hold")
        sys.stdout.flush()
    if not result.passed:
        raise typer.Exit(1)


def _audit_config_from_args(args: list[str]) -> tuple[object, str | None]:
    """Parse `audit …` options with the real `assay audit` parser into an AuditConfig."""
    from typer.main import get_command

    from audit.cli._audit import parse_data_options, parse_suite_options
    from audit.registry import DEFAULT_SUITES
    from audit.runner import AuditConfig

    if not args or args[0] != "audit":
        raise UsageError("assay schedule runs `audit`: put it after --",
                         'e.g. assay schedule --cron "0 2 * * *" -- audit --suite occupations')
    cmd = get_command(app).commands["audit"]  # type: ignore[attr-defined]
    try:
        ctx = cmd.make_context("audit", list(args[1:]))
    except Exception as exc:  # click.UsageError and friends
        raise UsageError(f"audit options after --: {exc}", "see `assay audit --help`") from None
    p = ctx.params
    from audit.cli._model import backend_options, check_cli_model

    model_opts = backend_options(p["device"], p["quantize"], p["prune"], p["model_option"])
    config = AuditConfig(model=p["model"], suites=tuple(p["suite"] or DEFAULT_SUITES),
                         data=parse_data_options(p["data"] or []), seed=p["seed"],
                         limit=p["limit"], options=parse_suite_options(p["option"] or []),
                         backend_options=model_opts)
    check_cli_model(config.model, model_opts)  # bad path, --quantize, option: now, not at 02:00
    return config, p.get("store")


@app.command(context_settings={"allow_interspersed_args": False})
def schedule(command: list[str] = typer.Argument(..., help="`audit` and its options, after --."),
             cron: str = typer.Option(None, "--cron", help='Crontab, e.g. "0 2 * * *" (UTC).'),
             every: float = typer.Option(None, "--every", help="Or: every N seconds."),
             timezone: str = typer.Option("UTC", help="Time zone of the crontab."),
             report_dir: Path = typer.Option(None, "--report-dir",
                                             help="Write a report here after each run."),
             report_format: str = typer.Option("html", "--report-format", help="html, md or json."),
             max_runs: int = typer.Option(None, "--max-runs", min=1,
                                          help="Stop after N runs (default: run until Ctrl-C)."),
             run_now: bool = typer.Option(False, "--now", help="Also run once right away."),
             store: str = StoreOption) -> None:
    """Run audits (and reports) on a schedule in this process; a failed run is logged, not fatal.

    Example: assay schedule --cron "0 2 * * *" --report-dir reports -- audit --suite occupations
    """
    from audit.report import FORMATS
    from audit.report.schedule import ReportSpec, ScheduleConfig, Scheduler, make_audit_job
    from audit.runner import prepare_suites

    config, audit_store = _audit_config_from_args(command)
    from audit.cli._ray import pool_from_audit_args

    pool = pool_from_audit_args(command)  # --ray without Ray installed: fails now
    prepare_suites(config)  # bad suite names / data files fail now, not at 02:00
    if report_format not in FORMATS:
        raise UsageError(f"--report-format {report_format!r} is not supported",
                         f"use one of {', '.join(FORMATS)}")
    if report_dir is not None:  # a fresh folder is created now, not at the first run
        if report_dir.exists() and not report_dir.is_dir():
            raise UsageError(f"--report-dir {report_dir} is a file", "name a folder")
        try:
            report_dir.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise UsageError(f"--report-dir {report_dir} cannot be created: {exc.strerror}",
                             "name a folder you can write") from None
    url = audit_store or store or default_store_url()
    open_cli_store(url).close()  # fail now on a bad store URL
    sched_cfg = ScheduleConfig(cron=cron, every_seconds=every, timezone=timezone,
                               max_runs=max_runs, run_now=run_now)

    def load_model(cfg) -> object:
        from audit.cli._ray import open_audit_model

        # a Ray pool is opened at the first run and kept, as a local model is
        return open_audit_model(cfg.model, cfg.backend_options, pool,
                                logging.getLogger("assay.ray").info)

    logging.basicConfig(level=logging.INFO, stream=sys.stderr,
                        format="%(asctime)s %(levelname)s %(message)s")
    # Assay's own run lines stay; APScheduler's INFO chatter ("Adding job tentatively", "Added
    # job", "Scheduler started") does not reach the console
    logging.getLogger("apscheduler").setLevel(logging.WARNING)
    report_spec = ReportSpec(report_dir, report_format) if report_dir else None
    scheduler = Scheduler(sched_cfg, make_audit_job(config, url, load_model, report_spec))
    try:
        outcomes = scheduler.run()
    except KeyboardInterrupt:
        outcomes = scheduler.outcomes
    ok = sum(o.ok for o in outcomes)
    out.print(f"schedule stopped after {len(outcomes)} runs ({ok} stored, {len(outcomes) - ok} failed)")
