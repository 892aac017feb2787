"""Keyed hashes of PII values: HMAC-SHA256 with a per-install secret kept outside the database.

The secret lives at `audit.paths.secret_path()` (env `ASSAY_SECRET_FILE` overrides), is created on
first use with 0600 permissions, and is never written to the store. Identical values get identical
hashes on one install (so findings can be correlated) but cannot be recovered or brute-forced
without the secret file.
"""

from __future__ import annotations

import hashlib
import hmac
import os
import secrets
import threading
from pathlib import Path

from audit.errors import DataError
from audit.paths import secret_path

__all__ = ["keyed_hash", "load_secret"]

_SECRET_BYTES = 32
_lock = threading.Lock()
_cache: dict[str, bytes] = {}


def _create(path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    key = secrets.token_hex(_SECRET_BYTES).encode()
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:  # another process created it first; use theirs
        return
    with os.fdopen(fd, "wb") as fh:
        fh.write(key)
        fh.flush()
        os.fsync(fh.fileno())


def load_secret(path: Path | None = None) -> bytes:
    """The install's HMAC key, created (0600) on first use."""
    path = Path(path) if path is not None else secret_path()
    key = str(path)
    with _lock:
        if key in _cache:
            return _cache[key]
        if not path.exists():
            _create(path)
        try:
            data = path.read_bytes().strip()
        except OSError as exc:
            raise DataError(f"cannot read the PII secret {path}: {exc.strerror}",
                            "check its permissions or set ASSAY_SECRET_FILE") from exc
        if len(data) < 32:
            raise DataError(f"the PII secret {path} is too short ({len(data)} bytes)",
                            "delete it to have a new one created, or restore the original")
        _cache[key] = data
        return data


def keyed_hash(value: str, path: Path | None = None) -> str:
    """HMAC-SHA256 of `value` under the per-install secret, as 64 hex characters."""
    return hmac.new(load_secret(path), value.encode("utf-8"), hashlib.sha256).hexdigest()
