"""PoolModel without a cluster: shard planning, the dispatch loop on a scripted stand-in for Ray
(lost replicas, out-of-memory shards, no replica left), identity refusal, and the CLI flags.

The same code on a real two-node Ray cluster: tests/test_ray_pool.py.
"""

from __future__ import annotations

import random
import subprocess
import sys
from pathlib import Path

import pytest

from audit.errors import ModelError, UsageError
from audit.model._pool_shards import Shard, plan_shards, request_units, split_shard


# -- shard planning (pure) ---------------------------------------------------------------------
@pytest.mark.parametrize("replicas", [1, 2, 3, 7])
@pytest.mark.parametrize("n", [1, 5, 60, 997])
def test_plan_covers_every_request_once_costliest_first(replicas: int, n: int) -> None:
    rng = random.Random(n * 31 + replicas)
    costs = [rng.randint(5, 400) for _ in range(n)]
    units = request_units([""] * n, costs)
    shards = plan_shards(units, replicas, min_requests=2)
    flat = [i for s in shards for i in s.indices]
    assert sorted(flat) == list(range(n))  # 0 lost, 0 repeated
    assert [s.cost for s in shards] == [sum(costs[i] for i in s.indices) for s in shards]
    assert len(shards) <= 8 * replicas + 1
    if n >= 60:
        # the tail is short: the last shard is at most a quarter of the first (guided sizes)
        assert shards[-1].cost <= shards[0].cost / 2
        assert len(shards) >= 2 * replicas


def test_units_keep_a_shared_context_together_but_not_the_empty_one() -> None:
    contexts = ["Q1", "", "Q1", "Q2", "", "Q1"]
    units = request_units(contexts, [1, 2, 3, 4, 5, 6])
    assert sorted(units) == sorted([([0, 2, 5], 10), ([1], 2), ([3], 4), ([4], 5)])
    shards = plan_shards(units, 2)
    for s in shards:  # the three Q1 answers always travel in one shard
        assert {0, 2, 5} <= set(s.indices) or not {0, 2, 5} & set(s.indices)


def test_min_requests_folds_a_runt_into_the_last_shard() -> None:
    units = [([i], 10) for i in range(9)]
    shards = plan_shards(units, 4, min_requests=4)
    assert all(len(s.indices) >= 4 for s in shards)
    assert sum(len(s.indices) for s in shards) == 9


def test_split_shard_halves_by_cost() -> None:
    costs = [10, 10, 10, 10, 40]
    parts = split_shard(Shard((0, 1, 2, 3, 4), 80), costs)
    assert [p.indices for p in parts] == [(0, 1, 2, 3), (4,)]
    assert split_shard(Shard((3,), 10), costs) == [Shard((3,), 10)]


def test_pool_flags_without_ray_are_refused() -> None:
    from audit.cli._ray import pool_config

    assert pool_config(None) is None
    with pytest.raises(UsageError, match="need --ray"):
        pool_config(None, replicas=4)
    from audit.model.pool import PoolConfig

    with pytest.raises(UsageError, match="--replicas 0"):
        PoolConfig(replicas=0)


def test_missing_ray_is_one_line_naming_the_extra(tmp_path: Path) -> None:
    """With Ray not importable, `--ray` fails before anything loads, with the install line."""
    code = ("import sys; sys.modules['ray'] = None\n"
            "from audit.cli import main\n"
            "main(['audit', '--ray', 'auto', '--suite', 'occupations', '--store', "
            f"'sqlite:///{tmp_path / 'a.db'}'])")
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          timeout=120)
    assert proc.returncode == 2, proc.stderr
    lines = proc.stderr.strip().splitlines()
    assert lines == ["assay: error: --ray needs Ray, which is not installed; install it with: "
                     "pip install 'assay[ray]'"]
    assert not (tmp_path / "a.db").exists()  # nothing written


def test_pool_refuses_replicas_with_different_models(monkeypatch) -> None:
    """Mixed weights across nodes must not be averaged into one run."""
    from audit.model import pool as pool_mod

    infos = iter([{"identity": _identity("a" * 64), "capabilities": frozenset(), "pid": 1,
                   "node": "n1", "error": None},
                  {"identity": _identity("b" * 64), "capabilities": frozenset(), "pid": 2,
                   "node": "n2", "error": None}])

    class FakeRay:
        @staticmethod
        def wait(refs, num_returns, timeout):
            return refs, []

        @staticmethod
        def get(ref):
            return next(infos)

    class Handle:
        class describe:  # noqa: N801 - mimics an actor method
            @staticmethod
            def remote():
                return object()

    pool = pool_mod.PoolModel("default")
    pool.members = [pool_mod._Member(Handle()), pool_mod._Member(Handle())]
    monkeypatch.setattr(pool_mod, "import_ray", lambda: FakeRay)
    with pytest.raises(ModelError, match="hold different models.*sha256 aaaaaaaaaaaa.*"
                                         "sha256 bbbbbbbbbbbb.*refused"):
        pool._await_replicas()


