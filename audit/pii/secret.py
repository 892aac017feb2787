"""Keyed hashes of PII values: HMAC-SHA256 with a per-install secret kept outside the database.

The secret lives at `audit.paths.secret_path()` (env `ASSAY_SECRET_FILE` overrides), is created on
first use with 0600 permissions (its directory 0700), refused when group or others may read it,
and is never written to the store. Identical values get identical hashes on one install (so
findings can be correlated) but cannot be recovered or brute-forced without the secret file.

A store records the *fingerprint* of the key its hashes were made with (`bind_secret`), never the
key: a secret file that disappeared or was replaced is then refused instead of silently making
new hashes that match nothing stored before.
"""

from __future__ import annotations

import hashlib
import hmac
import os
import secrets
import stat
import threading
from pathlib import Path
from typing import Any

from audit.errors import DataError
from audit.paths import secret_path

__all__ = ["bind_secret", "fingerprint", "keyed_hash", "load_secret"]

_SECRET_BYTES = 32
_FINGERPRINT_LABEL = b"assay pii secret fingerprint v1"
_lock = threading.Lock()
_cache: dict[str, bytes] = {}


def _create(path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    key = secrets.token_hex(_SECRET_BYTES).encode()
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:  # another process created it first; use theirs
        return
    os.fchmod(fd, 0o600)  # a umask can only remove bits; this pins 0600 whatever it is
    with os.fdopen(fd, "wb") as fh:
        fh.write(key)
        fh.flush()
        os.fsync(fh.fileno())


def _check_private(path: Path) -> None:
    """DataError when group or others have any access to the secret file."""
    try:
        mode = stat.S_IMODE(path.stat().st_mode)
    except OSError as exc:
        raise DataError(f"cannot read the PII secret {path}: {exc.strerror}",
                        "check its permissions or set ASSAY_SECRET_FILE") from exc
    if mode & 0o077:
        raise DataError(f"the PII secret {path} is open to group/others (mode {mode:04o})",
                        f"run `chmod 600 {path}` (and check who may have copied it)")


def load_secret(path: Path | None = None, create: bool = True) -> bytes:
    """The install's HMAC key, created (0600) on first use unless `create` is False."""
    path = Path(path) if path is not None else secret_path()
    key = str(path)
    with _lock:
        if key in _cache:
            return _cache[key]
        if not path.exists():
            if not create:
                raise DataError(f"the PII secret {path} does not exist",
                                "restore it or set ASSAY_SECRET_FILE to it")
            _create(path)
        _check_private(path)
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


def fingerprint(key: bytes) -> str:
    """16 hex characters naming a key: an HMAC of a fixed label, so it reveals nothing of it."""
    return hmac.new(key, _FINGERPRINT_LABEL, hashlib.sha256).hexdigest()[:16]


def bind_secret(store: Any, accept_new: bool = False,
                path: Path | None = None) -> tuple[str, str | None]:
    """Check the secret against the key `store` was used with; record it on first use.

    Returns the key's fingerprint and None, or a one-line notice when a new key was accepted. Raises
    DataError when the file disappeared or holds another key than the store's, unless
    `accept_new` (`--accept-new-secret`): earlier keyed hashes will then match no new ones.
    """
    path = Path(path) if path is not None else secret_path()
    known = store.secret_fingerprint()
    where = getattr(store, "display_url", "the store")
    if known is not None and not path.exists() and not accept_new:
        raise DataError(f"the PII secret {path} is missing, but {where} holds keyed hashes made "
                        f"with key {known}", "restore the file (or point ASSAY_SECRET_FILE at "
                        "it); --accept-new-secret starts a new key that matches no earlier hash")
    if path.exists():
        _check_private(path)  # again: a key read earlier by this process may have been opened up
    current = fingerprint(load_secret(path))
    if known is None:
        store.record_secret_fingerprint(current, "first use")
        return current, None
    if current == known:
        return current, None
    if not accept_new:
        raise DataError(f"the PII secret {path} holds key {current}, but {where} holds keyed "
                        f"hashes made with key {known}", "restore the original file; "
                        "--accept-new-secret switches keys (earlier hashes then match no new one)")
    store.record_secret_fingerprint(current, "accepted new")
    return current, (f"PII secret changed: {where} now uses key {current} (was {known}); "
                     "keyed hashes made before this point do not match new ones")
