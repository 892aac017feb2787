"""The CLI contract: `assay audit --json`, runs/show/findings, and one-line errors with exit 2."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from audit.cli import main
from audit.store import open_store

ROOT = Path(__file__).resolve().parent.parent


def assay(*args: str, env: dict | None = None, timeout: int = 300) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "audit", *args], capture_output=True, text=True,
                          cwd=ROOT, env={**os.environ, **(env or {})}, timeout=timeout)


def run_main(capsys, *args: str) -> tuple[int, str, str]:
    with pytest.raises(SystemExit) as exc:
        main(list(args))
    out, err = capsys.readouterr()
    return exc.value.code, out, err


@pytest.mark.model
def test_audit_json_contract_and_readers(tmp_path: Path, datasets: Path) -> None:
    url = f"sqlite:///{tmp_path / 'a.db'}"
    cp = datasets / "crows_pairs/crows_pairs_anonymized.csv"
    proc = assay("audit", "--suite", "occupations", "--suite", "crows_pairs", "--data",
                 f"crows_pairs={cp}", "--limit", "12", "--json", "--store", url)
    assert proc.returncode == 0, proc.stderr
    lines = proc.stdout.strip().splitlines()
    assert len(lines) == 1, proc.stdout  # exactly one JSON object on stdout, nothing else
    doc = json.loads(lines[0])
    assert isinstance(doc["run_id"], str) and doc["model"]["sha256"]
    assert set(doc["suites"]) == {"occupations", "crows_pairs"}
    for entry in doc["suites"].values():
        assert isinstance(entry["n"], int) and entry["n"] == 12
        for name, value in entry["metrics"].items():
            assert isinstance(value, float)
            lo, hi = entry["ci"][name]
            assert lo <= value <= hi or name.startswith("likelihood_diff")
    assert 0 <= doc["suites"]["crows_pairs"]["metrics"]["pct_stereotype"] <= 1

    runs = assay("runs", "--json", "--store", url)
    assert json.loads(runs.stdout.splitlines()[0])["run_id"] == doc["run_id"]
    show = json.loads(assay("show", doc["run_id"][:8], "--json", "--store", url).stdout)
    assert show["run"]["data"]["crows_pairs"]["sha256"]
    assert show["run"]["versions"]["transformers"]
    found = [json.loads(x) for x in assay("findings", "--run", doc["run_id"], "--json",
                                          "--store", url).stdout.splitlines()]
    assert found
    for f in found:
        assert {"finding_id", "run_id", "source", "suite", "severity", "created_at", "evidence",
                "details"} <= set(f)
        assert isinstance(f["details"], dict) and f["source"] == "audit"
    text_out = assay("show", doc["run_id"], "--store", url).stdout
    assert "pct_stereotype" in text_out and "95% CI" in text_out


BAD = [
    (["audit", "--model", "/no/such/model"], "model path does not exist"),
    (["audit", "--suite", "nope"], "unknown suite 'nope'"),
    (["audit", "--suite", "crows_pairs"], "needs a data file"),
    (["audit", "--suite", "crows_pairs", "--data", "crows_pairs=/no/file.csv"], "not found"),
    (["audit", "--data", "oops"], "is not SUITE=PATH"),
    (["audit", "--option", "threshold=0.5"], "is not SUITE.KEY=VALUE"),
    (["audit", "--suite", "occupations", "--option", "decisions.threshold=0.5"],
     "--option given for suite(s) not selected: decisions"),
    (["audit", "--store", "postgresql://x@127.0.0.1:1/none"], "cannot open store"),
]


@pytest.mark.parametrize("args, needle", BAD)
def test_bad_input_one_line_exit_2(capsys, tmp_path: Path, args, needle) -> None:
    db = tmp_path / "s.db"
    if "--store" not in args:
        args = [*args, "--store", f"sqlite:///{db}"]
    code, out, err = run_main(capsys, *args)
    assert code == 2
    assert needle in err
    assert len(err.strip().splitlines()) == 1, err
    if db.exists():  # nothing written
        assert open_store(f"sqlite:///{db}").runs() == []


@pytest.mark.parametrize("payload, needle", [
    (b"", "empty"), (b"\xff\xfe\xfa", "not UTF-8"), (b"x,y\n1,2\n", "lacks column"),
])
def test_bad_data_files_exit_2(capsys, tmp_path: Path, payload: bytes, needle: str) -> None:
    f = tmp_path / "d.csv"
    f.write_bytes(payload)
    code, _, err = run_main(capsys, "audit", "--suite", "crows_pairs", "--data",
                            f"crows_pairs={f}", "--store", f"sqlite:///{tmp_path / 's.db'}")
    assert code == 2 and needle in err


def test_corrupt_gguf_exit_2(capsys, tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setenv("ASSAY_CACHE", str(tmp_path))
    bad = tmp_path / "m.gguf"
    bad.write_bytes(b"\x00" * 100)
    code, _, err = run_main(capsys, "audit", "--model", str(bad), "--store",
                            f"sqlite:///{tmp_path / 's.db'}")
    assert code == 2 and "not a GGUF file" in err


def test_readers_on_missing_store(capsys, tmp_path: Path) -> None:
    code, _, err = run_main(capsys, "runs", "--store", f"sqlite:///{tmp_path / 'none.db'}")
    assert code == 2 and "no store" in err


@pytest.mark.model
def test_ctrl_c_leaves_store_consistent(tmp_path: Path, datasets: Path) -> None:
    url = f"sqlite:///{tmp_path / 'c.db'}"
    proc = subprocess.Popen(
        [sys.executable, "-m", "audit", "audit", "--suite", "crows_pairs", "--data",
         f"crows_pairs={datasets / 'crows_pairs/crows_pairs_anonymized.csv'}", "--store", url],
        cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        # as from a terminal: a shell's background job (how CI may start us) ignores SIGINT,
        # and a child inherits that, so Python would never raise KeyboardInterrupt
        preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL))
    deadline = time.time() + 120
    for line in proc.stderr:
        if "running crows_pairs" in line or time.time() > deadline:
            break
    time.sleep(1.0)
    proc.send_signal(signal.SIGINT)
    _, err = proc.communicate(timeout=60)
    assert proc.returncode == 130, err
    assert "nothing was written" in err
    st = open_store(url)
    assert st.runs() == [] and st.count_findings() == 0
    st.close()


def test_suite_options_parse_json_values() -> None:
    from audit.cli._audit import parse_suite_options

    assert parse_suite_options(["decisions.threshold=0.6", "occupations.generate_tokens=0",
                                "counterfactual.axis=gender"]) == {
        "decisions": {"threshold": 0.6}, "occupations": {"generate_tokens": 0},
        "counterfactual": {"axis": "gender"}}


@pytest.mark.parametrize("args, needle", [
    (["audit", "--limit", "0"], "Invalid value for '--limit'"),
    (["audit", "--limit", "abc"], "Invalid value for '--limit'"),
    (["audit", "--bogus"], "No such option: --bogus"),
    (["nosuchcommand"], "No such command 'nosuchcommand'"),
    (["explain", "--target", "x"], "--prompt"),
])
def test_parser_errors_are_one_line_exit_2(capsys, args, needle) -> None:
    """typer's own parse errors (it no longer raises click's) get the same contract."""
    code, _, err = run_main(capsys, *args)
    assert code == 2
    assert needle in err and err.startswith("assay: error: ")
    assert len(err.strip().splitlines()) == 1, err
    assert "Traceback" not in err
