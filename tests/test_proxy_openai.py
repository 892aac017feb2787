"""`assay proxy` end to end: the official `openai` client -> the redacting proxy (uvicorn) -> a
scripted OpenAI-compatible upstream (FastAPI on loopback), streaming and not, chat and
completions, redact and reversible modes, real presidio engine, events in the store; the CLI
process stopped by a real SIGTERM / SIGINT finishes its in-flight stream and exits 0."""

from __future__ import annotations

import asyncio
import json
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import openai
import pytest
from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse, StreamingResponse

from monitors.detector import presidio_detector
from monitors.proxy import ProxyConfig, build_proxy
from monitors.redaction import RedactionConfig
from tests.boundary_kit import Server

ANSWER = ("The account holder is Maria Garcia, card 4111 1111 1111 1111, SSN 536-22-8726, "
          "email maria.garcia@example.com.")
RAW = ["Maria Garcia", "4111 1111 1111 1111", "536-22-8726", "maria.garcia@example.com",
       "bob.jones@example.org"]


def _upstream(seen: list, chunk_delay_s: float = 0.0) -> FastAPI:
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
                await asyncio.sleep(chunk_delay_s)
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


@pytest.fixture(scope="module")
def detector():
    det = presidio_detector()
    det.analyze(["load the models now, not inside a request's time budget"])
    return det


@pytest.fixture()
def stack(detector, store):
    seen: list = []
    up = Server(_upstream(seen))
    servers = {}

    def proxy(reversible: bool = False) -> openai.OpenAI:
        # A generous budget: CI machines are shared (the budget itself is tested elsewhere).
        cfg = RedactionConfig(source="proxy", reversible=reversible, holdback_chars=48,
                              time_budget_s=60)
        app = build_proxy(ProxyConfig(upstream=up.url), detector, cfg, store=store)
        px = Server(app)
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
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class _CliProxy:
    """`assay proxy` in a real subprocess (fake detector: starts fast), ready to serve."""

    def __init__(self, tmp_path: Path, upstream_url: str, *extra: str) -> None:
        self.db = tmp_path / "a.db"
        self.err = tmp_path / "err.txt"
        self.port = port = _free_port()
        root = Path(__file__).resolve().parent.parent
        # Python's own SIGINT handler, as under a terminal: a runner started as a background job
        # ignores SIGINT, and the child would inherit that and never see the re-raised signal.
        code = ("import signal, sys; signal.signal(signal.SIGINT, signal.default_int_handler); "
                "from audit.cli import main; main(sys.argv[1:])")
        with open(self.err, "wb") as errf:
            self.proc = subprocess.Popen(
                [sys.executable, "-c", code, "proxy", "--upstream", upstream_url,
                 "--port", str(port), "--store", f"sqlite:///{self.db}",
                 "--detector", "tests.test_monitor_fakes:fake_detector", *extra],
                cwd=root, stdout=subprocess.DEVNULL, stderr=errf,
                env={**os.environ, "PYTHONUNBUFFERED": "1"})
        self.client = openai.OpenAI(base_url=f"http://127.0.0.1:{port}/v1", api_key="x",
                                    max_retries=0, timeout=30)

    def chat(self, content: str) -> str:
        """One non-streamed chat request, retried until the proxy listens."""
        deadline = time.monotonic() + 120
        while True:
            try:
                out = self.client.chat.completions.create(
                    model="m", messages=[{"role": "user", "content": content}])
                return out.choices[0].message.content
            except openai.APIConnectionError:
                assert self.proc.poll() is None, self.err.read_text()
                assert time.monotonic() < deadline, "proxy did not start"
                time.sleep(0.2)

    def stop(self, sig: int) -> int:
        self.proc.send_signal(sig)
        return self.proc.wait(timeout=30)

    def events(self) -> list:
        from audit.store import open_store

        st = open_store(f"sqlite:///{self.db}")
        try:
            return st.redaction_events()
        finally:
            st.close()

    def close(self) -> None:
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()


