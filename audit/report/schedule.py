"""Scheduled audits in-process (APScheduler): a failing run is logged and the schedule goes on."""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from audit.errors import AssayError, UsageError

__all__ = ["JobOutcome", "ReportSpec", "ScheduleConfig", "Scheduler", "make_audit_job", "make_trigger"]

Job = Callable[[], str | None]  # returns the stored run id (or None)


@dataclass(frozen=True)
class ScheduleConfig:
    """When to run: a 5-field crontab (`cron`) or a fixed interval (`every_seconds`)."""

    cron: str | None = None
    every_seconds: float | None = None
    timezone: str = "UTC"
    max_runs: int | None = None  # stop after this many firings (None: until interrupted)
    run_now: bool = False  # also fire once immediately


@dataclass(frozen=True)
class ReportSpec:
    """Write a report after each successful run: `<dir>/assay-<run_id>.<format>`."""

    directory: Path
    format: str = "html"


@dataclass(frozen=True)
class JobOutcome:
    """One firing: when, whether it stored a run, which, or the error."""

    started_at: datetime
    seconds: float
    ok: bool
    run_id: str | None = None
    error: str | None = None


def make_trigger(config: ScheduleConfig) -> Any:
    """An APScheduler trigger; UsageError for a bad crontab or no/both schedules."""
    from apscheduler.triggers.cron import CronTrigger
    from apscheduler.triggers.interval import IntervalTrigger

    if (config.cron is None) == (config.every_seconds is None):
        raise UsageError("give exactly one of --cron and --every",
                         'e.g. --cron "0 2 * * *" (02:00 every day)')
    if config.every_seconds is not None:
        if config.every_seconds <= 0:
            raise UsageError(f"--every {config.every_seconds} must be positive", "use seconds > 0")
        return IntervalTrigger(seconds=config.every_seconds, timezone=config.timezone)
    try:
        return CronTrigger.from_crontab(config.cron, timezone=config.timezone)
    except ValueError as exc:
        raise UsageError(f"--cron {config.cron!r} is not a crontab expression ({exc})",
                         'use 5 fields: minute hour day month weekday, e.g. "0 2 * * *"') from None


@dataclass
class Scheduler:
    """Fires `job` on the schedule until `max_runs` firings or `stop()`; never dies of a job error."""

    config: ScheduleConfig
    job: Job
    log: logging.Logger = field(default_factory=lambda: logging.getLogger("assay.schedule"))
    outcomes: list[JobOutcome] = field(default_factory=list)

    def __post_init__(self) -> None:
        self._trigger = make_trigger(self.config)
        self._done = threading.Event()
        self._lock = threading.Lock()

    def _fire(self) -> None:
        t0, started = time.perf_counter(), datetime.now(UTC)
        try:
            run_id = self.job()
            outcome = JobOutcome(started, round(time.perf_counter() - t0, 3), True, run_id)
            self.log.info("scheduled audit stored run %s in %.1fs", run_id, outcome.seconds)
        except Exception as exc:  # a failing run must not stop the schedule
            reason = exc.one_line() if isinstance(exc, AssayError) else f"{type(exc).__name__}: {exc}"
            outcome = JobOutcome(started, round(time.perf_counter() - t0, 3), False, error=reason)
            self.log.error("scheduled audit failed (schedule continues): %s", reason)
            self.log.debug("traceback", exc_info=True)
        with self._lock:
            self.outcomes.append(outcome)
            if self.config.max_runs and len(self.outcomes) >= self.config.max_runs:
                self._done.set()

    def stop(self) -> None:
        self._done.set()

    def run(self) -> list[JobOutcome]:
        """Block while the schedule runs; returns every firing's outcome."""
        from apscheduler.schedulers.background import BackgroundScheduler

        sched = BackgroundScheduler(timezone=self.config.timezone)
        job = sched.add_job(self._fire, self._trigger, max_instances=1, coalesce=True,
                            misfire_grace_time=None, id="assay-audit")
        sched.start()
        if self.config.run_now:
            job.modify(next_run_time=datetime.now(UTC))
        self.log.info("scheduled audits: next at %s", job.next_run_time)
        try:
            while not self._done.wait(0.2):
                pass
        finally:
            sched.shutdown(wait=True)
        return list(self.outcomes)


def make_audit_job(config: Any, store_url: str, load_model: Callable[[Any], Any],
                   report: ReportSpec | None = None) -> Job:
    """A job that audits (model loaded on first use, then reused), stores, and reports."""
    cache: dict[str, Any] = {}

    def job() -> str:
        from audit.runner import prepare_suites, run_audit
        from audit.store import open_store

        suites = prepare_suites(config)  # data files are re-read (and re-hashed) each time
        if "model" not in cache:
            cache["model"] = load_model(config)
        store = open_store(store_url)
        try:
            result = run_audit(config, cache["model"], store, suites=suites)
            if report is not None:
                from audit.report import build_report, write_report

                data = build_report(store, result.run)
                write_report(data, report.format,
                             report.directory / f"assay-{result.run.run_id}.{report.format}")
        finally:
            store.close()
        return result.run.run_id

    return job
