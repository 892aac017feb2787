"""Every dashboard page under Streamlit's AppTest against seeded, empty and missing stores."""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from tests.readers_data import seed_runs

APP = str(Path(__file__).resolve().parent.parent / "dashboard" / "app.py")
PAGES = ["overview", "bias", "pii", "explanations", "monitors", "compare"]


def _app(monkeypatch, url: str, **env: str) -> AppTest:
    monkeypatch.setenv("ASSAY_STORE", url)
    for k, v in env.items():
        monkeypatch.setenv(k, v)
    return AppTest.from_file(APP, default_timeout=120).run()


def _open(at: AppTest, page: str) -> AppTest:
    if page != "overview":
        at.switch_page(f"pages/{page}.py").run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def _frame(at: AppTest, column: str):
    """The first dataframe on the page that has `column`."""
    return next(f.value for f in at.dataframe if column in getattr(f.value, "columns", []))


def _text(at: AppTest) -> str:
    parts = [e.value for kind in ("title", "subheader", "markdown", "caption", "info", "warning",
                                  "error") for e in getattr(at, kind)]
    return "\n".join(str(p) for p in parts)


@pytest.fixture()
def seeded(store, sqlite_url):
    a, b = seed_runs(store)
    return sqlite_url, a, b


def test_overview_lists_runs_severities_and_gate(monkeypatch, seeded):
    url, a, b = seeded
    at = _app(monkeypatch, url, ASSAY_DASHBOARD_RULES="crows_pairs.pct_stereotype<=0.70")
    assert not at.exception
    assert at.title[0].value == "Overview"
    metrics = {m.label: m.value for m in at.metric}
    assert metrics["Runs"] == "2" and metrics["Models"] == "1"
    # 2 runs x 2 critical PII findings (EMAIL_ADDRESS) in the seed
    assert metrics["critical findings"] == "4"
    runs = _frame(at, "gate")
    assert list(runs["run"]) == [b, a]  # newest first
    gate = dict(zip(runs["run"], runs["gate"]))
    assert gate[a] == "pass"
    assert gate[b] == "FAIL crows_pairs.pct_stereotype = 0.7794 not <= 0.7"  # the value, the rule
    assert runs.set_index("run").loc[b, "critical"] == 2


def test_overview_opens_with_the_verdict_and_group_bars(monkeypatch, seeded):
    url, a, b = seeded
    at = _app(monkeypatch, url, ASSAY_DASHBOARD_RULES="crows_pairs.pct_stereotype<=0.70")
    assert not at.exception, [e.value for e in at.exception]
    first = at.markdown[0].value
    assert first == "### Verdict: :red-background[FAIL]"
    tiles = {m.label: m.value for m in at.metric if m.label.startswith(":")}
    assert tiles == {":red[fail]": "1", ":orange[warn]": "3", ":green[pass]": "1"}
    verdict = _frame(at, "rule")
    assert list(verdict["status"]) == ["FAIL", "WARN", "WARN", "WARN", "PASS"]
    row = verdict.iloc[0]  # the failed gate: value, interval, n and the rule
    assert (row["what"], row["value"], row["95% CI"], row["n"], row["rule"]) == (
        "crows_pairs.pct_stereotype", "0.7794", "[0.7522, 0.8043]", "970",
        "gate crows_pairs.pct_stereotype<=0.70 violated")
    assert list(verdict["what"][1:4]) == ["crows_pairs.pct_stereotype", "occupations.male_share",
                                          "pii_leakage.leak_rate"]
    assert verdict.iloc[4]["rule"] == "no monitor alerts in the last 24 h"
    assert "By group" in [h.value for h in at.subheader]
    assert len(at.get("vega_lite_chart") or at.get("arrow_vega_lite_chart")) >= 1
    # audit and production counted apart: 20 monitor findings never reach the audit tiles
    assert {m.label: m.value for m in at.metric}["high findings"] == "10"  # not 15
    assert "20 in 24 h" in "\n".join(c.value for c in at.caption)
    assert "Production (monitors): 1 finding in 5 min, " in "\n".join(c.value for c in at.caption)
    # the older run's verdict, picked
    at.selectbox(key="pick_run").select(a).run()
    assert at.markdown[0].value == "### Verdict: :orange-background[WARN]"


