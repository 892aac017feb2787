"""Monitor leases: at most one running monitor per name, fenced inside every batch transaction.

A lease row (monitor name -> holder, expiry) is taken with one conditional upsert: it succeeds
when there is no row, when the row has expired, or when the caller already holds it (or names
the holder it takes over from). Every monitor batch renews the lease *inside its own
transaction* and is rolled back when another holder took it (`fence_lease`), so a monitor that
was paused past its expiry cannot write a single count after its successor started: two
processes with the same name never both count a window.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import or_, select, update

from audit.errors import StoreError
from audit.store import schema
from audit.store._sql import dialect_insert
from audit.types import as_utc, utcnow

__all__ = ["LeaseLost", "LeaseStore", "fence_lease"]


class LeaseLost(StoreError):
    """Another process took over this monitor's lease; this one must stop writing."""


def fence_lease(conn: Any, monitor: str, holder: str, ttl_s: float,
                now: datetime | None = None) -> None:
    """Renew `holder`'s lease in the caller's transaction; LeaseLost (rolls it back) if not held."""
    now = now or utcnow()
    t = schema.monitor_leases
    n = conn.execute(update(t).where(t.c.monitor == monitor, t.c.holder == holder).values(
        renewed_at=now, expires_at=now + timedelta(seconds=ttl_s))).rowcount
    if n != 1:
        # No row at all: the store was restored from a backup older than the lease, or
        # recreated. Nobody else holds the name, so take it again (first writer wins).
        row = {"monitor": monitor, "holder": holder, "acquired_at": now, "renewed_at": now,
               "expires_at": now + timedelta(seconds=ttl_s)}
        ins = dialect_insert(conn.engine)(t).values(**row).on_conflict_do_nothing()
        if conn.execute(ins.returning(t.c.holder)).first() is not None:
            return
        raise LeaseLost(f"monitor {monitor!r} was taken over by another process while this one "
                        "was not renewing its lease", "nothing of this batch was written; "
                        "only one monitor may run per --name")


class LeaseStore:
    """Lease reads and writes; mixed into `MonitoringStore` (expects `self.engine`)."""

    engine: Any

    def acquire_lease(self, monitor: str, holder: str, ttl_s: float,
                      take_from: str | None = None) -> dict[str, Any] | None:
        """Take the lease; None when taken, else the current holder's row (it is held)."""
        now = utcnow()
        t = schema.monitor_leases
        row = {"monitor": monitor, "holder": holder, "acquired_at": now, "renewed_at": now,
               "expires_at": now + timedelta(seconds=ttl_s)}
        ins = dialect_insert(self.engine)(t).values(**row)
        takeable = [t.c.expires_at < now, t.c.holder == holder]
        if take_from:
            takeable.append(t.c.holder == take_from)
        stmt = ins.on_conflict_do_update(
            index_elements=["monitor"],
            set_={k: ins.excluded[k] for k in ("holder", "acquired_at", "renewed_at",
                                               "expires_at")},
            where=or_(*takeable)).returning(t.c.holder)
        with self.engine.begin() as conn:
            if conn.execute(stmt).first() is not None:
                return None
            cur = conn.execute(select(t).where(t.c.monitor == monitor)).first()
        if cur is None:  # released between the two statements: try again next time
            return {"monitor": monitor, "holder": "", "expires_at": now, "renewed_at": now}
        return {**cur._mapping, "expires_at": as_utc(cur.expires_at),
                "renewed_at": as_utc(cur.renewed_at), "acquired_at": as_utc(cur.acquired_at)}

    def renew_lease(self, monitor: str, holder: str, ttl_s: float) -> bool:
        """Extend the lease; False when `holder` no longer holds it."""
        try:
            with self.engine.begin() as conn:
                fence_lease(conn, monitor, holder, ttl_s)
        except LeaseLost:
            return False
        return True

    def release_lease(self, monitor: str, holder: str) -> None:
        """Give the lease up (on a clean stop), so a successor need not wait for the expiry."""
        t = schema.monitor_leases
        with self.engine.begin() as conn:
            conn.execute(t.delete().where(t.c.monitor == monitor, t.c.holder == holder))

    def lease(self, monitor: str) -> dict[str, Any] | None:
        """The current lease row of `monitor`, if any."""
        t = schema.monitor_leases
        with self.engine.connect() as conn:
            cur = conn.execute(select(t).where(t.c.monitor == monitor)).first()
        return None if cur is None else {**cur._mapping, "expires_at": as_utc(cur.expires_at)}
