"""PoolModel: the model port over Ray replicas.

Shard planning is tested on its own (no Ray). The `ray` tests run a real two-node Ray cluster on
loopback (a head and a worker node, each a `ray start --block` process with one CPU), so every
replica is its own process on its own raylet and shards cross processes, with the default model
on CPU.
"""

from __future__ import annotations

import os
import random
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from contextlib import contextmanager
from pathlib import Path

import pytest

from audit.errors import ModelError, UsageError
from audit.model._pool_shards import Shard, plan_shards, request_units, split_shard

RAY_BIN = Path(sys.executable).parent / "ray"


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


# -- a real two-node cluster -------------------------------------------------------------------
def _free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _ray_start(args: list[str], log: Path) -> subprocess.Popen:
    # workers at normal priority: Ray's default nice 15 starves them behind other CI jobs
    env = dict(os.environ, RAY_worker_niceness="0")
    with open(log, "w") as fh:
        return subprocess.Popen([str(RAY_BIN), "start", "--block", "--num-cpus=2", "--num-gpus=0",
                                 "--object-store-memory=100000000", "--disable-usage-stats",
                                 "--node-ip-address=127.0.0.1", *args],
                                stdout=fh, stderr=subprocess.STDOUT, env=env,
                                start_new_session=True)


def _stop(proc: subprocess.Popen) -> None:
    """SIGTERM makes `ray start --block` stop the node's processes; then its group, if left."""
    if proc.poll() is None:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            pass
    try:
        os.killpg(proc.pid, signal.SIGKILL)
    except ProcessLookupError:
        pass


@pytest.fixture(scope="module")
def ray_cluster():
    """Address of a head node plus one worker node (2 CPUs each: room for the module's pool and
    one `assay audit --ray` beside it), both on loopback."""
    pytest.importorskip("ray")
    # Token auth off for this loopback-only cluster, in every process that talks to it: Ray 2.60
    # turns it on for a `ray start` head once any `ray.init()` has written ~/.ray/auth_token,
    # and `ray status` then cannot connect.
    saved = {k: os.environ.get(k) for k in ("RAY_AUTH_MODE", "RAY_USAGE_STATS_ENABLED")}
    os.environ.update(RAY_AUTH_MODE="disabled", RAY_USAGE_STATS_ENABLED="0")
    # short: Ray puts unix sockets under it, and their paths are limited to 107 bytes
    tmp = Path(tempfile.mkdtemp(prefix="assay-ray-", dir="/tmp"))
    port = _free_port()
    address = f"127.0.0.1:{port}"
    head = _ray_start(["--head", f"--port={port}", "--include-dashboard=false",
                       f"--dashboard-port={_free_port()}", f"--temp-dir={tmp}"],
                      tmp / "head.log")
    procs = [head]
    try:
        import ray

        deadline = time.monotonic() + 120
        while True:
            time.sleep(1)
            if head.poll() is not None:
                pytest.fail(f"ray head exited: {(tmp / 'head.log').read_text()[-2000:]}")
            probe = subprocess.run([str(RAY_BIN), "status", f"--address={address}"],
                                   capture_output=True, text=True)
            if probe.returncode == 0:
                break
            if time.monotonic() > deadline:
                pytest.fail("ray head did not come up within 120 s: "
                            f"{(probe.stderr or probe.stdout).strip()[-1500:]}")
        procs.append(_ray_start([f"--address={address}"], tmp / "worker.log"))
        ray.init(address=address, log_to_driver=False, logging_level="WARNING",
                 configure_logging=False)
        try:
            while len([n for n in ray.nodes() if n["Alive"]]) < 2:
                if time.monotonic() > deadline:
                    pytest.fail("the worker node did not join within 120 s")
                time.sleep(1)
        finally:
            ray.shutdown()
        yield address
    finally:
        for p in reversed(procs):
            _stop(p)
        shutil.rmtree(tmp, ignore_errors=True)
        for k, v in saved.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v