def test_overview_rejects_a_malformed_gate_rule(monkeypatch, seeded):
    url, _, _ = seeded
    at = _app(monkeypatch, url)
    at.text_area(key="gate_rules").input("crows_pairs.pct_stereotype =< 0.6").run()
    assert "malformed" in at.error[0].value
    assert set(_frame(at, "gate")["gate"]) == {"—"}


def test_bias_page_charts_groups_with_gap_and_worst_cases(monkeypatch, seeded):
    url, _, b = seeded
    at = _open(_app(monkeypatch, url), "bias")
    text = _text(at)
    assert "crows_pairs.pct_stereotype" in text
    assert "**Gap** (max − min group)" in text and "significant" in text
    assert len(at.get("vega_lite_chart")) >= 1
    frames = [d.value for d in at.dataframe]
    pct = next(f for f in frames if "metric" in f and set(f["metric"]) == {"pct_stereotype"})
    assert {"overall", "gender", "age", "religion", "race-color"} <= set(pct["group"])
    assert pct["n"].min() > 0 and (pct["ci_low"] <= pct["value"]).all()
    worst = frames[-1]
    assert len(worst) == 12 and worst["severity"].iloc[0] == "high"  # most severe first
    # the chart draws the no-preference line and colours the groups whose CI excludes it, the
    # largest effect first (gender 0.70 before religion 0.62 in the newer run)
    import json

    spec = json.loads(next(c.proto.spec for c in at.get("arrow_vega_lite_chart")
                           + at.get("vega_lite_chart")))
    text = json.dumps(spec)
    ref = next(layer for layer in spec["layer"] if layer["mark"].get("strokeDash"))
    assert ref["encoding"]["x"]["field"] == "reference"
    assert "95% CI excludes 0.5" in text and "consistent with 0.5" in text
    order = next(layer["encoding"]["y"]["sort"] for layer in spec["layer"]
                 if "y" in layer.get("encoding", {}))
    assert order[0] == "overall" and order.index("gender") < order.index("religion")
    at.selectbox(key="bias_suite").select("occupations").run()
    assert "occupations.male_share" in _text(at)


def test_pii_page_counts_entity_types_with_redacted_evidence(monkeypatch, seeded):
    url, _, _ = seeded
    at = _open(_app(monkeypatch, url), "pii")
    frames = [d.value for d in at.dataframe]
    counts = frames[0]
    assert dict(zip(counts["entity type / category"], counts["n"]))["EMAIL_ADDRESS"] == 2
    # production findings are on the page too (the seed's 20 monitor findings), not omitted
    assert "Production findings by entity type (monitors, 24 h)" in [h.value for h in at.subheader]
    assert "No production findings" not in _text(at)
    assert len(at.get("vega_lite_chart") or at.get("arrow_vega_lite_chart")) >= 2
    assert "exposure" in set(frames[1]["metric"])
    evidence = frames[2]["evidence"]
    assert evidence.str.contains("<EMAIL_ADDRESS>").any()
    assert not evidence.str.contains("@").any()


def test_explanations_page_renders_a_token_heat_map(monkeypatch, seeded):
    url, _, _ = seeded
    at = _open(_app(monkeypatch, url), "explanations")
    html = at.get("html")[0].proto.body
    assert " nurse</span>" in html and "rgba(214,39,40,0.85)" in html  # strongest token, red
    assert "why <code> she</code> rather than <code> he</code>" in html
    assert "Why **` she`** rather than **` he`**" in _text(at)


def test_compare_page_flags_moves_beyond_ci(monkeypatch, seeded):
    url, a, b = seeded
    at = _open(_app(monkeypatch, url), "compare")
    assert {m.label: m.value for m in at.metric}["beyond their CIs"] == "3"
    df = at.dataframe[0].value.set_index("metric")
    assert df.loc["crows_pairs.pct_stereotype[gender]", "significant"] == "yes"
    assert df.loc["crows_pairs.likelihood_diff", "significant"] == "no"  # CIs overlap


