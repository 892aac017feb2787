"""Only one monitor may hold a --name: a second one exits 2 with one line (or waits with
--wait-for-lease), a SIGKILLed holder on this host is taken over at once, an expired one from
another host after its expiry, and a monitor whose lease was taken writes nothing more.
Before, two monitors with one name counted 1,700 records for 1,000 lines."""

from __future__ import annotations

import signal
import subprocess
import time
from pathlib import Path

import pytest

from audit.store import open_store
from audit.store._leases import LeaseLost
from monitors.lease import LeaseHeld
from monitors.monitor import Monitor, MonitorConfig
from tests.monitor_procs import (finding_offsets, good, line_offsets, records_counted, run_once,
                                 start, wait_for, write)
from tests.test_monitor_fakes import fake_detector


def _polling(state: Path, before: int = 0):
    return lambda: state.exists() and state.stat().st_mtime_ns != before


def test_second_monitor_with_the_same_name_exits_2(tmp_path: Path) -> None:
    log, url, state = tmp_path / "app.jsonl", f"sqlite:///{tmp_path / 'a.db'}", tmp_path / "s"
    write(log, [good(i) for i in range(10)])
    with open(tmp_path / "stderr.txt", "wb") as errf:
        a = start(log, url, state, stderr=errf)
    try:
        wait_for(_polling(state), 60, a, "the first monitor to poll")
        b = run_once(log, url, tmp_path / "s2")
        assert b.returncode == 2
        [line] = b.stderr.strip().splitlines()
        assert line.startswith("assay: error: monitor 'default' is already running (") and \
            "--wait-for-lease" in line
        other = run_once(log, url, tmp_path / "s3", "--name", "other")
        assert other.returncode == 0, other.stderr                # another name is fine
        a.send_signal(signal.SIGTERM)
        assert a.wait(timeout=30) == 0
    finally:
        if a.poll() is None:
            a.kill()
    store = open_store(url)
    assert store.lease("default") is None                         # released on a clean stop
    assert records_counted(store, "default") == records_counted(store, "other") == 10
    store.close()


def test_two_monitors_started_together_count_each_line_once(tmp_path: Path) -> None:
    log, url, state = tmp_path / "app.jsonl", f"sqlite:///{tmp_path / 'a.db'}", tmp_path / "s"
    log.touch()
    open_store(url).close()
    procs = []
    for i in range(2):
        with open(tmp_path / f"stderr{i}.txt", "wb") as errf:
            procs.append(start(log, url, state, stderr=errf))
    store = open_store(url)
    try:
        wait_for(lambda: any(p.poll() is not None for p in procs), 60, None, "one to give up")
        [loser] = [p for p in procs if p.poll() is not None]
        [winner] = [p for p in procs if p is not loser]
        assert loser.returncode == 2
        write(log, [good(i) for i in range(1000)])
        wait_for(lambda: store.count_findings(source="monitor") == 1000, 60, winner, "1000")
        winner.send_signal(signal.SIGTERM)
        assert winner.wait(timeout=30) == 0
    finally:
        for p in procs:
            if p.poll() is None:
                p.kill()
    assert records_counted(store) == 1000                         # not 1,700
    assert finding_offsets(store) == line_offsets(log)
    store.close()


def test_wait_for_lease_takes_over_when_the_holder_stops(tmp_path: Path) -> None:
    log, url, state = tmp_path / "app.jsonl", f"sqlite:///{tmp_path / 'a.db'}", tmp_path / "s"
    write(log, [good(i) for i in range(100)])
    with open(tmp_path / "a.txt", "wb") as errf:
        a = start(log, url, state, stderr=errf)
    store = open_store(url)
    try:
        wait_for(lambda: store.count_findings(source="monitor") == 100, 60, a, "100 findings")
        with open(tmp_path / "b.txt", "wb") as errf:
            b = start(log, url, state, "--wait-for-lease", stderr=errf)
        wait_for(lambda: b"waiting for it to stop" in (tmp_path / "b.txt").read_bytes(), 60,
                 b, "b to wait")
        a.send_signal(signal.SIGTERM)
        assert a.wait(timeout=30) == 0
        write(log, [good(i) for i in range(100, 250)])
        wait_for(lambda: store.count_findings(source="monitor") == 250, 60, b, "250 findings")
        b.send_signal(signal.SIGTERM)
        assert b.wait(timeout=30) == 0
    finally:
        for p in (a, b):
            if p.poll() is None:
                p.kill()
    assert records_counted(store) == 250
    assert (tmp_path / "b.txt").read_text().count("waiting for it to stop") == 1
    store.close()


def test_a_sigkilled_holder_is_taken_over_at_once(tmp_path: Path) -> None:
    log, url, state = tmp_path / "app.jsonl", f"sqlite:///{tmp_path / 'a.db'}", tmp_path / "s"
    write(log, [good(i) for i in range(50)])
    with open(tmp_path / "stderr.txt", "wb") as errf:
        a = start(log, url, state, "--lease-ttl", "600", stderr=errf)
    try:
        wait_for(_polling(state), 60, a, "the first monitor to poll")
    finally:
        a.send_signal(signal.SIGKILL)
        a.wait()
    store = open_store(url)
    assert store.lease("default") is not None                     # left behind by the kill
    write(log, [good(i) for i in range(50, 80)])
    t0 = time.monotonic()
    b = run_once(log, url, state, "--lease-ttl", "600")
    assert b.returncode == 0, b.stderr
    assert time.monotonic() - t0 < 60                             # not the 600 s expiry
    assert records_counted(store) == 80
    store.close()


