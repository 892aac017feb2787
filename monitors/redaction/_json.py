"""Find the string slots of a JSON document named by dotted paths (`*` = any key/index)."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Any

from monitors.redaction._config import ALL_STRINGS

__all__ = ["Slot", "string_slots"]

Slot = tuple[Any, Any]  # (container, key): container[key] is a str


def _all(obj: Any) -> Iterator[Slot]:
    if isinstance(obj, dict):
        for k, v in obj.items():
            if isinstance(v, str):
                yield obj, k
            else:
                yield from _all(v)
    elif isinstance(obj, list):
        for i, v in enumerate(obj):
            if isinstance(v, str):
                yield obj, i
            else:
                yield from _all(v)


def _walk(obj: Any, parts: list[str]) -> Iterator[Slot]:
    head, rest = parts[0], parts[1:]
    if isinstance(obj, dict):
        keys = list(obj) if head == "*" else ([head] if head in obj else [])
    elif isinstance(obj, list):
        if head == "*":
            keys = list(range(len(obj)))
        elif head.isdigit() and int(head) < len(obj):
            keys = [int(head)]
        else:
            keys = []
    else:
        return
    for k in keys:
        v = obj[k]
        if not rest:
            if isinstance(v, str):
                yield obj, k
            elif isinstance(v, list):  # a list of strings at the path (e.g. prompt: [...])
                yield from ((v, i) for i, x in enumerate(v) if isinstance(x, str))
        else:
            yield from _walk(v, rest)


def string_slots(doc: Any, paths: Sequence[str]) -> list[Slot]:
    """Every (container, key) whose value is a string named by `paths`, each slot once."""
    seen: set[tuple[int, Any]] = set()
    out: list[Slot] = []
    for p in paths:
        it = _all(doc) if p == ALL_STRINGS else _walk(doc, [x for x in p.split(".") if x])
        for c, k in it:
            if (id(c), k) not in seen:
                seen.add((id(c), k))
                out.append((c, k))
    return out
