"""Asynchronous requests to an OpenAI-compatible endpoint, as many at once as it answers well.

Concurrency is adaptive (AIMD, as TCP): it starts low and doubles while per-request latency holds
(slow start), then grows by one per round trip; it halves on an overload signal (429, 503, a
timeout, a dropped connection) and eases off when latency grows (the server is queueing), at most
once per round trip, never above `max_concurrency`. A `Retry-After` pauses every request, not
just the one that got it, so a busy server sees silence rather than a retry storm; retries are
bounded per request and per call, with jittered exponential backoff. Answers go through the
persistent response cache, so an interrupted call resumes where it stopped.
"""

from __future__ import annotations

import asyncio
import logging
import math
import random
import threading
import time
from collections.abc import Callable, Coroutine
from dataclasses import dataclass, field
from email.utils import parsedate_to_datetime
from typing import Any

import httpx

from audit.errors import ModelError
from audit.model.endpoint._cache import ResponseCache, request_key

__all__ = ["CallStats", "Transport"]

log = logging.getLogger(__name__)

OVERLOAD_STATUSES = frozenset({429, 503})
RETRY_STATUSES = frozenset({429, 500, 502, 503, 504})
MAX_PAUSE = 120.0  # seconds: the longest Retry-After honoured as given


def _retry_after(resp: httpx.Response | None) -> float | None:
    if resp is None or not (value := resp.headers.get("retry-after")):
        return None
    try:
        return min(MAX_PAUSE, max(0.0, float(value)))
    except ValueError:
        try:
            return min(MAX_PAUSE, max(0.0, parsedate_to_datetime(value).timestamp() - time.time()))
        except (TypeError, ValueError):
            return None


@dataclass
class CallStats:
    """What one call (or a whole model's life, summed) cost: shown to the user, kept on the run."""

    requests: int = 0
    cache_hits: int = 0
    retries: int = 0
    peak_in_flight: int = 0
    concurrency: float = 0.0
    seconds: float = 0.0
    statuses: dict[str, int] = field(default_factory=dict)

    @property
    def requests_per_s(self) -> float:
        return self.requests / self.seconds if self.seconds > 0 else 0.0

    def to_dict(self) -> dict[str, Any]:
        return {"requests": self.requests, "cache_hits": self.cache_hits,
                "retries": self.retries, "peak_in_flight": self.peak_in_flight,
                "final_concurrency": round(self.concurrency, 2),
                "seconds": round(self.seconds, 3),
                "requests_per_s": round(self.requests_per_s, 2), "errors": dict(self.statuses)}


class _Window:
    """The AIMD concurrency window shared by one call's requests."""

    def __init__(self, cap: int, fixed: int) -> None:
        self.cap, self.fixed = cap, fixed
        self.limit = float(fixed or min(4, cap))
        self.ssthresh = math.inf
        self.best: float | None = None
        self.smooth: float | None = None
        self.last_cut = -math.inf
        self.pause_until = 0.0
        self.in_flight = 0
        self.peak = 0
        self.cond = asyncio.Condition()

    async def acquire(self) -> None:
        loop = asyncio.get_running_loop()
        async with self.cond:
            while True:
                wait = self.pause_until - loop.time()
                if wait > 0:
                    try:
                        await asyncio.wait_for(self.cond.wait(), timeout=wait)
                    except TimeoutError:
                        pass
                elif self.in_flight < int(self.limit):
                    self.in_flight += 1
                    self.peak = max(self.peak, self.in_flight)
                    return
                else:
                    await self.cond.wait()

    async def release(self) -> None:
        async with self.cond:
            self.in_flight -= 1
            self.cond.notify_all()

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


