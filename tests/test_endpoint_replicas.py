"""Several base URLs in one `--model` (replicas of one served model) on loopback toy servers:
every replica is probed and must agree, requests go to the least-loaded healthy one, a replica
that dies or answers 503 is put aside and its requests answered by the others, exactly once."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from audit.errors import ModelError, UsageError
from audit.model.registry import open_model
from tests.boundary_kit import Server
from tests.openai_server import latency_app

ROOT = Path(__file__).resolve().parent.parent
REQS = [("", f"Sentence number {i} is here.") for i in range(80)]
FAST = {"batch_size": "1", "concurrency": "4", "cache": "off"}  # 4 in flight per replica


class Toys:
    """Loopback latency servers; every model opened through `open` is closed before them."""

    def __init__(self) -> None:
        self.servers: list[Server] = []
        self.models: list = []

    def add(self, **kwargs) -> tuple[str, object]:
        app, stats = latency_app(**{"delay": 0.1, **kwargs})
        self.servers.append(Server(app))
        return self.servers[-1].url + "/v1", stats

    def open(self, spec: str, **opts: str):
        model = open_model(spec, model_options=opts)
        self.models.append(model)
        return model


@pytest.fixture()
def toys():
    t = Toys()
    yield t
    for m in t.models:  # keep-alive connections close before the servers do
        m.close()
    for s in t.servers:
        s.close()


def after(n: int, answer):
    """A `fail` script: the audit's requests to this server after its first `n` get `answer`."""
    seen = [0]

    def script(body):
        if "Sentence number" not in str(body.get("prompt")):
            return None
        seen[0] += 1
        return answer if seen[0] > n else None
    return script


def _audit(stats) -> int:
    return sum("Sentence number" in str(b.get("prompt")) for b in stats.bodies)


def test_every_replica_is_probed_and_listed(toys: Toys) -> None:
    (u1, s1), (u2, s2) = toys.add(), toys.add()
    m = toys.open(f"{u1},{u2}/", **FAST)  # a trailing slash is dropped
    probed = (s1.requests, s2.requests)
    assert probed[0] == probed[1] >= 10  # the same probe, on each replica
    lls = m.loglikelihood(REQS[:40])
    assert len(lls) == 40 and all(ll.n_tokens == 5 for ll in lls)
    extra = m.identity.extra
    assert extra["base_urls"] == [u1, u2] and extra["base_url"] == f"{u1},{u2}"
    assert [r["base_url"] for r in extra["replicas"]] == [u1, u2]
    assert _audit(s1) + _audit(s2) == 40 and _audit(s1) >= 10 and _audit(s2) >= 10


def test_two_replicas_nearly_double_throughput(toys: Toys) -> None:
    (u1, s1), (u2, s2) = toys.add(), toys.add()
    one = toys.open(u1, **FAST)
    two = toys.open(f"{u1},{u2}", **FAST)
    t0 = time.perf_counter()
    a = one.loglikelihood(REQS)
    t_one = time.perf_counter() - t0
    t0 = time.perf_counter()
    b = two.loglikelihood(REQS)
    t_two = time.perf_counter() - t0
    assert a == b  # the same answers, in request order
    print(f"\n1 replica {t_one:.2f} s, 2 replicas {t_two:.2f} s: {t_one / t_two:.2f}x "
          f"(load {os.getloadavg()[0]:.1f})")
    # 80 requests, 4 in flight per replica, 100 ms each: 2.0 s on one replica, 1.0 s on two
    assert t_one >= 1.9 and t_one / t_two >= 1.5, (t_one, t_two, os.getloadavg())
    assert two.transport.last.peak_in_flight == 8


