"""`assay runs`, `assay show`, `assay findings`: read the store."""

from __future__ import annotations

import typer
from rich.markup import escape
from rich.table import Table

from audit.cli import app
from audit.cli._audit import _fmt
from audit.cli._common import StoreOption, open_cli_store, out, print_json, print_table
from audit.errors import UsageError


@app.command()
def runs(store: str = StoreOption,
         limit: int = typer.Option(50, min=1, help="Show at most N runs."),
         json_out: bool = typer.Option(False, "--json", help="One JSON object per line.")) -> None:
    """List stored runs, newest first.

    Example: assay runs --store sqlite:///assay.db
    """
    st = open_cli_store(store, create=False)
    rows = st.runs(limit=limit)
    if json_out:
        for r in rows:
            print_json(r.to_dict())
        return
    if not rows:
        out.print(f"no runs in {escape(st.location)}; create one with `assay audit`")
        return
    table = Table(show_edge=False, header_style="bold")
    for col in ("run_id", "started (UTC)", "model", "suites", "status", "seconds"):
        table.add_column(col, no_wrap=col == "run_id", overflow="fold")
    for r in rows:  # escape: names and suites are user data, "[...]" would be eaten as markup
        table.add_row(r.run_id, r.started_at.strftime("%Y-%m-%d %H:%M:%S"),
                      escape(f"{r.model.get('name')} ({r.model.get('sha256', '')[:8]})"),
                      escape(",".join(r.suites)), r.status, f"{r.timings.get('total', 0):.1f}")
    print_table(table)


@app.command()
def show(run_id: str = typer.Argument(..., help="Run id (or a unique prefix)."),
         store: str = StoreOption,
         json_out: bool = typer.Option(False, "--json", help="Print the run as one JSON object.")) -> None:
    """Show one run: provenance and every metric with n and CI.

    Example: assay show 3f2a9c
    """
    st = open_cli_store(store, create=False)
    run = st.get_run(run_id)
    metrics = st.metrics(run.run_id)
    n_findings = st.count_findings(run_id=run.run_id)
    if json_out:
        print_json({"run": run.to_dict(), "metrics": [m.to_dict() for m in metrics],
                    "findings": n_findings})
        return
    m = run.model
    out.print(f"[bold]run {run.run_id}[/bold] {run.status}, {run.started_at:%Y-%m-%d %H:%M:%S} UTC "
              f"on {run.host}")
    out.print(escape(f"model {m.get('name')} {m.get('path')} sha256 {m.get('sha256')} "
                     f"({m.get('dtype')}, {m.get('device')})"))
    out.print(escape(f"suites {', '.join(run.suites)}; seed {run.seed}; "
                     f"config {run.config_hash[:16]}"))
    for name, d in run.data.items():
        out.print(escape(f"data {name}: {d['path']} sha256 {d['sha256'][:16]}"))
    table = Table(show_edge=False, header_style="bold")
    for col in ("suite", "metric", "value", "95% CI", "n"):
        table.add_column(col, no_wrap=col != "metric", overflow="fold")
    for x in metrics:  # the metric key is the gate key: `length_gap[gender_name:female-male]`
        table.add_row(escape(x.suite), escape(x.key), _fmt(x.value),
                      escape(f"[{_fmt(x.ci_low)}, {_fmt(x.ci_high)}]"), str(x.n))
    print_table(table)
    out.print(f"{n_findings} findings: `assay findings --run {run.run_id}`")


@app.command()
def findings(run: str = typer.Option(None, "--run", help="Only this run id (or prefix)."),
             source: str = typer.Option(None, help="audit or monitor."),
             suite: str = typer.Option(None, help="Only this suite."),
             severity: str = typer.Option(None, help="Only this severity."),
             limit: int = typer.Option(100, min=1, help="At most N findings."),
             store: str = StoreOption,
             json_out: bool = typer.Option(False, "--json", help="One JSON object per line.")) -> None:
    """List findings: of one run (--run) most severe and strongest first, else newest first.

    Example: assay findings --run 3f2a9c --suite crows_pairs --json
    """
    if source not in (None, "audit", "monitor"):
        raise UsageError(f"--source {source!r} is not valid", "use audit or monitor")
    st = open_cli_store(store, create=False)
    run_id = st.get_run(run).run_id if run else None
    if run_id:  # the verdict's evidence link: one run's findings all share a timestamp
        from audit.store.reads import FindingFilter, StoreReads

        rows = StoreReads(st).page(FindingFilter(run_id=run_id, source=source,
                                                 suites=(suite,) if suite else None,
                                                 severity=severity), limit, 0)
    else:
        rows = st.findings(run_id=None, source=source, suite=suite, severity=severity,
                           limit=limit)
    if json_out:
        for f in rows:
            print_json(f.to_dict())
        return
    if not rows:
        out.print("no findings match")
        return
    table = Table(show_edge=False, header_style="bold")
    for col in ("finding_id", "run", "suite", "severity", "group", "evidence"):
        table.add_column(col, overflow="fold")
    for f in rows:
        table.add_row(f.finding_id[:12], f.run_id[:10], escape(f.suite), f.severity,
                      escape(f.group or ""), escape(f.evidence))
    print_table(table)
