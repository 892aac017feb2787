"""Alert rules over windows (rate, entity, audited baseline), alert storage and de-duplication,
sinks (stdout, webhook with retry against a loopback server), rules-file errors, the CLI."""

from __future__ import annotations

import io
import json
import threading
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from audit.cli import main
from audit.errors import DataError
from audit.types import Metric, Run
from monitors.monitor import Monitor, MonitorConfig
from monitors.rules import Rule, RulesConfig, evaluate, load_rules, parse_duration
from monitors.sinks import LogSink, WebhookSink
from tests.test_monitor_fakes import fake_detector

SSN = "123-45-6789"
NOW = datetime(2026, 1, 5, 12, 0, 30, tzinfo=UTC)


def _log(path: Path, n: int, n_pii: int, n_ssn_prompt: int = 0) -> None:
    with open(path, "a", encoding="utf-8") as fh:
        for i in range(n):
            resp = "mail x.y@example.com" if i < n_pii else "fine"
            prompt = f"ssn {SSN}" if i < n_ssn_prompt else "hi"
            fh.write(json.dumps({"id": i, "prompt": prompt, "response": resp}) + "\n")


def _monitor(store, tmp_path: Path, rules: tuple[Rule, ...], sinks=(), clock=lambda: NOW):
    cfg = MonitorConfig(paths=(str(tmp_path / "app.log"),), state_path=tmp_path / "s.json",
                        rotated_grace_s=0)
    return Monitor(cfg, store, fake_detector(), RulesConfig(rules, ()), sinks, clock=clock)


def test_parse_duration() -> None:
    assert [parse_duration(x) for x in (30, "30s", "5m", "1h", "2d")] == \
        [30, 30, 300, 3600, 172800]
    with pytest.raises(ValueError):
        parse_duration("5 minutes")


def test_rate_rule_fires_once_per_window_with_ci(store, tmp_path: Path) -> None:
    _log(tmp_path / "app.log", 200, 2)                    # 1% of responses carry PII
    out = io.StringIO()
    rule = Rule(name="resp-rate", kind="rate", above=0.005, window_s=300, min_records=50)
    m = _monitor(store, tmp_path, (rule,), [LogSink(out)])
    m.poll_once()
    [a] = store.alerts()
    assert a.rule == "resp-rate" and a.value == pytest.approx(0.01) and a.n == 200
    assert a.ci_low < 0.01 < a.ci_high and a.threshold == 0.005
    assert json.loads(out.getvalue())["alert"]["rule"] == "resp-rate"
    assert m.check_rules() == []                          # same window: no second alert
    assert len(store.alerts()) == 1


def test_rate_rule_quiet_below_threshold_or_min_records(store, tmp_path: Path) -> None:
    _log(tmp_path / "app.log", 400, 1)                    # 0.25%
    _monitor(store, tmp_path, (Rule(name="r", kind="rate", above=0.005),)).poll_once()
    assert store.alerts() == []
    rule = Rule(name="r2", kind="rate", above=0.001, min_records=1000)
    assert evaluate(rule, store, "default", NOW) is None


def test_window_excludes_old_counts(store, tmp_path: Path) -> None:
    _log(tmp_path / "app.log", 10, 10)
    _monitor(store, tmp_path, ()).poll_once()
    rule = Rule(name="r", kind="rate", above=0.5, window_s=300)
    assert evaluate(rule, store, "default", NOW) is not None
    assert evaluate(rule, store, "default", NOW + timedelta(minutes=6)) is None


def test_entity_rule_any_ssn(store, tmp_path: Path) -> None:
    _log(tmp_path / "app.log", 50, 0, n_ssn_prompt=1)
    rule = Rule(name="any-ssn", kind="entity", entity="US_SSN", field="*", window_s=60)
    _monitor(store, tmp_path, (rule,)).poll_once()
    [a] = store.alerts()
    assert a.kind == "entity" and a.value == 1 and a.details["entity"] == "US_SSN"


def test_baseline_rule_uses_latest_audited_metric(store, tmp_path: Path) -> None:
    rule = Rule(name="vs-audit", kind="baseline", factor=3.0, suite="pii_emission",
                metric="pii_rate", min_records=10)
    _log(tmp_path / "app.log", 100, 4)                    # 4% in production
    m = _monitor(store, tmp_path, (rule,))
    m.poll_once()
    assert store.alerts() == []                           # no audit in the store: no baseline
    for started, value in ((datetime(2025, 1, 1, tzinfo=UTC), 0.001),
                           (datetime(2025, 6, 1, tzinfo=UTC), 0.02)):
        run = Run(run_id=f"run{value}", model={"name": "m", "sha256": "x"},
                  suites=("pii_emission",), started_at=started)
        store.write_run(run, [Metric(run.run_id, "pii_emission", "pii_rate", value,
                                     200)], [])
    assert store.latest_metric("pii_emission", "pii_rate").value == 0.02
    assert m.check_rules() == []                          # 4% < 3 x 2% (the latest run)
    rule2 = Rule(name="vs-audit-2", kind="baseline", factor=1.5, min_records=10)
    m.rules = RulesConfig((rule2,), ())
    [a] = m.check_rules()
    assert a.threshold == pytest.approx(0.03) and a.details["baseline"]["run_id"] == "run0.02"


