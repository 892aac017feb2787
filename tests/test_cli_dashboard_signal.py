"""`assay dashboard` under SIGTERM stops its Streamlit child; `schedule --report-dir` makes the folder."""

from __future__ import annotations

import os
import signal
import time
from pathlib import Path

import pytest

from tests.dashboard_proc import healthy, start_dashboard


def _children(pid: int) -> list[int]:
    path = Path(f"/proc/{pid}/task/{pid}/children")
    return [int(c) for c in path.read_text().split()] if path.exists() else []


def _alive(pid: int) -> bool:
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except FileNotFoundError:
        return False
    return stat.split(") ")[1][0] != "Z"


@pytest.mark.skipif(not Path("/proc").is_dir(), reason="needs /proc")
def test_sigterm_stops_the_streamlit_child(store, sqlite_url, tmp_path):
    import httpx

    log = open(tmp_path / "log", "w")
    proc, port = start_dashboard(sqlite_url, log)
    try:
        assert healthy(proc, port, 120), (tmp_path / "log").read_text()
        children = _children(proc.pid)
        assert len(children) == 1
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(timeout=30) == 0
        deadline = time.monotonic() + 15
        while _alive(children[0]) and time.monotonic() < deadline:
            time.sleep(0.2)
        assert not _alive(children[0]), "the Streamlit child outlived assay dashboard"
        with pytest.raises(httpx.HTTPError):
            httpx.get(f"http://127.0.0.1:{port}/_stcore/health", timeout=2)
    finally:
        for pid in [proc.pid] + _children(proc.pid):
            try:
                os.kill(pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
        log.close()


def test_schedule_report_dir_is_created_and_a_file_is_refused(tmp_path, sqlite_url, capsys,
                                                             monkeypatch):
    from audit.cli import main
    from audit.report import schedule as sched

    ran = []
    monkeypatch.setattr(sched.Scheduler, "run", lambda self: ran.append(1) or [])
    fresh = tmp_path / "reports" / "nightly"
    with pytest.raises(SystemExit) as exc:
        main(["schedule", "--every", "60", "--report-dir", str(fresh), "--store", sqlite_url,
              "--", "audit", "--suite", "occupations"])
    assert exc.value.code == 0 and fresh.is_dir() and ran == [1]
    import logging

    # APScheduler's "Added job" / "Scheduler started" INFO lines stay off the console
    assert logging.getLogger("apscheduler").getEffectiveLevel() == logging.WARNING
    afile = tmp_path / "file.txt"
    afile.write_text("x")
    with pytest.raises(SystemExit) as exc:
        main(["schedule", "--every", "60", "--report-dir", str(afile), "--store", sqlite_url,
              "--", "audit", "--suite", "occupations"])
    err = capsys.readouterr().err
    assert exc.value.code == 2 and "is a file" in err and len(err.strip().splitlines()) == 1
