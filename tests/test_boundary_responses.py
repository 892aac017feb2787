"""Responses through the real proxy and the real middleware (uvicorn, real presidio engine):
every field, every label, buffered and streamed (SSE, NDJSON, gzip), reasoning, tool-call
fragments, logprobs (kept, redacted), `message` chunks, SSE id/event/comment lines and split
characters: 0 planted values reach the client, and binary that cannot be checked is refused."""

from __future__ import annotations

import gzip
import json

import pytest

from tests.boundary_kit import (CARD, EMAIL, NAME, PHONE, PII_TEXT, SSN, Reply, assert_clean,
                                close_stack, detector, make_stack, sse)

__all__ = ["detector"]

JSON = [(b"content-type", b"application/json")]
SSE = [(b"content-type", b"text/event-stream")]
CHAT = {"model": "m", "messages": [{"role": "user", "content": "hi"}]}


@pytest.fixture(scope="module", params=["proxy", "middleware"])
def stack(request, detector):
    s = make_stack(request.param, detector)
    yield s
    close_stack(s)


def _ask(stack, reply: Reply, path: str = "/v1/chat/completions"):
    stack.up.reply = lambda req: reply
    r = stack.post(CHAT, {"content-type": "application/json"}, path=path)
    assert_clean(r.content, "client")
    return r


def _pieces(text: str, n: int = 3) -> list[str]:
    return [text[i:i + n] for i in range(0, len(text), n)]


def _chunk(**choice) -> dict:
    return {"id": "chatcmpl-1", "object": "chat.completion.chunk", "model": "m",
            "choices": [{"index": 0, "finish_reason": None, **choice}]}


def _events(body: bytes) -> list[dict]:
    out = []
    for ev in body.decode().split("\n\n"):
        for line in ev.split("\n"):
            if line.startswith("data: ") and line != "data: [DONE]":
                out.append(json.loads(line[6:]))
    return out


def _logprobs(text: str) -> list[dict]:
    return [{"token": t, "logprob": -0.1, "bytes": list(t.encode()),
             "top_logprobs": [{"token": t, "logprob": -0.1, "bytes": list(t.encode())}]}
            for t in _pieces(text, 2)]


BUFFERED = {
    "reasoning_content": {"choices": [{"index": 0, "message": {
        "role": "assistant", "content": "ok", "reasoning_content": PII_TEXT}}]},
    "tool calls": {"choices": [{"index": 0, "message": {"role": "assistant", "tool_calls": [
        {"id": "call_1", "type": "function", "function": {
            "name": "send", "arguments": json.dumps({"to": EMAIL, "card": CARD})}}]}}]},
    "chat logprobs": {"choices": [{"index": 0, "message": {"role": "assistant", "content": "x"},
                                   "logprobs": {"content": _logprobs(PII_TEXT)}}]},
    "completions logprobs": {"choices": [{"index": 0, "text": "x", "logprobs": {
        "tokens": _pieces(PII_TEXT, 2), "token_logprobs": [-0.1] * len(_pieces(PII_TEXT, 2)),
        "top_logprobs": [{t: -0.1} for t in _pieces(PII_TEXT, 2)],
        "text_offset": list(range(0, len(PII_TEXT), 2))}}]},
    "embeddings-style unknown shape": {"data": [{"note": PII_TEXT, "nested": [[EMAIL]]}]},
}


@pytest.mark.parametrize("case", list(BUFFERED), ids=list(BUFFERED))
def test_every_response_field_is_redacted(stack, case) -> None:
    r = _ask(stack, Reply(200, JSON, [json.dumps(BUFFERED[case]).encode()]))
    assert r.status_code == 200
    doc = r.json()
    if "logprobs" in case:  # kept, not dropped: as many tokens as were sent
        lp = doc["choices"][0]["logprobs"]
        toks = lp["content"] if "chat" in case else lp["tokens"]
        assert len(toks) == len(_pieces(PII_TEXT, 2)) and "<EMAIL_ADDRESS>" in "".join(
            t["token"] if isinstance(t, dict) else t for t in toks)


LABELS = {
    "error body 400": Reply(400, JSON, [json.dumps({"error": {"message": PII_TEXT}}).encode()]),
    "no content type": Reply(200, [], [json.dumps({"answer": PII_TEXT}).encode()]),
    "octet-stream": Reply(200, [(b"content-type", b"application/octet-stream")],
                          [json.dumps({"answer": PII_TEXT}).encode()]),
    "x-ndjson": Reply(200, [(b"content-type", b"application/x-ndjson")],
                      [json.dumps({"a": PII_TEXT}).encode() + b"\n",
                       json.dumps({"b": EMAIL}).encode() + b"\n"]),
    "gzip json": Reply(200, JSON + [(b"content-encoding", b"gzip")],
                       [gzip.compress(json.dumps({"answer": PII_TEXT}).encode())]),
    "text in pieces": Reply(200, [(b"content-type", b"text/plain")],
                            [p.encode() for p in _pieces(PII_TEXT, 5)]),
}


