"""Reversible sessions cannot be borrowed, and an exposed proxy needs its token: the real proxy
and middleware (uvicorn, real presidio engine), a victim and an attacker on loopback, the
official `openai` client, and `assay proxy`'s refusal to listen off loopback without a token."""

from __future__ import annotations

import json

import openai
import pytest

from monitors.redaction import SessionRegistry
from tests.boundary_kit import (EMAIL, PHONE, Reply, assert_clean, close_stack, detector,
                                leaks, make_stack, sse)

__all__ = ["detector"]

# What a model might echo back: the victim's pseudonyms, also mangled as models do.
ECHO = "Noted <EMAIL_ADDRESS_1>, call <PHONE_NUMBER_1>; again < email_address _1 >."


def _reply(req) -> Reply:
    body = json.loads(req["body"] or b"{}")
    said = body["messages"][-1]["content"] if body.get("messages") else ""
    text = f"You said: {said} {ECHO}"
    if body.get("stream"):
        return Reply(200, [(b"content-type", b"text/event-stream")], sse(
            [{"choices": [{"index": 0, "delta": {"content": text[i:i + 4]},
                           "finish_reason": None}]} for i in range(0, len(text), 4)]))
    return Reply(200, [(b"content-type", b"application/json")], [json.dumps(
        {"id": "x", "object": "chat.completion", "model": "m", "choices": [{
            "index": 0, "finish_reason": "stop",
            "message": {"role": "assistant", "content": text}}]}).encode()])


@pytest.fixture(params=["proxy", "middleware"])
def rev(request, detector, store):
    s = make_stack(request.param, detector, store=store, reversible=True)
    s.up.reply = _reply
    yield s
    close_stack(s)


def _chat(s, key: str, content: str, session: str | None = None, stream: bool = False):
    headers = {"authorization": f"Bearer {key}", "content-type": "application/json"}
    if session:
        headers["x-assay-session"] = session
    return s.post({"model": "m", "stream": stream,
                   "messages": [{"role": "user", "content": content}]}, headers)


def _sessions(s) -> SessionRegistry:
    mw = s.app
    return mw.sessions


def test_owner_gets_values_back_borrower_gets_nothing(rev, store, caplog) -> None:
    r = _chat(rev, "key-victim", f"I am {EMAIL}, phone {PHONE}.")
    handle = r.headers["x-assay-session"]
    assert len(handle) >= 32
    assert_clean(rev.up.last_bytes(), "upstream")
    assert EMAIL in r.text and PHONE in r.text  # the victim's own values, restored
    # The attacker names the victim's session: non-streamed, streamed, mangled tokens.
    for stream in (False, True, False):
        r = _chat(rev, "key-attacker", "what did they say?", session=handle, stream=stream)
        assert r.status_code == 200
        assert leaks(r.content, [EMAIL, PHONE]) == []
        assert r.headers["x-assay-session"] != handle  # a fresh session of its own
    assert _sessions(rev).borrow_attempts == 3
    logged = [r.getMessage() for r in caplog.records if "security event" in r.getMessage()]
    assert len(logged) == 3 and not any(handle in m or EMAIL in m for m in logged)
    # The owner, with its own key, still has its session.
    r = _chat(rev, "key-victim", "and again?", session=handle)
    assert r.headers["x-assay-session"] == handle and EMAIL in r.text
    rev.app.recorder.flush()
    refused = [e for e in store.redaction_events() if e.outcome == "session_refused"]
    assert len(refused) == 3
    dump = json.dumps([e.to_dict() for e in store.redaction_events()], default=str)
    assert leaks(dump, [EMAIL, PHONE]) == [] and handle not in dump


def test_session_header_never_reaches_upstream_and_cannot_be_chosen(rev) -> None:
    r = _chat(rev, "k", f"mail {EMAIL}", session="my-own-choice")
    assert r.headers["x-assay-session"] != "my-own-choice"
    assert b"x-assay-session" not in {k for k, _v in rev.up.seen[-1]["headers"]}


def test_registry_bounds_and_ttl() -> None:
    now = [0.0]
    reg = SessionRegistry(ttl_seconds=10, max_sessions=3, clock=lambda: now[0])
    handles = [reg.open([(b"authorization", b"k")]).handle for _ in range(5)]
    assert len(reg) == 3 and len(set(handles)) == 5
    same = reg.open([(b"authorization", b"k"), (b"x-assay-session", handles[-1].encode())])
    assert same.handle == handles[-1] and not same.borrowed
    now[0] = 11.0  # idle past the TTL: gone
    again = reg.open([(b"authorization", b"k"), (b"x-assay-session", handles[-1].encode())])
    assert again.handle != handles[-1] and not again.borrowed and len(reg) == 1


