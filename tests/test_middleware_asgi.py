"""The ASGI middleware on a real Starlette app: JSON request/response redaction, SSE streams,
fail-closed (errors and time budget), fail-open, body limits, reversible mode, stored events."""

from __future__ import annotations

import asyncio
import json
import time

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse, Response, StreamingResponse
from starlette.routing import Route
from starlette.testclient import TestClient

from monitors.detector import Detector
from monitors.redaction import EventRecorder, RedactionConfig, RedactionMiddleware
from tests.test_monitor_fakes import fake_analyze, fake_detector

SSN, EMAIL, CARD = "123-45-6789", "jane.doe@example.com", "4111 1111 1111 1111"
ANSWER = f"Your SSN {SSN} and card {CARD} are on file; write to {EMAIL} or ask John Smith."


def _app(seen: list) -> Starlette:
    async def echo(request: Request) -> JSONResponse:
        body = await request.json()
        seen.append(body)
        return JSONResponse({"echo": body, "answer": ANSWER, "n": 3})

    async def stream(request: Request) -> StreamingResponse:
        await request.body()

        async def gen():
            for i in range(0, len(ANSWER), 3):
                chunk = {"choices": [{"index": 0, "delta": {"content": ANSWER[i:i + 3]},
                                      "finish_reason": None}]}
                yield f"data: {json.dumps(chunk)}\n\n"
                await asyncio.sleep(0.002)
            yield 'data: {"choices": [{"index": 0, "delta": {}, "finish_reason": "stop"}]}\n\n'
            yield "data: [DONE]\n\n"

        return StreamingResponse(gen(), media_type="text/event-stream")

    async def text(request: Request) -> PlainTextResponse:
        return PlainTextResponse(ANSWER)

    async def binary(request: Request) -> Response:
        return Response(SSN.encode(), media_type="application/octet-stream")

    return Starlette(routes=[Route("/echo", echo, methods=["POST"]),
                             Route("/stream", stream, methods=["POST"]),
                             Route("/text", text), Route("/bin", binary)])


def _client(config: RedactionConfig | None = None, detector: Detector | None = None,
            store=None, seen: list | None = None) -> TestClient:
    app = RedactionMiddleware(_app(seen if seen is not None else []),
                              detector or fake_detector(), config or RedactionConfig(),
                              store=store)
    return TestClient(app)


def _no_raw(text: str) -> None:
    for v in (SSN, EMAIL, CARD, "John Smith"):
        assert v not in text


def test_json_request_fields_redacted_before_the_app() -> None:
    seen: list = []
    c = _client(seen=seen)
    r = c.post("/echo", json={"messages": [{"role": "user", "content": f"I am {SSN}"}],
                              "model": "m", "k": [EMAIL]})
    assert r.status_code == 200
    assert seen == [{"messages": [{"role": "user", "content": "I am <US_SSN>"}], "model": "m",
                     "k": ["<EMAIL_ADDRESS>"]}]
    _no_raw(r.text)
    assert r.json()["answer"].startswith("Your SSN <US_SSN> and card <CREDIT_CARD>")
    assert int(r.headers["content-length"]) == len(r.content)


def test_every_string_redacted_ids_and_enums_kept() -> None:
    seen: list = []
    c = _client(seen=seen)
    c.post("/echo", json={"model": "gpt-4o", "user": EMAIL, "metadata": {EMAIL: f"ssn {SSN}"},
                          "messages": [{"role": "user", "name": "John Smith", "content": [
                              {"type": "text", "text": f"card {CARD}"}]}],
                          "id": SSN})  # an allow-listed key, but not an identifier: redacted
    assert seen == [{"model": "gpt-4o", "user": "<EMAIL_ADDRESS>",
                     "metadata": {"<EMAIL_ADDRESS>": "ssn <US_SSN>"},
                     "messages": [{"role": "user", "name": "<PERSON>", "content": [
                         {"type": "text", "text": "card <CREDIT_CARD>"}]}],
                     "id": "<US_SSN>"}]


