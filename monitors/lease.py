"""One running monitor per name: a lease in the store, renewed while the monitor runs.

Two monitors with the same `--name` would read the same offsets and add the same lines to the
same window counters. The lease row (`monitor_leases`) names its holder (`host:pid:token`); a
second monitor finds it held and stops with one line (or waits with `wait=True`). A heartbeat
thread renews it every third of its time to live, and every batch renews it again inside its own
transaction (`audit.store._leases.fence_lease`), so a monitor that lost it writes nothing.
A holder on this host whose process is gone (SIGKILL, a crash) is taken over at once instead of
after the expiry, so a restarted monitor does not wait.
"""

from __future__ import annotations

import logging
import os
import secrets
import socket
import threading
from collections.abc import Callable
from datetime import datetime
from typing import Any

from audit.errors import AssayError
from audit.types import utcnow

__all__ = ["LeaseHeld", "MonitorLease", "holder_is_dead"]

log = logging.getLogger(__name__)


class LeaseHeld(AssayError):
    """Another live process runs a monitor with this name."""


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def holder_is_dead(holder: str, me: str) -> bool:
    """True when `holder` was a process on this host that no longer runs.

    The same pid as ours but another token is a previous process (a container restarted with
    the same pid, or this command re-executed in place), so it is gone too.
    """
    parts = holder.rsplit(":", 2)
    if len(parts) != 3 or not parts[1].isdigit():
        return False
    host, pid = parts[0], int(parts[1])
    if host != socket.gethostname() or holder == me:
        return False
    return pid == os.getpid() or not _pid_alive(pid)


class MonitorLease:
    """Acquire, renew (heartbeat thread) and release the lease of one monitor name."""

    def __init__(self, store: Any, monitor: str, ttl_s: float = 30.0,
                 runner: Callable[[Callable[[], Any]], Any] = lambda fn: fn()) -> None:
        self.store = store
        self.runner = runner  # how the heartbeat reaches the store (StoreGuard.try_once)
        self.monitor = monitor
        self.ttl_s = ttl_s
        self.holder = f"{socket.gethostname()}:{os.getpid()}:{secrets.token_hex(4)}"
        self.lost = threading.Event()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    @property
    def fence(self) -> tuple[str, float]:
        """What `commit_monitor_batch(lease=...)` needs to renew the lease with the batch."""
        return self.holder, self.ttl_s

    def try_acquire(self) -> dict[str, Any] | None:
        """None when acquired; else the row of the live holder."""
        cur = self.store.acquire_lease(self.monitor, self.holder, self.ttl_s)
        for _ in range(3):  # released between the store's two statements: just try again
            if cur is None or cur["holder"]:
                break
            cur = self.store.acquire_lease(self.monitor, self.holder, self.ttl_s)
        if cur is not None and cur["holder"] and holder_is_dead(cur["holder"], self.holder):
            cur = self.store.acquire_lease(self.monitor, self.holder, self.ttl_s,
                                           take_from=cur["holder"])
        return cur

    def held_error(self, cur: dict[str, Any]) -> LeaseHeld:
        left = (cur["expires_at"] - utcnow()).total_seconds() if isinstance(
            cur.get("expires_at"), datetime) else 0.0
        return LeaseHeld(f"monitor {self.monitor!r} is already running ({cur['holder']}, its "
                         f"lease expires in {max(left, 0):.0f}s unless renewed)",
                         "stop it, pick another --name, or pass --wait-for-lease")

    def start_heartbeat(self) -> None:
        """Renew every ttl/3 in a daemon thread; sets `lost` if another holder took over."""
        self._thread = threading.Thread(target=self._beat, name="assay-lease", daemon=True)
        self._thread.start()

    def _beat(self) -> None:
        while not self._stop.wait(self.ttl_s / 3):
            try:
                if not self.runner(lambda: self.store.renew_lease(self.monitor, self.holder,
                                                                  self.ttl_s)):
                    self.lost.set()
                    return
            except Exception as exc:  # an outage: the batch path reports and waits for it
                log.debug("lease renewal failed: %s", exc)

    def release(self) -> None:
        """Stop the heartbeat and give the lease up (best effort: it expires anyway)."""
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=5)
        if self.lost.is_set():
            return
        try:
            self.store.release_lease(self.monitor, self.holder)
        except Exception as exc:
            log.debug("lease release failed: %s", exc)