@pytest.fixture(scope="module")
def fp64_pool(ray_cluster):
    """Two replicas of the default model in float64 (one per node), min shards of 2 requests.

    float64: the local backend's fp32 sums move by up to ~5e-5 nats with batch composition
    alone (the same process, one call vs two), so only fp64 shows that sharding, transport and
    re-ordering add no error of their own.
    """
    from audit.model.pool import PoolConfig, PoolModel

    events: list[str] = []
    pool = PoolModel.open("default", pool=PoolConfig(address=ray_cluster, replicas=2,
                                                     min_shard_requests=2, max_restarts=1,
                                                     placement_timeout=60),
                          on_event=events.append, device="cpu", dtype="float64")
    pool.events = events  # type: ignore[attr-defined]
    yield pool
    pool.close()


@pytest.fixture(scope="module")
def fp64_local(datasets, tmp_path_factory):
    """The single-process float64 audit both pool tests compare with (metrics, samples, runs),
    and the identity it ran on."""
    from audit.model import HFModel

    lm = HFModel("default", device="cpu", dtype="float64").load()
    url = f"sqlite:///{tmp_path_factory.mktemp('local') / 'local.db'}"
    return _audit(lm, datasets, url), lm.identity


def _audit(model, datasets: Path, url: str, progress=None, limit: int = 30):
    from audit.runner import AuditConfig, run_audit
    from audit.store import open_store

    config = AuditConfig(model="default", suites=("crows_pairs",), limit=limit,
                         data={"crows_pairs": datasets / "crows_pairs" /
                               "crows_pairs_anonymized.csv"})
    store = open_store(url)
    try:
        kwargs = {"progress": progress} if progress else {}
        result = run_audit(config, model, store, **kwargs)
        samples = {s.case_id: s.scores for s in store.samples(result.run.run_id, "crows_pairs")}
        runs = store.runs()
    finally:
        store.close()
    metrics = {m.key: m.value for m in result.metrics if m.group is None}
    return metrics, samples, runs


def _assert_same_numbers(got, want, tol: float) -> None:
    (m1, s1, _), (m2, s2, _) = got, want
    assert m1["pct_stereotype"] == m2["pct_stereotype"]
    assert len(s1) == len(s2) == 30 and s1.keys() == s2.keys()
    worst = max(abs(s1[c][k] - s2[c][k]) for c in s1 for k in ("ll_more", "ll_less"))
    assert worst <= tol, f"per-sentence log-likelihoods differ by up to {worst:g}"


@pytest.mark.ray
@pytest.mark.model
def test_crows_pairs_on_two_replicas_equals_one_process(fp64_pool, fp64_local, datasets,
                                                        tmp_path) -> None:
    before = dict(fp64_pool.status.shards_by_replica)
    pooled = _audit(fp64_pool, datasets, f"sqlite:///{tmp_path / 'pool.db'}")
    local, local_identity = fp64_local
    _assert_same_numbers(pooled, local, 1e-5)
    done = {k: v - before.get(k, 0) for k, v in fp64_pool.status.shards_by_replica.items()}
    assert len(done) == 2 and min(done.values()) >= 1  # both replicas scored shards
    nodes = {m.node for m in fp64_pool.members}
    assert len(nodes) == 2  # one replica per node: shards crossed processes and raylets
    ident = pooled[2][0].model
    assert ident["sha256"] == local_identity.sha256 and ident["dtype"] == "float64"
    assert ident["extra"]["pool"]["replicas"] == 2