def _mon(store, tmp_path: Path, log: Path, **kw) -> Monitor:
    cfg = MonitorConfig(paths=(str(log),), state_path=tmp_path / "s", rotated_grace_s=0,
                        batch_size=10, **kw)
    return Monitor(cfg, store, fake_detector(), announce=lambda _m: None)


def test_a_monitor_whose_lease_was_taken_writes_nothing(store, tmp_path: Path) -> None:
    log = tmp_path / "app.jsonl"
    write(log, [good(i) for i in range(20)])
    m = _mon(store, tmp_path, log)
    m.acquire_lease()
    # Paused past its expiry and taken over by a monitor elsewhere:
    assert store.acquire_lease("default", "elsewhere:1:x", 30,
                               take_from=m.lease.holder) is None
    with pytest.raises(LeaseLost, match="taken over"):
        m.poll_once()
    assert store.count_findings(source="monitor") == 0 and records_counted(store) == 0
    assert store.monitor_progress("default") == {}
    assert m.registry.entries()[0].offset == 0
    m.lease.release()
    assert store.lease("default")["holder"] == "elsewhere:1:x"    # not released by the loser


def test_an_expired_lease_of_another_host_is_taken_over(store, tmp_path: Path) -> None:
    log = tmp_path / "app.jsonl"
    write(log, [good(i) for i in range(5)])
    assert store.acquire_lease("default", "elsewhere:1:x", 0.5) is None
    with pytest.raises(LeaseHeld, match="already running \\(elsewhere:1:x"):
        _mon(store, tmp_path, log, lease_ttl_s=5).acquire_lease()
    time.sleep(0.6)
    m = _mon(store, tmp_path, log, lease_ttl_s=5)
    assert m.run().lines == 5
    assert store.lease("default") is None


def test_heartbeat_keeps_the_lease_past_its_ttl(store, tmp_path: Path) -> None:
    log = tmp_path / "app.jsonl"
    log.touch()
    m = _mon(store, tmp_path, log, lease_ttl_s=0.3)
    m.acquire_lease()
    try:
        time.sleep(1.0)                                           # > 3 ttl: renewed meanwhile
        assert store.acquire_lease("default", "elsewhere:1:x", 1) is not None
        assert not m.lease.lost.is_set()
    finally:
        m.lease.release()


def test_cli_usage_errors_are_one_line(tmp_path: Path) -> None:
    log = tmp_path / "app.jsonl"
    log.touch()
    p = run_once(log, f"sqlite:///{tmp_path / 'a.db'}", tmp_path / "s", "--lease-ttl", "0")
    assert p.returncode == 2 and len(p.stderr.strip().splitlines()) == 1
    assert isinstance(p, subprocess.CompletedProcess)


def test_lease_rows_on_sqlite_and_postgres(any_store_url: str) -> None:
    st = open_store(any_store_url)
    try:
        assert st.acquire_lease("m", "h1:1:a", 30) is None
        assert st.acquire_lease("m", "h2:2:b", 30)["holder"] == "h1:1:a"
        assert st.acquire_lease("m", "h1:1:a", 30) is None              # re-entrant
        assert st.acquire_lease("m", "h2:2:b", 30, take_from="h1:1:a") is None
        assert st.renew_lease("m", "h1:1:a", 30) is False
        assert st.renew_lease("m", "h2:2:b", 30) is True
        with pytest.raises(LeaseLost):
            st.commit_monitor_batch("m", [], [], [], {"k": 9}, lease=("h1:1:a", 30))
        assert st.monitor_progress("m") == {}                           # rolled back
        st.commit_monitor_batch("m", [], [], [], {"k": 9}, lease=("h2:2:b", 30))
        assert st.monitor_progress("m") == {"k": 9}
        st.release_lease("m", "h1:1:a")                                 # not the holder: no-op
        assert st.lease("m")["holder"] == "h2:2:b"
        st.release_lease("m", "h2:2:b")
        assert st.lease("m") is None
        # No row (a store restored from before the lease, or recreated): the batch re-takes it.
        st.commit_monitor_batch("m", [], [], [], {"k": 10}, lease=("h1:1:a", 30))
        assert st.lease("m")["holder"] == "h1:1:a" and st.monitor_progress("m") == {"k": 10}
    finally:
        st.close()


def test_stop_while_waiting_for_the_lease(store, tmp_path: Path) -> None:
    import threading

    log = tmp_path / "app.jsonl"
    write(log, [good(i) for i in range(5)])
    assert store.acquire_lease("default", "elsewhere:1:x", 60) is None
    said: list[str] = []
    cfg = MonitorConfig(paths=(str(log),), state_path=tmp_path / "s", rotated_grace_s=0,
                        wait_for_lease=True, lease_ttl_s=0.3)
    m = Monitor(cfg, store, fake_detector(), announce=said.append)
    threading.Timer(0.5, m.stop).start()
    assert m.run(follow=True).lines == 0
    assert said[0].startswith("monitor 'default' is already running (elsewhere:1:x")
    assert said[-1].startswith("stopped while waiting for the lease")
    assert store.count_findings(source="monitor") == 0
    assert store.lease("default")["holder"] == "elsewhere:1:x"