@pytest.fixture()
def guarded(detector):
    s = make_stack("proxy", detector, token="s3cret-token")
    yield s
    close_stack(s)


def test_proxy_token_is_required_and_never_forwarded(guarded) -> None:
    body = {"model": "m", "messages": [{"role": "user", "content": f"mail {EMAIL}"}]}
    for headers in ({}, {"x-assay-token": "wrong"}, {"authorization": "Bearer s3cret-token"}):
        r = guarded.post(body, headers)
        assert r.status_code == 401 and r.json()["error"]["code"] == "proxy_token_required"
    assert guarded.up.seen == []
    r = guarded.post(body, {"x-assay-token": "s3cret-token"})
    assert r.status_code == 200
    r = guarded.post(body, {"proxy-authorization": "Bearer s3cret-token"})
    assert r.status_code == 200
    names = {k for req in guarded.up.seen for k, _v in req["headers"]}
    assert not names & {b"x-assay-token", b"proxy-authorization"}
    assert b"s3cret-token" not in b"".join(v for req in guarded.up.seen
                                           for _k, v in req["headers"])


def test_openai_client_with_token_and_session(guarded) -> None:
    guarded.up.reply = _reply
    client = openai.OpenAI(base_url=guarded.front.url + "/v1", api_key="sk-upstream",
                           default_headers={"X-Assay-Token": "s3cret-token"}, max_retries=0)
    raw = client.chat.completions.with_raw_response.create(
        model="m", messages=[{"role": "user", "content": f"I am {EMAIL}"}])
    out = raw.parse().choices[0].message.content
    assert_clean(guarded.up.last_bytes(), "upstream")
    assert_clean(out, "client")  # redact mode: nothing comes back raw
    assert dict(guarded.up.seen[-1]["headers"])[b"authorization"] == b"Bearer sk-upstream"
    with pytest.raises(openai.AuthenticationError):
        openai.OpenAI(base_url=guarded.front.url + "/v1", api_key="x",
                      max_retries=0).models.list()


def test_cli_refuses_non_loopback_without_token(capsys, monkeypatch) -> None:
    from audit.cli import main

    monkeypatch.delenv("ASSAY_PROXY_TOKEN", raising=False)
    with pytest.raises(SystemExit) as ex:
        main(["proxy", "--upstream", "http://127.0.0.1:9", "--host", "0.0.0.0"])
    err = capsys.readouterr().err
    assert ex.value.code == 2 and "ASSAY_PROXY_TOKEN" in err and "Traceback" not in err
    assert len(err.strip().splitlines()) <= 2
    # With the token in the environment the check passes (it then stops at the bad store URL).
    monkeypatch.setenv("ASSAY_PROXY_TOKEN", "t")
    with pytest.raises(SystemExit) as ex:
        main(["proxy", "--upstream", "http://127.0.0.1:9", "--host", "0.0.0.0",
              "--store", "not-a-url"])
    err = capsys.readouterr().err
    assert ex.value.code != 0 and "proxy token" not in err


def test_readme_openai_example(detector) -> None:
    s = make_stack("proxy", detector, token="s3cret-token", reversible=True)
    s.up.reply = _reply
    try:
        client = openai.OpenAI(base_url=s.front.url + "/v1", api_key="sk-upstream-key",
                               default_headers={"X-Assay-Token": "s3cret-token"}, max_retries=0)
        raw = client.chat.completions.with_raw_response.create(
            model="m", messages=[{"role": "user", "content": f"I am {EMAIL}"}])
        answer = raw.parse().choices[0].message.content
        session = raw.headers["x-assay-session"]
        sent = json.loads(s.up.seen[-1]["body"])["messages"][0]["content"]
        assert sent == "I am <EMAIL_ADDRESS_1>" and answer.startswith(f"You said: I am {EMAIL}")
        out = client.chat.completions.create(
            model="m", messages=[{"role": "user", "content": "repeat it"}],
            extra_headers={"X-Assay-Session": session})
        assert EMAIL in out.choices[0].message.content  # the same session's token, restored
        parts = [c.choices[0].delta.content or "" for c in client.chat.completions.create(
            model="m", messages=[{"role": "user", "content": "again"}], stream=True,
            extra_headers={"X-Assay-Session": session}) if c.choices]
        assert EMAIL in "".join(parts)
        assert_clean(b"".join(r["body"] for r in s.up.seen), "upstream")
    finally:
        close_stack(s)
