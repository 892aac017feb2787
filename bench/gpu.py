"""GPU benchmarks and checks, run by bench/gpu.sh on the device machine (one JSON line each).

1. correctness: GPU (bf16 and fp32) scoring equals CPU fp32 on the same random weights; the
   static CUDA-graph greedy decode equals `model.generate` token for token (fp32).
2. scoring throughput and MFU: Assay's scorer vs the stock full-logits float32 log-softmax, for
   SmolLM2-135M and Llama-3-8B shapes.
3. generation throughput: stock `generate` (batched) vs Assay's static-cache CUDA-graph decode.
4. int8 weights (`--quantize int8`) vs bf16: weight memory, scoring and decode speed.
5. scoring with the torch.compile'd decoder body (`ASSAY_COMPILE=1`), several batches per call.
6. shared contexts (BBQ's shape: answers after one long context): Assay with shared prefixes vs
   the same with `share_prefixes=False` vs stock full-logits scoring of every row.
MFU is reported against the card's dense bf16 spec (989 TFLOP/s for H100/H200 SXM) and against
an 8192³ bf16 matmul measured in the same run.
"""

from __future__ import annotations

import json
import os
import sys
import time
from pathlib import Path
from types import SimpleNamespace
from typing import Any

BUDGET_S = float(os.environ.get("GPU_BENCH_BUDGET_S", "420"))
T0 = time.time()
OUT = Path(os.environ.get("OUT", "/tmp/assay-gpu-out"))
OUT.mkdir(parents=True, exist_ok=True)
SPEC_PEAK = 989e12
DEVICE = "cuda"  # tests/test_gpu_bench_dryrun.py runs the benchmark steps on a CPU stand-in


def emit(obj: dict[str, Any]) -> None:
    obj["elapsed_s"] = round(time.time() - T0, 1)
    line = json.dumps(obj)
    print(line, flush=True)
    with open(OUT / "gpu.jsonl", "a") as f:
        f.write(line + "\n")


def left() -> float:
    return BUDGET_S - (time.time() - T0)


def timed(fn, sync, repeat: int = 3) -> float:
    fn()
    sync()
    best = float("inf")
    for _ in range(repeat):
        t = time.perf_counter()
        fn()
        sync()
        best = min(best, time.perf_counter() - t)
    return best


def wrap(model: Any, budget_tokens: int | None = None) -> Any:
    from audit.model import HFModel

    tok = SimpleNamespace(pad_token_id=model.config.pad_token_id,
                          eos_token_id=model.config.eos_token_id,
                          bos_token_id=model.config.bos_token_id, pad_token="<pad>",
                          eos_token="<eos>")
    lm = HFModel.from_loaded(model, tok, name="random", sha256="0" * 64)
    lm.max_batch_tokens = budget_tokens
    return lm


def matmul_peak(torch: Any) -> float:
    a = torch.randn(8192, 8192, device="cuda", dtype=torch.bfloat16)
    b = torch.randn(8192, 8192, device="cuda", dtype=torch.bfloat16)
    s = timed(lambda: [a @ b for _ in range(10)], torch.cuda.synchronize)
    return 10 * 2 * 8192**3 / s


def correctness(torch: Any) -> None:
    from bench._arch import random_llama
    from audit.model._static_decode import static_greedy_decode

    cpu = random_llama("smollm2-135m", device="cpu", dtype=torch.float32, seed=1)
    g = torch.Generator().manual_seed(0)
    with torch.no_grad():  # decisive logits: random weights otherwise give near-ties everywhere
        cpu.model.norm.weight.mul_(30.0)
    pairs = [([1], torch.randint(3, 49152, (n,), generator=g).tolist()) for n in (5, 17, 40, 63)]
    pairs += [(torch.randint(3, 49152, (12,), generator=g).tolist(), [7, 8, 9])]
    ref = wrap(cpu).loglikelihood_tokens(pairs)
    gpu32 = wrap(cpu.to("cuda")).loglikelihood_tokens(pairs)
    twin = random_llama("smollm2-135m", device="cpu", dtype=torch.float32, seed=1)
    with torch.no_grad():
        twin.model.norm.weight.mul_(30.0)
    gpu16 = wrap(twin.to("cuda", torch.bfloat16)).loglikelihood_tokens(pairs)
    rel32 = max(abs(a - b) / abs(a) for a, b in zip(ref, gpu32))
    rel16 = max(abs(a - b) / abs(a) for a, b in zip(ref, gpu16))
    emit({"check": "scoring_gpu_vs_cpu", "cpu_fp32": ref, "gpu_fp32": gpu32, "gpu_bf16": gpu16,
          "max_rel_fp32": rel32, "max_rel_bf16": rel16, "pass": rel32 < 1e-4 and rel16 < 5e-2})
    model = cpu.to("cuda")
    ids = torch.randint(3, 49152, (8, 24), generator=g).to("cuda")
    mask = torch.ones_like(ids)
    mask[:3, :5] = 0
    ids[:3, :5] = 2
    eos = model.config.eos_token_id  # generate() falls back to it even when passed None
    with torch.inference_mode():
        ref_tokens = model.generate(input_ids=ids, attention_mask=mask, max_new_tokens=24,
                                    do_sample=False, eos_token_id=eos, pad_token_id=2)[:, 24:]
    ours = static_greedy_decode(model, ids, mask, 24, eos, 2, use_cuda_graph=True)
    ref_tokens = torch.nn.functional.pad(ref_tokens, (0, 24 - ref_tokens.shape[1]), value=2)
    eager = static_greedy_decode(model, ids, mask, 24, eos, 2, use_cuda_graph=False)
    same = (ours == ref_tokens).float().mean().item()
    emit({"check": "static_decode_graph_vs_eager", "identical": bool((ours == eager).all()),
          "pass": bool((ours == eager).all())})
    emit({"check": "static_decode_vs_generate_fp32", "token_agreement": same,
          "rows_identical": int((ours == ref_tokens).all(dim=1).sum()), "rows": 8,
          "row_agreement": (ours == ref_tokens).float().mean(dim=1).tolist(),
          "first_8_tokens_agree": bool((ours[:, :8] == ref_tokens[:, :8]).all()),
          "pass": same >= 0.9 and bool((ours[:, :8] == ref_tokens[:, :8]).all())})


