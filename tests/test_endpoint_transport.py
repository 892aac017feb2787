"""The endpoint backend's transport on a loopback toy server (no model): adaptive concurrency,
retries that honour Retry-After, timeouts, no retry storms, the response cache, the API key."""

from __future__ import annotations

import json
import logging
import time
from pathlib import Path

import pytest

from audit.errors import CapabilityError, ModelError, UsageError
from audit.model.base import Capability
from audit.model.registry import open_model
from tests.boundary_kit import Server
from tests.openai_server import latency_app

def toy_with(**kwargs):
    return pytest.mark.parametrize("toy", [kwargs], indirect=True, ids=["toy"])


def nth(first: int, last: int, answer):
    """A `fail`/`hang` script: the audit's requests (not the probe's) number first..last-1
    (0-based, counted as they arrive) get `answer`; the rest are served."""
    seen = [0]

    def script(body):
        if "Sentence number" not in str(body.get("prompt")):
            return None
        seen[0] += 1
        return answer if first <= seen[0] - 1 < last else None
    return script


REQS = [("", f"Sentence number {i} is here.") for i in range(40)]


@pytest.fixture()
def toy(request):
    """(url, stats) of a latency app; a test sets its arguments with `toy_with(...)`."""
    app, stats = latency_app(**getattr(request, "param", {"delay": 0.02}))
    server = Server(app)
    yield server.url + "/v1", stats
    while OPENED:  # their keep-alive connections close before the server does
        OPENED.pop().close()
    server.close()


OPENED: list = []


def _open(url: str, tmp_path: Path, **opts: str):
    options = {"cache_path": str(tmp_path / "cache.sqlite"), **opts}
    model = open_model(url, model_options=options)
    OPENED.append(model)
    return model


def test_probe_finds_what_the_toy_offers(toy, tmp_path: Path) -> None:
    url, _ = toy
    m = _open(url, tmp_path)
    assert m.capabilities == {Capability.LOGLIKELIHOOD, Capability.GENERATION}
    extra = m.identity.extra
    assert extra["weights_hashed"] is False and m.identity.sha256 == ""
    assert extra["served_model"] == "toy-latency" and extra["base_url"] == url
    assert extra["batched_prompts"] is True
    assert extra["probe"]["prefix_token"] == {"text": "<s>", "from": "/tokenizer_info"}
    with pytest.raises(CapabilityError) as err:
        m.choice_logprobs(["Is it?"], [["Yes", "No"]])
    assert "\n" not in str(err.value) and "top_logprobs" in str(err.value)
    with pytest.raises(CapabilityError, match="gradients"):
        m._need(Capability.GRADIENTS)


@toy_with(delay=0.05)
def test_concurrency_rises_while_latency_holds_and_stops_at_the_cap(toy, tmp_path: Path) -> None:
    url, stats = toy
    m = _open(url, tmp_path, batch_size="1", max_concurrency="12", cache="off")
    before = stats.requests
    lls = m.loglikelihood(REQS * 3)
    assert len(lls) == 120 and all(ll.n_tokens == 5 for ll in lls)
    assert stats.requests - before == 120  # one per prompt, none retried
    # grew well past its start (4) and never past the cap (the server shares this process's
    # GIL on 2 loaded cores, so its latency, and with it the window, varies from run to run)
    assert 8 <= m.transport.last.peak_in_flight <= 12 and stats.peak_in_flight <= 12
    assert m.transport.last.retries == 0


@toy_with(delay=0.02, fail=nth(3, 6, (429, {"Retry-After": "1"})))
def test_429_with_retry_after_pauses_everyone_then_succeeds(toy, tmp_path: Path) -> None:
    url, stats = toy  # the audit's 4th-6th requests answer 429 Retry-After: 1
    m = _open(url, tmp_path, batch_size="1", cache="off")
    before = stats.requests
    t0 = time.perf_counter()
    lls = m.loglikelihood(REQS)
    elapsed = time.perf_counter() - t0
    assert len(lls) == 40 and all(ll.n_tokens == 5 for ll in lls)
    assert stats.requests - before == 40 + 3  # exactly the three refused ones asked again
    assert m.transport.last.retries == 3 and m.transport.last.statuses == {"429": 3}
    assert elapsed >= 1.0  # the pause was honoured


@toy_with(delay=0.01, fail=nth(0, 10**6, (503, {})))
def test_persistent_503_fails_in_one_line_after_bounded_retries(toy, tmp_path: Path) -> None:
    url, stats = toy
    m = _open(url, tmp_path, batch_size="1", max_retries="2", cache="off")
    before = stats.requests
    with pytest.raises(ModelError) as err:
        m.loglikelihood(REQS[:1])
    assert stats.requests - before == 3  # 1 + 2 retries, then stop
    msg = str(err.value)
    assert "\n" not in msg and "503" in msg and "after 3 attempts" in msg


