"""The engine builds and runs with every socket call failing and no tldextract cache."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

SCRIPT = r"""
import socket
calls = []
def refuse(*a, **k):
    calls.append(a)
    raise OSError("network blocked by test")
socket.socket.connect = refuse
socket.socket.connect_ex = refuse
socket.create_connection = refuse
socket.getaddrinfo = refuse
from audit.pii import PIIEngine
spans = PIIEngine().analyze(["write to anna@例子.中国 or bob@example.co.uk, see https://example.org/x"])[0]
print(sorted(s.entity_type for s in spans))
print("attempts", len(calls))
"""


def test_engine_makes_no_network_attempt(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("TLDEXTRACT")}
    env.update(HOME=str(tmp_path), XDG_CACHE_HOME=str(tmp_path / "cache"),
               ASSAY_SECRET_FILE=str(tmp_path / "s.key"))
    res = subprocess.run([sys.executable, "-c", SCRIPT], capture_output=True, text=True,
                         env=env, timeout=300)
    assert res.returncode == 0, res.stderr
    lines = res.stdout.strip().splitlines()
    assert lines[0] == "['EMAIL_ADDRESS', 'EMAIL_ADDRESS', 'URL']"
    assert lines[1] == "attempts 0"
    assert not (tmp_path / "cache" / "python-tldextract").exists()