def scoring(torch: Any, arch: str, seq: int, peak: float, baseline_batch: int,
            batches: int = 1, compile: bool = False) -> None:
    """`batches` full batches per call (>1 shows the host/GPU overlap of the batch loop);
    `compile`: the torch.compile'd decoder body (its one-off compile is the untimed warm-up)."""
    from bench._arch import forward_flops_per_token, random_llama

    model = random_llama(arch, device=DEVICE)
    lm = wrap(model)
    lm.compile = compile
    per_batch = max(8, lm._batch_tokens() // seq)
    n_seq = per_batch * batches
    pairs = [([1], torch.randint(3, model.config.vocab_size - 1, (seq,)).tolist())
             for _ in range(n_seq)]
    t_first = time.perf_counter()
    lm.loglikelihood_tokens(pairs[:per_batch])
    torch.cuda.synchronize()
    first_s = time.perf_counter() - t_first
    ours_s = timed(lambda: lm.loglikelihood_tokens(pairs), torch.cuda.synchronize, repeat=2)
    tokens = n_seq * seq
    agreement: dict[str, Any] = {}
    if compile:  # same numbers as the eager path (bf16 kernels differ only in rounding)
        check = pairs[:16]
        lm.compile = False
        eager = lm.loglikelihood_tokens(check)
        lm.compile = True
        fused = lm.loglikelihood_tokens(check)
        rel = max(abs(a - b) / abs(a) for a, b in zip(eager, fused))
        agreement = {"max_rel_vs_eager": rel, "pass": rel < 2e-2}
    fpt = forward_flops_per_token(model, seq // 2)
    ids = torch.randint(3, model.config.vocab_size - 1, (baseline_batch, seq + 1), device=DEVICE)

    def stock() -> None:
        with torch.inference_mode():
            logp = model(ids[:, :-1]).logits.float().log_softmax(-1)
            logp.gather(-1, ids[:, 1:, None]).sum()

    try:
        base_s = timed(stock, torch.cuda.synchronize, repeat=2)
        base_tps = baseline_batch * seq / base_s
    except torch.cuda.OutOfMemoryError:
        base_tps = None
    torch.cuda.empty_cache()
    tps = tokens / ours_s
    emit({"bench": "scoring", "arch": arch, "seq_len": seq, "sequences_per_batch": per_batch,
          "batches": batches, "compiled": compile, "first_call_s": round(first_s, 1),
          "assay_tokens_per_s": round(tps), "stock_tokens_per_s": base_tps and round(base_tps),
          "stock_batch": baseline_batch, "ratio_vs_stock": base_tps and round(tps / base_tps, 2),
          "mfu_vs_spec_989": round(tps * fpt / SPEC_PEAK, 3),
          "mfu_vs_measured_matmul": round(tps * fpt / peak, 3),
          "peak_mem_gb": round(torch.cuda.max_memory_allocated() / 2**30, 1), **agreement})
    del model, lm
    torch.cuda.empty_cache()


def shared_scoring(torch: Any, arch: str, contexts: int = 512, ctx_len: int = 192,
                   answers: int = 3, answer_len: int = 6, stock_batch: int = 64) -> None:
    """BBQ-shaped requests: `answers` continuations after each of `contexts` shared contexts.
    Assay packs each context once (`_prefix_tree`); `share_prefixes=False` and stock scoring
    run every request as its own row. Same random weights, same requests, one run."""
    from bench._arch import random_llama

    model = random_llama(arch, device=DEVICE)
    vocab = model.config.vocab_size - 1
    g = torch.Generator().manual_seed(0)
    pairs = []
    for _ in range(contexts):
        ctx = [1] + torch.randint(3, vocab, (ctx_len - 1,), generator=g).tolist()
        pairs += [(ctx, torch.randint(3, vocab, (answer_len,), generator=g).tolist())
                  for _ in range(answers)]
    shared, rows = wrap(model), wrap(model)
    rows.share_prefixes = False
    out: dict[str, Any] = {}
    lls: dict[str, list[float]] = {}
    for name, lm in (("shared", shared), ("rows", rows)):
        lls[name] = lm.loglikelihood_tokens(pairs)
        out[name] = timed(lambda lm=lm: lm.loglikelihood_tokens(pairs), torch.cuda.synchronize,
                          repeat=2)
    ids = torch.tensor([c + x for c, x in pairs], device=DEVICE)

    def stock() -> None:
        with torch.inference_mode():
            for s in range(0, ids.shape[0], stock_batch):
                b = ids[s:s + stock_batch]
                logp = model(b[:, :-1]).logits.float().log_softmax(-1)
                logp.gather(-1, b[:, 1:, None]).sum()

    out["stock"] = timed(stock, torch.cuda.synchronize, repeat=2)
    rel = max(abs(a - b) / abs(b) for a, b in zip(lls["shared"], lls["rows"]))
    emit({"bench": "shared_scoring", "arch": arch, "contexts": contexts, "ctx_len": ctx_len,
          "answers": answers, "answer_len": answer_len, "stock_batch": stock_batch,
          "wall_s": {k: round(v, 3) for k, v in out.items()},
          "shared_vs_stock": round(out["stock"] / out["shared"], 2),
          "shared_vs_rows": round(out["rows"] / out["shared"], 2),
          "max_rel_shared_vs_rows": rel, "pass": rel < 2e-2,
          "peak_mem_gb": round(torch.cuda.max_memory_allocated() / 2**30, 1)})
    del model, shared, rows
    torch.cuda.empty_cache()


def generation(torch: Any, arch: str, batch: int, prompt: int = 32, new: int = 64,
               stock: bool = True) -> None:
    from bench._arch import random_llama
    from audit.model._static_decode import static_greedy_decode

    model = random_llama(arch, device=DEVICE)
    ids = torch.randint(3, model.config.vocab_size - 1, (batch, prompt), device=DEVICE)
    mask = torch.ones_like(ids)
    row: dict[str, Any] = {"bench": "generation", "arch": arch, "batch": batch,
                           "prompt_tokens": prompt, "new_tokens": new}
    if stock:
        def run_stock() -> None:
            with torch.inference_mode():
                model.generate(input_ids=ids, attention_mask=mask, max_new_tokens=new,
                               min_new_tokens=new, do_sample=False, eos_token_id=None,
                               pad_token_id=model.config.pad_token_id)
        s = timed(run_stock, torch.cuda.synchronize, repeat=1)
        row["stock_generate_tokens_per_s"] = round(batch * new / s)
    s = timed(lambda: static_greedy_decode(model, ids, mask, new, None,
                                           model.config.pad_token_id), torch.cuda.synchronize,
              repeat=2)
    row["assay_static_graph_tokens_per_s"] = round(batch * new / s)
    phases: dict[str, float] = {}
    static_greedy_decode(model, ids, mask, new, None, model.config.pad_token_id, timings=phases)
    row["phases_s"] = {k: round(v, 4) for k, v in phases.items()}
    row["ms_per_decode_step"] = round(1000 * phases.get("decode_loop", 0) / max(new - 1, 1), 2)
    eager: dict[str, float] = {}
    static_greedy_decode(model, ids, mask, 9, None, model.config.pad_token_id,
                         use_cuda_graph=False, timings=eager)
    row["ms_per_eager_step"] = round(1000 * eager.get("decode_loop", 0) / 8, 2)
    if stock:
        row["ratio_vs_stock"] = round(row["assay_static_graph_tokens_per_s"]
                                      / row["stock_generate_tokens_per_s"], 2)
    row["peak_mem_gb"] = round(torch.cuda.max_memory_allocated() / 2**30, 1)
    emit(row)
    del model
    torch.cuda.empty_cache()


def int8_weights(torch: Any, arch: str, seq: int = 512, n_seq: int = 64, batch: int = 128) -> None:
    """Memory and speed of `--quantize int8` against bf16 on the same random weights: weight
    memory, scoring tokens/s and log-likelihood agreement, greedy decode tokens/s (convert-then-
    matmul default and the fused `_weight_int8pack_mm`)."""
    from audit.model import _quant
    from audit.model._static_decode import static_greedy_decode
    from bench._arch import random_llama

    model = random_llama(arch, device=DEVICE)
    torch.cuda.synchronize()
    bf16_gb = torch.cuda.memory_allocated() / 2**30
    vocab = model.config.vocab_size
    pairs = [([1], torch.randint(3, vocab - 1, (seq,)).tolist()) for _ in range(n_seq)]
    ids = torch.randint(3, vocab - 1, (batch, 32), device=DEVICE)
    mask = torch.ones_like(ids)
    pad = model.config.pad_token_id
    row: dict[str, Any] = {"bench": "int8_weights", "arch": arch, "weights_gb_bf16": round(bf16_gb, 2)}

    def measure(tag: str) -> list[float]:
        lm = wrap(model)
        s = timed(lambda: lm.loglikelihood_tokens(pairs), torch.cuda.synchronize, repeat=2)
        lps = lm.loglikelihood_tokens(pairs)
        row[f"scoring_tokens_per_s_{tag}"] = round(n_seq * seq / s)
        g = timed(lambda: static_greedy_decode(model, ids, mask, 64, None, pad),
                  torch.cuda.synchronize, repeat=1)
        row[f"decode_tokens_per_s_{tag}"] = round(batch * 64 / g)
        return lps

    ref = measure("bf16")
    _quant.quantize_int8_(model)
    torch.cuda.empty_cache()
    torch.cuda.synchronize()
    row["weights_gb_int8"] = round(torch.cuda.memory_allocated() / 2**30, 2)
    got = measure("int8")
    row["max_rel_ll_int8_vs_bf16"] = max(abs(a - b) / abs(a) for a, b in zip(ref, got))
    _quant.FUSED_KERNEL = True
    try:
        g = timed(lambda: static_greedy_decode(model, ids, mask, 64, None, pad),
                  torch.cuda.synchronize, repeat=1)
        row["decode_tokens_per_s_int8_fused"] = round(batch * 64 / g)
        s = timed(lambda: wrap(model).loglikelihood_tokens(pairs), torch.cuda.synchronize, repeat=1)
        row["scoring_tokens_per_s_int8_fused"] = round(n_seq * seq / s)
    except Exception as exc:  # the fused kernel's support varies by build: keep the other figures
        row["fused_error"] = f"{type(exc).__name__}: {exc}"[:300]
    finally:
        _quant.FUSED_KERNEL = False
    row["peak_mem_gb"] = round(torch.cuda.max_memory_allocated() / 2**30, 1)
    emit(row)
    del model
    torch.cuda.empty_cache()


def main() -> None:
    import torch
    import transformers

    emit({"device": torch.cuda.get_device_name(0), "torch": torch.__version__,
          "transformers": transformers.__version__})
    peak = matmul_peak(torch)
    emit({"bench": "matmul_8192_bf16", "tflops": round(peak / 1e12, 1)})
    steps = [
        ("correctness", lambda: correctness(torch)),
        ("scoring-135m", lambda: scoring(torch, "smollm2-135m", 256, peak, 256)),
        ("shared-135m", lambda: shared_scoring(torch, "smollm2-135m")),
        ("generation-8b-128", lambda: generation(torch, "llama3-8b", 128)),
        ("scoring-8b", lambda: scoring(torch, "llama3-8b", 512, peak, 16)),
        ("generation-8b-256", lambda: generation(torch, "llama3-8b", 256, stock=False)),
        ("generation-135m-256", lambda: generation(torch, "smollm2-135m", 256)),
        ("scoring-135m-3batches", lambda: scoring(torch, "smollm2-135m", 256, peak, 256,
                                                  batches=3)),
        ("scoring-135m-compiled", lambda: scoring(torch, "smollm2-135m", 256, peak, 256,
                                                  batches=3, compile=True)),
        ("int8-8b", lambda: int8_weights(torch, "llama3-8b")),
        ("shared-8b", lambda: shared_scoring(torch, "llama3-8b", contexts=128, stock_batch=16)),
        ("scoring-8b-compiled", lambda: scoring(torch, "llama3-8b", 512, peak, 16,
                                                batches=2, compile=True)),
    ]
    only = set(sys.argv[1:])
    for name, fn in steps:
        if only and name not in only:
            continue
        if left() < (150 if "compiled" in name else 45):
            emit({"skipped": name, "reason": "time budget"})
            continue
        try:
            fn()
        except Exception as exc:  # report and go on: one failure must not lose the other figures
            import traceback

            emit({"failed": name, "error": f"{type(exc).__name__}: {exc}"[:800],
                  "trace": traceback.format_exc()[-1500:]})
            torch.cuda.empty_cache()


if __name__ == "__main__":
    main()
