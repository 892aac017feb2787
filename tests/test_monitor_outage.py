"""The store goes away under a running monitor: it says so once, waits with backoff, keeps its
offsets, and loses nothing when the store is back; it exits only on --max-outage. SQLite: the
file deleted (restored from a backup, or recreated with --recreate-store), its WAL index
truncated under the mapping (SIGBUS before); errors of any store through a fault-injecting
wrapper. Exact counts: 0 lost, 0 duplicated."""

from __future__ import annotations

import json
import os
import shutil
import signal
import sqlite3
import subprocess
import threading
from collections.abc import Iterator
from contextlib import closing, contextmanager
from pathlib import Path

import pytest
from sqlalchemy.exc import OperationalError

from audit.store import open_store
from monitors.monitor import Monitor, MonitorConfig
from monitors.store_guard import OutageLimit
from tests.monitor_procs import (ROOT, finding_offsets, good, line_offsets, monitor_argv,
                                 records_counted, run_once, start, wait_for, write)
from tests.test_monitor_fakes import fake_detector


def _backup(db: Path, to: Path) -> None:
    src, dst = sqlite3.connect(db), sqlite3.connect(to)
    src.backup(dst)
    dst.close()
    src.close()


def _count(db: Path) -> int:
    """Findings in the SQLite file now (-1 while it is missing or has no table yet)."""
    if not db.exists():
        return -1
    with closing(sqlite3.connect(f"file:{db}?mode=ro", uri=True)) as c:
        try:
            return c.execute("select count(*) from findings").fetchone()[0]
        except sqlite3.OperationalError:
            return -1


def _delete(db: Path) -> None:
    for suffix in ("", "-wal", "-shm"):
        Path(f"{db}{suffix}").unlink(missing_ok=True)


def _exact(store, log: Path) -> None:
    assert finding_offsets(store) == line_offsets(log)           # 0 lost
    assert records_counted(store) == len(line_offsets(log))      # 0 counted twice
    assert store.count_quarantined() == 0


@contextmanager
def _running(log: Path, url: str, state: Path, errpath: Path, *args: str) -> Iterator:
    """A following monitor with its stderr in `errpath`, killed if a check fails before it
    has been stopped."""
    with open(errpath, "wb") as errf:
        p = start(log, url, state, *args, stderr=errf)
    try:
        yield p
    finally:
        if p.poll() is None:
            p.kill()


def _exact_at(url: str, log: Path) -> None:
    store = open_store(url)
    _exact(store, log)
    store.close()


def test_deleted_store_waits_for_the_restore_and_loses_nothing(tmp_path: Path) -> None:
    log, db, state = tmp_path / "app.jsonl", tmp_path / "a.db", tmp_path / "s"
    url = f"sqlite:///{db}"
    log.touch()
    open_store(url).close()
    errpath = tmp_path / "stderr.txt"
    with _running(log, url, state, errpath) as p:
        def count() -> int:
            return _count(db)

        write(log, [good(i) for i in range(200)])
        wait_for(lambda: count() == 200, 60, p, "200 findings")
        _backup(db, tmp_path / "backup.db")                       # the backup holds 200 lines
        write(log, [good(i) for i in range(200, 300)])
        wait_for(lambda: count() == 300, 60, p, "300 findings")
        _delete(db)                                               # 300 committed, 100 not in backup
        write(log, [good(i) for i in range(300, 600)])
        wait_for(lambda: b"was deleted" in errpath.read_bytes(), 30, p, "the outage line")
        assert not db.exists(), "the monitor created an empty store in place of the deleted one"
        os.replace(tmp_path / "backup.db", db)                    # restore the backup
        wait_for(lambda: count() == 600, 60, p, "600 findings")
        p.send_signal(signal.SIGTERM)
        assert p.wait(timeout=30) == 0
    err = errpath.read_text()
    assert err.count("store unavailable") == 1, err               # once per outage, not per retry
    assert err.count("available again") == 1
    assert "reading" in err and "bytes again" in err              # the 100 lines after the backup
    _exact_at(url, log)


