"""A PostgreSQL outage under a running `assay monitor --follow`: the monitor reaches the real
server through a loopback TCP relay that the test cuts (every connection dropped, the port
refusing) and restores. It says so once, waits, and after the outage every line is stored
exactly once. Before, a 10 s outage made it exit."""

from __future__ import annotations

import signal
import socket
import threading
import time
from pathlib import Path

import pytest
from sqlalchemy.engine import make_url

from audit.store import open_store
from tests.monitor_procs import (finding_offsets, good, line_offsets, records_counted, start,
                                 wait_for, write)

pytestmark = pytest.mark.postgres


class Relay:
    """Forwards 127.0.0.1:<port> to the server; `cut()` drops everything, `restore()` listens
    again on the same port."""

    def __init__(self, host: str, port: int) -> None:
        self.target = (host, port)
        self.port = 0
        self._conns: list[socket.socket] = []
        self._lock = threading.Lock()
        self._listener: socket.socket | None = None
        self.restore()

    def restore(self) -> None:
        lst = socket.socket()
        lst.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        lst.bind(("127.0.0.1", self.port))
        lst.listen(16)
        self.port = lst.getsockname()[1]
        self._listener = lst
        threading.Thread(target=self._accept, args=(lst,), daemon=True).start()

    def _accept(self, lst: socket.socket) -> None:
        while True:
            try:
                client, _ = lst.accept()
            except OSError:
                return
            server = socket.create_connection(self.target)
            with self._lock:
                self._conns += [client, server]
            for a, b in ((client, server), (server, client)):
                threading.Thread(target=self._pipe, args=(a, b), daemon=True).start()

    @staticmethod
    def _pipe(src: socket.socket, dst: socket.socket) -> None:
        try:
            while data := src.recv(65536):
                dst.sendall(data)
        except OSError:
            pass
        for s in (src, dst):
            try:
                s.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass

    def cut(self) -> None:
        assert self._listener is not None
        try:  # wakes the accept() blocked in the relay thread (close alone does not, on Linux)
            self._listener.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass
        self._listener.close()
        with self._lock:
            conns, self._conns = self._conns, []
        for s in conns:
            try:
                s.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
            s.close()

    def close(self) -> None:
        self.cut()


def test_postgres_outage_is_waited_out(postgres_url: str, tmp_path: Path) -> None:
    u = make_url(postgres_url)
    relay = Relay(u.host or "127.0.0.1", u.port or 5432)
    via = u.set(host="127.0.0.1", port=relay.port).render_as_string(hide_password=False)
    store = open_store(postgres_url)                      # the test reads the server directly
    log, state = tmp_path / "app.jsonl", tmp_path / "s"
    log.touch()
    errpath = tmp_path / "stderr.txt"
    with open(errpath, "wb") as errf:
        p = start(log, via, state, stderr=errf)
    try:
        write(log, [good(i) for i in range(200)])
        wait_for(lambda: store.count_findings(source="monitor") == 200, 60, p, "200 findings")
        relay.cut()
        write(log, [good(i) for i in range(200, 400)])
        wait_for(lambda: b"store unavailable" in errpath.read_bytes(), 60, p, "the outage line")
        time.sleep(1.5)                                   # several retries while it is down
        assert p.poll() is None
        assert store.count_findings(source="monitor") == 200
        relay.restore()
        wait_for(lambda: store.count_findings(source="monitor") == 400, 60, p, "400 findings")
        p.send_signal(signal.SIGTERM)
        assert p.wait(timeout=30) == 0, errpath.read_text()
    finally:
        if p.poll() is None:
            p.kill()
        relay.close()
    err = errpath.read_text()
    assert err.count("store unavailable") == 1 and err.count("available again") == 1, err
    assert finding_offsets(store) == line_offsets(log)                   # 0 lost
    assert records_counted(store) == 400                                 # 0 counted twice
    assert store.lease("default") is None
    store.close()


def test_a_nul_byte_postgres_refuses_is_quarantined_alone(postgres_url: str,
                                                          tmp_path: Path) -> None:
    """PostgreSQL text cannot hold NUL: the batch is refused, bisected, that line quarantined."""
    from monitors.monitor import Monitor, MonitorConfig
    from tests.test_monitor_fakes import fake_detector

    store = open_store(postgres_url)
    log = tmp_path / "app.jsonl"
    nul = '{"id": "n", "prompt": "q", "response": "a\\u0000b ssn 123-45-6789"}'
    write(log, [good(i) for i in range(60)] + [nul] + [good(i) for i in range(60, 120)])
    cfg = MonitorConfig(paths=(str(log),), state_path=tmp_path / "s", batch_size=200,
                        rotated_grace_s=0, evidence="redacted")
    m = Monitor(cfg, store, fake_detector(), announce=lambda _m: None)
    assert m.poll_once() == 121
    bad = line_offsets(log)[60]
    assert finding_offsets(store) == [o for o in line_offsets(log) if o != bad]
    [q] = store.quarantined()
    assert q.offset == bad and q.reason == "the store refused the record (DataError)"
    assert records_counted(store) == 120
    store.close()


def test_postgres_down_at_start_is_waited_for_with_follow(postgres_url: str,
                                                          tmp_path: Path) -> None:
    u = make_url(postgres_url)
    relay = Relay(u.host or "127.0.0.1", u.port or 5432)
    via = u.set(host="127.0.0.1", port=relay.port).render_as_string(hide_password=False)
    store = open_store(postgres_url)
    relay.cut()
    log, state = tmp_path / "app.jsonl", tmp_path / "s"
    write(log, [good(i) for i in range(50)])
    errpath = tmp_path / "stderr.txt"
    with open(errpath, "wb") as errf:
        p = start(log, via, state, stderr=errf)
    try:
        wait_for(lambda: b"store unavailable at start" in errpath.read_bytes(), 60, p, "the line")
        relay.restore()
        wait_for(lambda: store.count_findings(source="monitor") == 50, 60, p, "50 findings")
        p.send_signal(signal.SIGTERM)
        assert p.wait(timeout=30) == 0
    finally:
        if p.poll() is None:
            p.kill()
        relay.close()
    assert errpath.read_text().count("store unavailable at start") == 1
    assert records_counted(store) == 50
    store.close()
