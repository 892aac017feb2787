"""Find the log files to read and read complete lines from them, across rotations.

Rotation by rename-and-create: the old generation is found again by its (device, inode) in the
same directory and drained. Copytruncate: checked at every poll by three signs, any one enough:
the file is shorter than the committed offset, shorter than at the previous poll, or the bytes
just before the committed offset are no longer the ones that were read there (a file truncated
and refilled past the old offset between two polls, even with the same first line). The unread
rest of the old generation is then read from the copy next to it, recognised by the same first
line and the same bytes just before the committed offset.
"""

from __future__ import annotations

import glob
import logging
import os
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from monitors.offsets import HEAD_BYTES, TAIL_BYTES, FileEntry, OffsetRegistry, head_hash, tail_hash

__all__ = ["LineBatch", "LogTailer", "RawLine", "ReadTarget", "bytes_before", "read_head",
           "read_lines"]

log = logging.getLogger(__name__)
_CHUNK = 1 << 20


@dataclass(frozen=True)
class RawLine:
    """One complete line: byte offsets [offset, end) and content without the newline.

    `data` is None for a line longer than the configured maximum (it is skipped, not loaded).
    """

    offset: int
    end: int
    data: bytes | None


@dataclass(frozen=True)
class ReadTarget:
    """A file generation to read now, and the path its bytes are at (live file, renamed, copy)."""

    entry: FileEntry
    path: str
    dev: int
    ino: int
    live: bool


def read_head(path: str) -> tuple[os.stat_result, str] | None:
    """(stat, first-line hash) of a regular file, or None when it has no complete first line."""
    try:
        with open(path, "rb") as fh:
            st = os.fstat(fh.fileno())
            data = fh.read(HEAD_BYTES)
    except (FileNotFoundError, IsADirectoryError, PermissionError, NotADirectoryError):
        return None
    nl = data.find(b"\n")
    if nl >= 0:
        return st, head_hash(data[:nl + 1])
    if len(data) >= HEAD_BYTES:
        return st, head_hash(data)
    return None


@dataclass(frozen=True)
class LineBatch:
    """Lines read in one go, and the raw bytes just before the end of the last one."""

    lines: list[RawLine]
    tail: bytes


def read_lines(path: str, dev: int, ino: int, offset: int, max_lines: int,
               max_line_bytes: int) -> LineBatch | None:
    """Complete lines from `offset` on (at most `max_lines`); None if the path changed identity.

    The tail bytes come from this same read, so they describe exactly what was consumed even
    if the file is rotated or truncated a moment later.
    """
    try:
        fh = open(path, "rb")
    except (FileNotFoundError, PermissionError):
        return None
    with fh:
        st = os.fstat(fh.fileno())
        if (st.st_dev, st.st_ino) != (dev, ino):
            return None
        fh.seek(max(0, offset - TAIL_BYTES))
        tail = fh.read(min(offset, TAIL_BYTES))  # consumed before: part of the tail hash
        fh.seek(offset)
        lines: list[RawLine] = []
        pos = offset
        buf = b""
        while len(lines) < max_lines:
            chunk = fh.read(_CHUNK)
            if not chunk:
                break
            buf += chunk
            start = 0
            while len(lines) < max_lines:
                nl = buf.find(b"\n", start)
                if nl < 0:
                    break
                length = nl + 1 - start
                data = buf[start:nl]
                tail = (tail + buf[max(start, nl + 1 - TAIL_BYTES):nl + 1])[-TAIL_BYTES:]
                if data.endswith(b"\r"):
                    data = data[:-1]
                lines.append(RawLine(pos, pos + length, data if length - 1 <= max_line_bytes
                                     else None))
                pos += length
                start = nl + 1
            buf = buf[start:]
            if len(lines) >= max_lines:
                break
            if len(buf) > max_line_bytes:
                # An enormous line: skip to its newline without keeping it in memory.
                skipped = len(buf)
                skip_tail = (tail + buf)[-TAIL_BYTES:]
                buf = b""
                while True:
                    chunk = fh.read(_CHUNK)
                    if not chunk:
                        return LineBatch(lines, tail)  # unterminated: retry on the next poll
                    nl = chunk.find(b"\n")
                    if nl >= 0:
                        skipped += nl + 1
                        lines.append(RawLine(pos, pos + skipped, None))
                        tail = (skip_tail + chunk[:nl + 1])[-TAIL_BYTES:]
                        pos += skipped
                        buf = chunk[nl + 1:]
                        break
                    skipped += len(chunk)
                    skip_tail = (skip_tail + chunk)[-TAIL_BYTES:]
        return LineBatch(lines, tail)


