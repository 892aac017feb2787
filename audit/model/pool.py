"""PoolModel: the model port over N data-parallel replicas, each a Ray actor.

Every replica opens the same spec through `open_model` (local weights on its own GPU or CPU
threads, or an endpoint client). A call's requests are cut into shards by cost
(`_pool_shards`), costliest first; each replica pulls the next shard when it finishes one, and the
answers are put back in the original order. Suites, the runner and the store see one model: the
driver aggregates and the runner writes the run once, as in one process.

Faults: a replica that dies (process killed, node lost, Ray's memory monitor) has its unfinished
shard re-run on the others, and Ray restarts it (`max_restarts`) to rejoin when its model is
loaded again; a shard that runs a replica out of memory is split in two and re-queued. The call
fails only when no replica is left, and then nothing is written, because the runner writes only
after every suite has finished.
"""

from __future__ import annotations

import dataclasses
import logging
import time
from collections import deque
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from audit.errors import AssayError, ModelError, UsageError
from audit.model._pool_config import PoolConfig, PoolStatus
from audit.model._pool_ray import (Placement, Replica, connect, import_ray, is_out_of_memory,
                                   place_replicas, unwrap)
from audit.model._pool_shards import Shard, plan_shards, request_units, split_shard
from audit.model.base import Capability, GenerationConfig, Loglikelihood, Progress
from audit.types import ModelIdentity

__all__ = ["PoolConfig", "PoolModel", "PoolStatus"]

log = logging.getLogger(__name__)

# Generation cost is dominated by the tokens produced, not the prompt: a prompt is charged as
# this many characters per new token (about 4 characters a token), so prompts of very different
# lengths still weigh alike when max_new_tokens is large.
_CHARS_PER_NEW_TOKEN = 4


@dataclass
class _Member:
    handle: Any
    state: str = "starting"  # starting | alive | restarting | dead
    node: str = ""
    pid: int = 0
    reason: str = ""