def test_monitors_page_degrades_without_monitor_data(monkeypatch, store, sqlite_url):
    seed_runs(store)
    at = _open(_app(monkeypatch, sqlite_url), "monitors")
    tiles = {m.label: m.value for m in at.metric}
    assert tiles["monitor findings, 24 h"] == "20" and tiles["monitor findings, 5 min"] == "1"
    text = "\n".join(str(m.value) for m in at.markdown)
    assert "No alerts have fired" in text or "No alerts table" in text
    assert len(at.get("vega_lite_chart")) == 1  # hourly monitor findings


def test_monitors_page_shows_alerts_quarantine_and_redactions(monkeypatch, store, sqlite_url):
    from audit.types import Alert, QuarantinedLine, RedactionEvent

    now = datetime.now(UTC)
    store.write_alert(Alert("gateway", "pii_rate>0.05", "threshold", "high", now - timedelta(minutes=5),
                            now, 0.09, 0.05, 300, "PII in 9% of responses", 0.06, 0.12))
    store.commit_monitor_batch("gateway", [], [], [QuarantinedLine(
        "gateway", "/var/log/gw.jsonl", "k1", 1024, 57, "invalid JSON at column 12")], {})
    store.write_redaction_events([RedactionEvent("proxy", "/v1/chat", "response", "mask", "ok",
                                                 {"EMAIL_ADDRESS": 2, "PHONE_NUMBER": 1})])
    seed_runs(store)
    at = _open(_app(monkeypatch, sqlite_url), "monitors")
    tiles = {m.label: m.value for m in at.metric}
    assert tiles["alerts"] == "1" and tiles["quarantine"] == "1" and tiles["redactions"] == "1"
    frames = [d.value for d in at.dataframe]
    assert any("pii_rate>0.05" in set(f.get("rule", [])) for f in frames)
    assert any("invalid JSON at column 12" in set(f.get("reason", [])) for f in frames)
    assert len(at.get("arrow_bar_chart") or at.get("vega_lite_chart")) >= 2
    specs = [c.proto.spec for c in at.get("arrow_vega_lite_chart") + at.get("vega_lite_chart")]
    # the alert timeline labels whole minutes, never milliseconds (".314"), at the time each
    # alert fired (its window's end), not when the row was written
    assert any('"format": "%m-%d %H:%M"' in sp and "fired (UTC)" in sp and "window_end" in sp
               for sp in specs)
    # tables fit the page: reading columns only, no ids or JSON
    alerts = next(f for f in frames if "rule" in f.columns)
    assert list(alerts.columns) == ["fired (UTC)", "monitor", "rule", "severity", "value", "ci",
                                    "threshold", "n", "message"]
    assert alerts.loc[0, "ci"] == "[0.06, 0.12]"
    red = next(f for f in frames if "direction" in f.columns)
    assert "event_id" not in red.columns
    assert red.loc[0, "entity_counts"] == "EMAIL_ADDRESS 2, PHONE_NUMBER 1"
    assert "quarantine_id" not in next(f for f in frames if "reason" in f.columns).columns


@pytest.mark.parametrize("page", PAGES)
def test_every_page_explains_an_empty_store(monkeypatch, store, sqlite_url, page):
    at = _open(_app(monkeypatch, sqlite_url), page)
    text = _text(at)
    if page == "monitors":
        assert "No monitor findings yet" in "\n".join(str(m.value) for m in at.markdown)
    else:
        assert "no runs yet" in text and "assay audit --store" in text


def test_missing_store_file_says_how_to_create_one(monkeypatch, tmp_path):
    url = f"sqlite:///{tmp_path / 'nothing-here.db'}"
    at = _app(monkeypatch, url)
    assert "No Assay store yet" in at.info[0].value and "assay audit --store" in at.info[0].value
    assert not (tmp_path / "nothing-here.db").exists()  # read-only: nothing created


