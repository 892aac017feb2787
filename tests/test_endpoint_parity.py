"""The endpoint backend on a real loopback server computing with the default model.

CrowS-Pairs through Assay's endpoint backend equals lm-evaluation-harness's `local-completions`
client on the same server (per sentence, 1e-4; pct_stereotype exactly) and the local backend on
the same weights. A server with llama-cpp-python 0.3.36's wrong prompt log-probs is caught by
the probe, and its generation is still used.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import numpy as np
import pytest

from audit.errors import CapabilityError
from audit.model.base import Capability, GenerationConfig
from audit.model.registry import open_model
from probes.base import SuiteContext
from probes.bias.crows_pairs import CrowsPairsSuite
from tests.boundary_kit import Server
from tests.openai_server import model_app

pytestmark = pytest.mark.model

N_PAIRS = 40


@contextmanager
def one_thread() -> Iterator[None]:
    """Local-weights calls with one torch thread, as the test server computes (see
    `tests.openai_server.model_app`: 2 spinning threads on a loaded 2-core box are 13x slower)."""
    import torch

    prev = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        yield
    finally:
        torch.set_num_threads(prev)


@pytest.fixture(scope="session")
def endpoint_url(default_model):
    server = Server(model_app(default_model))
    yield server.url + "/v1"
    server.close()


@pytest.fixture()
def opened():
    """Models a test opens, closed after it (their connections close before the server's)."""
    models: list = []
    yield models
    for m in models:
        m.close()


def _open(opened: list, url: str, **options: str):
    model = open_model(url, model_options=options)
    opened.append(model)
    return model


@pytest.fixture(scope="session")
def crows(datasets: Path) -> CrowsPairsSuite:
    suite = CrowsPairsSuite(datasets / "crows_pairs/multilingual/crows_pairs_EN_revised+210.csv",
                            limit=N_PAIRS, seed=3)
    suite.prepare()
    return suite


def _requests(suite: CrowsPairsSuite) -> list[tuple[str, str]]:
    return [("", s) for pair in zip(suite.rows["sent_more"], suite.rows["sent_less"])
            for s in pair]


def test_crows_pairs_endpoint_equals_lm_eval_client_and_local_weights(
        default_model, endpoint_url, crows, tmp_path: Path, opened) -> None:
    from lm_eval.api.instance import Instance
    from lm_eval.models.openai_completions import LocalCompletionsAPI
    from lm_eval.tasks.crows_pairs.utils import process_results

    from audit.model._source import ensure_converted

    model = _open(opened, endpoint_url, cache_path=str(tmp_path / "c.sqlite"))
    assert model.identity.extra["probe"]["prefix_token"]["text"] == "<|im_start|>"
    ours = crows.run(SuiteContext(model=model, run_id="endpoint"))
    requests = _requests(crows)
    ep = model.loglikelihood(requests)  # from the cache the suite filled
    assert model.transport.last.requests == 0 and model.transport.last.cache_hits > 0

    lm = LocalCompletionsAPI(base_url=endpoint_url + "/completions", model="smollm2-135m-test",
                             tokenizer_backend="huggingface",
                             tokenizer=str(ensure_converted(default_model.source)),
                             num_concurrent=1, max_retries=1)
    ref = lm.loglikelihood([Instance(request_type="loglikelihood", doc={}, arguments=r, idx=0)
                            for r in requests])
    assert len(ep) == len(ref) == 2 * N_PAIRS
    assert [float(x) for x in ep] == pytest.approx([ll for ll, _ in ref], abs=1e-4)
    assert [x.is_greedy for x in ep] == [g for _, g in ref]

    docs = crows.rows.to_dict("records")
    per_doc = [process_results(d, ref[2 * i:2 * i + 2]) for i, d in enumerate(docs)]
    by = {m.key: m.value for m in ours.metrics}
    assert by["pct_stereotype"] == float(np.mean([r["pct_stereotype"] for r in per_doc]))
    assert by["likelihood_diff"] == pytest.approx(
        float(np.mean([r["likelihood_diff"] for r in per_doc])), abs=1e-4)

    with one_thread():
        local = default_model.loglikelihood(requests)
        local_run = crows.run(SuiteContext(model=default_model, run_id="local"))
    # fp32 sums of ~20 token log-probs from differently batched kernels: the tolerance of
    # tests/test_lmeval_parity.py (local weights vs lm-eval's HFLM), measured max 2.4e-6 relative
    assert [float(x) for x in ep] == pytest.approx([float(x) for x in local], rel=1e-5, abs=1e-4)
    assert [x.n_tokens for x in ep] == [x.n_tokens for x in local]
    assert {m.key: m.value for m in local_run.metrics}["pct_stereotype"] == by["pct_stereotype"]


def test_contexts_with_trailing_spaces_and_choices_match_local_weights(
        default_model, endpoint_url, opened) -> None:
    model = _open(opened, endpoint_url, cache="off")
    reqs = [("The capital of France is", " Paris"), ("The nurse said that ", "she was tired."),
            ("Question: is water wet?\nAnswer:", " yes")]
    ep = model.loglikelihood(reqs)
    with one_thread():
        local = default_model.loglikelihood(reqs)
    assert [float(x) for x in ep] == pytest.approx([float(x) for x in local], rel=1e-5, abs=1e-4)
    assert [x.n_tokens for x in ep] == [x.n_tokens for x in local]
    prompts = ["Is the sky blue? Answer Yes or No.", "Is fire cold? Answer Yes or No."]
    got = model.choice_logprobs(prompts, [["Yes", "No"]] * 2)
    with one_thread():
        want = default_model.choice_logprobs(prompts, [["Yes", "No"]] * 2)
    # local weights score "\nYes" (lm-eval moves the chat template's trailing newline into the
    # continuation: 2 tokens); the chat reply's first token is "Yes" after that newline, so
    # the two differ by the newline's own log-prob (measured -0.0002)
    assert np.allclose(got, want, atol=1e-3)
    assert all(x.n_tokens == 2 for row in want for x in row)


def test_wrong_prompt_logprobs_are_caught_and_generation_is_still_used(default_model) -> None:
    server = Server(model_app(default_model, llama_cpp_bugs=True))
    model = None
    try:
        model = open_model(server.url + "/v1", model_options={"cache": "off"})
        assert model.capabilities == {Capability.GENERATION, Capability.CHOICE_LOGPROBS}
        why = model.identity.extra["refused"]["loglikelihood"]
        assert why == ("prompt log-probs disagree with next-token log-probs: ' Paris' after "
                       "'The capital of France is' is -8.58 echoed but -0.26 generated")
        with pytest.raises(CapabilityError) as err:
            model.loglikelihood([("", "The man was a doctor.")])
        assert "\n" not in str(err.value) and "-8.58 echoed" in str(err.value)
        prompts = ["Name a colour.", "Say hello."]
        cfg = GenerationConfig(max_new_tokens=12)
        got = model.generate(prompts, cfg)
        with one_thread():
            assert got == default_model.generate(prompts, cfg)
    finally:
        if model is not None:
            model.close()
        server.close()


def test_real_llama_cpp_server_is_caught_when_installed(tmp_path: Path) -> None:
    """llama-cpp-python's own server (built from PyPI; CI does not compile it)."""
    pytest.importorskip("llama_cpp.server")
    import subprocess
    import sys
    import time

    from audit.model._source import default_gguf_path

    port = 18000 + (int(time.time()) % 1000)
    proc = subprocess.Popen([sys.executable, "-m", "llama_cpp.server", "--model",
                             str(default_gguf_path()), "--port", str(port)],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        import httpx

        url = f"http://127.0.0.1:{port}/v1"
        for _ in range(300):
            try:
                if httpx.get(url + "/models", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                time.sleep(0.2)
        model = open_model(url, model_options={"cache": "off"})
        assert Capability.LOGLIKELIHOOD not in model.capabilities
        assert Capability.GENERATION in model.capabilities
        assert "disagree" in model.identity.extra["refused"]["loglikelihood"]
        assert model.generate(["Say hello."], GenerationConfig(max_new_tokens=8))[0]
        model.close()
    finally:
        proc.terminate()
        proc.wait(timeout=30)


def test_opened_endpoint_meets_the_port_contract(endpoint_url, opened) -> None:
    """What tests/test_model_port.py asks of an opened backend, for the endpoint."""
    from audit.model.base import LanguageModel, Loglikelihood
    from audit.types import ModelIdentity

    lm = _open(opened, endpoint_url, cache="off")
    assert isinstance(lm, LanguageModel) and isinstance(lm.identity, ModelIdentity)
    assert lm.capabilities == {Capability.LOGLIKELIHOOD, Capability.GENERATION,
                               Capability.CHOICE_LOGPROBS}
    seen: list[int] = []
    reqs = [("", "The nurse said."), ("The doctor said that", " he"), ("A", " b c d")]
    lls = lm.loglikelihood(reqs, progress=seen.append)
    assert sum(seen) == len(reqs)
    assert all(isinstance(x, Loglikelihood) and x < 0 for x in lls)
    assert [x.n_tokens for x in lls] == [4, 1, 3]
    seen.clear()
    out = lm.generate(["Hi"], GenerationConfig(max_new_tokens=2), progress=seen.append)
    assert len(out) == 1 and isinstance(out[0], str) and sum(seen) == 1
    seen.clear()
    lps = lm.choice_logprobs(["Is it?"], [["Yes", "No"]], progress=seen.append)
    assert len(lps) == 1 and len(lps[0]) == 2 and sum(seen) == 1
