"""`bench/gpu.py` steps run end to end on a CPU stand-in (tiny shapes, CUDA calls stubbed).

GPU time is scarce (one prepared script per session); a typo in a benchmark step must show up
here, not on the GPU machine. Figures from this run mean nothing and are not checked.
"""

from __future__ import annotations

import json
import shutil

import pytest

torch = pytest.importorskip("torch")


@pytest.fixture()
def cpu_bench(monkeypatch, tmp_path):
    import bench._arch as arch
    import bench.gpu as gpu

    tiny = dict(hidden_size=64, intermediate_size=128, num_hidden_layers=2,
                num_attention_heads=4, num_key_value_heads=2, head_dim=16, vocab_size=300,
                max_position_embeddings=512, rms_norm_eps=1e-5, rope_theta=10000.0,
                bos_token_id=1, eos_token_id=2, pad_token_id=2)
    monkeypatch.setitem(arch.ARCHS, "smollm2-135m", {**tiny, "tie_word_embeddings": True})
    monkeypatch.setitem(arch.ARCHS, "llama3-8b", {**tiny, "tie_word_embeddings": False})
    real = arch.random_llama
    monkeypatch.setattr(arch, "random_llama",
                        lambda name, device="cpu", dtype=None, seed=0:
                        real(name, device="cpu", dtype=torch.float32, seed=seed))
    for name in ("synchronize", "empty_cache"):
        monkeypatch.setattr(torch.cuda, name, lambda *a, **k: None)
    for name in ("memory_allocated", "max_memory_allocated"):
        monkeypatch.setattr(torch.cuda, name, lambda *a, **k: 0)
    monkeypatch.setattr(gpu, "DEVICE", "cpu")
    monkeypatch.setattr(gpu, "OUT", tmp_path)
    return gpu, tmp_path / "gpu.jsonl"


def test_gpu_bench_steps_run_on_cpu_stand_in(cpu_bench):
    gpu, out = cpu_bench
    gpu.scoring(torch, "smollm2-135m", 32, 1e12, 4, batches=2)
    gpu.generation(torch, "llama3-8b", 4, prompt=8, new=6)
    gpu.int8_weights(torch, "llama3-8b", seq=16, n_seq=4, batch=3)
    rows = [json.loads(line) for line in out.read_text().splitlines()]
    assert [r["bench"] for r in rows] == ["scoring", "generation", "int8_weights"]
    assert rows[0]["batches"] == 2 and rows[0]["assay_tokens_per_s"] > 0
    assert rows[1]["assay_static_graph_tokens_per_s"] > 0
    int8 = rows[2]
    for key in ("scoring_tokens_per_s_bf16", "scoring_tokens_per_s_int8",
                "decode_tokens_per_s_int8", "max_rel_ll_int8_vs_bf16"):
        assert key in int8, key
    assert 0 < int8["max_rel_ll_int8_vs_bf16"] < 0.05


def test_gpu_bench_shared_scoring_step_on_cpu_stand_in(cpu_bench):
    gpu, out = cpu_bench
    gpu.shared_scoring(torch, "smollm2-135m", contexts=6, ctx_len=20, answer_len=3,
                       stock_batch=4)
    (row,) = [json.loads(line) for line in out.read_text().splitlines()]
    assert row["bench"] == "shared_scoring" and row["pass"] is True
    assert row["max_rel_shared_vs_rows"] < 1e-5  # float32 on the CPU stand-in
    assert set(row["wall_s"]) == {"shared", "rows", "stock"}


@pytest.mark.slow
@pytest.mark.skipif(not (shutil.which("cc") or shutil.which("gcc")),
                    reason="torch.compile (inductor) needs a C compiler")
def test_gpu_bench_compiled_scoring_step_on_cpu_stand_in(cpu_bench):
    gpu, out = cpu_bench
    gpu.scoring(torch, "smollm2-135m", 32, 1e12, 4, batches=2, compile=True)
    row = __import__("json").loads(out.read_text().splitlines()[-1])
    assert row["compiled"] is True and row["pass"] is True
    assert row["max_rel_vs_eager"] < 1e-4  # float32 on the CPU stand-in
