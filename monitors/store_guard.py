"""Ride out store outages: wait and retry with backoff, never advance past an uncommitted line.

Every store call of a monitor goes through `StoreGuard.call`. An error that says the *store* is
unavailable (a lost PostgreSQL connection, a full disk, a read-only or locked SQLite file, the
SQLite file deleted or replaced) starts an outage: one line on stderr, retries with exponential
backoff, and one line when it is over. Offsets are untouched meanwhile, so nothing is lost and
nothing skipped. Any other error is the *data's* fault (`DataFault`) and goes back to the caller,
which quarantines the line responsible. The monitor exits only on `max_outage_s`.

SQLite is watched by file identity before and after every call: a store file that was deleted
under a running monitor would otherwise keep taking commits into the unlinked inode, and they
would be lost with it. A missing file is an outage until it is restored (`recreate=True`:
start a new, empty store at once); a replaced file (a restored backup) is reconnected and
`on_reconnect` lets the monitor re-read what the store does not have.
"""

from __future__ import annotations

import os
import sqlite3
import sys
import time
from collections.abc import Callable
from pathlib import Path
import threading
from threading import Event
from typing import Any, TypeVar
from urllib.parse import quote

from sqlalchemy import event
from sqlalchemy.engine import make_url
from sqlalchemy.exc import (DBAPIError, DisconnectionError, InterfaceError, OperationalError,
                            TimeoutError as PoolTimeout)

from audit.errors import StoreError
from audit.store._leases import LeaseLost

__all__ = ["DataFault", "MonitorStopped", "OutageLimit", "StoreGuard", "StoreReconnected",
           "outage_reason", "sqlite_path"]

T = TypeVar("T")
SHM_REGION = 32768  # SQLite maps its WAL index in 32 KiB regions; a live one is never smaller


class StoreOutage(Exception):
    """The store cannot be written now (transient): wait and retry."""


class StoreReconnected(Exception):
    """The SQLite file was replaced and reconnected: the write in flight was dropped, and the
    offsets were reconciled with the new file; read again from them."""


class DataFault(Exception):
    """A write failed because of what was written, not because of the store."""


class MonitorStopped(Exception):
    """Stop was requested while waiting (for the store, the lease); nothing uncommitted was
    marked read."""


class OutageLimit(StoreError):
    """The store stayed unavailable longer than --max-outage."""


def sqlite_path(url: str) -> Path | None:
    """The file of a SQLite store URL (None for PostgreSQL and in-memory SQLite)."""
    u = make_url(url)
    if u.get_backend_name() == "sqlite" and u.database and u.database != ":memory:":
        return Path(u.database).resolve()
    return None


def _root(exc: BaseException) -> BaseException:
    """The exception at the bottom of a wrapped chain (StoreError <- SQLAlchemy <- driver)."""
    seen = {id(exc)}
    while exc.__cause__ is not None and id(exc.__cause__) not in seen:
        exc = exc.__cause__
        seen.add(id(exc))
    return getattr(exc, "orig", None) or exc


def _first_line(exc: BaseException) -> str:
    orig = getattr(exc, "orig", None) or exc
    text = str(orig).strip().splitlines()
    return f"{type(orig).__name__}: {text[0][:200]}" if text else type(orig).__name__


def outage_reason(exc: BaseException) -> str | None:
    """Why the store is unavailable, or None when `exc` is not about the store being down."""
    seen: set[int] = set()
    cur: BaseException | None = exc
    while cur is not None and id(cur) not in seen:
        seen.add(id(cur))
        if isinstance(cur, StoreOutage):
            return str(cur)
        if isinstance(cur, (OperationalError, InterfaceError, DisconnectionError, PoolTimeout,
                            sqlite3.OperationalError)):
            return _first_line(cur)
        if isinstance(cur, DBAPIError) and cur.connection_invalidated:
            return _first_line(cur)
        if isinstance(cur, OSError):
            return f"{type(cur).__name__}: {cur.strerror or cur}"
        cur = cur.__cause__ or cur.__context__
    return None


