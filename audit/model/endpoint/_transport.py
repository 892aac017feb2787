"""Asynchronous requests to an OpenAI-compatible endpoint, as many at once as it answers well.

Concurrency is adaptive (AIMD, as TCP): it starts low and doubles while per-request latency holds
(slow start), then grows by one per round trip; it halves on an overload signal (429, 503, a
timeout, a dropped connection) and eases off when latency grows (the server is queueing), at most
once per round trip, never above `max_concurrency`. A `Retry-After` pauses every request, not
just the one that got it, so a busy server sees silence rather than a retry storm; retries are
bounded per request and per call, with jittered exponential backoff. Answers go through the
persistent response cache, so an interrupted call resumes where it stopped.

With several base URLs (replicas of one model) each has its own window and pause, and a request
goes to the least-loaded healthy one; a replica that keeps failing is put aside and its requests
go to the others, without spending the request's retries (`_replicas`).
"""

from __future__ import annotations

import asyncio
import logging
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
from audit.model.endpoint._replicas import STRIKES, NoReplicaLeft, Replica, Replicas, Window

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
    rerouted: int = 0  # requests moved to another replica after a failure
    peak_in_flight: int = 0
    concurrency: float = 0.0
    seconds: float = 0.0
    statuses: dict[str, int] = field(default_factory=dict)

    @property
    def requests_per_s(self) -> float:
        return self.requests / self.seconds if self.seconds > 0 else 0.0

    def to_dict(self) -> dict[str, Any]:
        return {"requests": self.requests, "cache_hits": self.cache_hits,
                "retries": self.retries, "rerouted": self.rerouted,
                "peak_in_flight": self.peak_in_flight,
                "final_concurrency": round(self.concurrency, 2),
                "seconds": round(self.seconds, 3),
                "requests_per_s": round(self.requests_per_s, 2), "errors": dict(self.statuses)}