def test_recreate_store_rebuilds_from_the_logs(tmp_path: Path) -> None:
    (tmp_path / "store").mkdir()
    log, db, state = tmp_path / "app.jsonl", tmp_path / "store" / "a.db", tmp_path / "s"
    url = f"sqlite:///{db}"
    log.touch()
    open_store(url).close()
    errpath = tmp_path / "stderr.txt"
    with _running(log, url, state, errpath, "--recreate-store") as p:
        write(log, [good(i) for i in range(150)])
        wait_for(lambda: _count(db) == 150, 60, p, "150 findings")
        # All three files at once (an rm of one after the monitor recreated the store would
        # delete the new store's WAL): the directory is swapped for an empty one.
        os.rename(tmp_path / "store", tmp_path / "gone")
        (tmp_path / "store").mkdir()
        write(log, [good(i) for i in range(150, 300)])
        wait_for(lambda: _count(db) == 300, 60, p, "300 findings in the new store")
        p.send_signal(signal.SIGTERM)
        assert p.wait(timeout=30) == 0
    err = errpath.read_text()
    assert "created a new, empty store" in err and "reading" in err, err
    store = open_store(url)
    _exact(store, log)                  # the new store holds every line the log still has
    assert store.lease("default") is None
    store.close()


def test_max_outage_exits_2_with_one_line_and_keeps_offsets(tmp_path: Path) -> None:
    log, db, state = tmp_path / "app.jsonl", tmp_path / "a.db", tmp_path / "s"
    url = f"sqlite:///{db}"
    write(log, [good(i) for i in range(100)])
    assert run_once(log, url, state).returncode == 0
    _backup(db, tmp_path / "backup.db")
    before = state.read_bytes()
    write(log, [good(i) for i in range(100, 200)])
    with _running(log, url, state, tmp_path / "stderr.txt", "--max-outage", "1") as p:
        wait_for(lambda: _count(db) == 200, 60, p, "200 findings")
        _delete(db)
        write(log, [good(i) for i in range(200, 300)])
        assert p.wait(timeout=60) == 2
    err = (tmp_path / "stderr.txt").read_text().strip().splitlines()
    assert err[-1].startswith("assay: error: store unavailable for 1.") and "nothing is lost" \
        in err[-1], err
    assert not any("Traceback" in ln for ln in err)
    # Lines 100-199 went into the file that was deleted; 200-299 were never marked read.
    assert json.loads(state.read_bytes())["files"][0]["offset"] == line_offsets(log)[200]
    assert json.loads(before)["files"][0]["offset"] == line_offsets(log)[100]
    os.replace(tmp_path / "backup.db", db)
    p2 = run_once(log, url, state)
    assert p2.returncode == 0, p2.stderr
    _exact_at(url, log)


def test_truncated_wal_index_restarts_in_place_instead_of_sigbus(tmp_path: Path) -> None:
    """Another process truncating `<db>-shm` used to kill the monitor with SIGBUS."""
    log, db, state = tmp_path / "app.jsonl", tmp_path / "a.db", tmp_path / "s"
    url = f"sqlite:///{db}"
    log.touch()
    open_store(url).close()
    errpath = tmp_path / "stderr.txt"
    with _running(log, url, state, errpath) as p:
        store = open_store(url)
        write(log, [good(i) for i in range(100)])
        wait_for(lambda: store.count_findings(source="monitor") == 100, 60, p, "100 findings")
        store.close()                                  # only the monitor maps the index now
        os.truncate(f"{db}-shm", 0)
        write(log, [good(i) for i in range(100, 200)])
        wait_for(lambda: b"restarting the monitor in place" in errpath.read_bytes(), 30, p,
                 "the restart line")
        before = state.stat().st_mtime_ns
        store = open_store(url)
        wait_for(lambda: store.count_findings(source="monitor") == 200
                 and state.stat().st_mtime_ns != before, 60, p, "200 findings after the restart")
        assert p.poll() is None and p.pid > 0                     # the same process, re-executed
        p.send_signal(signal.SIGTERM)
        assert p.wait(timeout=30) == 0, errpath.read_text()
    _exact(store, log)
    store.close()


class _FlakyStore:
    """The real store, but the next `fail` batch commits raise a connection error."""

    def __init__(self, store, fail: int) -> None:
        self._store, self.fail, self.calls = store, fail, 0

    def __getattr__(self, name: str):
        return getattr(self._store, name)

    def commit_monitor_batch(self, *args, **kw):
        self.calls += 1
        if self.fail > 0:
            self.fail -= 1
            raise OperationalError("INSERT", {}, ConnectionRefusedError("connection refused"))
        return self._store.commit_monitor_batch(*args, **kw)