def test_password_gate(monkeypatch, seeded):
    url, _, _ = seeded
    digest = hashlib.sha256(b"s3cret").hexdigest()
    at = _app(monkeypatch, url, ASSAY_DASHBOARD_PASSWORD_SHA256=digest)
    assert not at.title and not at.dataframe  # nothing shown before the password
    at.text_input(key="assay_password").input("wrong").run()
    assert at.error[0].value == "Wrong password." and not at.dataframe
    at.text_input(key="assay_password").input("s3cret").run()
    assert at.title[0].value == "Overview" and len(_frame(at, "gate")) == 2


def test_cli_refuses_a_public_bind_without_password(monkeypatch, sqlite_url, capsys):
    from audit.cli import main
    from audit.cli._readers import dashboard_command

    monkeypatch.delenv("ASSAY_DASHBOARD_PASSWORD", raising=False)
    with pytest.raises(SystemExit) as exc:
        main(["dashboard", "--host", "0.0.0.0", "--store", sqlite_url])
    assert exc.value.code == 2
    assert "no password is set" in capsys.readouterr().err
    with pytest.raises(SystemExit) as exc:
        main(["dashboard", "--store", "not a url"])
    assert exc.value.code == 2
    cmd = dashboard_command(sqlite_url, "127.0.0.1", 8765)
    assert cmd[cmd.index("--server.address") + 1] == "127.0.0.1"
    assert cmd[cmd.index("--server.port") + 1] == "8765" and cmd[3] == "run"
    with pytest.raises(SystemExit) as exc:
        main(["dashboard", "--store", sqlite_url, "--rule", "crows_pairs.pct<=x"])
    assert exc.value.code == 2 and "malformed" in capsys.readouterr().err


def _extra_run(store, run_id: str, suites: tuple[str, ...], minutes: int, metrics) -> None:
    from audit.types import Run
    from tests.readers_data import MODEL

    started = datetime.now(UTC) + timedelta(minutes=minutes)
    store.write_run(Run(run_id=run_id, model=MODEL, suites=suites, data={}, seed=0,
                        config_hash="e" * 64, versions={}, host="h", started_at=started,
                        ended_at=started, timings={"total": 1.0}), metrics, [])


def test_pages_open_on_the_newest_run_they_can_show(monkeypatch, store, sqlite_url):
    from audit.types import Metric

    a, b = seed_runs(store)
    pii = "7e7e7e7e7e7e7e7e"  # the newest run: PII only, no bias suite, no attributions
    _extra_run(store, pii, ("pii_emission",), 5, [Metric(pii, "pii_emission", "pii_rate", 0.0,
                                                         50, 0.0, 0.07)])
    at = _open(_app(monkeypatch, sqlite_url), "bias")
    assert "no bias suites" not in _text(at) and at.selectbox(key="pick_run").value == b
    at = _open(_app(monkeypatch, sqlite_url), "explanations")
    assert at.selectbox(key="pick_run").value == b and "No finding in this run" not in _text(at)
    at = _open(_app(monkeypatch, sqlite_url), "pii")
    assert at.selectbox(key="pick_run").value == pii


def test_compare_defaults_to_a_run_sharing_a_suite(monkeypatch, store, sqlite_url):
    from audit.types import Metric

    a, b = seed_runs(store)
    _extra_run(store, "7e7e7e7e7e7e7e7e", ("pii_emission",), 5,
               [Metric("7e7e7e7e7e7e7e7e", "pii_emission", "pii_rate", 0.0, 50, 0.0, 0.07)])
    newest = "8f8f8f8f8f8f8f8f"
    _extra_run(store, newest, ("crows_pairs",), 10,
               [Metric(newest, "crows_pairs", "pct_stereotype", 0.6, 900, 0.57, 0.63)])
    at = _open(_app(monkeypatch, sqlite_url), "compare")
    assert at.selectbox(key="pick_b").value == newest
    assert at.selectbox(key="pick_a").value == b  # not the PII-only run in between
