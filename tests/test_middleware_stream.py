"""Stream fuzz: PII-bearing text streamed with every split point and random chunk sizes through
the hold-back redactor and the SSE rewriter: no raw entity ever reaches the client."""

from __future__ import annotations

import json
import random

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from monitors.detector import replace_spans
from monitors.redaction import SSEParser, SSERewriter, TextStream
from tests.test_monitor_fakes import fake_analyze

TEXT = ("Sure! The customer John Smith (SSN 123-45-6789) paid with 4111 1111 1111 1111, "
        "contact: john.smith@example.com. Alice Johnson agreed.")
ENTITIES = ["John Smith", "123-45-6789", "4111 1111 1111 1111", "john.smith@example.com",
            "Alice Johnson"]


def _stream(holdback: int = 32) -> TextStream:
    return TextStream(lambda t: fake_analyze([t])[0], replace_spans, holdback=holdback,
                      context=32, max_pending=256)


def _run(chunks: list[str], holdback: int = 32) -> tuple[list[str], str]:
    s = _stream(holdback)
    sent = [s.feed(c) for c in chunks] + [s.flush()]
    return sent, "".join(sent)


def _assert_clean(sent: list[str]) -> None:
    whole = "".join(sent)
    for e in ENTITIES:
        assert e not in whole, e
    for e in ENTITIES:  # and no entity leaks as the concatenation of what was sent so far
        for i in range(1, len(sent) + 1):
            assert e not in "".join(sent[:i])


def test_whole_text_redacts_all_entities() -> None:
    _, out = _run([TEXT])
    assert out == replace_spans(TEXT, fake_analyze([TEXT])[0])
    assert "<PERSON>" in out and "<US_SSN>" in out and "<CREDIT_CARD>" in out


@pytest.mark.parametrize("holdback", [24, 32, 64])
def test_every_single_split_point(holdback: int) -> None:
    expected = replace_spans(TEXT, fake_analyze([TEXT])[0])
    for i in range(len(TEXT) + 1):
        sent, out = _run([TEXT[:i], TEXT[i:]], holdback)
        _assert_clean(sent)
        assert out == expected, i


def test_every_pair_of_split_points_char_by_char() -> None:
    # One character per chunk is the worst case: every boundary is a split.
    sent, out = _run(list(TEXT))
    _assert_clean(sent)
    assert out == replace_spans(TEXT, fake_analyze([TEXT])[0])
    for i in range(0, len(TEXT), 3):
        for j in range(i, len(TEXT), 7):
            sent, _ = _run([TEXT[:i], TEXT[i:j], TEXT[j:]])
            _assert_clean(sent)


@settings(max_examples=300, deadline=None)
@given(st.lists(st.integers(min_value=1, max_value=20), min_size=1, max_size=60),
       st.integers(min_value=0, max_value=5))
def test_random_chunk_sizes(sizes: list[int], repeat: int) -> None:
    text = (TEXT + " ") * (1 + repeat % 3)
    chunks, pos, k = [], 0, 0
    while pos < len(text):
        n = sizes[k % len(sizes)]
        chunks.append(text[pos:pos + n])
        pos += n
        k += 1
    sent, out = _run(chunks)
    _assert_clean(sent)
    assert out == replace_spans(text, fake_analyze([text])[0])


def test_first_text_is_sent_before_the_stream_ends() -> None:
    s = _stream(holdback=32)
    words = ("hello there, this is a long and harmless answer that keeps going " * 3).split(" ")
    first = next(i for i, w in enumerate(words) if s.feed(w + " "))
    assert first < 12  # emitted after ~holdback characters, not at the end


def _sse_chat(text: str, sizes: list[int]) -> bytes:
    out, pos, k = [], 0, 0
    while pos < len(text):
        n = sizes[k % len(sizes)]
        chunk = {"id": "c1", "object": "chat.completion.chunk", "model": "m",
                 "choices": [{"index": 0, "delta": {"content": text[pos:pos + n]},
                              "finish_reason": None}]}
        out.append(f"data: {json.dumps(chunk)}\n\n")
        pos += n
        k += 1
    out.append('data: {"id": "c1", "choices": [{"index": 0, "delta": {}, '
               '"finish_reason": "stop"}]}\n\n')
    out.append("data: [DONE]\n\n")
    return "".join(out).encode()


