"""Progress outside a terminal: counts, rate and ETA lines, including the attribution step."""

from __future__ import annotations

from audit.cli._common import progress_factory
from audit.explain.findings import explain_findings
from audit.model import FakeModel
from audit.types import Finding
from probes.base import SuiteResult


class _Clock:
    def __init__(self) -> None:
        self.t = 100.0

    def __call__(self) -> float:
        return self.t


def test_plain_lines_with_counts_rate_and_eta(capsys):
    clock = _Clock()
    factory = progress_factory(True, interval=10.0, clock=clock)
    with factory("bbq: scoring", 100) as advance:
        for _ in range(100):
            clock.t += 0.5  # 2 items a second
            advance(1)
    lines = capsys.readouterr().err.splitlines()
    assert lines[0] == "bbq: scoring: 0/100 started"
    assert lines[1] == "bbq: scoring: 20/100 (20%), 2.00/s, ETA 40s"  # one line per 10 s
    assert lines[-1] == "bbq: scoring: 100/100 (100%) done in 50s, 2.00/s"
    assert len(lines) == 6 and all(ln.strip() for ln in lines)


def test_disabled_prints_nothing(capsys):
    with progress_factory(False)("x", 3) as advance:
        advance(3)
    assert capsys.readouterr().err == ""


def test_attribution_step_reports_progress(capsys):
    f = Finding("r", "audit", "occupations", "pronoun_log_odds", "nurse", "high",
                "'The nurse said that'", {"explain": {"prompt": "The nurse said that",
                                                      "target": " she", "foil": " he"}})
    res = SuiteResult("occupations", n=1)
    res.findings.append(f)
    clock = _Clock()
    explain_findings(FakeModel(), [res], top_k=1, method="ablation",
                     progress=progress_factory(True, interval=10.0, clock=clock))
    err = capsys.readouterr().err.splitlines()  # FakeModel cannot be explained: still counted
    assert err[0] == "explaining (ablation): 0/1 started"
    assert err[-1].startswith("explaining (ablation): 1/1 (100%) done in")


def test_overrun_estimate_prints_one_honest_final_line(capsys):
    clock = _Clock()
    with progress_factory(True, interval=10.0, clock=clock)("decisions: scoring", 64) as advance:
        for _ in range(78):  # the suite estimated 64 steps and took 78
            clock.t += 1.0
            advance(1)
    lines = capsys.readouterr().err.splitlines()
    assert lines[-1] == "decisions: scoring: 78 done (estimated 64) in 1m18s, 1.00/s"
    assert not any("%)" in ln and int(ln.split("(")[1].split("%")[0]) > 100 for ln in lines)
    assert sum("done" in ln for ln in lines) == 1