class StoreGuard:
    """Runs store calls, turning outages into waits; see the module docstring."""

    def __init__(self, store: Any, stop_event: Event, max_outage_s: float | None = None,
                 retry_initial_s: float = 0.1, retry_max_s: float = 30.0,
                 recreate: bool = False, announce: Callable[[str], None] | None = None,
                 on_reconnect: Callable[[], None] | None = None) -> None:
        self.store = store
        self.stop_event = stop_event
        self.max_outage_s = max_outage_s
        self.retry_initial_s = retry_initial_s
        self.retry_max_s = max(retry_max_s, retry_initial_s)
        self.recreate = recreate
        self.announce = announce or (lambda msg: print(f"assay monitor: {msg}", file=sys.stderr,
                                                       flush=True))
        self.on_reconnect = on_reconnect
        self.outages = 0
        self.path = sqlite_path(store.url)
        # One thread at a time talks to the store (the lease heartbeat and the batches), so a
        # second connection is never opened next to one that maps a replaced file's WAL index
        # (SQLite's POSIX locks do not conflict within a process: a newcomer may take itself
        # for the only user and reinitialise that index under the first).
        self._lock = threading.RLock()
        self._ident: tuple[int, int] | None = None
        if self.path is not None:
            st = os.stat(self.path)
            self._ident = (st.st_dev, st.st_ino)
            # Connections open the file with mode=rw: a missing store is an error, never a new
            # empty file that would silently take the place of the deleted one.
            event.listen(store.engine, "do_connect", self._no_create)

    def _no_create(self, _dialect: Any, _rec: Any, cargs: list[Any], cparams: dict) -> None:
        name = str(cargs[0]) if cargs else ""
        if name and name != ":memory:" and not name.startswith("file:") and not cparams.get("uri"):
            cargs[0] = f"file:{quote(os.path.abspath(name))}?mode=rw"
            cparams["uri"] = True

    # -- SQLite file identity ----------------------------------------------------------------
    def _has_connections(self) -> bool:
        pool = self.store.engine.pool
        return bool(getattr(pool, "checkedin", lambda: 0)() or
                    getattr(pool, "checkedout", lambda: 0)())

    def _check_file(self) -> None:
        """Raise StoreOutage while the SQLite file is gone or unusable; reconnect when it was
        replaced (a file that is not a database yet, or read-only, is an outage too)."""
        try:
            self._check_file_once()
        except (StoreOutage, StoreReconnected):
            raise
        except Exception as exc:
            raise StoreOutage(f"store file {self.path}: {_first_line(_root(exc))}") from exc

    def _check_file_once(self) -> None:
        if self.path is None:
            return
        try:
            st = os.stat(self.path)
        except FileNotFoundError:
            # Pooled connections point at the unlinked inode: drop them (SQLite does not
            # checkpoint or delete the -wal of a database file that was moved or unlinked).
            self.store.engine.dispose()
            if not self.recreate:
                raise StoreOutage(f"store file {self.path} was deleted; waiting for it to be "
                                  "restored (or restart with --recreate-store)") from None
            for suffix in ("-wal", "-shm"):  # SQLite would replay a stale WAL into the new file
                Path(f"{self.path}{suffix}").unlink(missing_ok=True)
            sqlite3.connect(self.path).close()
            self.announce(f"store file {self.path} was deleted; created a new, empty store "
                          "(--recreate-store); its history is gone, lines still in the logs "
                          "are read again")
            st = os.stat(self.path)
        if (st.st_dev, st.st_ino) != self._ident:
            self.store.engine.dispose()  # safe: SQLite skips the checkpoint of a moved file
            from audit.store import migrate

            migrate(self.store.engine)
            self._ident = (st.st_dev, st.st_ino)
            self.announce(f"store file {self.path} was replaced; reconnected")
            if self.on_reconnect is not None:
                self.on_reconnect()
            # Whatever was being written belongs to offsets that may just have moved back.
            raise StoreReconnected()
        self._shm_intact()

    def _shm_intact(self) -> None:
        """Re-exec when the WAL index this process maps was truncated or replaced under it.

        SQLite maps `<db>-shm`; once another process truncates it, touching the mapping (any
        read, or closing the connection, which checkpoints) kills this process with SIGBUS, and
        every connection of the process shares that mapping. The only safe way out is to drop
        the mapping without running SQLite's close: exec a fresh copy of this command (offsets
        and the store are consistent between batches; the lease passes to the same pid).
        """
        if not self._has_connections():
            return
        shm = Path(f"{self.path}-shm")
        try:
            size = os.stat(shm).st_size
        except FileNotFoundError:
            size = -1
        if size >= SHM_REGION:
            return
        what = "deleted" if size < 0 else f"truncated to {size} bytes"
        n = int(os.environ.get("ASSAY_MONITOR_REEXECS", "0")) + 1
        if n > 5:  # something keeps doing it: stop rather than loop (offsets are consistent)
            raise OutageLimit(f"store index {shm} was {what} again after {n - 1} restarts",
                              "find what truncates or deletes it; restart the monitor then")
        self.announce(f"store index {shm} was {what} by another process; this process may not "
                      "touch its mapping again (SIGBUS), restarting the monitor in place")
        os.environ["ASSAY_MONITOR_REEXECS"] = str(n)
        sys.stdout.flush()
        sys.stderr.flush()
        os.execv(sys.executable, [sys.executable, *sys.orig_argv[1:]])

    # -- calls -------------------------------------------------------------------------------
    def try_once(self, fn: Callable[[], T]) -> T:
        """fn() once, from another thread (the lease heartbeat): StoreOutage while the SQLite
        file is not the one connected to; recovery is left to the batches' `call`."""
        with self._lock:
            if self.path is not None:
                st = os.stat(self.path)
                if (st.st_dev, st.st_ino) != self._ident:
                    raise StoreOutage(f"store file {self.path} was replaced")
            return fn()

    def call(self, fn: Callable[[], T], data_is_outage: bool = False) -> T:
        """fn() once the store takes it; DataFault for errors caused by the data itself."""
        started: float | None = None
        delay = self.retry_initial_s
        while True:
            try:
                with self._lock:
                    self._check_file()
                    before = self._ident
                    out = fn()
                    self._check_file()
                if self._ident != before:
                    raise StoreOutage("store file was replaced during the write")
            except StoreReconnected:
                if started is not None:
                    self.announce(f"store available again after "
                                  f"{time.monotonic() - started:.1f}s; resuming from the last "
                                  "line it holds")
                raise
            except (LeaseLost, MonitorStopped, OutageLimit):
                raise
            except Exception as exc:
                reason = outage_reason(exc)
                if reason is None and not data_is_outage:
                    raise DataFault(_first_line(_root(exc))) from exc
                reason = reason or _first_line(exc)
                if self.path is not None:
                    # A connection SQLite opened read-only stays so: retry with fresh ones.
                    self.store.engine.dispose()
                    if "readonly" in reason:
                        # SQLite gives -wal/-shm the mode of the database: all three must allow it.
                        reason += (f" (make {self.path.name}, {self.path.name}-wal and "
                                   f"{self.path.name}-shm writable)")
                now = time.monotonic()
                if started is None:
                    started = now
                    self.outages += 1
                    limit = (f"giving up after {self.max_outage_s:g}s (--max-outage)"
                             if self.max_outage_s is not None else "waiting as long as it takes")
                    self.announce(f"store unavailable: {reason}; nothing is lost, offsets stay "
                                  f"at the last committed line; retrying with backoff, {limit}")
                waited = now - started
                if self.max_outage_s is not None and waited >= self.max_outage_s:
                    raise OutageLimit(f"store unavailable for {waited:.1f}s ({reason})",
                                      "offsets stay at the last committed line: restart the "
                                      "monitor when the store is back, nothing is lost") from None
                pause = delay if self.max_outage_s is None else \
                    min(delay, max(0.0, self.max_outage_s - waited))
                if self.stop_event.wait(pause):
                    raise MonitorStopped("while waiting for the store") from None
                delay = min(delay * 2, self.retry_max_s)
                continue
            if started is not None:
                self.announce(f"store available again after {time.monotonic() - started:.1f}s; "
                              "resuming from the last committed line")
            return out
