"""The pool's settings (`PoolConfig`) and counters (`PoolStatus`), kept apart from its scheduler."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass

from audit.errors import UsageError

__all__ = ["PoolConfig", "PoolStatus"]


@dataclass(frozen=True)
class PoolConfig:
    """Where and how many replicas run, and how a call is cut into shards."""

    address: str = "auto"  # auto | local | HOST:PORT | ray://HOST:PORT
    replicas: int = 2
    replica_cpus: float = 1.0  # also the replica's torch thread count (at least 1)
    replica_gpus: float = 0.0
    placement_timeout: float = 60.0  # seconds to place every replica before giving up
    load_timeout: float = 900.0  # seconds for the replicas to load their model
    max_restarts: int = 2  # per replica, by Ray, after its process or node is lost
    shard_share: float = 2.0  # a shard takes remaining / (share * replicas) of the cost
    max_shards_per_replica: int = 8
    min_shard_requests: int = 8
    status_interval: float = 10.0  # seconds between "replicas alive, shards done" lines

    def __post_init__(self) -> None:
        if self.replicas < 1:
            raise UsageError(f"--replicas {self.replicas} is not a positive count",
                             "e.g. --replicas 2")
        if self.replica_cpus <= 0 or self.replica_gpus < 0:
            raise UsageError("--replica-cpus must be > 0 and --replica-gpus >= 0",
                             "e.g. --replica-cpus 1 --replica-gpus 1")
        if self.placement_timeout <= 0:
            raise UsageError("--ray-timeout must be > 0 seconds", "e.g. --ray-timeout 60")


@dataclass
class PoolStatus:
    """Counters a progress line and the tests read."""

    replicas: int
    alive: int = 0
    restarting: int = 0
    shards_total: int = 0
    shards_done: int = 0
    shards_requeued: int = 0
    replicas_lost: int = 0
    replicas_restarted: int = 0
    shards_by_replica: dict[int, int] = dataclasses.field(default_factory=dict)

    def line(self) -> str:
        extra = f", {self.restarting} restarting" if self.restarting else ""
        lost = f", {self.shards_requeued} shards re-run" if self.shards_requeued else ""
        return (f"ray: {self.alive}/{self.replicas} replicas alive{extra}, "
                f"{self.shards_done}/{self.shards_total} shards done{lost}")
