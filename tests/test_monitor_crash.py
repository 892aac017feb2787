"""Crash test: `assay monitor --follow` is SIGKILLed at random moments while a writer appends
to the log and rotates it (rename-and-create and copytruncate); after restarts every line was
processed exactly once: one finding per line, no duplicates, window counts not doubled. The last
restart is stopped with SIGTERM and exits cleanly."""

from __future__ import annotations

import json
import os
import random
import shutil
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

from audit.store import open_store
from monitors.monitor import Monitor, MonitorConfig
from monitors.offsets import head_hash
from tests.test_monitor_fakes import fake_detector

ROOT = Path(__file__).resolve().parent.parent
MAX_LINES = 360


def _head(log: Path) -> str:
    with open(log, "rb") as fh:
        return head_hash(fh.readline())


def _writer(log: Path, state: Path, stop: threading.Event, written: list[str],
            rng: random.Random) -> None:
    """Append lines; every 45 lines rotate (alternating rename / copytruncate), but only once
    the monitor has seen the current generation (a file that is created and rotated away while
    no monitor runs is invisible to one watching a single path, as with any log shipper)."""
    rotation = 0
    fh = open(log, "a", encoding="utf-8")
    while len(written) < MAX_LINES and not stop.is_set():
        n = len(written)
        fh.write(json.dumps({"id": f"r{n}", "prompt": "q", "response": f"ssn 123-45-{n:04d}"})
                 + "\n")
        fh.flush()
        written.append(f"r{n}")
        due = len(written) % 45 == 0
        while due and not stop.is_set() and _head(log) not in state.read_text():
            time.sleep(0.005)  # the monitor has not seen this generation of the file yet
        if due:
            rotation += 1
            if rotation % 2:   # rename and create
                fh.close()
                os.rename(log, log.with_name(f"app.log.{rotation}"))
                fh = open(log, "a", encoding="utf-8")
            else:              # copytruncate
                shutil.copyfile(log, log.with_name(f"app.log.{rotation}"))
                os.truncate(log, 0)
        time.sleep(rng.uniform(0.002, 0.03))
    fh.close()


def _start(log: Path, url: str, state: Path, errfile) -> subprocess.Popen:
    code = "import sys; from audit.cli import main; main(sys.argv[1:])"
    return subprocess.Popen(
        [sys.executable, "-c", code, "monitor", str(log), "--follow", "--store", url,
         "--state", str(state), "--poll-interval", "0.05", "--batch-size", "5",
         "--detector", "tests.test_monitor_fakes:fake_detector", "--evidence", "redacted"],
        cwd=ROOT, stdout=subprocess.DEVNULL, stderr=errfile)


def test_sigkill_during_writes_and_rotations(tmp_path: Path) -> None:
    rng = random.Random(int(os.environ.get("ASSAY_CRASH_SEED", "1234")))
    log, state = tmp_path / "app.log", tmp_path / "state.json"
    url = f"sqlite:///{tmp_path / 'a.db'}"
    open_store(url).close()  # migrate once, up front
    log.touch()
    written: list[str] = []
    stop = threading.Event()
    w = threading.Thread(target=_writer, args=(log, state, stop, written, rng), daemon=True)
    kills = 0
    try:
        for _ in range(4):
            before = state.stat().st_mtime_ns if state.exists() else 0
            with open(log.with_name("stderr.txt"), "ab") as errfile:
                p = _start(log, url, state, errfile)
            deadline = time.monotonic() + 90
            while time.monotonic() < deadline and p.poll() is None:
                if state.exists() and state.stat().st_mtime_ns != before:
                    break  # it is polling: now kill it at a random moment
                time.sleep(0.01)
            if not w.is_alive() and not written:
                w.start()
            time.sleep(rng.uniform(0.1, 1.2))
            assert p.poll() is None, log.with_name("stderr.txt").read_text()[-2000:]
            p.send_signal(signal.SIGKILL)
            p.wait()
            kills += 1
    finally:
        stop.set()
        w.join()
    assert kills == 4 and len(written) >= 90  # at least one rotation happened under the kills
    # Restart once more, let it catch up, and stop it cleanly with SIGTERM.
    store = open_store(url)
    before = state.stat().st_mtime_ns if state.exists() else None
    with open(log.with_name("stderr.txt"), "ab") as errfile:
        p = _start(log, url, state, errfile)
    deadline = time.monotonic() + 90
    # Caught up *and* polling: the killed runs may already have committed every line, and a
    # SIGTERM that lands while the new process is still importing would kill it before its
    # handler exists (exit -15), which says nothing about the monitor.
    while (store.count_findings(source="monitor") < len(written)
           or not state.exists() or state.stat().st_mtime_ns == before):
        assert time.monotonic() < deadline and p.poll() is None, "did not catch up"
        time.sleep(0.05)
    p.send_signal(signal.SIGTERM)
    assert p.wait(timeout=30) == 0
    assert "SIGTERM, stopping" in log.with_name("stderr.txt").read_text()
    # One more pass in-process: nothing left to read, nothing added.
    cfg = MonitorConfig(paths=(str(log),), state_path=state, rotated_grace_s=0.0)
    assert Monitor(cfg, store, fake_detector()).poll_once() == 0
    found = [f.details["record_id"] for f in store.findings(source="monitor")]
    assert len(found) == len(set(found)), "a line produced two findings"
    assert sorted(found, key=lambda r: int(r[1:])) == written, "lines were lost"
    rows = store.window_rows()
    assert sum(r["count"] for r in rows if (r["field"], r["name"]) == ("*", "records")) == \
        len(written)
    assert store.count_quarantined() == 0
    store.close()