@pytest.mark.parametrize("case", list(LABELS), ids=list(LABELS))
def test_response_redacted_whatever_its_label(stack, case) -> None:
    r = _ask(stack, LABELS[case])
    assert r.status_code == LABELS[case].status
    assert "content-encoding" not in r.headers
    assert b"<EMAIL_ADDRESS>" in r.content


def test_binary_response_is_refused(stack) -> None:
    r = _ask(stack, Reply(200, [(b"content-type", b"application/octet-stream")],
                          [b"\x00\x01\x02" + PII_TEXT.encode()]))
    assert r.status_code == 502 and r.json()["error"]["code"] == "binary_body"


def _stream_text(body: bytes, field: str = "content") -> str:
    out = ""
    for ev in _events(body):
        for ch in ev.get("choices", []):
            part = ch.get("delta") or ch.get("message") or {}
            out += part.get(field) or ""
    return out


STREAMS = {
    "delta content": [_chunk(delta={"content": p}) for p in _pieces(PII_TEXT)],
    "message chunks": [_chunk(message={"content": p}) for p in _pieces(PII_TEXT)],
    "reasoning_content": [_chunk(delta={"reasoning_content": p}) for p in _pieces(PII_TEXT)],
    "tool-call fragments": [_chunk(delta={"tool_calls": [{"index": 0, "id": "call_1",
                                                           "type": "function", "function": {
                                                               "name": "send",
                                                               "arguments": ""}}]})] +
                           [_chunk(delta={"tool_calls": [{"index": 0, "function": {
                               "arguments": p}}]}) for p in _pieces(json.dumps(
                                   {"to": EMAIL, "card": CARD, "who": NAME}), 2)],
    "logprobs": [_chunk(delta={"content": p}, logprobs={"content": _logprobs(p)})
                 for p in _pieces(PII_TEXT, 2)],
}


@pytest.mark.parametrize("case", list(STREAMS), ids=list(STREAMS))
def test_streamed_fields_are_held_back_and_redacted(stack, case) -> None:
    events = STREAMS[case] + [_chunk(delta={}, finish_reason="stop")]
    r = _ask(stack, Reply(200, SSE, sse(events), delay_s=0.001))
    assert r.status_code == 200 and r.content.rstrip().endswith(b"data: [DONE]")
    evs = _events(r.content)
    if case == "tool-call fragments":
        args = "".join(tc["function"].get("arguments") or "" for ev in evs
                       for ch in ev["choices"] for tc in (ch["delta"].get("tool_calls") or []))
        assert "<EMAIL_ADDRESS>" in args and "<CREDIT_CARD>" in args
    elif case == "logprobs":
        toks = [t for ev in evs for ch in ev["choices"]
                for t in ((ch.get("logprobs") or {}).get("content") or [])]
        assert len(toks) == sum(len(_logprobs(p)) for p in _pieces(PII_TEXT, 2))  # none dropped
        assert "<EMAIL_ADDRESS>" in "".join(t["token"] for t in toks)
    else:
        field = "reasoning_content" if case == "reasoning_content" else "content"
        text = _stream_text(r.content, field)
        assert text.startswith("I am <PERSON>, email <EMAIL_ADDRESS>"), text
    assert evs[-1]["choices"][0]["finish_reason"] == "stop"  # held text came before the end


def test_sse_id_event_and_comment_lines_are_redacted(stack) -> None:
    chunks = [f": note for {EMAIL}\n\n".encode(),
              f"id: {SSN}\nevent: call {PHONE} or {EMAIL}\ndata: ".encode() +
              json.dumps(_chunk(delta={"content": "hello"})).encode() + b"\n\n",
              b"data: [DONE]\n\n"]
    r = _ask(stack, Reply(200, SSE, chunks))
    assert b": note for <EMAIL_ADDRESS>" in r.content and b"id: <US_SSN>" in r.content
    assert b"event: call <PHONE_NUMBER> or <EMAIL_ADDRESS>" in r.content


def test_sse_labelled_octet_stream_is_still_redacted_as_it_streams(stack) -> None:
    events = [_chunk(delta={"content": p}) for p in _pieces(PII_TEXT)]
    r = _ask(stack, Reply(200, [(b"content-type", b"application/octet-stream")],
                          sse(events + [_chunk(delta={}, finish_reason="stop")])))
    assert _stream_text(r.content).startswith("I am <PERSON>")


def test_ndjson_stream_ollama_style(stack) -> None:
    lines = [json.dumps({"model": "m", "message": {"role": "assistant", "content": p},
                         "done": False}).encode() + b"\n" for p in _pieces(PII_TEXT)]
    lines.append(b'{"model": "m", "message": {"role": "assistant", "content": ""}, '
                 b'"done": true}\n')
    r = _ask(stack, Reply(200, [(b"content-type", b"application/x-ndjson")], lines))
    objs = [json.loads(ln) for ln in r.content.decode().splitlines() if ln.strip()]
    assert objs[-1]["done"] is True
    assert "".join(o["message"]["content"] for o in objs).startswith("I am <PERSON>")