def _monitor(store, tmp_path: Path, log: Path, lines: list[str], **kw) -> Monitor:
    said: list[str] = []
    cfg = MonitorConfig(paths=(str(log),), state_path=tmp_path / "s", batch_size=30,
                        rotated_grace_s=0, retry_initial_s=0.01, retry_max_s=0.05, **kw)
    m = Monitor(cfg, store, fake_detector(), announce=said.append)
    m.said = said  # type: ignore[attr-defined]
    return m


def test_outage_waits_with_one_line_each_way(store, tmp_path: Path) -> None:
    log = tmp_path / "app.jsonl"
    write(log, [good(i) for i in range(100)])
    flaky = _FlakyStore(store, fail=6)
    m = _monitor(flaky, tmp_path, log, [])
    assert m.poll_once() == 100
    assert flaky.calls == 4 + 6                                   # 4 batches, 6 retries
    assert len(m.said) == 2, m.said
    assert m.said[0].startswith("store unavailable: ConnectionRefusedError") and \
        "connection refused" in m.said[0]
    assert m.said[1].startswith("store available again")
    _exact(store, log)


def test_outage_limit_raises_and_offsets_stay(store, tmp_path: Path) -> None:
    log = tmp_path / "app.jsonl"
    write(log, [good(i) for i in range(100)])
    m = _monitor(_FlakyStore(store, fail=10**9), tmp_path, log, [], max_outage_s=0.3)
    with pytest.raises(OutageLimit, match="store unavailable for 0.3"):
        m.poll_once()
    assert all(e.offset == 0 for e in m.registry.entries())
    assert store.count_findings(source="monitor") == 0


def test_stop_during_an_outage_returns_promptly(store, tmp_path: Path) -> None:
    log = tmp_path / "app.jsonl"
    write(log, [good(i) for i in range(10)])
    m = _monitor(_FlakyStore(store, fail=10**9), tmp_path, log, [])
    threading.Timer(0.3, m.stop).start()
    stats = m.run(follow=True)
    assert stats.lines == 0 and m.said[-1].startswith("stopped while waiting for the store")
    assert store.lease("default") is None                         # released on the way out


@pytest.mark.parametrize(("exc", "outage"), [
    (OperationalError("INSERT", {}, sqlite3.OperationalError("database or disk is full")), True),
    (OperationalError("INSERT", {}, sqlite3.OperationalError(
        "attempt to write a readonly database")), True),
    (OperationalError("BEGIN", {}, sqlite3.OperationalError("database is locked")), True),
    (OSError(28, "No space left on device"), True),
    (sqlite3.OperationalError("disk I/O error"), True),
    (UnicodeEncodeError("utf-8", "\ud800", 0, 1, "surrogates not allowed"), False),
    (ValueError("A string literal cannot contain NUL (0x00) characters."), False),
])
def test_outage_or_data_fault(exc: BaseException, outage: bool) -> None:
    """What waits (the store is down) and what is the data's fault (quarantine the line)."""
    from audit.errors import StoreError
    from monitors.store_guard import outage_reason

    wrapped = StoreError("could not write monitor batch")
    wrapped.__cause__ = exc
    assert (outage_reason(wrapped) is not None) is outage
    assert (outage_reason(exc) is not None) is outage


def test_a_full_disk_for_the_offsets_file_is_waited_out(store, tmp_path: Path) -> None:
    log = tmp_path / "app.jsonl"
    write(log, [good(i) for i in range(60)])
    m = _monitor(store, tmp_path, log, [])
    real, fails = m.registry.save, [3]

    def save() -> None:
        if fails[0] > 0:
            fails[0] -= 1
            raise OSError(28, "No space left on device")
        real()

    m.registry.save = save  # type: ignore[method-assign]
    assert m.poll_once() == 60
    assert fails == [0] and len(m.said) == 2 and "No space left on device" in m.said[0]
    assert json.loads((tmp_path / "s").read_text())["files"][0]["offset"] == log.stat().st_size
    _exact(store, log)


def _unprivileged() -> list[str]:
    """A command prefix under which file modes apply (root ignores them)."""
    if os.geteuid() != 0:
        return []
    prefix = ["setpriv", "--bounding-set=-dac_override,-dac_read_search,-fowner", "--"]
    if shutil.which("setpriv") is None or subprocess.run(prefix + ["true"]).returncode != 0:
        pytest.skip("running as root without a working setpriv: modes cannot be applied")
    return prefix


