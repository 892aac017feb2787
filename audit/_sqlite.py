"""Switching a SQLite file to WAL safely while other processes open it too."""

from __future__ import annotations

import sqlite3
import time
from typing import Any

__all__ = ["enable_wal"]

WAL_SWITCH_WAIT_S = 30.0


def enable_wal(conn: Any, wait_s: float = WAL_SWITCH_WAIT_S) -> None:
    """`PRAGMA journal_mode=WAL` on a DB-API sqlite3 connection or cursor, waiting out writers.

    Switching a rollback-journal file to WAL upgrades a read lock to a write lock, and SQLite
    answers "database is locked" at once, without calling its busy handler, while another
    connection holds the write lock (two processes opening a new store at the same instant; CI
    saw it). We wait for that writer ourselves; once one switch has landed the others are no-ops.
    """
    deadline = time.monotonic() + wait_s
    pause = 0.01
    while True:
        try:
            conn.execute("PRAGMA journal_mode=WAL")
            return
        except sqlite3.OperationalError as exc:
            if "locked" not in str(exc) or time.monotonic() >= deadline:
                raise
            time.sleep(pause)
            pause = min(pause * 2, 0.25)
