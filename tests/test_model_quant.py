"""Optional int8 weights (`HFModel(quantize="int8")`, `assay audit --quantize int8`)."""

from __future__ import annotations

import csv
import shutil
from pathlib import Path

import numpy as np
import pytest

torch = pytest.importorskip("torch")

from audit.model._quant import Int8Linear, quantize_int8_  # noqa: E402


def _weight_bytes(model) -> int:
    return sum(t.numel() * t.element_size()
               for t in [*model.parameters(), *model.buffers()])


def test_int8_linear_matches_linear_within_quantisation_error():
    torch.manual_seed(0)
    lin = torch.nn.Linear(64, 48, bias=True)
    q = Int8Linear.from_linear(lin)
    assert q.qweight.dtype == torch.int8 and q.qweight.abs().max() <= 127
    # per element, |w - q * s| <= s / 2 (round to nearest), with s = max|w_row| / 127
    err = (lin.weight - q.dequantized()).abs()
    assert (err <= q.scale[:, None] / 2 + 1e-7).all()
    assert err.max() > 0  # it really is quantised
    x = torch.randn(5, 7, 64)
    with torch.no_grad():
        ref, got = lin(x), q(x)
    assert got.shape == ref.shape
    bound = (x.abs().sum(-1, keepdim=True) * q.scale / 2)  # |x| . |dw| worst case
    assert ((got - ref).abs() <= bound + 1e-5).all()
    assert torch.allclose(got, torch.nn.functional.linear(x, q.dequantized(), lin.bias),
                          atol=1e-5)


def test_int8_linear_passes_gradients_to_inputs_only():
    lin = torch.nn.Linear(16, 8)
    q = Int8Linear.from_linear(lin)
    x = torch.randn(3, 16, requires_grad=True)
    q(x).sum().backward()
    expected = q.dequantized().sum(0).expand(3, 16)
    assert torch.allclose(x.grad, expected, atol=1e-5)
    assert not any(p.requires_grad for p in q.parameters())


def test_quantize_keeps_head_and_embeddings():
    from transformers import LlamaConfig, LlamaForCausalLM

    cfg = LlamaConfig(hidden_size=32, intermediate_size=64, num_hidden_layers=2,
                      num_attention_heads=4, num_key_value_heads=2, vocab_size=100,
                      tie_word_embeddings=False)
    model = LlamaForCausalLM(cfg).eval()
    ids = torch.randint(0, 100, (2, 9))
    with torch.no_grad():
        ref = model(ids).logits.log_softmax(-1)
    n = quantize_int8_(model)
    assert n == 2 * 7  # q, k, v, o, gate, up, down per layer
    assert isinstance(model.lm_head, torch.nn.Linear)
    from types import SimpleNamespace

    from audit.model import HFModel

    tok = SimpleNamespace(pad_token_id=0, eos_token_id=2, bos_token_id=1, pad_token="<p>",
                          eos_token="<e>")
    assert HFModel.from_loaded(model, tok).identity.dtype == "float32+int8-weights"
    assert model.model.embed_tokens.weight.dtype == torch.float32
    with torch.no_grad():
        got = model(ids).logits.log_softmax(-1)
    assert (got - ref).abs().max() < 0.05


def _crows_sentences(datasets: Path, n: int) -> list[str]:
    with (datasets / "crows_pairs" / "crows_pairs_anonymized.csv").open() as f:
        rows = list(csv.DictReader(f))[:n]
    return [r["sent_more"] for r in rows] + [r["sent_less"] for r in rows]


