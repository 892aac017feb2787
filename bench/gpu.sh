#!/usr/bin/env bash
# The one prepared script for the GPU machine: GPU correctness tests + every GPU benchmark,
# within ~8 minutes, JSON lines under $OUT. Its image has torch + transformers; nothing else
# from Assay's dependency set is needed for these (audit.model imports no store/presidio code).
set -uo pipefail
cd "$(dirname "$0")/.."
export OUT="${OUT:-/tmp/assay-gpu-out}" PYTHONUNBUFFERED=1 HF_HUB_OFFLINE=1 TOKENIZERS_PARALLELISM=false
mkdir -p "$OUT"
nvidia-smi --query-gpu=name,memory.total,driver_version --format=csv,noheader | tee "$OUT/gpu-info.txt"
timeout 90 python3 -m pytest -q -p no:cacheprovider -o addopts="" -m gpu tests/test_gpu.py 2>&1 \
  | tail -n 30 | tee "$OUT/pytest-gpu.txt"
GPU_BENCH_BUDGET_S="${GPU_BENCH_BUDGET_S:-370}" timeout 390 python3 -m bench.gpu "$@" 2>&1 \
  | grep -v -i warn | tee "$OUT/bench-gpu.txt"