def bytes_before(path: str, offset: int) -> bytes | None:
    """The (up to 256) bytes just before `offset` of `path`; None if it cannot be read."""
    try:
        with open(path, "rb") as fh:
            fh.seek(max(0, offset - TAIL_BYTES))
            return fh.read(min(offset, TAIL_BYTES))
    except OSError:
        return None


class LogTailer:
    """Turns glob patterns + the registry into read targets, following rotations."""

    def __init__(self, patterns: Sequence[str], registry: OffsetRegistry,
                 rotated_grace_s: float = 5.0, clock: Callable[[], float] = time.time) -> None:
        self.patterns = tuple(patterns)
        self.registry = registry
        self.rotated_grace_s = rotated_grace_s
        self.clock = clock
        self._sizes: dict[str, int] = {}  # size of each live generation at the previous poll

    def live_paths(self) -> list[str]:
        """Regular files matching the patterns now (sorted, de-duplicated)."""
        found: set[str] = set()
        for pat in self.patterns:
            matches = glob.glob(pat) if glob.has_magic(pat) else [pat]
            for m in matches:
                if os.path.isfile(m):
                    found.add(os.path.abspath(m))
        return sorted(found)

    def targets(self) -> list[ReadTarget]:
        """Every file generation with possibly unread lines, and where to read it."""
        out: dict[str, ReadTarget] = {}
        live: dict[str, tuple[int, int]] = {}
        for path in self.live_paths():
            got = read_head(path)
            if got is None:
                continue
            st, head = got
            live[path] = (st.st_dev, st.st_ino)
            e = self.registry.latest(st.st_dev, st.st_ino, head)
            if e is None:
                e = self.registry.track(st.st_dev, st.st_ino, head, path)
            elif (st.st_size < e.offset or st.st_size < self._sizes.get(e.key, 0)
                  or not self._same_tail(path, e)):
                # Truncated in place and rewritten with the same first line: a new generation;
                # the old one's unread rest is looked for in a copy (below).
                log.info("%s was truncated; starting generation %d", path, e.generation + 1)
                e = self.registry.track(st.st_dev, st.st_ino, head, path, e.generation + 1)
            elif e.finished or e.path != path:
                e = self.registry.update(e.key, finished=False, path=path)
            self._sizes[e.key] = st.st_size
            out[e.key] = ReadTarget(e, path, st.st_dev, st.st_ino, live=True)
        for e in self.registry.active():
            if e.key in out:
                continue
            found = self._locate(e, set(live))
            if found is None:
                if self.clock() - e.updated >= self.rotated_grace_s:
                    log.warning("lost track of %s (generation %d) at offset %d; lines after it "
                                "were rotated away before they could be read", e.path,
                                e.generation, e.offset)
                    self.registry.update(e.key, finished=True)
                continue
            path, dev, ino = found
            out[e.key] = ReadTarget(e, path, dev, ino, live=False)
        return list(out.values())

    def finish_if_idle(self, target: ReadTarget) -> None:
        """A rotated-away generation read to its end and quiet for the grace period is done."""
        e = self.registry.get(target.entry.key)
        if e is not None and not target.live and self.clock() - e.updated >= self.rotated_grace_s:
            self.registry.update(e.key, finished=True)

    def _locate(self, e: FileEntry, live: set[str]) -> tuple[str, int, int] | None:
        """Where the bytes of generation `e` are now: renamed file or copytruncate copy."""
        directory = Path(e.path).parent
        try:
            names = sorted(os.scandir(directory), key=lambda d: d.name)
        except OSError:
            return None
        copies: list[tuple[str, os.stat_result]] = []
        for d in names:
            try:
                if not d.is_file():
                    continue
                st = d.stat()
            except OSError:
                continue
            path = os.path.abspath(d.path)
            if (st.st_dev, st.st_ino) == (e.dev, e.ino):
                if path in live:
                    continue  # the live file already moved on to a newer generation (truncated)
                got = read_head(path)
                if got and got[1] == e.head and st.st_size >= e.offset and \
                        self._same_tail(path, e):
                    return path, st.st_dev, st.st_ino
            elif path not in live and st.st_size >= e.offset:
                copies.append((path, st))
        for path, st in copies:
            got = read_head(path)
            if got and got[1] == e.head and self._same_tail(path, e):
                return path, st.st_dev, st.st_ino
        return None

    @staticmethod
    def _same_tail(path: str, e: FileEntry) -> bool:
        if e.offset == 0 or not e.tail:
            return True
        data = bytes_before(path, e.offset)
        return data is not None and tail_hash(data) == e.tail