@pytest.mark.model
def test_default_model_int8_scores_close_with_less_than_half_the_memory(default_model, datasets):
    from audit.model import HFModel

    q = HFModel("default", device="cpu", quantize="int8").load()
    assert isinstance(q.model.model.layers[0].mlp.down_proj, Int8Linear)
    ident = q.identity
    assert ident.dtype == "float32+int8-weights"
    assert ident.n_params == default_model.identity.n_params  # int8 weights still counted
    assert ident.sha256 == default_model.identity.sha256  # same weights file, other dtype
    ratio = _weight_bytes(q.model) / _weight_bytes(default_model.model)
    assert ratio < 0.45, ratio  # fp32 -> int8 decoder; the embedding stays fp32
    sents = _crows_sentences(datasets, 20)
    reqs = [("", s) for s in sents]
    ref = np.array(default_model.loglikelihood(reqs))
    got = np.array(q.loglikelihood(reqs))
    rel = np.abs(got - ref) / np.abs(ref)
    assert rel.mean() < 0.02 and rel.max() < 0.06, (rel.mean(), rel.max())
    assert rel.max() > 0  # the int8 model is really a different model
    n = len(sents) // 2
    agree = ((ref[:n] > ref[n:]) == (got[:n] > got[n:])).mean()
    assert agree >= 0.8


def test_unknown_quantization_is_one_line_exit_2(capsys, tmp_path):
    from audit.cli import main

    with pytest.raises(SystemExit) as exc:
        main(["audit", "--quantize", "int3", "--suite", "occupations",
              "--store", f"sqlite:///{tmp_path / 's.db'}"])
    err = capsys.readouterr().err
    assert exc.value.code == 2
    assert "unknown quantization 'int3'" in err and len(err.strip().splitlines()) == 1
    assert not (tmp_path / "s.db").exists()


@pytest.mark.model
def test_audit_with_int8_records_it(tmp_path):
    from audit.cli import main
    from audit.store import open_store

    url = f"sqlite:///{tmp_path / 's.db'}"
    with pytest.raises(SystemExit) as exc:
        main(["audit", "--quantize", "int8", "--suite", "occupations", "--limit", "6",
              "--device", "cpu", "--explain-top", "0", "--no-progress", "--json",
              "--store", url])
    assert exc.value.code == 0
    (run,) = open_store(url).runs()
    assert run.model["dtype"] == "float32+int8-weights"
    assert run.config["quantize"] == "int8"


@pytest.mark.slow
@pytest.mark.skipif(not (shutil.which("cc") or shutil.which("gcc")),
                    reason="torch.compile (inductor) needs a C compiler")
def test_compiled_scoring_equals_eager_across_bucket_shapes():
    """`HFModel(compile=True)` / ASSAY_COMPILE=1: the compiled decoder body gives the same
    log-likelihoods as eager, for batches of different widths and sizes (dynamic shapes)."""
    from types import SimpleNamespace

    from transformers import LlamaConfig, LlamaForCausalLM

    from audit.model import HFModel

    torch.manual_seed(0)
    cfg = LlamaConfig(hidden_size=64, intermediate_size=128, num_hidden_layers=2,
                      num_attention_heads=4, num_key_value_heads=2, vocab_size=120,
                      max_position_embeddings=256)
    model = LlamaForCausalLM(cfg).eval()
    tok = SimpleNamespace(pad_token_id=0, eos_token_id=2, bos_token_id=1, pad_token="<p>",
                          eos_token="<e>")
    g = torch.Generator().manual_seed(1)
    pairs = [([1], torch.randint(3, 120, (n,), generator=g).tolist())
             for n in (3, 9, 17, 30, 31, 64, 5)]
    eager = HFModel.from_loaded(model, tok, sha256="0" * 64)
    eager.max_batch_tokens = 64  # several batches of different shapes
    ref = eager.loglikelihood_tokens(pairs)
    comp = HFModel.from_loaded(model, tok, sha256="0" * 64)
    comp.compile, comp.max_batch_tokens = True, 64
    got = comp.loglikelihood_tokens(pairs)
    assert got == pytest.approx(ref, rel=1e-4)
    assert "_assay_compiled" in model.__dict__  # really compiled
    assert not any("compiled" in k or "_orig_mod" in k for k in model.state_dict())