class Transport:
    """POSTs JSON bodies to one endpoint; the key is held in a header and nowhere else."""

    def __init__(self, base_url: str, api_key: str | None, *, timeout: float,
                 max_concurrency: int, concurrency: int, max_retries: int,
                 cache: ResponseCache | None, scope: str) -> None:
        self.base_url = base_url.rstrip("/")
        self._headers = {"Authorization": f"Bearer {api_key}"} if api_key else {}
        self._secret = api_key
        self.timeout = timeout
        self.max_concurrency, self.concurrency = max_concurrency, concurrency
        self.max_retries = max_retries
        self.cache, self.scope = cache, scope
        self.total = CallStats()
        self.last = CallStats()
        # one event loop on a private thread for the model's life: the HTTP client, its
        # keep-alive connections and the learned concurrency window carry over between calls
        # (and synchronous callers inside a running loop, e.g. a notebook, still work)
        self._loop: asyncio.AbstractEventLoop | None = None
        self._thread: threading.Thread | None = None
        self._client: httpx.AsyncClient | None = None
        self._window: _Window | None = None

    def _call(self, make: Callable[[], Coroutine[Any, Any, Any]]) -> Any:
        if self._loop is None:
            self._loop = asyncio.new_event_loop()
            self._thread = threading.Thread(target=self._loop.run_forever, daemon=True,
                                            name="assay-endpoint")
            self._thread.start()
        future = asyncio.run_coroutine_threadsafe(make(), self._loop)
        try:
            return future.result()
        except BaseException:  # Ctrl-C here: stop the requests in flight, keep what arrived
            future.cancel()
            raise

    async def _ensure(self) -> tuple[httpx.AsyncClient, _Window]:
        if self._client is None:
            limits = httpx.Limits(max_connections=self.max_concurrency,
                                  max_keepalive_connections=self.max_concurrency)
            timeout = httpx.Timeout(self.timeout, connect=min(self.timeout, 10.0))
            self._client = httpx.AsyncClient(base_url=self.base_url, headers=self._headers,
                                             timeout=timeout, limits=limits)
            self._window = _Window(self.max_concurrency, self.concurrency)
        assert self._window is not None
        return self._client, self._window

    def close(self) -> None:
        """Close the HTTP client and stop the loop thread (idempotent)."""
        if self._loop is None:
            return
        if self._client is not None:
            self._call(self._client.aclose)
        self._loop.call_soon_threadsafe(self._loop.stop)
        if self._thread is not None:
            self._thread.join(timeout=10)
        if not self._loop.is_running():
            self._loop.close()
        self._loop = self._client = self._window = self._thread = None

    def scrub(self, text: str) -> str:
        """`text` with the API key blanked (a server may echo a bad key in its error)."""
        return text.replace(self._secret, "***") if self._secret else text

    def get_json(self, url: str, timeout: float = 10.0) -> Any:
        """A plain GET (model list, tokenizer info); None when it is not offered."""
        async def get() -> httpx.Response:
            client, _ = await self._ensure()
            return await client.get(url, timeout=timeout)

        try:
            resp = self._call(get)
        except httpx.HTTPError as exc:
            raise ModelError(f"cannot reach the endpoint at {self.base_url}: "
                             f"{type(exc).__name__}: {self.scrub(str(exc))}",
                             "check the URL (it should end in /v1) and that the server is up"
                             ) from None
        if resp.status_code in (401, 403):
            raise ModelError(f"the endpoint at {self.base_url} refused the credentials "
                             f"(HTTP {resp.status_code})",
                             "export the key and name its variable with "
                             "--model-option api_key_env=VAR")
        if resp.status_code != 200:
            return None
        try:
            return resp.json()
        except ValueError:
            return None

    def post_many(self, route: str, bodies: list[dict[str, Any]], *, use_cache: bool = True,
                  progress: Callable[[int], None] | None = None,
                  weights: list[int] | None = None, probe: bool = False) -> list[Any]:
        """Answers (parsed JSON) in the order of `bodies`. `weights[i]` is what body i counts
        for in `progress`. With `probe`, a failed request yields its ModelError in place (no
        retry for 4xx/500) instead of ending the call."""
        weights = weights or [1] * len(bodies)
        results: list[Any] = [None] * len(bodies)
        keys = [request_key(self.scope, route, b) for b in bodies]
        cache = self.cache if use_cache else None
        hits = cache.get_many(keys) if cache is not None else {}
        todo = []
        done_weight = 0
        for i, key in enumerate(keys):
            if key in hits:
                results[i] = hits[key]
                done_weight += weights[i]
            else:
                todo.append(i)
        if progress and done_weight:
            progress(done_weight)
        stats = CallStats(cache_hits=len(bodies) - len(todo))
        start = time.perf_counter()
        try:
            if todo:
                self._call(lambda: self._run(route, bodies, todo, keys, results, cache,
                                             progress, weights, stats, probe))
        finally:
            if cache is not None:
                cache.flush()
            stats.seconds = time.perf_counter() - start
            self.last = stats
            self._add(stats)
        if stats.requests:
            log.info("endpoint %s%s: %d requests in %.1f s (%.1f req/s), peak %d in flight, "
                     "%d retries, %d from cache", self.base_url, route, stats.requests,
                     stats.seconds, stats.requests_per_s, stats.peak_in_flight, stats.retries,
                     stats.cache_hits)
        return results

    def _add(self, s: CallStats) -> None:
        t = self.total
        t.requests += s.requests
        t.cache_hits += s.cache_hits
        t.retries += s.retries
        t.peak_in_flight = max(t.peak_in_flight, s.peak_in_flight)
        t.concurrency = s.concurrency or t.concurrency
        t.seconds += s.seconds
        for k, v in s.statuses.items():
            t.statuses[k] = t.statuses.get(k, 0) + v

    async def _run(self, route: str, bodies: list[dict[str, Any]], todo: list[int],
                   keys: list[str], results: list[Any], cache: ResponseCache | None,
                   progress: Callable[[int], None] | None, weights: list[int],
                   stats: CallStats, probe: bool) -> None:
        client, window = await self._ensure()
        window.peak = window.in_flight
        budget = [max(8, len(todo) // 4)]  # retries the whole call may spend
        async def one(i: int) -> None:
            try:
                results[i] = await self._one(client, window, route, bodies[i], stats,
                                             budget, probe)
            except ModelError as exc:
                if not probe:
                    raise
                results[i] = exc
                return
            if cache is not None:
                cache.put(keys[i], results[i])
            if progress:
                progress(weights[i])

        try:
            async with asyncio.TaskGroup() as group:
                for i in todo:
                    group.create_task(one(i))
        except* ModelError as eg:
            raise eg.exceptions[0] from None
        finally:
            stats.peak_in_flight = window.peak
            stats.concurrency = window.limit

    async def _one(self, client: httpx.AsyncClient, window: _Window, route: str,
                   body: dict[str, Any], stats: CallStats, budget: list[int],
                   probe: bool) -> Any:
        loop = asyncio.get_running_loop()
        attempt = 0
        while True:
            await window.acquire()
            t0 = loop.time()
            resp: httpx.Response | None = None
            problem = ""
            try:
                stats.requests += 1
                resp = await client.post(route, json=body)
            except httpx.TimeoutException:
                problem = f"no answer within {self.timeout:g} s"
            except httpx.TransportError as exc:
                problem = f"{type(exc).__name__}: {self.scrub(str(exc))}"
            finally:
                await window.release()
            now = loop.time()
            if resp is not None and resp.status_code == 200:
                try:
                    data = resp.json()
                except ValueError:
                    raise ModelError(f"the endpoint answered POST {route} with non-JSON",
                                     "check the URL points at an OpenAI-compatible /v1 API"
                                     ) from None
                window.success(now - t0, now)
                return data
            status = resp.status_code if resp is not None else None
            label = str(status) if status else ("timeout" if "within" in problem else "connection")
            stats.statuses[label] = stats.statuses.get(label, 0) + 1
            if resp is not None:
                problem = f"HTTP {status}: {self.scrub(_message(resp))}"
            if status in (401, 403):
                raise ModelError(f"the endpoint at {self.base_url} refused the credentials "
                                 f"({problem})", "export the key and name its variable with "
                                 "--model-option api_key_env=VAR")
            overload = status is None or status in OVERLOAD_STATUSES
            if overload:
                window.overload(now, _retry_after(resp))
            retryable = overload or (status in RETRY_STATUSES and not probe)
            if not retryable or attempt >= self.max_retries or budget[0] <= 0:
                why = ("" if not retryable else f" after {attempt + 1} attempts"
                       if attempt >= self.max_retries else " (the call's retry budget is spent)")
                raise ModelError(f"the endpoint at {self.base_url} failed POST {route}{why}: "
                                 f"{problem}", "check the server's log; lower "
                                 "--model-option max_concurrency if it is overloaded")
            attempt += 1
            budget[0] -= 1
            stats.retries += 1
            pause = _retry_after(resp)
            delay = pause if pause is not None else min(30.0, 0.25 * 2 ** attempt)
            await asyncio.sleep(delay * random.uniform(1.0, 1.25) if pause is not None
                                else delay * random.uniform(0.5, 1.5))


def _message(resp: httpx.Response) -> str:
    try:
        data = resp.json()
        msg = data.get("error", data) if isinstance(data, dict) else data
        if isinstance(msg, dict):
            msg = msg.get("message", msg)
        text = str(msg)
    except ValueError:
        text = resp.text
    return " ".join(text.split())[:200]