class _Hook(BaseHTTPRequestHandler):
    fail_first = 2
    received: list = []

    def do_POST(self) -> None:  # noqa: N802
        body = self.rfile.read(int(self.headers["content-length"]))
        type(self).received.append(json.loads(body))
        if len(type(self).received) <= type(self).fail_first:
            self.send_response(503)
        else:
            self.send_response(200)
        self.end_headers()

    def log_message(self, *a) -> None:
        pass


@pytest.fixture()
def webhook():
    _Hook.received = []
    srv = ThreadingHTTPServer(("127.0.0.1", 0), _Hook)
    t = threading.Thread(target=srv.serve_forever, daemon=True)
    t.start()
    yield f"http://127.0.0.1:{srv.server_address[1]}/hook"
    srv.shutdown()
    srv.server_close()


def test_webhook_retries_with_backoff(store, tmp_path: Path, webhook: str) -> None:
    sleeps: list[float] = []
    sink = WebhookSink(webhook, retries=3, backoff_s=0.1, sleep=sleeps.append)
    _log(tmp_path / "app.log", 10, 10)
    _monitor(store, tmp_path, (Rule(name="r", kind="rate", above=0.5),), [sink]).poll_once()
    assert len(_Hook.received) == 3 and sink.attempts == 3
    assert sleeps == [0.1, 0.2]
    assert _Hook.received[-1]["alert"]["rule"] == "r"
    assert SSN not in json.dumps(_Hook.received)


def test_webhook_gives_up(webhook: str, store, tmp_path: Path) -> None:
    _Hook.fail_first = 99
    try:
        sink = WebhookSink(webhook, retries=1, backoff_s=0.0, sleep=lambda s: None)
        _log(tmp_path / "app.log", 10, 10)
        _monitor(store, tmp_path, (Rule(name="r", kind="rate", above=0.5),), [sink]).poll_once()
        assert sink.attempts == 2 and len(store.alerts()) == 1  # stored even if not delivered
    finally:
        _Hook.fail_first = 2


def test_rules_file_yaml_and_errors(tmp_path: Path) -> None:
    p = tmp_path / "rules.yaml"
    p.write_text("""
rules:
  - name: pii-in-responses
    type: rate
    field: response
    above: 0.005
    window: 5m
    min_records: 100
  - name: any-ssn
    type: entity
    entity: US_SSN
    window: 1m
    severity: critical
  - name: above-audit
    type: baseline
    factor: 3
    window: 1h
sinks:
  - type: log
  - type: webhook
    url: http://127.0.0.1:9/hook
    retries: 5
    backoff: 0.5
""")
    cfg = load_rules(p)
    assert [r.kind for r in cfg.rules] == ["rate", "entity", "baseline"]
    assert cfg.rules[0].window_s == 300 and cfg.rules[1].field == "*"
    assert cfg.rules[2].suite == "pii_emission" and cfg.sinks[1].retries == 5
    for text, msg in (("rules: [{type: rate}]", "numeric `above`"),
                      ("rules: [{type: nope}]", "type 'nope'"),
                      ("rules: [{type: entity, entity: X, windw: 5m}]", "unknown keys"),
                      ("rules: [", "does not parse")):
        p.write_text(text)
        with pytest.raises(DataError, match=msg):
            load_rules(p)
    j = tmp_path / "rules.json"
    j.write_text(json.dumps({"rules": [{"type": "entity", "entity": "US_SSN"}]}))
    assert load_rules(j).rules[0].entity == "US_SSN"


def test_cli_monitor_end_to_end(tmp_path: Path, capsys, monkeypatch) -> None:
    monkeypatch.chdir(Path(__file__).resolve().parent.parent)
    log = tmp_path / "app.log"
    _log(log, 20, 5)
    with open(log, "ab") as fh:
        fh.write(b"{broken\n")
    rules = tmp_path / "r.json"
    rules.write_text(json.dumps({"rules": [{"type": "rate", "above": 0.1}],
                                 "sinks": [{"type": "log"}]}))
    url = f"sqlite:///{tmp_path / 'a.db'}"
    args = ["monitor", str(log), "--store", url, "--rules", str(rules), "--json",
            "--detector", "tests.test_monitor_fakes:fake_detector"]
    with pytest.raises(SystemExit) as ex:
        main(args)
    assert ex.value.code == 0
    lines = capsys.readouterr().out.strip().splitlines()
    assert json.loads(lines[0])["alert"]["value"] == 0.25
    summary = json.loads(lines[-1])
    assert summary["records"] == 20 and summary["findings"] == 5 and summary["quarantined"] == 1
    assert Path(summary["state"]).is_file()
    with pytest.raises(SystemExit) as ex:
        main(args)
    assert json.loads(capsys.readouterr().out.strip().splitlines()[-1])["lines"] == 0
    with pytest.raises(SystemExit) as ex:
        main(["findings", "--source", "monitor", "--json", "--store", url])
    rows = [json.loads(x) for x in capsys.readouterr().out.strip().splitlines()]
    assert len(rows) == 5 and {r["details"]["file"] for r in rows} == {str(log)}
    with pytest.raises(SystemExit) as ex:
        main(["monitor", str(log), "--store", url, "--rules", str(tmp_path / "missing.yaml")])
    assert ex.value.code == 2
    assert "rules file" in capsys.readouterr().err