def test_gzip_sse_stream(stack) -> None:
    body = b"".join(sse([_chunk(delta={"content": p}) for p in _pieces(PII_TEXT)]))
    z = gzip.compress(body)
    r = _ask(stack, Reply(200, SSE + [(b"content-encoding", b"gzip")],
                          [z[i:i + 40] for i in range(0, len(z), 40)]))
    assert "content-encoding" not in r.headers
    assert _stream_text(r.content).startswith("I am <PERSON>")


def test_split_emoji_across_events_and_network_chunks(stack) -> None:
    text = f"Done \U0001F600 for {NAME} \u00e9t\u00e9 {EMAIL} \U0001F44D end"
    # 1) a surrogate pair split between two JSON events ("\ud83d" + "\ude00")
    esc = json.dumps(text)[1:-1]  # ASCII, emoji as \\ud83d\\ude00
    cut = esc.index("\\ude00")
    pieces = [esc[:cut], esc[cut:]]
    ev = [b'data: {"choices": [{"index": 0, "delta": {"content": "' + p.encode() +
          b'"}, "finish_reason": null}]}\n\n' for p in pieces]
    r = _ask(stack, Reply(200, SSE, ev + [b"data: [DONE]\n\n"]))
    assert _stream_text(r.content) == text.replace(NAME, "<PERSON>").replace(
        EMAIL, "<EMAIL_ADDRESS>")
    # 2) raw UTF-8 bytes split inside a character, between events and network chunks
    raw = json.dumps(_chunk(delta={"content": text}), ensure_ascii=False).encode()
    k = raw.index("\U0001F600".encode()) + 2
    body = b"data: " + raw[:k] + b'"}}]}\n\ndata: {"choices": [{"index": 0, "delta": ' \
        b'{"content": "' + raw[k:] + b"\n\n"
    r = _ask(stack, Reply(200, SSE, [body[i:i + 7] for i in range(0, len(body), 7)]))
    assert r.status_code == 200 and b"redaction_failed" not in r.content
    assert _stream_text(r.content) == text.replace(NAME, "<PERSON>").replace(
        EMAIL, "<EMAIL_ADDRESS>")  # the emoji reassembled, nothing lost


def test_64_concurrent_streams_all_complete_and_clean(stack) -> None:
    import asyncio

    import httpx

    events = [_chunk(delta={"content": p}) for p in _pieces(PII_TEXT, 4)]
    stack.up.reply = lambda req: Reply(200, SSE, sse(events + [
        _chunk(delta={}, finish_reason="stop")]), delay_s=0.002)

    async def one(client: httpx.AsyncClient) -> bytes:
        r = await client.post(stack.front.url + "/v1/chat/completions", json=CHAT)
        return r.content

    async def main() -> list[bytes]:
        async with httpx.AsyncClient(timeout=120) as client:
            return await asyncio.gather(*[one(client) for _ in range(64)])

    bodies = asyncio.run(main())
    texts = {_stream_text(b) for b in bodies}
    for b in bodies:
        assert_clean(b, "client")
    assert len(bodies) == 64 and len(texts) == 1  # 0 leaked, 0 lost, all the same
    assert next(iter(texts)).startswith("I am <PERSON>, email <EMAIL_ADDRESS>")


def test_non_sse_lines_in_an_sse_stream_are_redacted(stack) -> None:
    body = f"{EMAIL}\n{{\"answer\": \"{PII_TEXT}\"}}\nretry: {SSN}\n\n".encode()
    r = _ask(stack, Reply(200, SSE, [body, b"data: [DONE]\n\n"]))
    assert r.status_code == 200 and r.content.startswith(b"<EMAIL_ADDRESS>\n")


@pytest.mark.parametrize("kind", ["proxy", "middleware"])
def test_fail_closed_when_the_detector_fails_mid_stream(detector, kind) -> None:
    from monitors.detector import Detector

    calls = {"n": 0}

    def failing(texts):  # the real engine for the request and the stream's first pass
        calls["n"] += 1
        if calls["n"] >= 3:
            raise RuntimeError("detector down")
        return detector.analyze(texts)

    s = make_stack(kind, Detector(analyze=failing, render=detector.render))
    try:
        s.up.reply = lambda req: Reply(200, SSE, sse(
            [_chunk(delta={"content": p}) for p in _pieces(PII_TEXT * 3, 4)]), delay_s=0.01)
        r = s.post(CHAT, {"content-type": "application/json"})
        assert_clean(r.content, "client")
        assert b"event: error" in r.content and b"redaction_failed" in r.content
        assert b"[DONE]" not in r.content
        assert_clean(s.up.last_bytes(), "upstream")
    finally:
        close_stack(s)
