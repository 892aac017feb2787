"""`assay proxy` end to end: the official `openai` client -> the redacting proxy (uvicorn) -> a
scripted OpenAI-compatible upstream (FastAPI on loopback), streaming and not, chat and
completions, redact and reversible modes, real presidio engine, events in the store."""

from __future__ import annotations

import asyncio
import json
import threading
import time
from collections.abc import Iterator

import openai
import pytest
import uvicorn
from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse, StreamingResponse

from monitors.detector import presidio_detector
from monitors.proxy import ProxyConfig, build_proxy
from monitors.redaction import RedactionConfig

ANSWER = ("The account holder is Maria Garcia, card 4111 1111 1111 1111, SSN 536-22-8726, "
          "email maria.garcia@example.com.")
RAW = ["Maria Garcia", "4111 1111 1111 1111", "536-22-8726", "maria.garcia@example.com",
       "bob.jones@example.org"]


def _upstream(seen: list) -> FastAPI:
    app = FastAPI()

    def _answer(body: dict) -> str:
        if "messages" in body:
            said = body["messages"][-1]["content"]
        else:
            said = body["prompt"]
        return f"You said: {said} {ANSWER}"

    def _stream(body: dict, chat: bool) -> StreamingResponse:
        text = _answer(body)

        async def gen() -> Iterator[str]:
            for i in range(0, len(text), 4):
                piece = text[i:i + 4]
                choice = ({"index": 0, "delta": {"content": piece}, "finish_reason": None}
                          if chat else {"index": 0, "text": piece, "finish_reason": None})
                obj = "chat.completion.chunk" if chat else "text_completion"
                yield "data: " + json.dumps({"id": "x1", "object": obj, "created": 1,
                                             "model": "scripted", "choices": [choice]}) + "\n\n"
                await asyncio.sleep(0)
            last = ({"index": 0, "delta": {}, "finish_reason": "stop"} if chat else
                    {"index": 0, "text": "", "finish_reason": "stop"})
            yield "data: " + json.dumps({"id": "x1", "object": obj, "created": 1,
                                         "model": "scripted", "choices": [last]}) + "\n\n"
            yield "data: [DONE]\n\n"

        return StreamingResponse(gen(), media_type="text/event-stream")

    @app.post("/v1/chat/completions")
    async def chat(request: Request):
        body = await request.json()
        seen.append(body)
        if body.get("stream"):
            return _stream(body, True)
        return JSONResponse({"id": "x1", "object": "chat.completion", "created": 1,
                             "model": "scripted", "choices": [{
                                 "index": 0, "finish_reason": "stop",
                                 "message": {"role": "assistant", "content": _answer(body)}}],
                             "usage": {"prompt_tokens": 1, "completion_tokens": 1,
                                       "total_tokens": 2}})

    @app.post("/v1/completions")
    async def completions(request: Request):
        body = await request.json()
        seen.append(body)
        if body.get("stream"):
            return _stream(body, False)
        return JSONResponse({"id": "x1", "object": "text_completion", "created": 1,
                             "model": "scripted", "choices": [{
                                 "index": 0, "text": _answer(body), "finish_reason": "stop",
                                 "logprobs": None}]})

    return app


class _Server:
    def __init__(self, app) -> None:
        self.server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=0,
                                                    log_level="warning", lifespan="on"))
        self.thread = threading.Thread(target=self.server.run, daemon=True)
        self.thread.start()
        deadline = time.monotonic() + 30
        while not self.server.started:
            assert time.monotonic() < deadline, "server did not start"
            time.sleep(0.02)
        self.url = f"http://127.0.0.1:{self.server.servers[0].sockets[0].getsockname()[1]}"

    def close(self) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=10)


@pytest.fixture(scope="module")
def detector():
    det = presidio_detector()
    det.analyze(["load the models now, not inside a request's time budget"])
    return det


@pytest.fixture()
def stack(detector, store):
    seen: list = []
    up = _Server(_upstream(seen))
    servers = {}

    def proxy(reversible: bool = False) -> openai.OpenAI:
        # A generous budget: CI machines are shared (the budget itself is tested elsewhere).
        cfg = RedactionConfig(source="proxy", reversible=reversible, holdback_chars=48,
                              time_budget_s=60)
        app = build_proxy(ProxyConfig(upstream=up.url), detector, cfg, store=store)
        px = _Server(app)
        px.app = app
        servers[reversible] = px
        return openai.OpenAI(base_url=px.url + "/v1", api_key="unused", max_retries=0)

    yield proxy, seen, servers
    for s in servers.values():
        s.close()
    up.close()


def _clean(text: str) -> None:
    for r in RAW:
        assert r not in text, r


