"""`assay monitor` (tail production logs into the store) and `assay proxy` (redacting proxy)."""

from __future__ import annotations

import faulthandler
import io
import logging
import signal
import time
from pathlib import Path
from typing import Any

import typer

from audit.cli import app
from audit.cli._common import StoreOption, err, open_cli_store, print_json
from audit.errors import StoreError, UsageError

__all__ = ["default_state_path"]


def default_state_path(store: Any, name: str) -> Path:
    """Offsets live next to a SQLite store, else in the working directory."""
    from sqlalchemy.engine import make_url

    u = make_url(store.url)
    if u.get_backend_name() == "sqlite" and u.database and u.database != ":memory:":
        db = Path(u.database).resolve()
        return db.with_name(f"{db.name}.monitor-{name}.offsets.json")
    return Path.cwd() / f".assay-monitor-{name}.offsets.json"


def _open_store_waiting(url: str | None, follow: bool, max_outage: float | None,
                        retry_max: float) -> Any:
    """Open the store; with --follow, a server that is not up yet is waited for like an outage
    (a bad URL or a missing directory is still a one-line error at once)."""
    started: float | None = None
    delay = min(0.1, retry_max)
    while True:
        try:
            return open_cli_store(url)
        except StoreError as exc:
            if not follow or not exc.problem.startswith("cannot open store"):
                raise
            now = time.monotonic()
            if started is None:
                started = now
                err.print(f"assay monitor: store unavailable at start: {exc.problem}; retrying "
                          "with backoff", soft_wrap=True, markup=False, highlight=False)
            if max_outage is not None and now - started >= max_outage:
                raise
            time.sleep(delay)
            delay = min(delay * 2, retry_max)


