"""Property tests (hypothesis) of the boundary with the deterministic fake detector: random JSON
shapes under random content-type labels, and random streams (several fields of a choice, tool
arguments, logprobs, split emoji) cut at random byte boundaries, through the ASGI middleware
itself: 0 planted values come out, and the redacted text equals redacting the whole text."""

from __future__ import annotations

import json

import anyio
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from monitors.detector import replace_spans
from monitors.redaction import RedactionConfig, RedactionMiddleware
from tests.test_monitor_fakes import fake_analyze, fake_detector

SSN, EMAIL, CARD, NAME = "123-45-6789", "jane.doe@example.com", "4111 1111 1111 1111", "John Smith"
PLANTED = [SSN, EMAIL, CARD, NAME]
TEXT = f"Dear {NAME} \U0001F600, SSN {SSN}, card {CARD}, mail {EMAIL} \u00e9t\u00e9 ok."
WHOLE = replace_spans(TEXT, fake_analyze([TEXT])[0])

words = st.sampled_from(PLANTED + ["hello", "gpt-4o", "user", "42", "a.b", "caf\u00e9", "x"])
texts = st.lists(words, min_size=1, max_size=6).map(" ".join)
keys = st.sampled_from(["model", "id", "role", "content", "name", "user", "text", "arguments",
                        "metadata", "type", "input", "prompt", EMAIL, "k"])
json_docs = st.recursive(
    st.one_of(texts, st.integers(), st.floats(allow_nan=False), st.booleans(), st.none()),
    lambda inner: st.one_of(st.lists(inner, max_size=4),
                            st.dictionaries(keys, inner, max_size=5)),
    max_leaves=20)
LABELS = [None, "application/json", "text/plain", "application/x-www-form-urlencoded",
          "application/octet-stream", "application/jsonl", "text/plain, application/json"]


def _exchange(_app: None, body: bytes, ctype: str | None, resp_chunks: list[bytes] | None = None,
              resp_ctype: bytes = b"application/json"):
    """Drive one request through `RedactionMiddleware(app)`: (what the app got, response)."""
    got: dict = {}
    sent: list[dict] = []

    async def inner(scope, receive, send):
        msg = await receive()
        got["body"] = msg["body"]
        chunks = resp_chunks if resp_chunks is not None else [msg["body"]]
        await send({"type": "http.response.start", "status": 200,
                    "headers": [(b"content-type", resp_ctype)]})
        for i, c in enumerate(chunks):
            await send({"type": "http.response.body", "body": c,
                        "more_body": i < len(chunks) - 1})

    mw = RedactionMiddleware(inner, fake_detector(), RedactionConfig(holdback_chars=24,
                                                                     max_pending_chars=64))
    headers = [(b"content-type", ctype.encode())] if ctype else []

    async def receive():
        return {"type": "http.request", "body": body, "more_body": False}

    async def send(msg):
        sent.append(msg)

    scope = {"type": "http", "method": "POST", "path": "/v1/x", "headers": headers}
    anyio.run(mw, scope, receive, send)
    return got.get("body"), b"".join(m.get("body", b"") for m in sent
                                     if m["type"] == "http.response.body")


def _clean(data: bytes) -> None:
    text = data.decode("utf-8")
    views = [text]
    try:
        views.append(json.dumps(json.loads(text), ensure_ascii=False))
    except ValueError:
        pass
    for v in PLANTED:
        assert not any(v in x for x in views), v


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(json_docs, st.sampled_from(LABELS))
def test_random_json_shapes_under_any_label(doc, label) -> None:
    body = json.dumps(doc).encode()
    upstream, response = _exchange(None, body, label)
    _clean(upstream)
    _clean(response)
    if not isinstance(doc, str):  # still the same JSON structure (values redacted)
        assert type(json.loads(upstream)) is type(doc)


def _sse_stream(plan: list[str]) -> tuple[bytes, dict[str, str]]:
    """Events that spell TEXT in each field of `plan`'s order; the expected text per field."""
    pos = dict.fromkeys(plan, 0)
    events = []
    for field in plan:
        n = 1 + (pos[field] * 7 + len(field)) % 5
        piece = TEXT[pos[field]:pos[field] + n]
        pos[field] += n
        if field == "tool":
            delta = {"tool_calls": [{"index": 0, "function": {"arguments": piece}}]}
            ch = {"index": 0, "delta": delta, "finish_reason": None}
        elif field == "logprobs":
            ch = {"index": 0, "delta": {"content": ""}, "finish_reason": None,
                  "logprobs": {"content": [{"token": piece, "logprob": -1.0}]}}
        else:
            ch = {"index": 0, "delta": {field: piece}, "finish_reason": None}
        events.append({"id": "c1", "choices": [ch]})
    for field in pos:  # the rest of each field's text
        if pos[field] < len(TEXT):
            events += [{"id": "c1", "choices": [{"index": 0, "finish_reason": None, "delta": {
                field: TEXT[pos[field]:]}}]}] if field in ("content", "reasoning_content") else []
    body = "".join(f"data: {json.dumps(e)}\n\n" for e in events)
    body += 'data: {"id": "c1", "choices": [{"index": 0, "delta": {}, "finish_reason": "stop"}]}'
    body += "\n\ndata: [DONE]\n\n"
    expected = {f: (WHOLE if f in ("content", "reasoning_content") else None) for f in pos}
    return body.encode(), expected


def _fields(resp: bytes) -> dict[str, str]:
    out: dict[str, str] = {}
    for ev in resp.decode().split("\n\n"):
        if not ev.startswith("data: {"):
            continue
        for ch in json.loads(ev[6:])["choices"]:
            for f, v in (ch.get("delta") or {}).items():
                if isinstance(v, str):
                    out[f] = out.get(f, "") + v
            for tc in (ch.get("delta") or {}).get("tool_calls") or []:
                out["tool"] = out.get("tool", "") + (tc["function"].get("arguments") or "")
            for t in (ch.get("logprobs") or {}).get("content") or []:
                out["logprobs"] = out.get("logprobs", "") + t["token"]
    return out


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.sampled_from(["content", "reasoning_content", "tool", "logprobs"]),
                min_size=1, max_size=60),
       st.lists(st.integers(min_value=1, max_value=40), min_size=1, max_size=8),
       st.sampled_from([b"text/event-stream", b"application/octet-stream"]))
def test_random_streams_and_chunkings(plan, sizes, label) -> None:
    body, expected = _sse_stream(plan)
    chunks, pos, k = [], 0, 0
    while pos < len(body):
        chunks.append(body[pos:pos + sizes[k % len(sizes)]])
        pos += sizes[k % len(sizes)]
        k += 1
    _, resp = _exchange(None, b"{}", "application/json", chunks, label)
    assert b"redaction_failed" not in resp and resp.rstrip().endswith(b"data: [DONE]")
    got = _fields(resp)
    for field, text in got.items():
        for v in PLANTED:
            assert v not in text, (field, v)
    for field, want in expected.items():
        if want is not None:
            assert got.get(field) == want, field
