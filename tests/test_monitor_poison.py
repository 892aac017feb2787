"""A line that cannot be processed is quarantined with its reason and never blocks the lines
after it: a detector that raises on one record, a JSON lone surrogate escape, a record the store
refuses. Run through the real CLI (one pass and --follow) with exact counts."""

from __future__ import annotations

import json
import signal
from datetime import UTC, datetime
from pathlib import Path

from audit.store import open_store
from monitors.monitor import Monitor, MonitorConfig
from tests.monitor_procs import (finding_offsets, good, line_offsets, records_counted, run_once,
                                 start, wait_for, write)
from tests.test_monitor_fakes import POISON, fake_detector

POISONED = json.dumps({"id": "bad", "prompt": "q", "response": f"{POISON} ssn 123-45-6789"})
POISON_DET = ("--detector", "tests.test_monitor_fakes:poison_detector")


def _check(store, log: Path, n_good: int) -> None:
    assert store.count_findings(source="monitor") == n_good
    assert finding_offsets(store) == line_offsets(log, lambda b: POISON.encode() not in b)
    assert records_counted(store) == n_good                       # 0 lost, 0 counted twice
    [q] = store.quarantined()
    assert q.reason == "detection failed (ValueError)"            # the stage, not the message
    assert q.offset == line_offsets(log, lambda b: POISON.encode() in b)[0]
    assert "quotes the input" not in q.reason and POISON not in json.dumps(q.to_dict())


def test_one_poison_line_among_1000_once(tmp_path: Path) -> None:
    log, url, state = tmp_path / "app.jsonl", f"sqlite:///{tmp_path / 'a.db'}", tmp_path / "s"
    write(log, [good(i) for i in range(500)] + [POISONED] + [good(i) for i in range(500, 1000)])
    p = run_once(log, url, state, *POISON_DET, "--json")
    assert p.returncode == 0, p.stderr
    totals = json.loads(p.stdout)
    assert (totals["lines"], totals["records"], totals["quarantined"]) == (1001, 1000, 1)
    store = open_store(url)
    _check(store, log, 1000)
    # A restart reads nothing again: the poison line is behind the offset like any other.
    p = run_once(log, url, state, *POISON_DET, "--json")
    assert p.returncode == 0 and json.loads(p.stdout)["lines"] == 0
    _check(store, log, 1000)
    store.close()


def test_one_poison_line_among_1000_follow(tmp_path: Path) -> None:
    log, url, state = tmp_path / "app.jsonl", f"sqlite:///{tmp_path / 'a.db'}", tmp_path / "s"
    log.touch()
    store = open_store(url)
    with open(tmp_path / "stderr.txt", "wb") as errf:
        p = start(log, url, state, *POISON_DET, stderr=errf)
    try:
        write(log, [good(i) for i in range(300)] + [POISONED])
        write(log, [good(i) for i in range(300, 1000)])
        wait_for(lambda: store.count_findings(source="monitor") >= 1000, 90, p, "1000 findings")
        p.send_signal(signal.SIGTERM)
        assert p.wait(timeout=30) == 0, (tmp_path / "stderr.txt").read_text()
    finally:
        if p.poll() is None:
            p.kill()
    _check(store, log, 1000)
    store.close()


def test_lone_surrogate_is_scanned_not_fatal(tmp_path: Path) -> None:
    """`"\\ud800"` is valid JSON but not Unicode: replaced by U+FFFD, the record is scanned."""
    log, url, state = tmp_path / "app.jsonl", f"sqlite:///{tmp_path / 'a.db'}", tmp_path / "s"
    bad = '{"id": "x\\udc00", "prompt": "q", "response": "a \\ud800 b ssn 123-45-6789"}'
    write(log, [good(i) for i in range(20)] + [bad] + [good(i) for i in range(20, 40)])
    p = run_once(log, url, state, "--json", "--evidence", "redacted")
    assert p.returncode == 0, p.stderr
    store = open_store(url)
    assert store.count_findings(source="monitor") == 41 and store.count_quarantined() == 0
    f = next(f for f in store.findings(source="monitor") if f.details["record_id"] != "r0"
             and f.details["record_id"].startswith("x"))
    assert f.evidence == "a \ufffd b ssn <US_SSN>" and f.details["record_id"] == "x\ufffd"
    assert records_counted(store) == 41
    store.close()


class _RefusingStore:
    """The real store, except that it refuses (like PostgreSQL refusing a NUL byte) any batch
    holding a finding for one offset: the monitor must find that line and quarantine it."""

    def __init__(self, store, bad_offset: int) -> None:
        self._store, self._bad, self.calls = store, bad_offset, 0

    def __getattr__(self, name: str):
        return getattr(self._store, name)

    def commit_monitor_batch(self, monitor, findings, deltas, quarantined, progress, lease=None):
        self.calls += 1
        if any(f.details["offset"] == self._bad for f in findings):
            raise ValueError("A string literal cannot contain NUL (0x00) characters.")
        return self._store.commit_monitor_batch(monitor, findings, deltas, quarantined,
                                                progress, lease)


def test_a_record_the_store_refuses_is_quarantined_alone(store, tmp_path: Path) -> None:
    log = tmp_path / "app.jsonl"
    write(log, [good(i) for i in range(100)])
    bad = line_offsets(log)[37]
    refusing = _RefusingStore(store, bad)
    cfg = MonitorConfig(paths=(str(log),), state_path=tmp_path / "s", batch_size=100,
                        rotated_grace_s=0)
    m = Monitor(cfg, refusing, fake_detector())
    assert m.poll_once() == 100
    assert store.count_findings(source="monitor") == 99
    assert finding_offsets(store) == [o for o in line_offsets(log) if o != bad]
    [q] = store.quarantined()
    assert q.offset == bad and q.reason == "the store refused the record (ValueError)"
    assert records_counted(store) == 99                           # the refused line: quarantined
    assert store.window_counts("default", datetime(2000, 1, 1, tzinfo=UTC))[
        ("*", "quarantined")] == 1
    assert refusing.calls <= 2 * 7 + 2                            # bisection, not line by line
    assert m.registry.entries()[0].offset == log.stat().st_size


def test_a_detector_that_cannot_run_is_a_one_line_error(tmp_path: Path) -> None:
    log = tmp_path / "app.jsonl"
    write(log, [good(i) for i in range(5)])
    p = run_once(log, f"sqlite:///{tmp_path / 'a.db'}", tmp_path / "s", "--detector",
                 "tests.test_monitor_fakes:broken_detector")
    assert p.returncode == 2
    [line] = p.stderr.strip().splitlines()
    assert line.startswith("assay: error: detector 'tests.test_monitor_fakes:broken_detector' "
                           "cannot run: OSError")


def test_a_batch_failing_entirely_is_announced(store, tmp_path: Path) -> None:
    from tests.test_monitor_fakes import poison_detector

    log = tmp_path / "app.jsonl"
    write(log, [POISONED] * 10)
    said: list[str] = []
    cfg = MonitorConfig(paths=(str(log),), state_path=tmp_path / "s", rotated_grace_s=0)
    m = Monitor(cfg, store, poison_detector(), announce=said.append)
    assert m.poll_once() == 10
    assert store.count_quarantined() == 10
    assert len(said) == 1 and said[0].startswith("all 10 records of a batch") and \
        "check the detector" in said[0]