def test_chat_stream_and_plain_through_proxy(stack, store) -> None:
    proxy, seen, servers = stack
    client = proxy()
    msg = [{"role": "user", "content": "I am bob.jones@example.org, what is on file?"}]
    out = client.chat.completions.create(model="m", messages=msg)
    text = out.choices[0].message.content
    assert seen[-1]["messages"][0]["content"] == "I am <EMAIL_ADDRESS>, what is on file?"
    _clean(text)
    assert text.endswith("SSN <US_SSN>, email <EMAIL_ADDRESS>.")
    parts = []
    for chunk in client.chat.completions.create(model="m", messages=msg, stream=True):
        if chunk.choices and chunk.choices[0].delta.content:
            parts.append(chunk.choices[0].delta.content)
            _clean("".join(parts))
    streamed = "".join(parts)
    assert streamed == text  # same redaction whether streamed or not
    assert parts  # (how many chunks depends on load: chunks queued during a detection coalesce)
    servers[False].app.recorder.flush()
    events = store.redaction_events()
    assert {e.direction for e in events} == {"request", "response"}
    assert any(e.entity_counts.get("US_SSN") for e in events)
    _clean(json.dumps([e.to_dict() for e in events]))


def test_completions_stream_through_proxy(stack) -> None:
    proxy, seen, servers = stack
    client = proxy()
    parts = [c.choices[0].text for c in client.completions.create(
        model="m", prompt="Customer bob.jones@example.org asks", stream=True) if c.choices]
    _clean("".join(parts))
    assert seen[-1]["prompt"] == "Customer <EMAIL_ADDRESS> asks"
    assert "<CREDIT_CARD>" in "".join(parts)


def test_reversible_mode_restores_the_users_values(stack) -> None:
    proxy, seen, servers = stack
    client = proxy(reversible=True)
    msg = [{"role": "user", "content": "I am bob.jones@example.org."}]
    parts = [c.choices[0].delta.content or "" for c in client.chat.completions.create(
        model="m", messages=msg, stream=True) if c.choices]
    text = "".join(parts)
    assert seen[-1]["messages"][0]["content"] == "I am <EMAIL_ADDRESS_1>."
    assert text.startswith("You said: I am bob.jones@example.org.")  # restored for the user
    for r in RAW[:4]:                                  # new PII from the model stays redacted
        assert r not in text


def _free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_cli_proxy_serves_and_stops_on_sigterm(tmp_path) -> None:
    import os
    import signal
    import subprocess
    import sys
    from pathlib import Path

    seen: list = []
    up = _Server(_upstream(seen))
    port = _free_port()
    root = Path(__file__).resolve().parent.parent
    code = "import sys; from audit.cli import main; main(sys.argv[1:])"
    with open(tmp_path / "err.txt", "wb") as errf:
        p = subprocess.Popen([sys.executable, "-c", code, "proxy", "--upstream", up.url,
                              "--port", str(port), "--store", f"sqlite:///{tmp_path / 'a.db'}",
                              "--detector", "tests.test_monitor_fakes:fake_detector"],
                             cwd=root, stdout=subprocess.DEVNULL, stderr=errf,
                             env={**os.environ, "PYTHONUNBUFFERED": "1"})
    try:
        client = openai.OpenAI(base_url=f"http://127.0.0.1:{port}/v1", api_key="x",
                               max_retries=0, timeout=10)
        deadline = time.monotonic() + 120
        while True:
            try:
                out = client.chat.completions.create(
                    model="m", messages=[{"role": "user", "content": "ssn 123-45-6789"}])
                break
            except openai.APIConnectionError:
                assert p.poll() is None, (tmp_path / "err.txt").read_text()
                assert time.monotonic() < deadline
                time.sleep(0.2)
        assert seen[-1]["messages"][0]["content"] == "ssn <US_SSN>"
        assert "4111 1111 1111 1111" not in out.choices[0].message.content
        p.send_signal(signal.SIGTERM)
        # uvicorn shuts down gracefully, then re-raises the signal (exit status -SIGTERM).
        assert p.wait(timeout=30) in (0, -signal.SIGTERM)
        from audit.store import open_store

        st = open_store(f"sqlite:///{tmp_path / 'a.db'}")
        events = st.redaction_events()  # flushed by the lifespan shutdown
        st.close()
        assert {(e.direction, e.entity_counts.get("US_SSN")) for e in events} >= \
            {("request", 1)}
    finally:
        if p.poll() is None:
            p.kill()
            p.wait()
        up.close()


def test_cli_proxy_rejects_bad_upstream(capsys) -> None:
    from audit.cli import main

    with pytest.raises(SystemExit) as ex:
        main(["proxy", "--upstream", "localhost:8000"])
    assert ex.value.code == 2 and "not an http(s) URL" in capsys.readouterr().err