@toy_with(delay=0.01, fail=nth(0, 10**6, (503, {})))
def test_no_retry_storm_when_everything_fails(toy, tmp_path: Path) -> None:
    url, stats = toy
    m = _open(url, tmp_path, batch_size="1", max_retries="6", cache="off")
    before = stats.requests
    with pytest.raises(ModelError):
        m.loglikelihood(REQS)
    # 40 requests may each be asked again only while the call's budget (max(8, 40 // 4)) lasts
    assert stats.requests - before <= 40 + 10


@toy_with(delay=0.01, fail=nth(0, 1, (400, {})))
def test_a_400_is_not_retried(toy, tmp_path: Path) -> None:
    url, stats = toy
    m = _open(url, tmp_path, batch_size="1", concurrency="1", cache="off")
    before = stats.requests
    with pytest.raises(ModelError, match="HTTP 400"):
        m.loglikelihood(REQS[:3])
    assert stats.requests - before == 1


@toy_with(delay=0.01, hang=nth(0, 1, True))
def test_a_timeout_is_retried(toy, tmp_path: Path) -> None:
    url, stats = toy
    m = _open(url, tmp_path, batch_size="1", timeout="0.5", cache="off")
    lls = m.loglikelihood(REQS[:4])
    assert len(lls) == 4 and m.transport.last.statuses == {"timeout": 1}
    assert m.transport.last.retries == 1


@toy_with(delay=0.01, fail=nth(5, 6, (400, {})))
def test_an_interrupted_call_resumes_from_the_cache(toy, tmp_path: Path) -> None:
    url, stats = toy
    m = _open(url, tmp_path, batch_size="1", concurrency="1")
    before = stats.requests
    with pytest.raises(ModelError):
        m.loglikelihood(REQS[:10])  # 5 answered and cached, the 6th fails
    assert stats.requests - before == 6
    m2 = _open(url, tmp_path, batch_size="1", concurrency="1")
    before = stats.requests
    first = m2.loglikelihood(REQS[:10])
    assert stats.requests - before == 5  # only the 5 unanswered were asked
    again = m2.loglikelihood(REQS[:10])
    assert again == first and m2.transport.last.requests == 0  # a rerun is free
    m3 = _open(url, tmp_path, batch_size="1", concurrency="1", cache="off")
    m3.loglikelihood(REQS[:10])
    assert m3.transport.last.requests == 10


def test_the_api_key_is_sent_but_never_stored_logged_or_reported(toy, tmp_path: Path,
                                                                monkeypatch, caplog) -> None:
    url, stats = toy
    secret = "sk-assay-test-9f8e7d6c5b4a"
    monkeypatch.setenv("ASSAY_TEST_KEY", secret)
    caplog.set_level(logging.DEBUG)
    m = _open(url, tmp_path, api_key_env="ASSAY_TEST_KEY")
    m.loglikelihood(REQS[:4])
    m.close()
    assert stats.auth and all(a == f"Bearer {secret}" for a in stats.auth)
    assert secret not in json.dumps(m.identity.to_dict())
    assert secret not in repr(m) and secret not in caplog.text
    for f in tmp_path.iterdir():
        assert secret.encode() not in f.read_bytes(), f
    assert m.transport.scrub(f"bad key {secret}") == "bad key ***"


def test_bad_options_fail_in_one_line(toy, tmp_path: Path, monkeypatch) -> None:
    url, _ = toy
    monkeypatch.delenv("NO_SUCH_KEY_VAR", raising=False)
    for opts, text in [({"colour": "red"}, "not an option of an endpoint"),
                       ({"mode": "stream"}, "mode=stream"),
                       ({"timeout": "soon"}, "timeout=soon"),
                       ({"api_key_env": "NO_SUCH_KEY_VAR"}, "NO_SUCH_KEY_VAR"),
                       ({"model": "other"}, "does not serve 'other'")]:
        with pytest.raises(UsageError if "model" not in opts else ModelError) as err:
            _open(url, tmp_path, **opts)
        assert text in str(err.value) and "\n" not in str(err.value)
    with pytest.raises(UsageError, match="takes no option 'quantize'"):
        open_model(url, quantize="int8")


def test_an_unreachable_endpoint_fails_in_one_line(tmp_path: Path) -> None:
    with pytest.raises(ModelError) as err:
        _open("http://127.0.0.1:9/v1", tmp_path)
    assert "cannot reach the endpoint" in str(err.value) and "\n" not in str(err.value)
