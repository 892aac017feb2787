"""The report opens with the verdict, charts carry reference lines, and the change section
compares with a run that shares a suite."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest

from audit.cli import main
from audit.report import build_report, parse_rule, render
from audit.report.svg import IntervalRow, interval_chart
from tests.readers_data import seed_pii_run, seed_runs


def _cli(argv, capsys):
    with pytest.raises(SystemExit) as exc:
        main(argv)
    out = capsys.readouterr()
    return exc.value.code, out.out, out.err


def _pii_run_between(store, a: str, b: str) -> str:
    started = store.get_run(a).started_at + timedelta(minutes=30)
    return seed_pii_run(store, "5e5e5e5e5e5e5e5e", started, "pii_emission", "pii_rate", 50, 0.07)


def test_report_opens_with_the_verdict(store, sqlite_url, tmp_path, capsys):
    a, b = seed_runs(store)
    _pii_run_between(store, a, b)
    out = tmp_path / "r.html"
    code, text, err = _cli(["report", "--run", b, "--out", str(out), "--store", sqlite_url,
                            "--rule", "crows_pairs.pct_stereotype<=0.60"], capsys)
    assert code == 0, err
    assert f"compared with {a}" in text  # not the PII-only run in between
    html = out.read_text(encoding="utf-8")
    body = html[html.index("<body>"):]
    # the verdict comes right after the title, before metrics, findings and provenance
    assert body.index('id="verdict"') < body.index("<h2>Metrics") < body.index("<h2>Findings") \
        < body.index("<h2>Provenance")
    assert 'Verdict: <span class="badge st-fail">FAIL</span>' in html
    first_row = html[html.index('id="verdict"'):].split("<tr>")[2]
    assert "st-fail" in first_row and "<code>crows_pairs.pct_stereotype</code>" in first_row
    assert "0.7794" in first_row and "gate crows_pairs.pct_stereotype&lt;=0.60 violated" in first_row
    assert 'href="#suite-crows_pairs"' in first_row and 'id="suite-crows_pairs"' in html
    assert '<div class="tile st-fail"><b>1</b>fail</div>' in html
    # preference rates get their 0.5 line; the gender row's interval excludes it: red
    # the legend is its own line under the title (one long title was cut at the chart's edge)
    assert ('>crows_pairs.pct_stereotype</text><text x="4" y="32" font-size="11" fill="#555">'
            'dot = value, bar = 95% CI, hollow = compared run; dashed = 0.5, red = interval '
            'excludes it</text>') in html
    assert 'class="reference"' in html
    md = render(build_report(store, store.get_run(b), rules=[
        parse_rule("crows_pairs.pct_stereotype<=0.60")]), "md")
    assert md.index("## Verdict: **FAIL**") < md.index("## Provenance") < md.index("## Metrics")
    doc = json.loads(render(build_report(store, store.get_run(b)), "json"))
    assert doc["verdict"]["status"] in ("warn", "fail") and doc["verdict"]["items"]


def test_previous_run_skips_runs_without_a_common_suite(store):
    a, b = seed_runs(store)
    pii = _pii_run_between(store, a, b)
    data = build_report(store, store.get_run(b))
    assert data.compare.run_id == a and not any(c.status == "removed" for c in data.diff.changes)
    assert build_report(store, store.get_run(pii)).compare is None  # nothing before shares a suite


def test_interval_chart_reference_line_and_colour():
    svg = interval_chart("t", [IntervalRow("a", 0.7, 0.6, 0.8), IntervalRow("b", 0.52, 0.4, 0.6)],
                         reference=0.5)
    assert svg.count('class="reference"') == 1
    assert svg.count('fill="#d62728"') == 1 and svg.count('fill="#1f77b4"') == 1
    assert 'class="reference"' not in interval_chart("t", [IntervalRow("a", 0.7, 0.6, 0.8)])