def test_sse_stream_redacted_and_complete() -> None:
    c = _client()
    with c.stream("POST", "/stream", json={}) as r:
        assert r.headers["content-type"].startswith("text/event-stream")
        raw = "".join(r.iter_text())
    _no_raw(raw)
    text = ""
    for line in raw.splitlines():
        if line.startswith("data: ") and line != "data: [DONE]":
            for ch in json.loads(line[6:])["choices"]:
                text += ch["delta"].get("content") or ""
    assert text == "Your SSN <US_SSN> and card <CREDIT_CARD> are on file; write to " \
                   "<EMAIL_ADDRESS> or ask <PERSON>."
    assert raw.rstrip().endswith("data: [DONE]")


def test_text_responses_redacted_whatever_their_label() -> None:
    c = _client()
    _no_raw(c.get("/text").text)
    r = c.get("/bin")  # text labelled octet-stream is text
    assert r.status_code == 200 and r.content == b"<US_SSN>"


def _broken(texts):
    raise RuntimeError("detector down")


def test_fail_closed_on_detector_error() -> None:
    seen: list = []
    c = _client(detector=Detector(analyze=_broken), seen=seen)
    r = c.post("/echo", json={"prompt": f"ssn {SSN}"})
    assert r.status_code == 503
    assert r.json()["error"]["code"] == "redaction_failed"
    assert seen == []  # the app never saw the request
    assert SSN not in r.text


def test_fail_closed_on_time_budget() -> None:
    def slow(texts):
        time.sleep(3.0)
        return fake_analyze(texts)

    c = _client(RedactionConfig(time_budget_s=0.05), detector=Detector(analyze=slow))
    t0 = time.perf_counter()
    r = c.post("/echo", json={"prompt": f"ssn {SSN}"})
    assert r.status_code == 503 and "time budget" in r.json()["error"]["message"]
    assert time.perf_counter() - t0 < 2.5  # refused at the budget, not after the detector


def _fails_after_first_call() -> tuple[Detector, dict[str, int]]:
    """A detector whose first call works and every later one raises; `calls["n"]` counts them."""
    calls = {"n": 0}

    def flaky(texts):
        calls["n"] += 1
        if calls["n"] > 1:
            raise RuntimeError("boom")
        return fake_analyze(texts)

    return Detector(analyze=flaky), calls


def test_stream_failure_mid_way_ends_with_error_event() -> None:
    flaky, calls = _fails_after_first_call()
    c = _client(RedactionConfig(holdback_chars=8, max_pending_chars=64),
                detector=flaky)
    with c.stream("POST", "/stream", json={}) as r:
        raw = "".join(r.iter_text())
    assert "event: error" in raw and "redaction_failed" in raw
    _no_raw(raw)
    assert "[DONE]" not in raw
    assert calls["n"] == 2  # stopped at the first failure


def test_fail_open_forwards_original() -> None:
    seen: list = []
    c = _client(RedactionConfig(fail_open=True), detector=Detector(analyze=_broken), seen=seen)
    r = c.post("/echo", json={"prompt": f"ssn {SSN}"})
    assert r.status_code == 200 and seen == [{"prompt": f"ssn {SSN}"}]


def test_body_size_limits() -> None:
    c = _client(RedactionConfig(max_body_bytes=64))
    r = c.post("/echo", json={"prompt": "x" * 100})
    assert r.status_code == 413 and r.json()["error"]["code"] == "body_too_large"
    r = c.post("/echo", json={"p": 1})  # small request, but the response is over 64 bytes
    assert r.status_code == 502 and r.json()["error"]["code"] == "response_too_large"


def test_invalid_json_request_is_redacted_as_text_binary_refused() -> None:
    got: list = []

    async def raw(request: Request) -> Response:
        got.append(await request.body())
        return Response(b"ok", media_type="text/plain")

    app = RedactionMiddleware(Starlette(routes=[Route("/raw", raw, methods=["POST"])]),
                              fake_detector(), RedactionConfig())
    c = TestClient(app)
    r = c.post("/raw", content=f"{{not json {SSN}".encode(),
               headers={"content-type": "application/json"})
    assert r.status_code == 200 and got == [b"{not json <US_SSN>"]
    r = c.post("/raw", content=b"\x89PNG\r\n\x1a\n" + SSN.encode() + b"\x00\xff",
               headers={"content-type": "application/json"})
    assert r.status_code == 415 and r.json()["error"]["code"] == "binary_body"
    assert len(got) == 1  # the app never saw it