@pytest.mark.ray
@pytest.mark.model
def test_replica_killed_mid_run_completes_with_same_numbers(fp64_pool, fp64_local, datasets,
                                                            tmp_path) -> None:
    killed: list[int] = []
    before = dict(fp64_pool.status.shards_by_replica)

    @contextmanager
    def progress(description: str, total: int):
        def advance(n: int = 1) -> None:
            if killed:
                return
            # the first shard just came back from replica `done`; the other one is mid-shard
            done = next(k for k, v in fp64_pool.status.shards_by_replica.items()
                        if v != before.get(k, 0))
            victim = fp64_pool.members[1 - done].pid
            os.kill(victim, signal.SIGKILL)
            killed.append(victim)

        yield advance

    lost_before = fp64_pool.status.replicas_lost
    requeued_before = fp64_pool.status.shards_requeued
    pooled = _audit(fp64_pool, datasets, f"sqlite:///{tmp_path / 'pool.db'}", progress)
    local = fp64_local[0]
    assert len(killed) == 1
    assert fp64_pool.status.replicas_lost == lost_before + 1
    assert fp64_pool.status.shards_requeued >= requeued_before + 1  # its shard re-ran
    _assert_same_numbers(pooled, local, 1e-5)
    assert len(pooled[2]) == 1  # the store holds exactly one run
    assert any("lost" in e for e in fp64_pool.events)


@pytest.mark.ray
@pytest.mark.model
def test_assay_audit_on_ray_cli(ray_cluster, default_model, datasets, tmp_path) -> None:
    """`assay audit --ray ADDRESS --replicas 2`: the run is stored once, with the pool recorded,
    and its numbers are the in-process model's (fp32: within its batch-composition noise)."""
    import json

    from audit.store import open_store

    csv = datasets / "crows_pairs" / "crows_pairs_anonymized.csv"
    url = f"sqlite:///{tmp_path / 'cli.db'}"
    proc = subprocess.run(
        [str(Path(sys.executable).parent / "assay"), "audit", "--ray", ray_cluster,
         "--replicas", "2", "--suite", "crows_pairs", "--data", f"crows_pairs={csv}",
         "--limit", "10", "--json", "--store", url],
        capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, proc.stderr[-3000:]
    summary = json.loads(proc.stdout)
    assert summary["model"]["extra"]["pool"]["replicas"] == 2
    assert "ray: 2 replicas of SmolLM2-135M-Instruct" in proc.stderr
    assert "--ray runs no attributions" in proc.stderr
    local = _audit(default_model, datasets, f"sqlite:///{tmp_path / 'local.db'}", limit=10)
    st = open_store(url)
    try:
        runs = st.runs()
        samples = {s.case_id: s.scores for s in st.samples(runs[0].run_id, "crows_pairs")}
    finally:
        st.close()
    assert len(runs) == 1
    got = summary["suites"]["crows_pairs"]["metrics"]["pct_stereotype"]
    assert got == local[0]["pct_stereotype"]
    assert samples.keys() == local[1].keys() and len(samples) == 10
    # fp32 sums move by up to ~5e-5 nats with batch composition alone (see fp64_pool)
    assert max(abs(samples[c][k] - local[1][c][k]) for c in samples
               for k in ("ll_more", "ll_less")) <= 2e-4


@pytest.mark.ray
def test_unplaceable_replicas_fail_in_one_line_without_hanging(ray_cluster, tmp_path) -> None:
    """Replicas of 3 CPUs on nodes of 2: refused after --ray-timeout, nothing written."""
    db = tmp_path / "a.db"
    t0 = time.monotonic()
    proc = subprocess.run(
        [str(Path(sys.executable).parent / "assay"), "audit", "--ray", ray_cluster,
         "--replicas", "2", "--replica-cpus", "3", "--ray-timeout", "3", "--suite",
         "occupations", "--no-progress", "--store", f"sqlite:///{db}"],
        capture_output=True, text=True, timeout=180)
    assert proc.returncode == 2, proc.stderr
    lines = [ln for ln in proc.stderr.strip().splitlines() if ln.startswith("assay: error")]
    assert len(lines) == 1, proc.stderr
    assert "could not place 2 replicas of 3 CPU within 3 s" in lines[0]
    assert "4 CPU in total" in lines[0] and "on 2 node(s), room for 0 such" in lines[0]
    assert time.monotonic() - t0 < 120
    from audit.store import open_store

    if db.exists():
        st = open_store(f"sqlite:///{db}")
        try:
            assert st.runs() == []
        finally:
            st.close()


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