@app.command()
def monitor(paths: list[str] = typer.Argument(..., help="Log files or globs (quote globs)."),
            follow: bool = typer.Option(False, "--follow", "-f",
                                        help="Keep polling for new lines until SIGINT/SIGTERM."),
            fmt: str = typer.Option("jsonl", "--format", help="jsonl or text (one response "
                                    "per line)."),
            prompt_field: str = typer.Option("prompt", help="Dotted path of the prompt text "
                                             "('' to skip)."),
            response_field: str = typer.Option("response", help="Dotted path of the response "
                                               "text ('' to skip)."),
            id_field: str = typer.Option("id", help="Dotted path of the record's own id."),
            rules: Path = typer.Option(None, "--rules", help="Alert rules file (YAML or JSON)."),
            state: Path = typer.Option(None, "--state", help="Offsets file (default: next to "
                                       "the SQLite store)."),
            name: str = typer.Option("default", "--name", help="Monitor name (separates "
                                     "offsets, counts and alerts of several monitors)."),
            detector: str = typer.Option("presidio", "--detector", help="presidio or "
                                         "module:factory returning a Detector."),
            batch_size: int = typer.Option(256, min=1, help="Records per detection batch."),
            poll_interval: float = typer.Option(1.0, min=0.01, help="Seconds between polls "
                                                "with --follow."),
            max_line_bytes: int = typer.Option(1 << 20, min=1, help="Longer lines are "
                                               "quarantined."),
            window: int = typer.Option(60, min=1, help="Counter window, seconds."),
            bias_signals: bool = typer.Option(False, "--bias-signals", help="Also count, per "
                                              "demographic group named in the prompt, refusals "
                                              "and negative-sentiment responses."),
            bias_groups: Path = typer.Option(None, "--bias-groups", help="CSV with columns "
                                             "group,term (default: a built-in list); implies "
                                             "--bias-signals."),
            evidence: str = typer.Option("shape", "--evidence", help="What findings keep of a "
                                         "record: shape (default: placeholders, word shapes, "
                                         "common words) or redacted (the text with detected PII "
                                         "replaced; keeps what the detector missed)."),
            accept_new_secret: bool = typer.Option(False, "--accept-new-secret", help="Let a new "
                                                   "or replaced PII secret file replace the key "
                                                   "the store's keyed hashes use."),
            max_outage: float = typer.Option(None, "--max-outage", min=0, help="Exit (code 2) "
                                             "when the store stays unavailable this many "
                                             "seconds (default: wait as long as it takes)."),
            retry_max: float = typer.Option(30.0, "--retry-max", min=0.01, help="Longest pause "
                                            "between store retries during an outage, seconds."),
            recreate_store: bool = typer.Option(False, "--recreate-store", help="A deleted "
                                                "SQLite store: start a new, empty one and read "
                                                "the logs again (default: wait for it to be "
                                                "restored)."),
            lease_ttl: float = typer.Option(30.0, "--lease-ttl", min=0.1, help="The --name "
                                            "lease expires this many seconds after the last "
                                            "renewal (a crashed monitor on another host)."),
            wait_for_lease: bool = typer.Option(False, "--wait-for-lease", help="Another "
                                                "monitor runs with this --name: wait for it to "
                                                "stop (default: exit 2)."),
            store: str = StoreOption,
            json_out: bool = typer.Option(False, "--json", help="Print the totals as JSON.")
            ) -> None:
    """Scan production LLM logs for PII: findings, window counts and alerts go to the store.

    Example: assay monitor 'logs/gateway*.jsonl' --follow --rules rules.yaml
    """
    from audit.pii.evidence import check_mode
    from audit.pii.secret import bind_secret
    from monitors.detector import load_detector
    from monitors.monitor import Monitor, MonitorConfig
    from monitors.parse import LogFormat
    from monitors.rules import RulesConfig, load_rules
    from monitors.sinks import build_sinks

    logging.basicConfig(level=logging.WARNING, format="assay monitor: %(message)s")
    log_format = LogFormat(kind=fmt, prompt_field=prompt_field or None,  # type: ignore[arg-type]
                           response_field=response_field or None, id_field=id_field or None,
                           max_line_bytes=max_line_bytes)
    rules_cfg = load_rules(rules) if rules else RulesConfig(rules=(), sinks=())
    if not name.replace("-", "").replace("_", "").isalnum():
        raise UsageError(f"--name {name!r} must be letters, digits, - or _", "pick another name")
    bias = None
    if bias_signals or bias_groups:
        from monitors.bias_signals import DEFAULT_GROUPS, BiasSignals, load_groups

        bias = BiasSignals(load_groups(bias_groups) if bias_groups else DEFAULT_GROUPS)
        if not (log_format.prompt_field and log_format.response_field) or fmt != "jsonl":
            raise UsageError("--bias-signals needs JSONL records with a prompt and a response",
                             "use --format jsonl with --prompt-field and --response-field")
    check_mode(evidence)
    det = load_detector(detector)
    try:  # a detector that cannot run at all is an error now, not every line quarantined later
        det.analyze(["warm up the detector"])
    except Exception as exc:
        raise UsageError(f"detector {detector!r} cannot run: {type(exc).__name__}: "
                         f"{str(exc)[:200]}", "fix its installation or pass another --detector"
                         ) from None
    st = _open_store_waiting(store, follow, max_outage, retry_max)
    if det.hasher is not None:  # keyed hashes must keep matching the store's earlier ones
        note = bind_secret(st, accept_new_secret)[1]
        if note:
            err.print(f"assay monitor: warning: {note}")
    config = MonitorConfig(paths=tuple(paths), state_path=state or default_state_path(st, name),
                           name=name, log_format=log_format, batch_size=batch_size,
                           poll_interval_s=poll_interval, window_s=window,
                           rotated_grace_s=5.0 if follow else 0.0, bias=bias, evidence=evidence,
                           max_outage_s=max_outage, retry_initial_s=min(0.1, retry_max),
                           retry_max_s=retry_max, recreate_store=recreate_store,
                           lease_ttl_s=lease_ttl, wait_for_lease=wait_for_lease)
    mon = Monitor(config, st, det, rules_cfg, build_sinks(rules_cfg.sinks),
                  announce=lambda msg: err.print(f"assay monitor: {msg}", soft_wrap=True,
                                                 markup=False, highlight=False))
    # A SIGBUS/SIGSEGV in native code (SQLite's mapped WAL index) says where instead of nothing.
    if not faulthandler.is_enabled():
        try:
            faulthandler.enable()
        except (io.UnsupportedOperation, ValueError, AttributeError):
            pass  # stderr is not a file (captured in tests): nothing to write a traceback to

    def _stop(signum: int, _frame: Any) -> None:
        err.print(f"assay monitor: {signal.Signals(signum).name}, stopping after this batch")
        mon.stop()

    old = {s: signal.signal(s, _stop) for s in (signal.SIGINT, signal.SIGTERM)}
    try:
        stats = mon.run(follow=follow)
    finally:
        for s, h in old.items():
            signal.signal(s, h)
    try:
        total_q: int | str = st.count_quarantined(name)
    except Exception:  # stopped during a store outage: the totals of this run still print
        total_q = "?"
    summary = {**stats.to_dict(), "quarantined_total": total_q, "state": str(config.state_path),
               "store": st.location}
    if json_out:
        print_json(summary)
    else:
        err.print(f"monitor {name}: {stats.lines} lines, {stats.records} records, "
                  f"{stats.findings} new findings, {stats.quarantined} quarantined "
                  f"({total_q} in total), {stats.alerts} alerts; offsets {config.state_path}")


