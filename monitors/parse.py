"""Parse one log line into the texts to scan, or say why it cannot be parsed (quarantine reason)."""

from __future__ import annotations

import json
import math
import re
from dataclasses import dataclass
from typing import Any, Literal

from audit.errors import UsageError

__all__ = ["LogFormat", "ParsedRecord", "get_path", "parse_line", "split_path"]

_MISSING = object()
# A JSON "\ud800" escape decodes to a lone surrogate: not Unicode, not encodable as UTF-8, so
# it would fail at the first hash or store write. U+FFFD keeps every other character (and every
# offset) where it was, so the rest of the record is still scanned.
_SURROGATE = re.compile("[\ud800-\udfff]")


def _no_surrogates(text: str) -> str:
    return text if text.isascii() else _SURROGATE.sub("\ufffd", text)


@dataclass(frozen=True)
class LogFormat:
    """How to read a record: JSONL with dotted field paths, or one plain-text response per line."""

    kind: Literal["jsonl", "text"] = "jsonl"
    prompt_field: str | None = "prompt"
    response_field: str | None = "response"
    id_field: str | None = "id"
    max_line_bytes: int = 1 << 20

    def __post_init__(self) -> None:
        if self.kind not in ("jsonl", "text"):
            raise UsageError(f"--format {self.kind!r} is not known", "use jsonl or text")
        if self.max_line_bytes < 1:
            raise UsageError("max line bytes must be positive", "pass e.g. 1048576")
        if self.kind == "jsonl" and not (self.prompt_field or self.response_field):
            raise UsageError("no field to scan", "pass --prompt-field and/or --response-field")

    def fields(self) -> dict[str, str]:
        """{label: dotted path} of the texts scanned in each record."""
        if self.kind == "text":
            return {"response": "<line>"}
        out = {}
        if self.prompt_field:
            out["prompt"] = self.prompt_field
        if self.response_field:
            out["response"] = self.response_field
        return out


@dataclass(frozen=True)
class ParsedRecord:
    """The texts of one record by label (prompt/response) and the record's own id, if any."""

    texts: dict[str, str]
    record_id: str | None = None


def split_path(path: str) -> list[str]:
    """`choices.0.message.content` -> ['choices', '0', 'message', 'content']."""
    return [p for p in path.split(".") if p != ""]


def get_path(obj: Any, parts: list[str]) -> Any:
    """Follow dotted parts through dicts and lists (numbers index lists); _MISSING if absent."""
    cur = obj
    for p in parts:
        if isinstance(cur, dict):
            if p not in cur:
                return _MISSING
            cur = cur[p]
        elif isinstance(cur, list) and p.lstrip("-").isdigit():
            i = int(p)
            if not -len(cur) <= i < len(cur):
                return _MISSING
            cur = cur[i]
        else:
            return _MISSING
    return cur


def _as_text(value: Any, path: str) -> str | None:
    """A string, or the joined text of a chat message list; a reason string on wrong types."""
    if isinstance(value, str):
        return value
    if isinstance(value, list):
        parts: list[str] = []
        for item in value:
            if isinstance(item, str):
                parts.append(item)
            elif isinstance(item, dict) and isinstance(item.get("content"), str):
                parts.append(item["content"])
            elif isinstance(item, dict) and isinstance(item.get("text"), str):
                parts.append(item["text"])
            else:
                raise ValueError(f"field {path!r} is a list with a {type(item).__name__} item, "
                                 "expected strings or messages with 'content'")
        return "\n".join(parts)
    raise ValueError(f"field {path!r} is {type(value).__name__}, expected a string")


def _reject_constant(name: str) -> Any:
    raise ValueError(f"{name} is not valid JSON")


def parse_line(data: bytes | None, fmt: LogFormat) -> ParsedRecord | str | None:
    """A record, a quarantine reason (str), or None for a blank line (skipped)."""
    if data is None:
        return f"line longer than {fmt.max_line_bytes} bytes"
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        return f"invalid UTF-8 at byte {exc.start}"
    if not text.strip():
        return None
    if fmt.kind == "text":
        return ParsedRecord({"response": text})
    try:
        obj = json.loads(text, parse_constant=_reject_constant)
    except (ValueError, RecursionError) as exc:
        msg = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        return f"bad JSON: {msg[:200]}"
    if not isinstance(obj, dict):
        return f"record is a JSON {type(obj).__name__}, expected an object"
    texts: dict[str, str] = {}
    for label, path in fmt.fields().items():
        value = get_path(obj, split_path(path))
        if value is _MISSING or value is None:
            continue
        try:
            t = _as_text(value, path)
        except ValueError as exc:
            return str(exc)
        if t is not None:
            texts[label] = _no_surrogates(t)
    if not texts:
        return f"no {' or '.join(repr(p) for p in fmt.fields().values())} field in the record"
    record_id = None
    if fmt.id_field:
        rid = get_path(obj, split_path(fmt.id_field))
        if isinstance(rid, str | int) and not isinstance(rid, bool):
            record_id = _no_surrogates(str(rid))
        elif isinstance(rid, float) and math.isfinite(rid):
            record_id = repr(rid)
    return ParsedRecord(texts, record_id)
