"""`assay schedule`: the in-process scheduler fires, survives failing runs, and records runs."""

from __future__ import annotations

import logging

import pytest

from audit.cli import main
from audit.errors import UsageError
from audit.model import FakeModel
from audit.report.schedule import ReportSpec, ScheduleConfig, Scheduler, make_audit_job, make_trigger
from audit.runner import AuditConfig


def test_scheduler_survives_a_failing_run_and_records_the_next(sqlite_url, tmp_path, caplog):
    from audit.store import open_store

    audit_job = make_audit_job(AuditConfig(suites=("occupations",), limit=5), sqlite_url,
                               load_model=lambda cfg: FakeModel(bonus={" he": 0.7}),
                               report=ReportSpec(tmp_path, "md"))
    calls = []

    def job():
        calls.append(1)
        if len(calls) == 1:
            raise RuntimeError("GPU fell off the bus")
        return audit_job()

    sched = Scheduler(ScheduleConfig(every_seconds=0.2, max_runs=3), job)
    with caplog.at_level(logging.INFO, logger="assay.schedule"):
        outcomes = sched.run()
    assert [o.ok for o in outcomes] == [False, True, True]
    assert outcomes[0].error == "RuntimeError: GPU fell off the bus"
    assert "scheduled audit failed (schedule continues): RuntimeError" in caplog.text
    st = open_store(sqlite_url)
    runs = st.runs()
    assert {r.run_id for r in runs} == {o.run_id for o in outcomes[1:]}
    assert all(r.model["backend"] == "fake" and r.suites == ("occupations",) for r in runs)
    assert st.metrics(runs[0].run_id)  # metrics with n and CI were stored
    reports = sorted(tmp_path.glob("assay-*.md"))
    assert [p.name for p in reports] == sorted(f"assay-{r.run_id}.md" for r in runs)
    # the second report diffs against the first run of the same (fake) model
    newest = (tmp_path / f"assay-{runs[0].run_id}.md").read_text()
    assert f"Compared with run `{runs[1].run_id}`" in newest


def test_run_now_fires_before_a_distant_cron():
    fired = []
    sched = Scheduler(ScheduleConfig(cron="0 2 1 1 *", max_runs=1, run_now=True),
                      lambda: fired.append(1) or "r1")
    outcomes = sched.run()
    assert fired == [1] and outcomes[0].run_id == "r1"


@pytest.mark.parametrize("cfg, message", [
    (ScheduleConfig(cron="61 * * * *"), "not a crontab expression"),
    (ScheduleConfig(), "exactly one of --cron and --every"),
    (ScheduleConfig(cron="0 2 * * *", every_seconds=5), "exactly one of --cron and --every"),
    (ScheduleConfig(every_seconds=0), "must be positive"),
])
def test_bad_schedules(cfg, message):
    with pytest.raises(UsageError, match=message):
        make_trigger(cfg)


def _cli(argv, capsys):
    with pytest.raises(SystemExit) as exc:
        main(argv)
    out = capsys.readouterr()
    return exc.value.code, out.out, out.err


def test_cli_validates_before_scheduling(sqlite_url, tmp_path, capsys):
    code, _, err = _cli(["schedule", "--cron", "0 2 * * *", "--store", sqlite_url, "--",
                         "audit", "--suite", "crows_pairs"], capsys)
    assert code == 2 and "crows_pairs' needs a data file" in err
    code, _, err = _cli(["schedule", "--cron", "0 2 * * *", "--", "audit", "--bogus"], capsys)
    assert code == 2 and "audit options after --" in err and "--bogus" in err
    code, _, err = _cli(["schedule", "--cron", "0 2 * * *", "--", "runs"], capsys)
    assert code == 2 and "runs `audit`" in err
    code, _, err = _cli(["schedule", "--cron", "nope", "--", "audit"], capsys)
    assert code == 2 and "not a crontab" in err


@pytest.mark.model
def test_cli_schedule_runs_a_real_audit_and_report(sqlite_url, tmp_path, capsys):
    from audit.store import open_store

    code, out, err = _cli(["schedule", "--every", "0.5", "--max-runs", "1", "--now",
                           "--report-dir", str(tmp_path), "--", "audit", "--suite",
                           "occupations", "--limit", "4", "--device", "cpu",
                           "--store", sqlite_url], capsys)
    assert code == 0, err
    assert "schedule stopped after 1 runs (1 stored, 0 failed)" in out
    runs = open_store(sqlite_url).runs()
    assert len(runs) == 1 and runs[0].model["name"].lower().startswith("smollm2")
    html = (tmp_path / f"assay-{runs[0].run_id}.html").read_text()
    assert runs[0].model["sha256"] in html


def test_schedule_keeps_suite_options_and_quantization():
    """`assay schedule -- audit …` must run the same audit `assay audit …` would."""
    from audit.cli._readers import _audit_config_from_args

    config, store = _audit_config_from_args(
        ["audit", "--suite", "decisions", "--option", "decisions.threshold=0.6",
         "--quantize", "int8", "--store", "sqlite:///x.db"])
    assert config.options == {"decisions": {"threshold": 0.6}}
    assert config.quantize == "int8" and store == "sqlite:///x.db"
    with pytest.raises(Exception, match="unknown quantization"):
        _audit_config_from_args(["audit", "--quantize", "fp4"])
