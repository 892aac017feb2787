"""Requests through the real proxy and the real middleware (uvicorn on loopback, real presidio
engine) in every shape an attacker or an ordinary client might send: whatever the headers say,
0 planted values reach the upstream, and what cannot be interpreted is refused, never forwarded."""

from __future__ import annotations

import gzip
import json
import zlib
from urllib.parse import urlencode

import pytest

from tests.boundary_kit import (CARD, EMAIL, NAME, PHONE, PII_TEXT, SSN, assert_clean,
                                close_stack, detector, leaks, make_stack)

__all__ = ["detector"]

CHAT = {"model": "gpt-4o", "messages": [{"role": "user", "content": PII_TEXT}]}
CHAT_BYTES = json.dumps(CHAT).encode()


@pytest.fixture(scope="module", params=["proxy", "middleware"])
def stack(request, detector):
    s = make_stack(request.param, detector)
    yield s
    close_stack(s)


@pytest.fixture(scope="module")
def open_stack(detector):
    s = make_stack("proxy", detector, fail_open=True)
    yield s
    close_stack(s)


# The 5 variants that leaked before, and more ways of mislabelling the same JSON body.
CONTENT_TYPES = {
    "none": [],
    "form (curl -d)": [("content-type", "application/x-www-form-urlencoded")],
    "octet-stream": [("content-type", "application/octet-stream")],
    "jsonl": [("content-type", "application/jsonl")],
    "comma list": [("content-type", "text/plain, application/json")],
    "duplicated": [("content-type", "text/plain"), ("content-type", "application/json")],
    "malformed": [("content-type", ";;; charset=")],
    "text/plain": [("content-type", "text/plain")],
    "json": [("content-type", "application/json")],
}


@pytest.mark.parametrize("ctype", list(CONTENT_TYPES), ids=list(CONTENT_TYPES))
def test_json_body_is_redacted_whatever_its_content_type(stack, ctype) -> None:
    r = stack.post(CHAT_BYTES, CONTENT_TYPES[ctype])
    assert r.status_code == 200, r.text
    assert_clean(stack.up.last_bytes(), "upstream")
    got = json.loads(stack.up.seen[-1]["body"])  # still the JSON the upstream expects
    assert got["model"] == "gpt-4o" and "<EMAIL_ADDRESS>" in got["messages"][0]["content"]


@pytest.mark.parametrize("encoding", ["utf-16", "utf-32", "utf-8-sig"])
def test_json_in_other_unicode_encodings(stack, encoding) -> None:
    r = stack.post(json.dumps(CHAT).encode(encoding), [("content-type", "application/json")])
    assert r.status_code == 200, r.text
    assert_clean(stack.up.seen[-1]["body"].decode("utf-8"), "upstream")
    assert json.loads(stack.up.seen[-1]["body"])["model"] == "gpt-4o"


def test_declared_latin1_text_is_recoded_and_redacted(stack) -> None:
    body = f"Grüße from {NAME}, {EMAIL}".encode("latin-1")
    r = stack.post(body, [("content-type", "text/plain; charset=ISO-8859-1")])
    assert r.status_code == 200, r.text
    seen = stack.up.seen[-1]
    assert_clean(seen["body"], "upstream")
    assert seen["body"].decode("utf-8").startswith("Grüße from <")  # re-encoded as UTF-8
    assert dict(seen["headers"])[b"content-type"] == b"text/plain; charset=utf-8"


@pytest.mark.parametrize("coding", ["gzip", "deflate", "raw-deflate", "gzip, gzip"])
def test_compressed_bodies_are_decoded_redacted_and_sent_plain(stack, coding) -> None:
    if coding == "gzip":
        body = gzip.compress(CHAT_BYTES)
    elif coding == "deflate":
        body = zlib.compress(CHAT_BYTES)
    elif coding == "raw-deflate":
        c = zlib.compressobj(wbits=-15)
        body, coding = c.compress(CHAT_BYTES) + c.flush(), "deflate"
    else:
        body = gzip.compress(gzip.compress(CHAT_BYTES))
    n = len(stack.up.seen)
    r = stack.post(body, [("content-type", "application/json"), ("content-encoding", coding)])
    assert r.status_code == 200, r.text
    assert len(stack.up.seen) == n + 1
    seen = stack.up.seen[-1]
    assert_clean(seen["body"], "upstream")
    assert b"content-encoding" not in dict(seen["headers"])
    assert json.loads(seen["body"])["messages"][0]["content"].startswith("I am <PERSON>")


