"""The transformers backend on the real default model (CPU): loading, scoring, generation."""

from __future__ import annotations

import os
import shutil
import time
from pathlib import Path

import pytest

from audit.errors import ModelError
from audit.model import GenerationConfig, HFModel
from audit.model._source import default_gguf_path, resolve_source

pytestmark = pytest.mark.model

REQUESTS = [
    ("The doctor said that", " he"),
    ("The doctor said that", " she"),
    ("", "The cat sat on the mat."),          # empty context: BOS prefix (lm-eval)
    ("Question: 2+2=  ", "4"),                 # trailing spaces move to the continuation
    ("Once upon a time there was a very long story about", " a dragon who lived in a cave"),
]


def direct_loglikelihood(lm: HFModel, context: str, continuation: str) -> float:
    """Reference: one unpadded forward pass with a full log-softmax, as lm-eval's HFLM does."""
    import torch

    ctx, cont = lm.encode_pair(context, continuation)
    ids = torch.tensor([ctx + cont])[:, :-1]
    with torch.no_grad():
        logp = lm.model(ids).logits.float().log_softmax(-1)[0]
    return sum(float(logp[len(ctx) - 1 + k, t]) for k, t in enumerate(cont))


def test_identity_is_recorded(default_model: HFModel) -> None:
    ident = default_model.identity
    assert ident.name == "SmolLM2-135M-Instruct"
    assert ident.sha256 == resolve_source("default").sha256 and len(ident.sha256) == 64
    assert ident.dtype == "float32" and ident.device == "cpu"
    assert ident.architecture == "LlamaForCausalLM"
    assert 130e6 < ident.n_params < 140e6


def test_loglikelihood_equals_direct_transformers(default_model: HFModel) -> None:
    got = default_model.loglikelihood(REQUESTS)
    for (c, x), g in zip(REQUESTS, got):
        assert g == pytest.approx(direct_loglikelihood(default_model, c, x), abs=2e-4)
    assert default_model.encode_pair("", "Hi")[0] == [default_model.tokenizer.bos_token_id]
    ctx, cont = default_model.encode_pair("Question: 2+2=  ", "4")
    assert default_model.tokenizer.decode(cont).startswith("  ") or \
        default_model.tokenizer.decode(ctx).endswith("=")


def test_batched_equals_unbatched(default_model: HFModel) -> None:
    batched = default_model.loglikelihood(REQUESTS)
    single = [default_model.loglikelihood([r])[0] for r in REQUESTS]
    assert batched == pytest.approx(single, abs=1e-4)
    tiny = HFModel("default", device="cpu", max_batch_tokens=8)
    tiny._model, tiny._tok, tiny._device = default_model.model, default_model.tokenizer, "cpu"
    assert tiny.loglikelihood(REQUESTS) == pytest.approx(batched, abs=1e-4)


def test_generate_greedy_is_deterministic_and_batched(default_model: HFModel) -> None:
    prompts = ["What is the capital of France?", "Name a colour.", "Say hello."]
    cfg = GenerationConfig(max_new_tokens=12)
    a = default_model.generate(prompts, cfg)
    b = [default_model.generate([p], cfg)[0] for p in prompts]
    assert a == b
    assert "Paris" in a[0]
    s1 = default_model.generate(prompts[:1], GenerationConfig(max_new_tokens=12, temperature=1.0,
                                                              seed=5))
    s2 = default_model.generate(prompts[:1], GenerationConfig(max_new_tokens=12, temperature=1.0,
                                                              seed=5))
    assert s1 == s2


def test_choice_logprobs_uses_chat_template(default_model: HFModel) -> None:
    out = default_model.choice_logprobs(["Is Paris in France? Answer Yes or No.", "Pick A or B."],
                                        [["Yes", "No"], ["A", "B", "C"]])
    assert [len(o) for o in out] == [2, 3]
    assert all(v < 0 for o in out for v in o)
    prompt = default_model.format_prompt("Hi")
    assert "<|im_start|>assistant" in prompt
    assert default_model.loglikelihood([(prompt, "Yes")])[0] == pytest.approx(
        default_model.choice_logprobs(["Hi"], [["Yes"]])[0][0], abs=1e-5)


def test_gguf_converts_once_then_loads_from_cache(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setenv("ASSAY_CACHE", str(tmp_path / "cache"))
    gguf = tmp_path / "copy.gguf"
    os.link(default_gguf_path(), gguf) if os.stat(default_gguf_path()).st_dev == \
        os.stat(tmp_path).st_dev else shutil.copy(default_gguf_path(), gguf)
    t0 = time.perf_counter()
    first = HFModel(str(gguf), device="cpu").load()
    convert_s = time.perf_counter() - t0
    cached = list((tmp_path / "cache" / "models").iterdir())
    assert len(cached) == 1 and (cached[0] / "model.safetensors").is_file()
    t0 = time.perf_counter()
    second = HFModel(str(gguf), device="cpu").load()
    load_s = time.perf_counter() - t0
    assert load_s < convert_s
    assert second.identity.sha256 == first.identity.sha256
    r = [("Hello", " world")]
    assert second.loglikelihood(r) == pytest.approx(first.loglikelihood(r), abs=1e-6)


@pytest.mark.parametrize("make, needle", [
    (lambda d: str(d / "missing"), "does not exist"),
    (lambda d: (d / "bad.gguf").write_bytes(b"NOPE" + b"\0" * 64) and str(d / "bad.gguf"),
     "not a GGUF file"),
    (lambda d: (d / "trunc.gguf").write_bytes(b"GGUF\x03\0\0\0") and str(d / "trunc.gguf"),
     "cannot read GGUF"),
    (lambda d: (d / "empty").mkdir() or str(d / "empty"), "without config.json"),
])
def test_bad_model_paths(tmp_path: Path, monkeypatch, make, needle) -> None:
    monkeypatch.setenv("ASSAY_CACHE", str(tmp_path / "cache"))
    with pytest.raises(ModelError, match=needle):
        HFModel(make(tmp_path), device="cpu").load()


def test_cpu_token_budgets_per_purpose() -> None:
    """CPU: small batches for scoring (cache-bound), large ones for generation (weight-bound)."""
    from types import SimpleNamespace

    from transformers import LlamaConfig, LlamaForCausalLM

    cfg = LlamaConfig(hidden_size=32, intermediate_size=64, num_hidden_layers=1,
                      num_attention_heads=4, num_key_value_heads=2, vocab_size=50)
    tok = SimpleNamespace(pad_token_id=0, eos_token_id=2, bos_token_id=1, pad_token="<p>",
                          eos_token="<e>")
    lm = HFModel.from_loaded(LlamaForCausalLM(cfg), tok, sha256="0" * 64)
    assert lm._batch_tokens() == 512
    assert lm._batch_tokens("generate") == lm._batch_tokens("explain") == 4096
    lm.max_batch_tokens = 100
    assert lm._batch_tokens() == lm._batch_tokens("generate") == 100