def test_a_replica_answering_503_mid_run_loses_nothing(toys: Toys) -> None:
    (u1, s1), (u2, s2) = toys.add(), toys.add(fail=after(10, (503, {})))
    want = toys.open(u1, **FAST).loglikelihood(REQS)
    m = toys.open(f"{u1},{u2}", **FAST)
    probed = m.identity.extra["replicas"][1]["answered"]
    got = m.loglikelihood(REQS)
    assert got == want and len(set(got)) == 80  # 0 lost, 0 duplicated, in order
    last = m.transport.last
    assert last.retries == 0 and last.statuses["503"] >= 3 and last.rerouted >= 3
    b = m.identity.extra["replicas"][1]
    assert b["put_aside"] >= 1 and "503" in b["last_error"]
    assert b["answered"] - probed == 10 < _audit(s2)  # its share, then the 503s mid-run


def _spawn_toy() -> tuple[subprocess.Popen, str]:
    proc = subprocess.Popen([sys.executable, "-m", "tests.openai_server", "--kind", "latency",
                             "--delay", "0.1"], cwd=ROOT, stdout=subprocess.PIPE, text=True)
    line = proc.stdout.readline() if proc.stdout else ""
    assert line.startswith("URL "), line
    return proc, line.split()[1]


def test_a_replica_killed_mid_run_loses_nothing(toys: Toys) -> None:
    u1, s1 = toys.add()
    proc, u2 = _spawn_toy()
    try:
        want = toys.open(u1, **FAST).loglikelihood(REQS)
        m = toys.open(f"{u1},{u2}", **FAST)
        before = _audit(s1)
        probed = m.identity.extra["replicas"][1]["answered"]
        killer = threading.Timer(0.5, os.kill, (proc.pid, signal.SIGKILL))
        killer.start()
        got = m.loglikelihood(REQS)
        killer.join()
    finally:
        proc.kill()
        proc.wait(timeout=10)
        if proc.stdout:
            proc.stdout.close()
    assert got == want and len(set(got)) == 80  # 0 lost, 0 duplicated, in order
    b = m.identity.extra["replicas"][1]
    assert b["put_aside"] >= 1 and m.transport.last.statuses.get("connection", 0) >= 1
    assert 0 < b["answered"] - probed < 80  # it died with part of the call done
    assert m.transport.last.retries == 0
    # the killed one had answered some of the audit before it died, the other did the rest
    assert 0 < 80 - (_audit(s1) - before) < 80


def test_the_call_fails_in_one_line_only_when_no_replica_is_left(toys: Toys) -> None:
    (u1, _), (u2, _) = toys.add(fail=after(5, (503, {}))), toys.add(fail=after(5, (503, {})))
    m = toys.open(f"{u1},{u2}", **FAST)
    with pytest.raises(ModelError) as err:
        m.loglikelihood(REQS)
    msg = str(err.value)
    assert "\n" not in msg and "no replica of the endpoint is left" in msg
    assert u1 in msg and u2 in msg


def test_a_replica_serving_another_model_is_refused_in_one_line(toys: Toys) -> None:
    (u1, _), (u2, _) = toys.add(), toys.add(name="other-model")
    with pytest.raises(ModelError) as err:
        toys.open(f"{u1},{u2}", **FAST)
    msg = str(err.value)
    assert "\n" not in msg and u2 in msg and "does not serve 'toy-latency'" in msg
    with pytest.raises(ModelError) as err:
        toys.open(f"{u1},http://127.0.0.1:9/v1", **FAST)
    assert "cannot reach the endpoint at http://127.0.0.1:9/v1" in str(err.value)


def test_a_replica_that_fails_its_probe_is_refused_in_one_line(toys: Toys) -> None:
    # this replica answers the probe's echo requests with 400: no log-likelihood there
    def no_echo(body):
        return (400, {}) if body.get("echo") else None
    (u1, _), (u2, _) = toys.add(delay=0.01), toys.add(delay=0.01, fail=no_echo)
    with pytest.raises(ModelError) as err:
        toys.open(f"{u1},{u2}", **FAST)
    msg = str(err.value)
    assert "\n" not in msg and f"the replica at {u2} disagrees with {u1}" in msg
    assert "loglikelihood fails its probe" in msg