UNINTERPRETABLE = {
    "png": (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + PII_TEXT.encode() + b"\xff\xfe\x00",
            [("content-type", "application/json")], "binary_body"),
    "br": (CHAT_BYTES, [("content-encoding", "br")], "unsupported_encoding"),
    "compress": (CHAT_BYTES, [("content-encoding", "compress")], "unsupported_encoding"),
    "bad gzip": (b"\x1f\x8b\x08\x00" + CHAT_BYTES, [("content-encoding", "gzip")],
                 "undecodable_encoding"),
    "truncated gzip": (gzip.compress(CHAT_BYTES)[:-12], [("content-encoding", "gzip")],
                       "undecodable_encoding"),
    "gzip bomb": (gzip.compress(b"{" + b" " * (64 << 20) + b"}"), [("content-encoding", "gzip")],
                  "decoded_too_large"),
    "unknown charset": (CHAT_BYTES, [("content-type", "application/json; charset=x-klingon")],
                        "unknown_charset"),
    "two charsets": (CHAT_BYTES, [("content-type", "text/plain; charset=utf-8"),
                                  ("content-type", "text/plain; charset=latin-1")],
                     "conflicting_charset"),
    "not utf-8": (PII_TEXT.encode() + b"\xc3\x28", [], "binary_body"),
    "control chars": (PII_TEXT.encode() + b"\x1b[0m\x01", [], "binary_body"),
}


@pytest.mark.parametrize("case", list(UNINTERPRETABLE), ids=list(UNINTERPRETABLE))
def test_what_cannot_be_interpreted_is_refused(stack, case) -> None:
    body, headers, code = UNINTERPRETABLE[case]
    if case == "br" and _has_brotli():
        pytest.skip("the brotli package is installed here: br bodies are decoded")
    n = len(stack.up.seen)
    r = stack.post(body, headers)
    assert r.status_code == 415 and r.json()["error"]["code"] == code, r.text
    assert len(stack.up.seen) == n  # never forwarded
    assert_clean(r.content, "client")


def _has_brotli() -> bool:
    try:
        import brotli  # noqa: F401
    except ImportError:
        return False
    return True


def test_fail_open_forwards_what_it_cannot_interpret(open_stack) -> None:
    body = b"\x89PNG\r\n\x1a\n\x00\x01\x02"
    r = open_stack.post(body, [("content-type", "image/png")])
    assert r.status_code == 200 and open_stack.up.seen[-1]["body"] == body


REQUEST_FIELDS = {
    "user": {"model": "m", "user": EMAIL, "messages": [{"role": "user", "content": "hi"}]},
    "name": {"model": "m", "messages": [{"role": "user", "name": NAME, "content": "hi"}]},
    "history tool call": {"model": "m", "messages": [
        {"role": "assistant", "content": None, "tool_calls": [{
            "id": "call_1", "type": "function", "function": {
                "name": "lookup", "arguments": json.dumps({"email": EMAIL, "card": CARD})}}]},
        {"role": "tool", "tool_call_id": "call_1", "content": f"found {NAME}, SSN {SSN}"}]},
    "tool description": {"model": "m", "messages": [{"role": "user", "content": "hi"}],
                         "tools": [{"type": "function", "function": {
                             "name": "call", "description": f"Calls {PHONE} for {NAME}",
                             "parameters": {"type": "object", "properties": {
                                 "to": {"type": "string", "enum": [EMAIL]}}}}}]},
    "metadata": {"model": "m", "messages": [], "metadata": {"customer": EMAIL, EMAIL: SSN}},
    "response_format": {"model": "m", "messages": [], "response_format": {
        "type": "json_schema", "json_schema": {"name": "x", "description": f"for {NAME}",
                                               "schema": {"default": CARD}}}},
    "multi-part content": {"model": "m", "messages": [{"role": "user", "content": [
        {"type": "text", "text": PII_TEXT}]}]},
    "completions prompt list": {"model": "m", "prompt": [PII_TEXT, f"SSN {SSN}"],
                                "suffix": EMAIL},
    "embeddings input": {"model": "m", "input": [PII_TEXT, [EMAIL]]},
    "responses input": {"model": "m", "instructions": f"help {NAME}", "input": [
        {"role": "user", "content": [{"type": "input_text", "text": PII_TEXT}]}]},
    "id field holding a value": {"model": "m", "id": SSN, "role": EMAIL, "messages": [],
                                 "tool_call_id": "x" + CARD.replace(" ", "")},
}