def test_read_only_store_is_waited_for_until_writable(tmp_path: Path) -> None:
    log, db, state = tmp_path / "app.jsonl", tmp_path / "a.db", tmp_path / "s"
    url = f"sqlite:///{db}"
    write(log, [good(i) for i in range(50)])
    assert run_once(log, url, state).returncode == 0
    write(log, [good(i) for i in range(50, 120)])
    db.chmod(0o444)
    errpath = tmp_path / "stderr.txt"
    argv = _unprivileged() + monitor_argv(log, url, state, ("--follow", "--poll-interval",
                                                             "0.05", "--retry-max", "0.2"))
    with open(errpath, "wb") as errf:
        p = subprocess.Popen(argv, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=errf)
    try:
        wait_for(lambda: b"store unavailable" in errpath.read_bytes(), 60, p, "the outage")
        assert b"readonly" in errpath.read_bytes() and b"a.db-wal" in errpath.read_bytes()
        for suffix in ("", "-wal", "-shm"):
            if Path(f"{db}{suffix}").exists():
                Path(f"{db}{suffix}").chmod(0o644)
        wait_for(lambda: _count(db) == 120, 60, p, "120 findings")
        p.send_signal(signal.SIGTERM)
        assert p.wait(timeout=30) == 0
    finally:
        if p.poll() is None:
            p.kill()
    assert errpath.read_text().count("store unavailable") == 1
    _exact_at(url, log)


@pytest.fixture()
def small_disk(tmp_path: Path):
    """A 2 MiB tmpfs (needs root with CAP_SYS_ADMIN, as in CI's container; skipped elsewhere)."""
    mnt = tmp_path / "disk"
    mnt.mkdir()
    r = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=2m", "tmpfs", str(mnt)],
                       capture_output=True, text=True)
    if r.returncode != 0:
        pytest.skip(f"cannot mount a small tmpfs here: {r.stderr.strip()[:100]}")
    yield mnt
    subprocess.run(["umount", "-l", str(mnt)], check=False)


def test_full_disk_is_waited_out(small_disk: Path, tmp_path: Path) -> None:
    log, db, state = tmp_path / "app.jsonl", small_disk / "a.db", small_disk / "s"
    url = f"sqlite:///{db}"
    log.touch()
    open_store(url).close()
    errpath = tmp_path / "stderr.txt"
    with _running(log, url, state, errpath) as p:
        filler = small_disk / "filler"
        write(log, [good(i) for i in range(100)])
        wait_for(lambda: _count(db) == 100, 60, p, "100 findings")
        with open(filler, "wb", buffering=0) as fh:               # fill the disk to the brim
            try:
                while True:
                    fh.write(b"\0" * 4096)
            except OSError:
                pass
        write(log, [good(i) for i in range(100, 400)])
        wait_for(lambda: b"store unavailable" in errpath.read_bytes(), 60, p, "the outage")
        filler.unlink()
        wait_for(lambda: _count(db) == 400, 60, p, "400 findings")
        p.send_signal(signal.SIGTERM)
        assert p.wait(timeout=30) == 0
    err = errpath.read_text()
    assert err.count("store unavailable") == 1, err
    assert "disk is full" in err or "No space left" in err, err
    _exact_at(url, log)


def test_store_replaced_by_a_non_database_waits_then_resumes(tmp_path: Path) -> None:
    db = tmp_path / "a.db"
    store = open_store(f"sqlite:///{db}")
    log = tmp_path / "app.jsonl"
    write(log, [good(i) for i in range(40)])
    m = _monitor(store, tmp_path, log, [])
    m.acquire_lease()
    assert m.poll_once() == 40
    _backup(db, tmp_path / "backup.db")
    (tmp_path / "junk").write_bytes(b"not a database at all" * 100)
    _delete(db)
    os.replace(tmp_path / "junk", db)
    write(log, [good(i) for i in range(40, 90)])
    threading.Timer(0.5, lambda: (_delete(db), os.replace(tmp_path / "backup.db", db))).start()
    while m.poll_once():                               # waits out the junk, then reads on
        pass
    m.lease.release()
    assert "not a database" in m.said[0] and m.said[0].startswith("store unavailable")
    _exact(store, log)
    store.close()
