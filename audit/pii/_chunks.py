"""Split long texts into overlapping windows and keep each detection from exactly one window."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

__all__ = ["Chunk", "chunk_text"]


@dataclass(frozen=True)
class Chunk:
    """A window `text[offset:offset+len(piece)]` that owns detections starting in [own_lo, own_hi)."""

    offset: int
    piece: str
    own_lo: int
    own_hi: int

    def owns(self, start: int) -> bool:
        """Whether a span starting at `start` (offset in the whole text) belongs to this window."""
        return self.own_lo <= start < self.own_hi


def _cut(text: str, pos: int, lo: int) -> int:
    """A cut point at or before `pos` on whitespace (so words stay whole), not before `lo`."""
    ws = text.rfind(" ", lo, pos)
    return ws + 1 if ws > lo else pos


def chunk_text(text: str, size: int, overlap: int) -> Iterator[Chunk]:
    """Windows of about `size` characters overlapping by `overlap`; one window if the text fits.

    A detection shorter than `overlap // 2` is whole in the window that owns its start, so
    entities cut by a window edge are still found once.
    """
    n = len(text)
    if n <= size:
        yield Chunk(0, text, 0, n + 1)
        return
    half = overlap // 2
    start = 0
    own_lo = 0
    while True:
        end = n if start + size >= n else _cut(text, start + size, start + size - half)
        last = end >= n
        own_hi = n + 1 if last else end - half
        yield Chunk(start, text[start:end], own_lo, own_hi)
        if last:
            return
        own_lo = own_hi
        start = max(own_hi - half, start + 1)
