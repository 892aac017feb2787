"""A persistent response cache: an interrupted audit resumes without re-asking, a rerun is free.

Keyed by what names the served model (its name, and the `/v1/models` root and max_model_len when
given) and the canonical request body, not by base URL: a moved server or another replica set of
the same model answers a rerun from the cache. The API key is never part of a key or a row.
SQLite in WAL mode; rows are committed in small groups as answers arrive, and whatever is
pending is committed when a call ends or is interrupted.
"""

from __future__ import annotations

import hashlib
import json
import sqlite3
import threading
import time
from pathlib import Path
from typing import Any

from audit._sqlite import enable_wal
from audit.types import canonical_json

__all__ = ["ResponseCache", "request_key"]

FLUSH_EVERY = 32


def request_key(scope: str, route: str, body: dict[str, Any]) -> str:
    return hashlib.sha256(canonical_json([scope, route, body]).encode()).hexdigest()


class ResponseCache:
    """`get_many` / `put` / `flush` over one SQLite file, safe across threads and processes."""

    def __init__(self, path: Path) -> None:
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._db = sqlite3.connect(self.path, timeout=30, check_same_thread=False)
        enable_wal(self._db)
        self._db.execute("CREATE TABLE IF NOT EXISTS responses (key TEXT PRIMARY KEY, "
                         "body TEXT NOT NULL, created REAL NOT NULL)")
        self._db.commit()
        self._pending: list[tuple[str, str, float]] = []
        self._lock = threading.Lock()

    def get_many(self, keys: list[str]) -> dict[str, dict[str, Any]]:
        out: dict[str, dict[str, Any]] = {}
        with self._lock:
            for i in range(0, len(keys), 500):
                chunk = keys[i:i + 500]
                marks = ",".join("?" * len(chunk))
                for key, body in self._db.execute(
                        f"SELECT key, body FROM responses WHERE key IN ({marks})", chunk):
                    out[key] = json.loads(body)
        return out

    def put(self, key: str, body: dict[str, Any]) -> None:
        with self._lock:
            self._pending.append((key, json.dumps(body), time.time()))
            full = len(self._pending) >= FLUSH_EVERY
        if full:
            self.flush()

    def flush(self) -> None:
        with self._lock:
            if not self._pending:
                return
            self._db.executemany("INSERT OR REPLACE INTO responses VALUES (?, ?, ?)",
                                 self._pending)
            self._db.commit()
            self._pending.clear()

    def count(self) -> int:
        with self._lock:
            return int(self._db.execute("SELECT COUNT(*) FROM responses").fetchone()[0])

    def close(self) -> None:
        self.flush()
        with self._lock:
            self._db.close()