class Transport:
    """POSTs JSON bodies to one endpoint (one or several replica base URLs); the key is held in
    a header and nowhere else."""

    def __init__(self, base_urls: str | list[str], api_key: str | None, *, timeout: float,
                 max_concurrency: int, concurrency: int, max_retries: int,
                 cache: ResponseCache | None, scope: str) -> None:
        urls = [base_urls] if isinstance(base_urls, str) else list(base_urls)
        self.urls = [u.rstrip("/") for u in urls]
        self.base_url = ",".join(self.urls)
        self._headers = {"Authorization": f"Bearer {api_key}"} if api_key else {}
        self._secret = api_key
        self.timeout = timeout
        self.max_concurrency, self.concurrency = max_concurrency, concurrency
        self.max_retries = max_retries
        self.cache, self.scope = cache, scope
        self.total = CallStats()
        self.last = CallStats()
        # one event loop on a private thread for the model's life: the HTTP clients, their
        # keep-alive connections and the learned concurrency windows carry over between calls
        # (and synchronous callers inside a running loop, e.g. a notebook, still work)
        self._loop: asyncio.AbstractEventLoop | None = None
        self._thread: threading.Thread | None = None
        self._pool: Replicas | None = None

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

    async def _ensure(self) -> Replicas:
        if self._pool is None:
            limits = httpx.Limits(max_connections=self.max_concurrency,
                                  max_keepalive_connections=self.max_concurrency)
            timeout = httpx.Timeout(self.timeout, connect=min(self.timeout, 10.0))
            self._pool = Replicas([Replica(i, url, Window(self.max_concurrency, self.concurrency),
                                           httpx.AsyncClient(base_url=url, headers=self._headers,
                                                             timeout=timeout, limits=limits))
                                   for i, url in enumerate(self.urls)], asyncio.Condition())
        return self._pool

    @property
    def replicas(self) -> list[Replica]:
        """The replicas (empty before the first request)."""
        return self._pool.replicas if self._pool is not None else []

    def close(self) -> None:
        """Close the HTTP clients and stop the loop thread (idempotent)."""
        if self._loop is None:
            return
        for r in self.replicas:
            if r.client is not None:
                self._call(r.client.aclose)
        self._loop.call_soon_threadsafe(self._loop.stop)
        if self._thread is not None:
            self._thread.join(timeout=10)
        if not self._loop.is_running():
            self._loop.close()
        self._loop = self._pool = self._thread = None

    def scrub(self, text: str) -> str:
        """`text` with the API key blanked (a server may echo a bad key in its error)."""
        return text.replace(self._secret, "***") if self._secret else text

    def get_json(self, url: str, timeout: float = 10.0, replica: int = 0) -> Any:
        """A plain GET of an absolute URL (model list, tokenizer info) through `replica`'s
        client; None when it is not offered."""
        async def get() -> httpx.Response:
            client = (await self._ensure()).replicas[replica].client
            assert client is not None
            return await client.get(url, timeout=timeout)

        where = self.urls[replica]
        try:
            resp = self._call(get)
        except httpx.HTTPError as exc:
            raise ModelError(f"cannot reach the endpoint at {where}: "
                             f"{type(exc).__name__}: {self.scrub(str(exc))}",
                             "check the URL (it should end in /v1) and that the server is up"
                             ) from None
        if resp.status_code in (401, 403):
            raise ModelError(f"the endpoint at {where} refused the credentials "
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
                  weights: list[int] | None = None, probe: bool = False,
                  replica: int | None = None) -> list[Any]:
        """Answers (parsed JSON) in the order of `bodies`. `weights[i]` is what body i counts
        for in `progress`. With `probe`, a failed request yields its ModelError in place (no
        retry for 4xx/500) instead of ending the call. `replica`: send every request to that
        replica only (the probe checks each one)."""
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
                                             progress, weights, stats, probe, replica))
        finally:
            if cache is not None:
                cache.flush()
            stats.seconds = time.perf_counter() - start
            self.last = stats
            self._add(stats)
        if stats.requests:
            where = self.urls[replica] if replica is not None else self.base_url
            log.info("endpoint %s%s: %d requests in %.1f s (%.1f req/s), peak %d in flight, "
                     "%d retries, %d from cache", where, route, stats.requests,
                     stats.seconds, stats.requests_per_s, stats.peak_in_flight, stats.retries,
                     stats.cache_hits)
        return results

    def _add(self, s: CallStats) -> None:
        t = self.total
        t.requests += s.requests
        t.cache_hits += s.cache_hits
        t.retries += s.retries
        t.rerouted += s.rerouted
        t.peak_in_flight = max(t.peak_in_flight, s.peak_in_flight)
        t.concurrency = s.concurrency or t.concurrency
        t.seconds += s.seconds
        for k, v in s.statuses.items():
            t.statuses[k] = t.statuses.get(k, 0) + v

    async def _run(self, route: str, bodies: list[dict[str, Any]], todo: list[int],
                   keys: list[str], results: list[Any], cache: ResponseCache | None,
                   progress: Callable[[int], None] | None, weights: list[int],
                   stats: CallStats, probe: bool, replica: int | None) -> None:
        pool = await self._ensure()
        pool.peak = pool.in_flight
        budget = [max(8, len(todo) // 4)]  # retries the whole call may spend

        async def one(i: int) -> None:
            try:
                results[i] = await self._one(pool, replica, route, bodies[i], stats,
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
            stats.peak_in_flight = pool.peak
            stats.concurrency = pool.limit

    async def _one(self, pool: Replicas, only: int | None, route: str, body: dict[str, Any],
                   stats: CallStats, budget: list[int], probe: bool) -> Any:
        loop = asyncio.get_running_loop()
        # several replicas: a failure counts against the replica, and the request moves on to
        # another one without spending its retries (bounded, so nothing loops forever)
        several = only is None and len(pool.replicas) > 1
        attempt = reroutes = 0
        avoid: Replica | None = None
        while True:
            try:
                r = await pool.acquire(only, avoid)
            except NoReplicaLeft as exc:
                raise ModelError(f"no replica of the endpoint is left (every one failed "
                                 f"{STRIKES} times in a row): {self.scrub(str(exc))}",
                                 "check the servers' logs; drop the dead base URLs from --model"
                                 ) from None
            t0 = loop.time()
            resp: httpx.Response | None = None
            problem = ""
            try:
                stats.requests += 1
                assert r.client is not None
                resp = await r.client.post(route, json=body)
            except httpx.TimeoutException:
                problem = f"no answer within {self.timeout:g} s"
            except httpx.TransportError as exc:
                problem = f"{type(exc).__name__}: {self.scrub(str(exc))}"
            finally:
                await pool.release(r)
            now = loop.time()
            if resp is not None and resp.status_code == 200:
                try:
                    data = resp.json()
                except ValueError:
                    raise ModelError(f"the endpoint at {r.url} answered POST {route} with "
                                     "non-JSON", "check the URL points at an "
                                     "OpenAI-compatible /v1 API") from None
                r.window.success(now - t0, now)
                pool.success(r)
                if isinstance(data, dict) and (fp := data.get("system_fingerprint")):
                    r.fingerprint = str(fp)
                return data
            status = resp.status_code if resp is not None else None
            label = str(status) if status else ("timeout" if "within" in problem else "connection")
            stats.statuses[label] = stats.statuses.get(label, 0) + 1
            if resp is not None:
                problem = f"HTTP {status}: {self.scrub(_message(resp))}"
            if status in (401, 403):
                raise ModelError(f"the endpoint at {r.url} refused the credentials "
                                 f"({problem})", "export the key and name its variable with "
                                 "--model-option api_key_env=VAR")
            overload = status is None or status in OVERLOAD_STATUSES
            if overload:
                r.window.overload(now, _retry_after(resp))
            retryable = overload or (status in RETRY_STATUSES and not probe)
            if several and retryable:
                if status != 429:  # rate-limited is alive; its pause already steers work away
                    pool.strike(r, now, problem[:200])
                if pool.others_healthy(r, now) and reroutes < 4 * len(pool.replicas):
                    reroutes += 1
                    stats.rerouted += 1
                    avoid = r
                    continue
            avoid = None
            if not retryable or attempt >= self.max_retries or budget[0] <= 0:
                why = ("" if not retryable else f" after {attempt + 1} attempts"
                       if attempt >= self.max_retries else " (the call's retry budget is spent)")
                raise ModelError(f"the endpoint at {r.url} failed POST {route}{why}: "
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