def test_bad_replica_lists_fail_in_one_line(toys: Toys) -> None:
    u1, _ = toys.add(delay=0.01)
    for spec, text in [(f"{u1},", "'' is not an http(s) base URL"),
                       (f"{u1},ftp://x/v1", "'ftp://x/v1' is not an http(s) base URL"),
                       (f"{u1},{u1}/", "listed twice")]:
        with pytest.raises(UsageError) as err:
            toys.open(spec)
        assert text in str(err.value) and "\n" not in str(err.value)


def test_the_cache_is_kept_per_replica_set(toys: Toys, tmp_path: Path) -> None:
    """A rerun against the same replicas (in any order) is free; another server or replica set
    asks again: two providers can serve different weights under one model name."""
    (u1, s1), (u2, s2) = toys.add(delay=0.01), toys.add(delay=0.01)
    cache = {"batch_size": "1", "cache_path": str(tmp_path / "c.sqlite")}
    first = toys.open(f"{u1},{u2}", **cache).loglikelihood(REQS[:20])
    again = toys.open(f"{u2},{u1}", **cache)
    assert again.loglikelihood(REQS[:20]) == first and again.transport.last.requests == 0
    m = toys.open(u2, **cache)
    before = s2.requests
    assert m.loglikelihood(REQS[:20]) == first
    assert m.transport.last.requests == 20 and s2.requests == before + 20


def test_assay_audit_over_two_replicas_equals_one(toys: Toys, datasets: Path, tmp_path: Path,
                                                  capsys, monkeypatch) -> None:
    from audit.cli import main
    from audit.store import open_store

    monkeypatch.setenv("ASSAY_CACHE", str(tmp_path / "cache"))
    def audit_batches(body):  # the audit's batches of 8 (the probe sends 1 or 2 prompts)
        prompt = body.get("prompt")
        return (503, {}) if isinstance(prompt, list) and len(prompt) == 8 else None
    (u1, _), (u2, _), (u3, _) = (toys.add(delay=0.01), toys.add(delay=0.01),
                                 toys.add(delay=0.01, name="other-model"))
    (d1, _), (d2, _) = (toys.add(delay=0.01, fail=audit_batches),
                        toys.add(delay=0.01, fail=audit_batches))
    data = datasets / "crows_pairs/crows_pairs_anonymized.csv"
    docs = {}
    for name, spec in [("one", u1), ("two", f"{u1},{u2}"), ("bad", f"{u1},{u3}"),
                       ("dead", f"{d1},{d2}")]:
        store = f"sqlite:///{tmp_path / name}.db"
        with pytest.raises(SystemExit) as exc:
            main(["audit", "--model", spec, "--suite", "crows_pairs", "--data",
                  f"crows_pairs={data}", "--limit", "30", "--json", "--no-progress",
                  "--explain-top", "0", "--no-cache", "--store", store])
        out, err = capsys.readouterr()
        st = open_store(store)
        try:
            runs = st.runs()
        finally:
            st.close()
        if name == "bad":  # refused before anything runs: one line, nothing written
            last = err.strip().splitlines()[-1]
            assert exc.value.code == 2 and last.startswith("assay: error: the endpoint at " + u3)
            assert runs == []
            continue
        if name == "dead":  # both replicas fail mid-audit: one line, nothing written
            last = err.strip().splitlines()[-1]
            assert exc.value.code == 2 and "no replica of the endpoint is left" in last
            assert d1 in last and d2 in last and runs == []
            continue
        assert exc.value.code == 0, err
        assert len(runs) == 1
        docs[name] = (runs[0].model, out.strip().splitlines()[-1])
    metrics = {k: json.loads(v[1])["suites"]["crows_pairs"]["metrics"] for k, v in docs.items()}
    assert metrics["one"] == metrics["two"]
    assert docs["two"][0]["extra"]["base_urls"] == [u1, u2]
