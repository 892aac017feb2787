"""Random-weight models of real architectures for GPU speed runs (speed does not depend on the
weight values; the real default GGUF cannot travel to the GPU machine)."""

from __future__ import annotations

from typing import Any

__all__ = ["ARCHS", "random_llama", "forward_flops_per_token"]

# SmolLM2-135M (the default model's config.json) and Llama-3-8B's published shapes.
ARCHS: dict[str, dict[str, Any]] = {
    "smollm2-135m": dict(hidden_size=576, intermediate_size=1536, num_hidden_layers=30,
                         num_attention_heads=9, num_key_value_heads=3, head_dim=64,
                         vocab_size=49152, max_position_embeddings=8192, tie_word_embeddings=True,
                         rms_norm_eps=1e-5, rope_theta=100000.0, bos_token_id=1, eos_token_id=2,
                         pad_token_id=2),
    "llama3-8b": dict(hidden_size=4096, intermediate_size=14336, num_hidden_layers=32,
                      num_attention_heads=32, num_key_value_heads=8, head_dim=128,
                      vocab_size=128256, max_position_embeddings=8192, tie_word_embeddings=False,
                      rms_norm_eps=1e-5, rope_theta=500000.0, bos_token_id=128000,
                      eos_token_id=128001, pad_token_id=128001),
}


def random_llama(arch: str, device: str = "cuda", dtype: Any = None, seed: int = 0) -> Any:
    """A LlamaForCausalLM with N(0, 0.02) weights built directly on `device` in `dtype`."""
    import torch
    from transformers import LlamaConfig, LlamaForCausalLM

    dtype = dtype or torch.bfloat16
    cfg = dict(ARCHS[arch])
    theta = cfg.pop("rope_theta")
    config = LlamaConfig(**cfg)
    config.rope_parameters = {"rope_theta": theta, "rope_type": "default"}
    config._attn_implementation = "sdpa"
    prev = torch.get_default_dtype()
    torch.set_default_dtype(dtype)
    try:
        with torch.device(device):
            model = LlamaForCausalLM(config)
    finally:
        torch.set_default_dtype(prev)
    gen = torch.Generator(device=device).manual_seed(seed)
    with torch.no_grad():
        for name, p in model.named_parameters():
            if "norm" in name:
                p.fill_(1.0)
            else:
                p.normal_(0.0, 0.02, generator=gen)
    return model.eval()


def forward_flops_per_token(model: Any, context: int) -> float:
    """2·N (N = parameters used per token: everything but the input embedding table, the LM head
    counted once) plus causal attention 2·layers·context·hidden (QKᵀ and AV, halved by masking)."""
    cfg = model.config
    n = sum(p.numel() for p in model.parameters())
    if not cfg.tie_word_embeddings:
        n -= model.get_input_embeddings().weight.numel()
    heads_dim = cfg.num_attention_heads * getattr(cfg, "head_dim", cfg.hidden_size //
                                                  cfg.num_attention_heads)
    return 2.0 * n + 2.0 * cfg.num_hidden_layers * context * heads_dim
