"""A full audit on the real default model with every outbound connection refused.

The audit runs in a subprocess whose `socket` module refuses anything but Unix sockets, with an
empty model cache so the GGUF conversion path runs too. Any attempt to reach a hub, a suffix list
or telemetry raises and fails the audit.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent

BLOCKER = r"""
import socket, sys
attempts = []
def refuse(*args, **kwargs):
    attempts.append(repr(args)[:200])
    sys.stderr.write("BLOCKED NETWORK " + repr(args)[:200] + "\n")
    raise OSError("network disabled by test")
_orig = socket.socket.connect
def connect(self, address):
    if self.family == socket.AF_UNIX:
        return _orig(self, address)
    refuse(address)
socket.socket.connect = connect
socket.socket.connect_ex = connect
socket.getaddrinfo = refuse
socket.create_connection = refuse
from audit.cli import main
main(sys.argv[1:])
"""


@pytest.mark.model
def test_audit_runs_with_network_blocked(tmp_path: Path, datasets: Path) -> None:
    env = {"ASSAY_CACHE": str(tmp_path / "cache"), "PATH": "/usr/bin:/bin",
           "HOME": str(tmp_path), "ASSAY_SECRET_FILE": str(tmp_path / "secret.key")}
    proc = subprocess.run(
        [sys.executable, "-c", BLOCKER, "audit", "--suite", "occupations", "--suite",
         "crows_pairs", "--data", f"crows_pairs={datasets / 'crows_pairs/crows_pairs_anonymized.csv'}",
         "--limit", "8", "--json", "--no-progress", "--store", f"sqlite:///{tmp_path / 'n.db'}"],
        capture_output=True, text=True, cwd=ROOT, env=env, timeout=600)
    assert "BLOCKED NETWORK" not in proc.stderr, proc.stderr
    assert proc.returncode == 0, proc.stderr
    doc = json.loads(proc.stdout)
    assert doc["suites"]["crows_pairs"]["n"] == 8
    assert (tmp_path / "cache" / "models").is_dir()  # converted from GGUF under the block