def test_cli_proxy_serves_and_stops_on_sigterm(tmp_path) -> None:
    seen: list = []
    up = Server(_upstream(seen))
    px = _CliProxy(tmp_path, up.url)
    try:
        text = px.chat("ssn 123-45-6789")
        assert seen[-1]["messages"][0]["content"] == "ssn <US_SSN>"
        assert "4111 1111 1111 1111" not in text
        # uvicorn shuts down gracefully and re-raises the signal; `serve` absorbs it: status 0.
        assert px.stop(signal.SIGTERM) == 0, px.err.read_text()
        assert "Traceback" not in px.err.read_text()
        events = px.events()  # flushed by the lifespan shutdown
        assert {(e.direction, e.entity_counts.get("US_SSN")) for e in events} >= \
            {("request", 1)}
    finally:
        px.close()
        up.close()


@pytest.mark.parametrize(("extra", "what"), [
    ((), "(redacting requests and responses; fail-closed)"),
    (("--reversible",), "(pseudonymising requests, restoring each caller's own values in "
                        "responses, redacting other PII; fail-closed)"),
], ids=["redacting", "reversible"])
def test_cli_proxy_says_what_it_loads_then_listens_and_what_it_does(tmp_path, extra, what):
    up = Server(_upstream([]))
    px = _CliProxy(tmp_path, up.url, *extra)
    try:
        deadline = time.monotonic() + 120
        while "listening" not in px.err.read_text():
            assert px.proc.poll() is None and time.monotonic() < deadline, px.err.read_text()
            time.sleep(0.05)
        # the line appears only once the port is bound: a connection now succeeds at once
        socket.create_connection(("127.0.0.1", px.port), timeout=5).close()
        lines = px.err.read_text().splitlines()
        assert lines[0] == ("assay proxy: loading the PII detector "
                            "(tests.test_monitor_fakes:fake_detector) ...")
        assert lines[1].startswith("assay proxy: detector ready in ")
        assert lines[2] == f"assay proxy: listening on http://127.0.0.1:{px.port}/v1 -> " \
                           f"{up.url} {what}"
        assert len(lines) == 3
    finally:
        px.close()
        up.close()


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGINT], ids=["SIGTERM", "SIGINT"])
def test_cli_proxy_finishes_in_flight_stream_then_exits_0(tmp_path, sig) -> None:
    seen: list = []
    up = Server(_upstream(seen, chunk_delay_s=0.05))  # ~40 chunks: a stream of ~2 s
    px = _CliProxy(tmp_path, up.url)
    try:
        content = "I am bob.jones@example.org"
        expected = px.chat(content)  # the same answer, not streamed
        parts, finish, signalled = [], None, False
        for chunk in px.client.chat.completions.create(
                model="m", messages=[{"role": "user", "content": content}], stream=True):
            if not chunk.choices:
                continue
            if chunk.choices[0].delta.content:
                parts.append(chunk.choices[0].delta.content)
                if not signalled:  # the stream is in flight: stop the proxy now
                    px.proc.send_signal(sig)
                    signalled = True
            finish = chunk.choices[0].finish_reason or finish
        assert signalled
        assert "".join(parts) == expected and finish == "stop"  # nothing cut off
        assert px.proc.wait(timeout=30) == 0, px.err.read_text()
        assert "Traceback" not in px.err.read_text()
        with pytest.raises(openai.APIConnectionError):  # and it no longer listens
            px.client.chat.completions.create(model="m", messages=[{"role": "user",
                                                                    "content": "hi"}])
        assert {e.direction for e in px.events()} >= {"request", "response"}
    finally:
        px.close()
        up.close()


def test_cli_proxy_rejects_bad_upstream(capsys) -> None:
    from audit.cli import main

    with pytest.raises(SystemExit) as ex:
        main(["proxy", "--upstream", "localhost:8000"])
    assert ex.value.code == 2 and "not an http(s) URL" in capsys.readouterr().err