def _identity(sha: str):
    from audit.types import ModelIdentity

    return ModelIdentity(name="m", path="/m", sha256=sha, dtype="float32", device="cpu",
                         backend="hf")


# -- the dispatch loop on a scripted stand-in for Ray (no cluster) ------------------------------
class _Ref:
    def __init__(self, fn):
        self.fn = fn


class _DeadActor(Exception):
    pass


class OutOfMemoryError(RuntimeError):  # named like torch's, as `is_out_of_memory` matches
    pass


class _FakeRay:
    class exceptions:  # noqa: N801 - mirrors ray.exceptions
        RayActorError = _DeadActor
        ActorUnavailableError = NodeDiedError = WorkerCrashedError = ObjectLostError = _DeadActor

    @staticmethod
    def wait(refs, num_returns, timeout):  # the pool lists restart probes last: they come first
        return refs[-1:], refs[:-1]

    @staticmethod
    def get(ref):
        return ref.fn()


class _Method:
    def __init__(self, fn):
        self.remote = lambda *args: _Ref(lambda: fn(*args))


class _ScriptedReplica:
    """Scores a request as -len(continuation); dies on call `die_on`; runs out of memory on
    shards of more than `max_rows` requests."""

    def __init__(self, pid: int, die_on: int | None = None, max_rows: int = 10**9) -> None:
        self.pid, self.die_on, self.max_rows, self.calls = pid, die_on, max_rows, 0
        self.loglikelihood = _Method(self._score)
        self.describe = _Method(lambda: {"identity": _identity("a" * 64), "pid": self.pid + 100,
                                         "node": "n", "error": None,
                                         "capabilities": frozenset()})

    def _score(self, reqs):
        self.calls += 1
        if self.calls == self.die_on:
            raise _DeadActor("The actor died unexpectedly before finishing this task")
        if len(reqs) > self.max_rows:
            raise OutOfMemoryError("CUDA out of memory")
        return [-float(len(x)) for _, x in reqs]


def _scripted_pool(monkeypatch, replicas, **cfg):
    from audit.model import pool as pool_mod
    from audit.model.pool import PoolConfig, PoolModel

    monkeypatch.setattr(pool_mod, "import_ray", lambda: _FakeRay)
    events: list[str] = []
    pool = PoolModel("default", PoolConfig(replicas=len(replicas), min_shard_requests=1, **cfg),
                     on_event=events.append)
    pool.members = [pool_mod._Member(r, state="alive", pid=r.pid) for r in replicas]
    pool._identity = _identity("a" * 64)
    return pool, events


def test_lost_replica_shard_reruns_and_the_replica_rejoins(monkeypatch) -> None:
    reqs = [("", "x" * (1 + i % 13)) for i in range(50)]
    pool, events = _scripted_pool(monkeypatch, [_ScriptedReplica(1), _ScriptedReplica(2, 2)])
    advanced: list[int] = []
    out = pool.loglikelihood(reqs, progress=advanced.append)
    assert out == [-float(len(x)) for _, x in reqs]  # every answer, in request order
    assert sum(advanced) == 50  # 0 lost, 0 counted twice
    st = pool.status
    assert (st.replicas_lost, st.shards_requeued, st.replicas_restarted) == (1, 1, 1)
    assert st.alive == 2 and pool.members[1].pid == 102  # rejoined as the restarted process
    assert any("replica 1 (pid 2) lost" in e for e in events)


def test_out_of_memory_shards_are_split_until_they_fit(monkeypatch) -> None:
    reqs = [("", "y" * (1 + i)) for i in range(40)]
    pool, events = _scripted_pool(monkeypatch, [_ScriptedReplica(1, max_rows=3)])
    assert pool.loglikelihood(reqs) == [-float(len(x)) for _, x in reqs]
    assert pool.status.shards_requeued >= 1 and any("out of memory" in e for e in events)


def test_no_replica_left_fails_without_answers(monkeypatch) -> None:
    pool, _ = _scripted_pool(monkeypatch, [_ScriptedReplica(1, 1)], max_restarts=0)
    with pytest.raises(ModelError, match="all 1 Ray replicas were lost.*nothing was written"):
        pool.loglikelihood([("", "a"), ("", "b")])


def test_schedule_passes_the_ray_flags_to_its_audit() -> None:
    pytest.importorskip("ray")
    from audit.cli._ray import pool_from_audit_args

    cfg = pool_from_audit_args(["audit", "--ray", "local", "--replicas", "3",
                                "--replica-gpus", "1", "--suite", "bbq"])
    assert (cfg.address, cfg.replicas, cfg.replica_gpus) == ("local", 3, 1.0)
    assert pool_from_audit_args(["audit", "--suite", "bbq"]) is None
