"""`assay dashboard` as a real process on a free loopback port, for the dashboard tests."""

from __future__ import annotations

import socket
import subprocess
import sys
import time
from pathlib import Path
from typing import IO

__all__ = ["healthy", "start_dashboard"]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_dashboard(sqlite_url: str, log: IO[str]) -> tuple[subprocess.Popen, int]:
    """The dashboard process (stdout and stderr into `log`) and its port."""
    port = _free_port()
    assay = Path(sys.executable).parent / "assay"
    proc = subprocess.Popen([str(assay), "dashboard", "--store", sqlite_url, "--port", str(port)],
                            stdout=log, stderr=subprocess.STDOUT)
    return proc, port


def healthy(proc: subprocess.Popen, port: int, timeout_s: float) -> bool:
    """True once Streamlit's health check answers "ok"; False if the process exits first or
    `timeout_s` passes (Streamlit takes seconds to import on a loaded machine)."""
    import httpx

    deadline = time.monotonic() + timeout_s
    while True:
        try:
            if httpx.get(f"http://127.0.0.1:{port}/_stcore/health", timeout=2).text == "ok":
                return True
        except httpx.HTTPError:
            pass
        if proc.poll() is not None or time.monotonic() > deadline:
            return False
        time.sleep(0.5)