class PoolModel:
    """The model port over `config.replicas` Ray actors that all hold the same model.

    Not thread-safe (one call at a time, as the runner makes them). Use `PoolModel.open(...)`
    or `start()`, and `close()` (or `with`) to release the replicas.
    """

    def __init__(self, spec: str, config: PoolConfig | None = None,
                 options: dict[str, Any] | None = None,
                 on_event: Callable[[str], None] | None = None,
                 on_status: Callable[[str], None] | None = None) -> None:
        self.spec = spec
        self.config = config or PoolConfig()
        self.options = dict(options or {})
        self.on_event = on_event or log.info  # replicas lost, restarted, refused
        self.on_status = on_status or self.on_event  # the periodic "alive, shards done" line
        self.members: list[_Member] = []
        self.status = PoolStatus(self.config.replicas)
        self._identity: ModelIdentity | None = None
        self._capabilities: frozenset[Capability] = frozenset()
        self._placement: Placement | None = None
        self._owns_ray = False
        self._probes: dict[Any, int] = {}  # describe() refs sent to restarting members

    @classmethod
    def open(cls, spec: str, *, pool: PoolConfig | None = None,
             on_event: Callable[[str], None] | None = None,
             on_status: Callable[[str], None] | None = None, **options: Any) -> PoolModel:
        """Connect, place and load every replica now; options go to each replica's backend."""
        return cls(spec, pool, options, on_event, on_status).start()

    # -- lifecycle -------------------------------------------------------------------------
    def start(self) -> PoolModel:
        if self.members:
            return self
        cfg = self.config
        ray = import_ray()
        self._owns_ray = connect(cfg.address)
        try:
            self._placement = place_replicas(cfg.replicas, cfg.replica_cpus, cfg.replica_gpus,
                                             cfg.placement_timeout)
            from ray.util.scheduling_strategies import PlacementGroupSchedulingStrategy

            actor = ray.remote(Replica)
            threads = max(1, int(cfg.replica_cpus)) if not cfg.replica_gpus else 0
            for k in range(cfg.replicas):
                strategy = PlacementGroupSchedulingStrategy(self._placement.group, k)
                handle = actor.options(
                    num_cpus=cfg.replica_cpus, num_gpus=cfg.replica_gpus,
                    max_restarts=cfg.max_restarts, max_task_retries=0,
                    scheduling_strategy=strategy).remote(self.spec, self.options, threads)
                self.members.append(_Member(handle))
            self._await_replicas()
        except BaseException:
            self.close()
            raise
        return self

    def _await_replicas(self) -> None:
        ray = import_ray()
        refs = [m.handle.describe.remote() for m in self.members]
        ready, pending = ray.wait(refs, num_returns=len(refs), timeout=self.config.load_timeout)
        if pending:
            raise ModelError(f"{len(pending)} of {len(refs)} Ray replicas did not load "
                             f"{self.spec!r} within {self.config.load_timeout:g} s",
                             "check the nodes' logs (ray status) and the model path on each node")
        infos = []
        for k, ref in enumerate(refs):
            try:
                info = ray.get(ref)
            except Exception as exc:
                raise ModelError(f"Ray replica {k} died while loading {self.spec!r}: "
                                 f"{_first_line(unwrap(exc))}",
                                 "check that node's memory and logs") from None
            if info["error"]:
                raise ModelError(f"Ray replica {k} on node {info['node'][:8]} cannot open "
                                 f"{self.spec!r}: {info['error']}",
                                 "every node needs Assay and the same model files at that path")
            infos.append(info)
        first = infos[0]["identity"]
        for k, info in enumerate(infos[1:], start=1):
            if _weights_key(info["identity"]) != _weights_key(first):
                raise ModelError(
                    f"Ray replicas hold different models: replica 0 {_describe(first)}, "
                    f"replica {k} {_describe(info['identity'])}",
                    "the run is refused; put the same weights at that path on every node")
        for m, info in zip(self.members, infos):
            m.state, m.node, m.pid = "alive", info["node"], info["pid"]
        nodes = len({m.node for m in self.members})
        pool_info = {"engine": "ray", "replicas": self.config.replicas, "nodes": nodes,
                     "replica_cpus": self.config.replica_cpus,
                     "replica_gpus": self.config.replica_gpus}
        self._identity = dataclasses.replace(first, extra={**first.extra, "pool": pool_info})
        # a pool cannot hand a caller the weights, so white-box gradients are not on offer
        self._capabilities = frozenset(infos[0]["capabilities"]) - {Capability.GRADIENTS}
        self.status.alive = len(self.members)
        self.on_event(f"ray: {len(self.members)} replicas of {first.name} "
                      f"(sha256 {first.sha256[:12] or 'n/a'}) ready on {nodes} node(s)")

    def close(self) -> None:
        """Release the replicas and their reservation; disconnect if `start` connected."""
        try:
            ray = import_ray()
        except UsageError:
            return
        if not ray.is_initialized():
            return
        for m in self.members:
            try:
                ray.kill(m.handle, no_restart=True)
            except Exception:  # already gone: nothing to release
                pass
        self.members = []
        if self._placement is not None:
            from ray.util import remove_placement_group

            try:
                remove_placement_group(self._placement.group)
            except Exception:  # the cluster went away with it
                pass
            self._placement = None
        if self._owns_ray:
            ray.shutdown()
            self._owns_ray = False

    def __enter__(self) -> PoolModel:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- the model port --------------------------------------------------------------------
    @property
    def identity(self) -> ModelIdentity:
        if self._identity is None:
            raise ModelError("the Ray pool is not started", "use PoolModel.open(...)")
        return self._identity

    @property
    def capabilities(self) -> frozenset[Capability]:
        return self._capabilities

    def replica_pids(self) -> list[int]:
        """Process ids of the live replicas (for operators and fault tests)."""
        return [m.pid for m in self.members if m.state == "alive"]

    def loglikelihood(self, requests: Sequence[tuple[str, str]], *,
                      progress: Progress | None = None) -> list[Loglikelihood]:
        reqs = [(str(c), str(x)) for c, x in requests]
        costs = [len(c) + len(x) + 1 for c, x in reqs]
        units = request_units([c for c, _ in reqs], costs)
        return self._map("loglikelihood", len(reqs), units, costs, [1] * len(reqs),
                         lambda idx: ([reqs[i] for i in idx],), progress)

    def generate(self, prompts: Sequence[str], config: GenerationConfig | None = None, *,
                 progress: Progress | None = None) -> list[str]:
        config = config or GenerationConfig()
        items = [str(p) for p in prompts]
        new = config.max_new_tokens * _CHARS_PER_NEW_TOKEN
        costs = [len(p) + new for p in items]
        units = [([i], c) for i, c in enumerate(costs)]
        return self._map("generate", len(items), units, costs, [1] * len(items),
                         lambda idx: ([items[i] for i in idx], config), progress)

    def choice_logprobs(self, prompts: Sequence[str], choices: Sequence[Sequence[str]],
                        chat: bool = True, *, progress: Progress | None = None
                        ) -> list[list[float]]:
        if len(prompts) != len(choices):
            raise ValueError("prompts and choices must have the same length")
        ps, cs = [str(p) for p in prompts], [[str(c) for c in opts] for opts in choices]
        costs = [sum(len(p) + len(c) + 1 for c in opts) for p, opts in zip(ps, cs)]
        units = [([i], c) for i, c in enumerate(costs)]
        return self._map("choice_logprobs", len(ps), units, costs, [len(c) for c in cs],
                         lambda idx: ([ps[i] for i in idx], [cs[i] for i in idx], chat),
                         progress)

    # -- scheduling --------------------------------------------------------------------------
    def _map(self, method: str, n: int, units: list[tuple[list[int], int]], costs: list[int],
             weights: list[int], payload: Callable[[tuple[int, ...]], tuple],
             progress: Progress | None) -> list[Any]:
        """Run `method` over every item, shard by shard, and return answers in item order."""
        if n == 0:
            return []
        ray = import_ray()
        cfg = self.config
        if not self.members:
            self.start()
        shards = plan_shards(units, max(1, self._usable()), share=cfg.shard_share,
                             max_shards_per_replica=cfg.max_shards_per_replica,
                             min_requests=cfg.min_shard_requests)
        queue: deque[Shard] = deque(shards)
        results: list[Any] = [None] * n
        inflight: dict[Any, tuple[int, Shard]] = {}
        busy: set[int] = set()
        oom: dict[int, int] = {}  # first index of a shard -> out-of-memory retries
        self.status.shards_total += len(shards)
        last_line = time.monotonic()
        while queue or inflight:
            for k, m in enumerate(self.members):  # one shard at a time per replica: the
                if queue and m.state == "alive" and k not in busy:  # tail stays short
                    shard = queue.popleft()
                    inflight[getattr(m.handle, method).remote(*payload(shard.indices))] = (k, shard)
                    busy.add(k)
            if not inflight and not self._probes:
                raise ModelError(f"all {len(self.members)} Ray replicas were lost "
                                 f"({self._reasons()}); the audit is failed and nothing was "
                                 "written", "check the nodes' memory and logs (ray status)")
            ready, _ = ray.wait(list(inflight) + list(self._probes), num_returns=1,
                                timeout=self._wait_timeout(inflight))
            if not ready and not inflight:
                raise ModelError(f"no Ray replica is left and none restarted within "
                                 f"{cfg.load_timeout:g} s ({self._reasons()}); nothing was "
                                 "written", "check the nodes' memory and logs (ray status)")
            for ref in ready:
                if ref in self._probes:
                    self._rejoin(ref)
                    continue
                k, shard = inflight.pop(ref)
                busy.discard(k)
                try:
                    answers = ray.get(ref)
                except Exception as exc:
                    queue.extendleft(reversed(self._failed(k, shard, exc, costs, oom)))
                    continue
                if len(answers) != len(shard.indices):
                    raise ModelError(f"Ray replica {k} answered {len(answers)} of "
                                     f"{len(shard.indices)} requests", "report this as a bug")
                for i, a in zip(shard.indices, answers):
                    results[i] = a
                self.status.shards_done += 1
                self.status.shards_by_replica[k] = self.status.shards_by_replica.get(k, 0) + 1
                if progress:
                    progress(sum(weights[i] for i in shard.indices))
            if time.monotonic() - last_line >= cfg.status_interval:
                self.on_status(self.status.line())
                last_line = time.monotonic()
        return results

    def _wait_timeout(self, inflight: dict) -> float:
        # with work in flight, wake up for the periodic status line; with only restarting
        # replicas left, wait as long as a replica may take to load its model
        return self.config.status_interval if inflight else self.config.load_timeout

    def _usable(self) -> int:
        return sum(m.state in ("alive", "restarting") for m in self.members)

    def _failed(self, k: int, shard: Shard, exc: BaseException, costs: list[int],
                oom: dict[int, int]) -> list[Shard]:
        """Shards to re-queue after replica `k` failed on `shard`; raises when it cannot help."""
        ray = import_ray()
        if isinstance(exc, (ray.exceptions.RayActorError, ray.exceptions.ActorUnavailableError,
                            ray.exceptions.NodeDiedError, ray.exceptions.WorkerCrashedError,
                            ray.exceptions.ObjectLostError)):
            self._lost(k, _first_line(exc))
            self.status.shards_requeued += 1
            return [shard]
        if is_out_of_memory(exc):
            tries = oom[shard.indices[0]] = oom.get(shard.indices[0], 0) + 1
            if len(shard.indices) == 1 and tries > len(self.members):
                raise ModelError(f"one request ran every Ray replica out of memory "
                                 f"({_first_line(unwrap(exc))})",
                                 "use replicas with more memory, or --quantize") from None
            parts = split_shard(shard, costs)
            self.on_event(f"ray: replica {k} ran out of memory on a shard of "
                          f"{len(shard.indices)}; re-running it as {len(parts)} shard(s)")
            self.status.shards_requeued += 1
            self.status.shards_total += len(parts) - 1
            return parts
        cause = unwrap(exc)
        if isinstance(cause, AssayError):  # a user error is the same on every replica
            raise cause from None
        raise ModelError(f"Ray replica {k} failed: {_first_line(cause)}",
                         "the same request would fail on every replica") from None

    def _lost(self, k: int, reason: str) -> None:
        m = self.members[k]
        if m.state not in ("alive", "starting"):
            return
        self.status.replicas_lost += 1
        m.reason = reason
        if self.config.max_restarts > 0:
            m.state = "restarting"
            self._probes[m.handle.describe.remote()] = k
        else:
            m.state = "dead"
        self._count()
        self.on_event(f"ray: replica {k} (pid {m.pid}) lost: {reason}; its shard re-runs on the "
                      f"others ({self.status.alive}/{len(self.members)} alive"
                      f"{', restarting it' if m.state == 'restarting' else ''})")

    def _rejoin(self, ref: Any) -> None:
        """A restarting replica answered (or died for good): it rejoins if it holds our model."""
        ray = import_ray()
        k = self._probes.pop(ref)
        m = self.members[k]
        try:
            info = ray.get(ref)
        except Exception as exc:
            m.state, m.reason = "dead", _first_line(unwrap(exc))
            self._count()
            self.on_event(f"ray: replica {k} could not be restarted: {m.reason}")
            return
        if info["error"] or _weights_key(info["identity"]) != _weights_key(self.identity):
            why = info["error"] or f"it now holds {_describe(info['identity'])}"
            m.state, m.reason = "dead", why
            ray.kill(m.handle, no_restart=True)
            self.on_event(f"ray: restarted replica {k} is not used: {why}")
        else:
            m.state, m.node, m.pid = "alive", info["node"], info["pid"]
            self.status.replicas_restarted += 1
            self.on_event(f"ray: replica {k} restarted (pid {m.pid}) and rejoined")
        self._count()

    def _count(self) -> None:
        self.status.alive = sum(m.state == "alive" for m in self.members)
        self.status.restarting = sum(m.state == "restarting" for m in self.members)

    def _reasons(self) -> str:
        return "; ".join(f"replica {k}: {m.reason}" for k, m in enumerate(self.members)
                         if m.reason) or "no reason reported"

    def __repr__(self) -> str:
        c = self.config
        return f"PoolModel({self.spec!r}, replicas={c.replicas}, address={c.address!r})"


def _weights_key(identity: ModelIdentity) -> tuple:
    """What must agree across replicas for their numbers to be one model's numbers."""
    return (identity.sha256, identity.dtype, identity.backend, identity.n_params,
            identity.sha256 or identity.path)


def _describe(identity: ModelIdentity) -> str:
    return f"{identity.name} sha256 {identity.sha256[:12] or 'n/a'} {identity.dtype}"


def _first_line(exc: BaseException) -> str:
    if isinstance(exc, AssayError):
        return exc.one_line()
    text = str(exc).strip().splitlines()
    return f"{type(exc).__name__}: {text[0] if text else ''}".rstrip(": ")