@pytest.mark.parametrize("case", list(REQUEST_FIELDS), ids=list(REQUEST_FIELDS))
def test_every_request_field_is_redacted(stack, case) -> None:
    r = stack.post(REQUEST_FIELDS[case], [("content-type", "application/json")])
    assert r.status_code == 200, r.text
    assert_clean(stack.up.last_bytes(), "upstream")
    assert json.loads(stack.up.seen[-1]["body"]).get("model") == "m"


def test_form_fields_are_redacted(stack) -> None:
    body = urlencode({"q": f"mail {EMAIL}", "who": NAME, "n": "3"}).encode()
    r = stack.post(body, [("content-type", "application/x-www-form-urlencoded")])
    assert r.status_code == 200
    assert_clean(stack.up.last_bytes(), "upstream")  # also after URL-decoding
    assert b"n=3" in stack.up.seen[-1]["body"]


def test_plain_text_is_redacted_whole(stack) -> None:
    r = stack.post(PII_TEXT.encode(), [("content-type", "text/markdown")])
    assert r.status_code == 200
    assert_clean(stack.up.last_bytes(), "upstream")


def test_boundary_headers_never_reach_the_upstream(stack) -> None:
    stack.post(CHAT_BYTES, [("x-assay-session", "abc"), ("content-type", "application/json")])
    names = {k for k, _v in stack.up.seen[-1]["headers"]}
    assert b"x-assay-session" not in names


def test_leak_check_itself_sees_escaped_values() -> None:  # the check is not vacuous
    assert leaks(json.dumps({"a": EMAIL.replace("@", "\\u0040")}).replace("\\\\", "\\")) \
        == [EMAIL]
    assert leaks(urlencode({"a": EMAIL})) == [EMAIL]
    assert leaks("4111-1111-1111-1111") == [CARD]


def test_duplicate_keys_cannot_smuggle_a_value(stack) -> None:
    # Parsers disagree on which duplicate wins; the upstream gets one re-serialised document.
    body = ('{"model": "m", "messages": [{"role": "user", "content": "' + PII_TEXT + '"}], '
            '"messages": [{"role": "user", "content": "hi"}]}').encode()
    r = stack.post(body, [("content-type", "application/json")])
    assert r.status_code == 200
    assert_clean(stack.up.last_bytes(), "upstream")
    assert stack.up.seen[-1]["body"].count(b'"messages"') == 1


def test_api_keys_are_forwarded_but_never_logged(stack, caplog) -> None:
    import logging

    caplog.set_level(logging.DEBUG)
    key = "sk-live-secret-0123456789"
    r = stack.post(CHAT_BYTES, [("authorization", f"Bearer {key}"),
                                ("content-type", "application/json")])
    assert r.status_code == 200
    assert dict(stack.up.seen[-1]["headers"])[b"authorization"] == f"Bearer {key}".encode()
    assert key not in caplog.text


def test_query_string_and_free_form_headers_are_redacted(stack) -> None:
    r = stack.client.post(stack.front.url + "/v1/chat/completions?" +
                          urlencode({"user": EMAIL, "note": f"call {PHONE}", "n": "2"}),
                          content=CHAT_BYTES, headers={"x-customer": f"{EMAIL}",
                                                       "x-stainless-lang": "python",
                                                       "content-type": "application/json"})
    assert r.status_code == 200
    assert_clean(stack.up.last_bytes(), "upstream")
    hdrs = dict(stack.up.seen[-1]["headers"])
    assert hdrs[b"x-customer"] == b"<EMAIL_ADDRESS>" and hdrs[b"x-stainless-lang"] == b"python"
    assert b"n=2" in stack.up.seen[-1]["query"] and b"EMAIL_ADDRESS" in stack.up.seen[-1]["query"]


def test_middleware_refuses_websockets_on_covered_paths(detector) -> None:
    from starlette.applications import Starlette
    from starlette.routing import WebSocketRoute
    from starlette.testclient import TestClient
    from starlette.websockets import WebSocketDisconnect

    from monitors.redaction import RedactionConfig, RedactionMiddleware

    async def ws(websocket):
        await websocket.accept()
        await websocket.send_text(PII_TEXT)

    app = RedactionMiddleware(Starlette(routes=[WebSocketRoute("/ws", ws)]), detector,
                              RedactionConfig())
    with pytest.raises(WebSocketDisconnect) as ex, TestClient(app).websocket_connect("/ws"):
        pass
    assert ex.value.code == 1008
