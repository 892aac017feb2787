"""Ray glue for the pool: import guard, connecting, gang placement with a timeout, the replica.

Kept apart from `pool.py` so the scheduling logic reads without Ray's plumbing, and so a machine
without Ray fails in one line naming the extra to install.
"""

from __future__ import annotations

import logging
import os
import sys
from dataclasses import dataclass
from typing import Any

from audit.errors import ModelError, UsageError

__all__ = ["Placement", "Replica", "connect", "import_ray", "place_replicas", "unwrap"]

INSTALL_HINT = "install it with: pip install 'assay[ray]'"


def import_ray() -> Any:
    try:
        import ray
    except ImportError:
        raise UsageError("--ray needs Ray, which is not installed", INSTALL_HINT) from None
    return ray


def connect(address: str, *, num_cpus: int | None = None) -> bool:
    """Join the cluster at `address` (`auto`: the one `ray start` runs on this machine;
    `local`: start a private one for this process). True when this call started Ray (so `close`
    shuts it down again), False when it was already connected."""
    ray = import_ray()
    if ray.is_initialized():
        return False
    os.environ.setdefault("RAY_USAGE_STATS_ENABLED", "0")  # nothing leaves the machine
    kwargs: dict[str, Any] = {"log_to_driver": False, "logging_level": logging.WARNING,
                              "configure_logging": False}
    try:
        if address == "local":
            # Ray starts workers at nice 15 (to keep its own daemons responsive); a private
            # instance exists only for this audit, so its replicas get the audit's priority
            os.environ.setdefault("RAY_worker_niceness", "0")
            ray.init(num_cpus=num_cpus, include_dashboard=False, **kwargs)
        else:
            ray.init(address=address, **kwargs)
    except ConnectionError as exc:
        first = (str(exc).strip().splitlines() or ["no answer"])[0]
        if address == "auto":
            raise UsageError("--ray auto found no running Ray cluster on this machine",
                             "start one with `ray start --head`, or pass --ray local or "
                             "--ray HOST:PORT") from None
        raise UsageError(f"cannot reach the Ray cluster at {address}: {first}",
                         "check the head's address (ray start --head prints it)") from None
    except (ValueError, RuntimeError) as exc:
        first = (str(exc).strip().splitlines() or [type(exc).__name__])[0]
        raise UsageError(f"--ray {address}: {first}",
                         "pass auto, local, HOST:PORT or ray://HOST:PORT") from None
    return True


@dataclass
class Placement:
    """A placement group holding one bundle per replica (gang-placed: all or none)."""

    group: Any
    bundle: dict[str, float]


def place_replicas(replicas: int, cpus: float, gpus: float, timeout: float) -> Placement:
    """Reserve `replicas` bundles of (cpus, gpus), spread over nodes where possible.

    Waits at most `timeout` seconds; then removes the request and raises one line saying what the
    cluster lacks, instead of waiting forever as a bare actor request would.
    """
    ray = import_ray()
    from ray.util import placement_group, remove_placement_group

    bundle = {"CPU": float(cpus)}
    if gpus:
        bundle["GPU"] = float(gpus)
    group = placement_group([dict(bundle) for _ in range(replicas)], strategy="SPREAD")
    if not group.wait(timeout_seconds=timeout):
        remove_placement_group(group)
        raise ModelError(f"the Ray cluster could not place {replicas} replicas of "
                         f"{_fmt(bundle)} within {timeout:g} s: {_capacity(ray, bundle)}",
                         "add nodes, or lower --replicas, --replica-cpus or --replica-gpus")
    return Placement(group, bundle)


def _fmt(resources: dict[str, float]) -> str:
    return ", ".join(f"{v:g} {k}" for k, v in resources.items())


def _capacity(ray: Any, bundle: dict[str, float]) -> str:
    """What the cluster has: totals, free now, and how many bundles each node could hold."""
    total, free = ray.cluster_resources(), ray.available_resources()
    fits = []
    for node in ray.nodes():
        if not node.get("Alive"):
            continue
        res = node.get("Resources", {})
        fits.append(int(min(res.get(k, 0.0) / v for k, v in bundle.items() if v > 0)))
    keys = list(bundle)
    return (f"it has {', '.join(f'{total.get(k, 0):g} {k}' for k in keys)} in total "
            f"({', '.join(f'{free.get(k, 0):g} {k}' for k in keys)} free) on {len(fits)} "
            f"node(s), room for {sum(fits)} such replica(s)")


def unwrap(exc: BaseException) -> BaseException:
    """The exception a replica raised, out of Ray's RayTaskError wrapper."""
    cause = getattr(exc, "cause", None)
    return cause if isinstance(cause, BaseException) else exc


def is_out_of_memory(exc: BaseException) -> bool:
    """CUDA (torch.OutOfMemoryError) or host (MemoryError) memory ran out in a replica's call."""
    names = {t.__name__ for t in type(unwrap(exc)).__mro__}
    return bool(names & {"OutOfMemoryError", "MemoryError"})


class Replica:
    """One copy of the model in a Ray worker process (made an actor by `pool.PoolModel`).

    Opening failures are kept and reported by `describe` rather than raised: an actor whose
    constructor raises is restarted by Ray and fails again, and the driver would only see a
    generic "actor died" instead of the one-line reason (a path missing on that node).
    """

    def __init__(self, spec: str, options: dict[str, Any], threads: int) -> None:
        for key in ("HF_HUB_OFFLINE", "TRANSFORMERS_OFFLINE", "HF_DATASETS_OFFLINE"):
            os.environ.setdefault(key, "1")  # nothing downloads at run time, on any node
        self.error: str | None = None
        self.model: Any = None
        if threads > 0:  # before torch is imported: its thread pools read it once
            os.environ["OMP_NUM_THREADS"] = str(threads)
        try:
            from audit.model.registry import open_model

            self.model = open_model(spec, **options)
            if threads > 0 and "torch" in sys.modules:  # an endpoint client never loads torch
                import torch

                torch.set_num_threads(threads)
        except Exception as exc:  # reported by describe(), see the class docstring
            self.error = exc.one_line() if hasattr(exc, "one_line") else (
                f"{type(exc).__name__}: {exc}")

    def describe(self) -> dict[str, Any]:
        """Identity, capabilities and where this replica runs (or why it could not open)."""
        import ray

        out: dict[str, Any] = {"pid": os.getpid(), "node": ray.get_runtime_context().get_node_id(),
                               "error": self.error}
        if self.model is not None:
            out["identity"] = self.model.identity
            out["capabilities"] = frozenset(self.model.capabilities)
        return out

    def loglikelihood(self, requests: list[tuple[str, str]]) -> list[Any]:
        return self.model.loglikelihood(requests)

    def generate(self, prompts: list[str], config: Any) -> list[str]:
        return self.model.generate(prompts, config)

    def choice_logprobs(self, prompts: list[str], choices: list[list[str]],
                        chat: bool) -> list[list[float]]:
        return self.model.choice_logprobs(prompts, choices, chat)
