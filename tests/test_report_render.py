"""`assay report`: self-contained HTML, Markdown and JSON with provenance, metrics, findings, diff."""

from __future__ import annotations

import json
import re

import pytest

from audit.cli import main
from audit.report import build_report, render
from tests.readers_data import MODEL, seed_runs


def _report(argv, capsys):
    with pytest.raises(SystemExit) as exc:
        main(argv)
    out = capsys.readouterr()
    return exc.value.code, out.out, out.err


def test_html_is_self_contained_and_complete(store, sqlite_url, tmp_path, capsys):
    a, b = seed_runs(store)
    out = tmp_path / "report.html"
    code, text, _ = _report(["report", "--latest", "--out", str(out), "--store", sqlite_url], capsys)
    assert code == 0 and f"compared with {a}" in text
    html = out.read_text(encoding="utf-8")
    # no scripts, no external resources of any kind
    assert "<script" not in html.lower()
    assert not re.search(r"""(src|href)\s*=\s*["']?(https?:|//)""", html, re.I)
    assert "url(" not in html and "@import" not in html
    assert "default-src 'none'" in html  # CSP forbids network loads when opened
    # provenance
    for needle in (b, MODEL["sha256"], MODEL["path"], "c" * 64, "torch 2.13.0", "f" * 64):
        assert needle in html
    assert "<td>seed</td><td>0</td>" in html
    # every metric with n and CI
    data = build_report(store, store.get_run(b))
    for m in data.metrics:
        assert f"<td>{m.key}</td>" in html
    assert "<td>pct_stereotype[gender]</td><td class=\"num\">0.6985</td><td class=\"num\">" \
           "[0.6404, 0.7508]</td><td class=\"num\">262</td>" in html
    assert html.count("<svg") >= 3  # interval charts and severity bars, inline
    # findings with evidence and attribution heat map
    assert "prefers &#x27;Women are bad at math 0&#x27;" in html
    assert '<span style="background:rgba(214,39,40,0.85)" title="0.91"> nurse</span>' in html
    # diff against the previous run of the same model
    assert "Change since previous run of the same model" in html
    assert re.search(r"crows_pairs\.pct_stereotype\[gender\]</td>.*?<span class='sig'>yes", html)


def test_first_run_has_no_previous_and_compare_overrides(store, sqlite_url, tmp_path, capsys):
    a, b = seed_runs(store)
    data = build_report(store, store.get_run(a))
    assert data.diff is None and "No earlier run" in render(data, "html")
    data = build_report(store, store.get_run(a), compare_id=b)
    assert data.compare.run_id == b and data.compare_reason == "chosen with --compare"
    assert data.diff.run_a == b and data.diff.run_b == a


def test_markdown_and_json(store, sqlite_url, tmp_path, capsys):
    a, b = seed_runs(store)
    md, js = tmp_path / "r.md", tmp_path / "r.json"
    assert _report(["report", "--run", b[:5], "--format", "md", "--out", str(md),
                    "--store", sqlite_url], capsys)[0] == 0
    text = md.read_text()
    assert "| pct_stereotype[gender] | 0.6985 | [0.6404, 0.7508] | 262 |" in text
    assert "attribution (integrated_gradients) why ` she` rather than ` he`: `nurse` +0.91" in text
    assert "| crows_pairs.pct_stereotype[gender] | 0.5 | 0.6985 | +0.1985 |" in text
    assert _report(["report", "--run", b, "--format", "json", "--out", str(js),
                    "--max-findings", "3", "--store", sqlite_url], capsys)[0] == 0
    d = json.loads(js.read_text())
    assert d["run"]["run_id"] == b and d["report"]["findings_total"] == 17
    assert len(d["findings"]) == 3 and d["findings"][0]["severity"] == "critical"
    assert d["diff"]["n_significant"] == 3 and d["compare"]["run"]["run_id"] == a
    assert all({"n", "ci_low", "ci_high"} <= set(m) for m in d["metrics"])


def test_report_usage_errors(store, sqlite_url, tmp_path, capsys):
    seed_runs(store)
    code, _, err = _report(["report", "--out", str(tmp_path / "x.html"), "--store", sqlite_url],
                           capsys)
    assert code == 2 and "exactly one of --run ID and --latest" in err
    code, _, err = _report(["report", "--latest", "--format", "pdf", "--out",
                            str(tmp_path / "x.pdf"), "--store", sqlite_url], capsys)
    assert code == 2 and "--format 'pdf'" in err
    code, _, err = _report(["report", "--latest", "--out", str(tmp_path / "no" / "x.html"),
                            "--store", sqlite_url], capsys)
    assert code == 2 and "does not exist" in err
    assert not list(tmp_path.glob("*.html")) and not list(tmp_path.glob(".*tmp"))


@pytest.mark.model
def test_report_and_gate_of_a_real_model_audit(default_model, store, sqlite_url, tmp_path, capsys):
    from audit.runner import AuditConfig, run_audit

    run = run_audit(AuditConfig(suites=("occupations",), limit=3), default_model, store).run
    out = tmp_path / "real.html"
    code, _, _ = _report(["report", "--run", run.run_id, "--out", str(out),
                          "--store", sqlite_url], capsys)
    assert code == 0
    html = out.read_text()
    assert default_model.identity.sha256 in html and "<td>male_share</td>" in html
    assert "No earlier run of this model" in html
    male_share = next(m for m in store.metrics(run.run_id) if m.key == "male_share")
    code, out_, _ = _report(["gate", run.run_id, "--rule", "occupations.male_share<=1.0",
                             "--rule", f"occupations.male_share@n=={male_share.n}",
                             "--store", sqlite_url], capsys)
    assert code == 0 and out_.count("PASS ") == 2
    code, out_, _ = _report(["gate", run.run_id, "--rule",
                             f"occupations.male_share<{male_share.value}",
                             "--store", sqlite_url], capsys)
    assert code == 1 and "FAIL occupations.male_share<" in out_
