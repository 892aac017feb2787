"""Several processes opening one new store at the same moment: all succeed, schema made once."""

from __future__ import annotations

import sqlite3
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

_OPENER = """
import sys, time
from pathlib import Path
from audit.store import open_store
go = Path(sys.argv[2])
while not go.exists():  # imports done: wait so every process migrates at the same instant
    time.sleep(0.005)
open_store(sys.argv[1]).close()
"""


@pytest.mark.parametrize("any_store_url", ["sqlite", "postgresql"], indirect=True)
def test_concurrent_first_open_migrates_once(any_store_url: str, tmp_path: Path) -> None:
    go = tmp_path / "go"
    procs = [subprocess.Popen([sys.executable, "-c", _OPENER, any_store_url, str(go)],
                              stderr=subprocess.PIPE, cwd=Path(__file__).parent.parent)
             for _ in range(4)]
    time.sleep(8)  # let every process finish importing SQLAlchemy and alembic (2 busy cores)
    go.touch()
    errs = [p.communicate(timeout=120)[1].decode() for p in procs]
    # before the write lock, 2-3 of 4 died with "table alembic_version already exists"
    assert [p.returncode for p in procs] == [0, 0, 0, 0], errs
    from sqlalchemy import text

    from audit.store import open_store

    st = open_store(any_store_url)
    try:
        with st.engine.connect() as conn:
            versions = conn.execute(text("SELECT version_num FROM alembic_version")).all()
    finally:
        st.close()
    assert len(versions) == 1


def _hold_write_lock(path: Path, seconds: float) -> threading.Thread:
    """A rollback-journal SQLite file whose write lock another connection holds for `seconds`."""
    held = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
    held.execute("CREATE TABLE IF NOT EXISTS other (a)")
    held.execute("BEGIN IMMEDIATE")

    def release() -> None:
        time.sleep(seconds)
        held.execute("ROLLBACK")
        held.close()

    t = threading.Thread(target=release)
    t.start()
    return t


def test_wal_switch_waits_for_a_writer_instead_of_failing(tmp_path: Path) -> None:
    # The CI failure: SQLite answers the WAL switch "database is locked" at once, without its
    # busy handler, while another connection holds the write lock. Opening must wait it out.
    from sqlalchemy import text

    from audit.store import open_store

    db = tmp_path / "assay.db"
    t = _hold_write_lock(db, 0.8)
    start = time.monotonic()
    st = open_store(f"sqlite:///{db}")
    waited = time.monotonic() - start
    t.join()
    try:
        with st.engine.connect() as conn:
            assert conn.execute(text("PRAGMA journal_mode")).scalar_one() == "wal"
            assert conn.execute(text("SELECT count(*) FROM alembic_version")).scalar_one() == 1
    finally:
        st.close()
    assert waited >= 0.5  # it did wait for the writer rather than slip past it


def test_wal_switch_gives_up_with_the_lock_error_after_its_wait(tmp_path: Path) -> None:
    from audit._sqlite import enable_wal

    db = tmp_path / "x.db"
    t = _hold_write_lock(db, 1.5)
    conn = sqlite3.connect(db, isolation_level=None)
    with pytest.raises(sqlite3.OperationalError, match="locked"):
        enable_wal(conn, wait_s=0.2)
    t.join()
    enable_wal(conn, wait_s=0.2)  # free again: switches
    assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    conn.close()


def test_response_cache_opens_beside_a_writer(tmp_path: Path) -> None:
    from audit.model.endpoint._cache import ResponseCache

    db = tmp_path / "cache.sqlite"
    t = _hold_write_lock(db, 0.5)
    cache = ResponseCache(db)
    t.join()
    cache.put("k", {"v": 1})
    cache.flush()
    assert cache.get_many(["k"]) == {"k": {"v": 1}}