@app.command()
def proxy(upstream: str = typer.Option(..., "--upstream", help="Base URL of the OpenAI-"
                                       "compatible server, e.g. http://127.0.0.1:8000"),
          host: str = typer.Option("127.0.0.1", help="Interface to listen on."),
          port: int = typer.Option(8080, min=1, max=65535, help="Port to listen on."),
          reversible: bool = typer.Option(False, "--reversible", help="Pseudonymise requests "
                                          "and restore the values in responses."),
          fail_open: bool = typer.Option(False, "--fail-open", help="Forward unredacted text "
                                         "when redaction fails (default: refuse)."),
          max_body_bytes: int = typer.Option(4 << 20, min=1, help="Largest body redacted."),
          time_budget: float = typer.Option(5.0, min=0.01, help="Seconds one redaction may "
                                            "take before the request is refused."),
          holdback: int = typer.Option(64, min=1, help="Characters of a stream held back so "
                                       "a split entity is never sent."),
          detector: str = typer.Option("presidio", "--detector", help="presidio or "
                                       "module:factory returning a Detector."),
          token: str = typer.Option("", "--token", envvar="ASSAY_PROXY_TOKEN",
                                    show_default=False,
                                    help="Token every client must send in X-Assay-Token "
                                         "(required off loopback; prefer the env var "
                                         "ASSAY_PROXY_TOKEN)."),
          store: str = StoreOption) -> None:
    """Serve a redacting reverse proxy for the OpenAI chat, completions, responses and
    embeddings endpoints.

    Binding anywhere but loopback needs a token (ASSAY_PROXY_TOKEN or --token).

    Example: assay proxy --upstream http://127.0.0.1:8000 --port 8080
    """
    from monitors.detector import load_detector
    from monitors.proxy import ProxyConfig, build_proxy, serve
    from monitors.redaction import RedactionConfig

    if not upstream.startswith(("http://", "https://")):
        raise UsageError(f"--upstream {upstream!r} is not an http(s) URL",
                         "pass e.g. http://127.0.0.1:8000")
    from audit.cli._readers import _is_loopback

    if not token and not _is_loopback(host):
        raise UsageError(f"--host {host} is reachable from other machines and no proxy token "
                         "is set", "set ASSAY_PROXY_TOKEN (or --token), or bind 127.0.0.1")
    say = _announcer("assay proxy")
    st = open_cli_store(store)
    # loading presidio's spaCy pipeline takes tens of seconds: say so, or it looks hung
    say(f"loading the PII detector ({detector}) ...")
    started = time.monotonic()
    det = load_detector(detector)
    det.analyze(["warm up the detector"])  # load models before the first request
    say(f"detector ready in {time.monotonic() - started:.1f}s")
    cfg = RedactionConfig(reversible=reversible, fail_open=fail_open,
                          max_body_bytes=max_body_bytes, time_budget_s=time_budget,
                          holdback_chars=holdback, source="proxy")
    app_ = build_proxy(ProxyConfig(upstream=upstream, token=token or None), det, cfg, store=st)
    what = ("pseudonymising requests, restoring each caller's own values in responses, "
            "redacting other PII" if reversible else "redacting requests and responses")
    failure = "fail-open: forwards unredacted text if redaction fails" if fail_open else \
        "fail-closed"
    serve(app_, host=host, port=port,
          ready=lambda: say(f"listening on http://{host}:{port}/v1 -> {upstream} ({what}; "
                            f"{failure}{'; token required' if token else ''})"))


def _announcer(prefix: str) -> Any:
    """One status line on stderr, verbatim (a URL like http://[::1]:8000 is not markup)."""
    return lambda msg: err.print(f"{prefix}: {msg}", markup=False, highlight=False,
                                 soft_wrap=True)