def _rewrite(body: bytes, byte_sizes: list[int]) -> tuple[list[bytes], str]:
    rw = SSERewriter(lambda: _stream(32),
                     lambda t: (replace_spans(t, fake_analyze([t])[0]), {}))
    parser = SSEParser()
    sent, pos, k = [], 0, 0
    while pos < len(body):
        n = byte_sizes[k % len(byte_sizes)]
        for ev in parser.feed(body[pos:pos + n]):
            sent += rw.event(ev)
        pos += n
        k += 1
    rest = parser.flush()
    if rest:
        sent += rw.event(rest)
    sent += rw.finish()
    text = ""
    for ev in sent:
        data = ev.decode().split("data: ", 1)[1].strip()
        if data == "[DONE]":
            continue
        for ch in json.loads(data)["choices"]:
            text += ch["delta"].get("content") or ""
    return sent, text


@settings(max_examples=100, deadline=None)
@given(st.lists(st.integers(min_value=1, max_value=12), min_size=1, max_size=20),
       st.lists(st.integers(min_value=1, max_value=97), min_size=1, max_size=10))
def test_sse_chat_stream_split_anywhere(token_sizes: list[int], byte_sizes: list[int]) -> None:
    body = _sse_chat(TEXT, token_sizes)
    sent, text = _rewrite(body, byte_sizes)
    raw = b"".join(sent).decode()
    for e in ENTITIES:
        assert e not in raw
        assert e not in text
    assert text == replace_spans(TEXT, fake_analyze([TEXT])[0])
    assert raw.rstrip().endswith("data: [DONE]")


def test_sse_parser_handles_crlf_split_across_chunks() -> None:
    p = SSEParser()
    body = b"data: a\r\n\r\ndata: b\r\n\r\n"
    got = []
    for i in range(len(body)):
        got += p.feed(body[i:i + 1])
    assert got == [b"data: a", b"data: b"]


def test_random_seeds_smoke() -> None:
    rng = random.Random(7)
    for _ in range(200):
        text = " ".join(rng.choice(ENTITIES + ["word", "the", "x", "42", "a.b"])
                        for _ in range(rng.randint(1, 30)))
        cuts = sorted(rng.sample(range(len(text) + 1), min(len(text) + 1, rng.randint(0, 8))))
        chunks = [text[a:b] for a, b in zip([0] + cuts, cuts + [len(text)], strict=True)]
        sent, out = _run(chunks)
        assert out == replace_spans(text, fake_analyze([text])[0])
        for e in ENTITIES:
            assert e not in out


def test_responses_api_stream_done_events_carry_the_whole_redacted_text() -> None:
    events = [{"type": "response.output_text.delta", "item_id": "msg_1", "output_index": 0,
               "content_index": 0, "delta": TEXT[i:i + 5]} for i in range(0, len(TEXT), 5)]
    events.append({"type": "response.output_text.done", "item_id": "msg_1", "output_index": 0,
                   "content_index": 0, "text": TEXT})
    events.append({"type": "response.completed", "response": {"id": "resp_1", "output": [
        {"type": "message", "content": [{"type": "output_text", "text": TEXT}]}]}})
    rw = SSERewriter(lambda: _stream(32), lambda t: (replace_spans(t, fake_analyze([t])[0]), {}))
    sent: list[bytes] = []
    for e in events:
        sent += rw.event(f"event: {e['type']}\ndata: {json.dumps(e)}".encode())
    sent += rw.finish()
    objs = [json.loads(ev.decode().split("data: ", 1)[1]) for ev in sent]
    expected = replace_spans(TEXT, fake_analyze([TEXT])[0])
    assert "".join(o.get("delta", "") for o in objs
                   if o["type"] == "response.output_text.delta") == expected
    done = [o for o in objs if o["type"] == "response.output_text.done"]
    assert [d["text"] for d in done] == [expected]
    assert objs[-1]["type"] == "response.completed"  # nothing trails the end of the response
    assert objs[-1]["response"]["output"][0]["content"][0]["text"] == expected
