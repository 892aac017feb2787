"""Crash-safe read offsets for tailed log files (Filebeat's registry idea, with atomic writes).

A file is known by (device, inode) plus a hash of its first line, so a new file that reuses an
inode is not mistaken for the old one. Offsets are written with temp file + fsync + `os.replace`
(+ fsync of the directory) and only after the store committed the lines they cover.
"""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
import time
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path
from typing import Any

from audit.errors import DataError
from audit.types import stable_id

__all__ = ["FileEntry", "OffsetRegistry", "head_hash", "tail_hash", "HEAD_BYTES", "TAIL_BYTES"]

HEAD_BYTES = 4096   # the first line is hashed up to this many bytes
TAIL_BYTES = 256    # bytes before the offset, hashed to recognise a copytruncate copy


def head_hash(first_line: bytes) -> str:
    """Hash of a file's first line (its content half of the identity)."""
    return hashlib.sha256(first_line[:HEAD_BYTES]).hexdigest()[:32]


def tail_hash(data: bytes) -> str:
    """Hash of the bytes just before an offset."""
    return hashlib.sha256(data[-TAIL_BYTES:]).hexdigest()[:32]


@dataclass(frozen=True)
class FileEntry:
    """What the registry knows about one file generation: identity, offset, where it was seen."""

    dev: int
    ino: int
    head: str
    generation: int
    path: str
    offset: int = 0
    tail: str = ""
    finished: bool = False
    updated: float = field(default_factory=time.time)

    @property
    def base(self) -> str:
        """(device, inode, first-line hash): the file's identity without its generation."""
        return f"{self.dev}:{self.ino}:{self.head}"

    @property
    def key(self) -> str:
        """Stable id of this file generation (used in finding ids, so repeats add nothing)."""
        return stable_id("logfile", self.dev, self.ino, self.head, self.generation)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> FileEntry:
        return cls(dev=int(data["dev"]), ino=int(data["ino"]), head=str(data["head"]),
                   generation=int(data.get("generation", 0)), path=str(data["path"]),
                   offset=int(data.get("offset", 0)), tail=str(data.get("tail", "")),
                   finished=bool(data.get("finished", False)),
                   updated=float(data.get("updated", 0.0)))


class OffsetRegistry:
    """File generations and their committed offsets, persisted atomically in one JSON file."""

    VERSION = 1

    def __init__(self, path: Path, keep_finished_s: float = 7 * 86400) -> None:
        self.path = Path(path)
        self.keep_finished_s = keep_finished_s
        self._entries: dict[str, FileEntry] = {}

    # -- persistence -----------------------------------------------------------------------
    def load(self) -> OffsetRegistry:
        """Read the state file (a missing file is an empty registry)."""
        try:
            raw = self.path.read_text(encoding="utf-8")
        except FileNotFoundError:
            return self
        except OSError as exc:
            raise DataError(f"cannot read monitor state {self.path}: {exc.strerror}",
                            "check permissions or pass another --state") from None
        try:
            data = json.loads(raw)
            entries = [FileEntry.from_dict(e) for e in data["files"]]
        except (ValueError, KeyError, TypeError) as exc:
            raise DataError(f"monitor state {self.path} is corrupt ({type(exc).__name__})",
                            "delete it to re-read the logs from the start (the store ignores "
                            "repeats)") from None
        self._entries = {e.key: e for e in entries}
        return self

    def save(self) -> None:
        """Write the registry atomically: temp file, fsync, os.replace, fsync the directory."""
        now = time.time()
        keep = {k: e for k, e in self._entries.items()
                if not (e.finished and now - e.updated > self.keep_finished_s)}
        self._entries = keep
        payload = json.dumps({"version": self.VERSION,
                              "files": [e.to_dict() for e in keep.values()]},
                             sort_keys=True, indent=0).encode()
        parent = self.path.parent
        parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=self.path.name + ".", suffix=".tmp", dir=parent)
        try:
            with os.fdopen(fd, "wb") as fh:
                fh.write(payload)
                fh.flush()
                os.fsync(fh.fileno())
            os.replace(tmp, self.path)
        except BaseException:
            try:
                os.unlink(tmp)
            except OSError:
                pass
            raise
        dir_fd = os.open(parent, os.O_RDONLY)
        try:
            os.fsync(dir_fd)
        finally:
            os.close(dir_fd)

    # -- queries and updates -----------------------------------------------------------------
    def entries(self) -> list[FileEntry]:
        return list(self._entries.values())

    def active(self) -> list[FileEntry]:
        """Generations that may still have unread lines."""
        return [e for e in self._entries.values() if not e.finished]

    def get(self, key: str) -> FileEntry | None:
        return self._entries.get(key)

    def latest(self, dev: int, ino: int, head: str) -> FileEntry | None:
        """The newest generation of the file with this identity, if any."""
        found = [e for e in self._entries.values()
                 if (e.dev, e.ino, e.head) == (dev, ino, head)]
        return max(found, key=lambda e: e.generation) if found else None

    def track(self, dev: int, ino: int, head: str, path: str, generation: int = 0) -> FileEntry:
        """Start tracking a new file generation at offset 0."""
        e = FileEntry(dev=dev, ino=ino, head=head, generation=generation, path=path)
        self._entries[e.key] = e
        return e

    def advance(self, key: str, offset: int, tail: str, path: str | None = None) -> FileEntry:
        """Record that everything before `offset` is committed (call after the store commit)."""
        e = self._entries[key]
        if offset < e.offset:
            raise ValueError(f"offset for {e.path} would go back from {e.offset} to {offset}")
        e = replace(e, offset=offset, tail=tail, path=path or e.path, updated=time.time())
        self._entries[key] = e
        return e

    def rewind(self, key: str, offset: int, tail: str) -> FileEntry:
        """Move an offset back (the store lost lines after it: a restored or new store)."""
        e = self._entries[key]
        if offset > e.offset:
            raise ValueError(f"rewind of {e.path} would move forward from {e.offset} to {offset}")
        e = replace(e, offset=offset, tail=tail, updated=time.time())
        self._entries[key] = e
        return e

    def update(self, key: str, **changes: Any) -> FileEntry:
        e = replace(self._entries[key], updated=time.time(), **changes)
        self._entries[key] = e
        return e
