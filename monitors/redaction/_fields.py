"""Which strings of a JSON document are text: all of them, except an explicit allow-list.

Default-deny: every string leaf of a request or response is redacted (chat, completions,
responses and embeddings APIs alike: messages, names, `user`, tool calls and tool results,
tool descriptions, metadata, response formats, reasoning fields, error bodies), and so is
every object key that is not a plain identifier (a key can carry a value too, e.g. metadata
keyed by e-mail address). A string is left alone only when its key is in `NOT_TEXT_KEYS` *and*
it looks like an identifier (letters, digits, `_.:/-`, at least one letter, at most 128
characters, no run of 7 digits): `"model": "gpt-4o"` stays, `"id": "536-22-8726"`,
`"id": "x4111111111111111"` or `"role": "bob@example.com"` do not. `data:` URLs of images and audio are binary payloads, not text, and are left alone.
`logprobs` objects are redacted as the text their tokens spell (see `_tokens`).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

__all__ = ["NOT_TEXT_KEYS", "is_not_text", "rename_keys", "text_slots"]

# Keys whose (identifier-like) string values are ids, model names or enums, not text.
NOT_TEXT_KEYS = frozenset({
    "id", "object", "model", "role", "type", "finish_reason", "tool_call_id", "call_id",
    "item_id", "response_id", "previous_response_id", "system_fingerprint", "service_tier",
    "reasoning_effort", "encoding_format", "tool_choice", "status", "detail", "format",
    "voice", "modalities", "truncation", "stop_reason", "event", "code", "param",
    "obfuscation",  # random padding OpenAI adds to stream chunks
})
_IDENT = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.:/\-]{0,127}")
_HAS_LETTER = re.compile(r"[A-Za-z]")
_DIGIT_RUN = re.compile(r"\d{7}")
_PLAIN_KEY = re.compile(r"[A-Za-z_][A-Za-z0-9_\-]{0,63}")
_MEDIA_URL = re.compile(r"data:(?:image|audio)/[A-Za-z0-9.+\-]+;base64,[A-Za-z0-9+/=\s]*")


def is_not_text(key: Any, value: str) -> bool:
    """True for allow-listed ids/enums and media `data:` URLs: not sent to the detector."""
    if key in NOT_TEXT_KEYS:  # a run of 7+ digits (a card, a phone) is checked anyway
        return bool(_IDENT.fullmatch(value)) and bool(_HAS_LETTER.search(value)) and \
            not _DIGIT_RUN.search(value)
    return value.startswith("data:") and bool(_MEDIA_URL.fullmatch(value))


def text_slots(doc: Any) -> tuple[list[tuple[Any, Any]], list[tuple[dict, str]],
                                  list[dict[str, Any]]]:
    """(value slots `(container, key)`, key slots `(dict, key)`, logprobs objects) of `doc`."""
    values: list[tuple[Any, Any]] = []
    keys: list[tuple[dict, str]] = []
    logprobs: list[dict[str, Any]] = []
    for item in _walk(doc):
        kind = item[0]
        if kind == "value":
            values.append((item[1], item[2]))
        elif kind == "key":
            keys.append((item[1], item[2]))
        else:
            logprobs.append(item[1])
    return values, keys, logprobs


_LOGPROB_LISTS = frozenset({"content", "refusal", "tokens", "top_logprobs"})


def _walk(obj: Any, skip: frozenset[str] = frozenset()) -> Iterator[tuple[Any, ...]]:
    if isinstance(obj, dict):
        for k, v in obj.items():
            if k in skip:
                continue  # token lists: redacted by `_tokens`
            if not _PLAIN_KEY.fullmatch(k):
                yield ("key", obj, k)
            if isinstance(v, str):
                if v and not is_not_text(k, v):
                    yield ("value", obj, k)
            elif k == "logprobs" and isinstance(v, dict):
                yield ("logprobs", v)
                yield from _walk(v, _LOGPROB_LISTS)
            elif isinstance(v, dict | list):
                yield from _walk(v)
    elif isinstance(obj, list):
        for i, v in enumerate(obj):
            if isinstance(v, str):
                if v:
                    yield ("value", obj, i)
            elif isinstance(v, dict | list):
                yield from _walk(v)


def rename_keys(slots: list[tuple[dict, str]], new_keys: list[str]) -> None:
    """Apply redacted keys (after the values were written), keeping the order of each dict."""
    for (d, old), new in zip(slots, new_keys, strict=True):
        if new != old and old in d:
            items = [(new if k == old else k, v) for k, v in d.items()]
            d.clear()
            d.update(items)
