"""PoolModel on a real two-node Ray cluster on loopback (a head and a worker node, each a
`ray start --block` process with 2 CPUs), so every replica is its own process on its own raylet
and shards cross processes, with the default model on CPU. Without a cluster (shard plans, the
dispatch loop, flags): tests/test_pool_dispatch.py.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from contextlib import contextmanager
from pathlib import Path

import pytest

RAY_BIN = Path(sys.executable).parent / "ray"


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