def test_reversible_mode_round_trip() -> None:
    seen: list = []

    async def parrot(request: Request) -> JSONResponse:
        body = await request.json()
        seen.append(body)
        return JSONResponse({"answer": f"Noted: {body['prompt']} (new: {CARD})"})

    app = RedactionMiddleware(Starlette(routes=[Route("/p", parrot, methods=["POST"])]),
                              fake_detector(), RedactionConfig(reversible=True))
    r = TestClient(app).post("/p", json={"prompt": f"mail {EMAIL} ssn {SSN}"})
    assert seen == [{"prompt": "mail <EMAIL_ADDRESS_1> ssn <US_SSN_1>"}]
    # The user's own values come back; PII the model added is still redacted.
    assert r.json() == {"answer": f"Noted: mail {EMAIL} ssn {SSN} (new: <CREDIT_CARD>)"}


def test_redaction_events_recorded_without_values(store) -> None:
    rec = EventRecorder(store)
    app = RedactionMiddleware(_app([]), fake_detector(), RedactionConfig(), recorder=rec)
    c = TestClient(app)
    c.post("/echo", json={"prompt": f"{SSN} and {SSN}"})
    c.post("/echo", json={"prompt": "nothing"}, headers={})
    with c.stream("POST", "/stream", json={}) as r:
        "".join(r.iter_text())
    rec.flush()
    events = store.redaction_events()
    by = {(e.direction, e.outcome, json.dumps(e.entity_counts, sort_keys=True)) for e in events}
    assert ("request", "redacted", '{"US_SSN": 2}') in by
    assert ("request", "clean", "{}") in by
    assert ("response", "redacted", '{"CREDIT_CARD": 1, "EMAIL_ADDRESS": 1, "PERSON": 1, '
                                    '"US_SSN": 1}') in by
    dump = json.dumps([e.to_dict() for e in events])
    _no_raw(dump)
    rec.close()


def test_events_flushed_on_lifespan_shutdown(store) -> None:
    class SlowStore:  # a store that takes its time: events are still written before shutdown
        def write_redaction_events(self, events):
            time.sleep(0.3)
            return store.write_redaction_events(events)

    app = RedactionMiddleware(_app([]), fake_detector(), RedactionConfig(), store=SlowStore())
    with TestClient(app) as c:  # runs the lifespan: startup ... shutdown
        c.post("/echo", json={"prompt": f"{SSN}"})
    assert {e.direction for e in store.redaction_events()} == {"request", "response"}


def test_fail_open_mid_stream_sends_the_rest_unredacted_once() -> None:
    flaky, calls = _fails_after_first_call()
    c = _client(RedactionConfig(holdback_chars=8, max_pending_chars=64, fail_open=True),
                detector=flaky)
    with c.stream("POST", "/stream", json={}) as r:
        raw = "".join(r.iter_text())
    text = ""
    for line in raw.splitlines():
        if line.startswith("data: {"):
            for ch in json.loads(line[6:])["choices"]:
                text += ch.get("delta", {}).get("content") or ""
    assert raw.rstrip().endswith("data: [DONE]") and "event: error" not in raw
    assert calls["n"] == 2  # the policy was asked once; no more detection after it passed
    assert text.replace("<US_SSN>", SSN) == ANSWER  # every character arrives exactly once


def test_failure_policy_is_one_decision() -> None:
    from monitors.redaction import Failure, FailurePolicy

    big = Failure("request", "too_large", 413, "body_too_large", "big")
    bad = Failure("response", "uninterpretable", 502, "binary_body", "binary")
    assert FailurePolicy(False).decide(bad) == (False, "refused")
    assert FailurePolicy(True).decide(bad) == (True, "failed_open")
    assert FailurePolicy(True).decide(big) == (False, "too_large")  # never read whole
