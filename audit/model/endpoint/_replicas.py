"""Several base URLs serving one model (vLLM data-parallel replicas): each a `Replica` with its
own HTTP client, AIMD window and `Retry-After` pause; `Replicas` hands each request to the
least-loaded healthy one.

A replica that fails `STRIKES` times in a row (timeouts, dropped connections, 5xx) is put aside
for a backoff that doubles each time (1 s .. `MAX_ASIDE`), then tried again with one request; its
work goes to the others meanwhile. Only when every replica is aside at once is the call lost
(`NoReplicaLeft`). With one base URL none of this applies: the transport retries as it always
did.
"""

from __future__ import annotations

import asyncio
import logging
import math
from dataclasses import dataclass, field
from typing import Any

import httpx

__all__ = ["MAX_ASIDE", "NoReplicaLeft", "Replica", "Replicas", "STRIKES", "Window",
           "split_urls"]

log = logging.getLogger(__name__)

STRIKES = 3  # consecutive failures that put a replica aside
MAX_ASIDE = 30.0  # seconds: the longest a replica is left aside before it is tried again


def split_urls(spec: str) -> list[str]:
    """`http://a/v1,http://b/v1` -> the base URLs, trailing slashes dropped, order kept."""
    return [u.strip().rstrip("/") for u in spec.split(",")]


class NoReplicaLeft(Exception):
    """Every replica is aside: the call cannot go on."""


class Window:
    """One replica's AIMD concurrency window (see `_transport` for the rules)."""

    def __init__(self, cap: int, fixed: int) -> None:
        self.cap, self.fixed = cap, fixed
        self.limit = float(fixed or min(4, cap))
        self.ssthresh = math.inf
        self.best: float | None = None
        self.smooth: float | None = None
        self.last_cut = -math.inf
        self.pause_until = 0.0
        self.in_flight = 0

    def success(self, latency: float, now: float) -> None:
        if self.fixed:
            return
        self.best = latency if self.best is None else min(self.best, latency)
        # smoothed, so one slow reply (a long prompt, a scheduler hiccup) is not "queueing"
        self.smooth = latency if self.smooth is None else 0.8 * self.smooth + 0.2 * latency
        if self.smooth <= 3 * self.best + 0.02:  # latency holds: the server has room
            self.limit += 1.0 if self.limit < self.ssthresh else 1.0 / self.limit
            self.limit = min(self.limit, float(self.cap))
        else:  # queueing at the server: more in flight only adds waiting
            self._cut(now, 0.75, latency)

    def overload(self, now: float, pause: float | None) -> None:
        if pause:
            self.pause_until = max(self.pause_until, now + pause)
        if not self.fixed:
            self._cut(now, 0.5, self.best or 1.0)

    def _cut(self, now: float, factor: float, round_trip: float) -> None:
        if now - self.last_cut < round_trip:  # one cut per round trip, not one per reply
            return
        self.limit = max(1.0, self.limit * factor)
        self.ssthresh = self.limit
        self.last_cut = now


@dataclass
class Replica:
    """One base URL: its client, window, health and what it answered."""

    index: int
    url: str
    window: Window
    client: httpx.AsyncClient | None = None
    strikes: int = 0  # failures in a row
    asides: int = 0  # times put aside since its last success
    aside_until: float = 0.0
    why: str = ""  # its last failure
    fingerprint: str | None = None  # the last system_fingerprint it sent
    answered: int = 0
    put_aside: int = 0  # times put aside over the model's life

    def report(self) -> dict[str, Any]:
        return {"base_url": self.url, "system_fingerprint": self.fingerprint,
                "answered": self.answered, "put_aside": self.put_aside,
                **({"last_error": self.why} if self.why else {})}


@dataclass
class Replicas:
    """The replicas of one endpoint and the condition their requests wait on."""

    replicas: list[Replica]
    cond: asyncio.Condition = field(default_factory=asyncio.Condition)
    in_flight: int = 0
    peak: int = 0

    @property
    def limit(self) -> float:
        return sum(r.window.limit for r in self.replicas)

    def _ready(self, r: Replica, now: float) -> bool:
        # back from aside (failures not yet cleared by a success): one request at a time, so a
        # still-dead replica costs one failure per backoff, not a window's worth
        room = 1 if r.strikes >= STRIKES else int(r.window.limit)
        return (now >= r.aside_until and now >= r.window.pause_until
                and r.window.in_flight < room)

    async def acquire(self, only: int | None = None, avoid: Replica | None = None) -> Replica:
        """A slot on the least-loaded ready replica (on replica `only` when given; not on
        `avoid` while another one is healthy); waits while none has room."""
        loop = asyncio.get_running_loop()
        async with self.cond:
            while True:
                now = loop.time()
                pool = self.replicas if only is None else [self.replicas[only]]
                if only is None and len(pool) > 1 and all(now < r.aside_until for r in pool):
                    raise NoReplicaLeft("; ".join(f"{r.url} ({r.why})" for r in pool))
                healthy = [r for r in pool if now >= r.aside_until]
                if avoid is not None and len(healthy) > 1:
                    pool = [r for r in pool if r is not avoid]
                ready = [r for r in pool if self._ready(r, now)]
                if ready:
                    r = min(ready, key=lambda r: (r.window.in_flight / r.window.limit, r.index))
                    r.window.in_flight += 1
                    self.in_flight += 1
                    self.peak = max(self.peak, self.in_flight)
                    return r
                wakes = [t for r in pool for t in (r.aside_until, r.window.pause_until) if t > now]
                try:  # a slot frees (notify), or a pause or an aside ends (timeout)
                    await asyncio.wait_for(self.cond.wait(),
                                           timeout=min(wakes) - now if wakes else None)
                except TimeoutError:
                    pass

    async def release(self, r: Replica) -> None:
        async with self.cond:
            r.window.in_flight -= 1
            self.in_flight -= 1
            self.cond.notify_all()

    def others_healthy(self, r: Replica, now: float) -> bool:
        return any(o is not r and now >= o.aside_until for o in self.replicas)

    def success(self, r: Replica) -> None:
        r.strikes = r.asides = 0
        r.answered += 1

    def strike(self, r: Replica, now: float, why: str) -> None:
        """Count a failure on `r`; the STRIKES-th in a row puts it aside (doubling backoff)."""
        r.strikes += 1
        r.why = why
        if r.strikes >= STRIKES and now >= r.aside_until:
            wait = min(MAX_ASIDE, 2.0 ** r.asides)
            r.asides += 1
            r.put_aside += 1
            r.aside_until = now + wait
            log.warning("endpoint replica %s put aside for %.0f s after %d failures in a row "
                        "(%s); its requests go to the others", r.url, wait, r.strikes, why)
