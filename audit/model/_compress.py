"""Compression variants to audit before deploying: 4-bit group-wise weights and magnitude pruning.

- `quantize="int4"`: weight-only, round-to-nearest, symmetric per group of `GROUP` input columns
  (one float scale per group, q in [-8, 7], two weights packed per byte), the layout of
  llama.cpp's Q4_0 (block 32) and the RTN baseline of GPTQ/AWQ. Activations keep the model's
  dtype; the embeddings and the LM head keep full precision, as in `_quant` (int8).
- `prune="magnitude:S"`: unstructured magnitude pruning (Han et al. 2015; the baseline of
  Wanda/SparseGPT): in every decoder `nn.Linear` (not the LM head), the S fraction of weights
  with the smallest |w| is set to zero, layer by layer (exactly floor(S * numel) per layer).

Pruning runs before quantization, so `--prune magnitude:0.5 --quantize int4` quantizes the pruned
weights. Both are recorded in the model identity's dtype and in the run's config hash.
"""

from __future__ import annotations

from typing import Any

import torch

from audit.model._prune_spec import parse_prune

__all__ = ["GROUP", "Int4Linear", "describe", "parse_prune", "prune_magnitude_",
           "quantize_int4_"]

GROUP = 32


def _decoder_linears(model: Any) -> list[tuple[Any, str, Any]]:
    head = model.get_output_embeddings() if hasattr(model, "get_output_embeddings") else None
    return [(module, name, child) for _n, module in model.named_modules()
            for name, child in module.named_children()
            if isinstance(child, torch.nn.Linear) and child is not head]


def prune_magnitude_(model: Any, sparsity: float) -> int:
    """Zero the `sparsity` share of smallest-|w| weights in each decoder linear; returns zeros set."""
    zeroed = 0
    with torch.no_grad():
        for _parent, _name, lin in _decoder_linears(model):
            w = lin.weight.data.view(-1)
            k = int(sparsity * w.numel())
            if k:
                idx = torch.topk(w.abs().float(), k, largest=False, sorted=False).indices
                w[idx] = 0
                zeroed += k
    model._assay_prune = f"magnitude:{sparsity:g}"
    return zeroed


class Int4Linear(torch.nn.Module):
    """`nn.Linear` with 4-bit group-wise weights, two per uint8 (inference only)."""

    def __init__(self, packed: Any, scale: Any, bias: Any | None, in_features: int) -> None:
        super().__init__()
        self.in_features = int(in_features)
        self.out_features = int(packed.shape[0])
        self.register_buffer("packed", packed)
        self.register_buffer("scale", scale)  # (out, n_groups)
        self.bias = bias

    @classmethod
    def from_linear(cls, linear: Any, group: int = GROUP) -> Int4Linear:
        with torch.no_grad():
            w = linear.weight.detach().float()
            out, inp = w.shape
            pad = (-inp) % group  # zero columns so every row splits into whole groups
            if pad:
                w = torch.nn.functional.pad(w, (0, pad))
            g = w.view(out, -1, group)
            scale = (g.abs().amax(dim=2) / 7.0).clamp_min(1e-8)
            q = torch.round(g / scale[:, :, None]).clamp_(-8, 7).to(torch.int16) + 8
            q = q.view(out, -1).to(torch.uint8)
            packed = (q[:, 0::2] | (q[:, 1::2] << 4)).contiguous()
        bias = None
        if linear.bias is not None:
            bias = torch.nn.Parameter(linear.bias.detach().clone(), requires_grad=False)
        return cls(packed, scale.to(linear.weight.dtype), bias, inp)

    def dequantized(self, dtype: Any = None) -> Any:
        lo = (self.packed & 0x0F).to(torch.int16) - 8
        hi = (self.packed >> 4).to(torch.int16) - 8
        q = torch.stack((lo, hi), dim=2).view(self.out_features, -1)
        dtype = dtype or self.scale.dtype
        g = q.view(self.out_features, self.scale.shape[1], -1).to(dtype)
        w = (g * self.scale.to(dtype)[:, :, None]).view(self.out_features, -1)
        return w[:, :self.in_features]

    def forward(self, x: Any) -> Any:
        y = torch.nn.functional.linear(x, self.dequantized(x.dtype))
        return y if self.bias is None else y + self.bias

    def extra_repr(self) -> str:
        return (f"in_features={self.in_features}, out_features={self.out_features}, "
                f"bias={self.bias is not None}, weights=int4 group={GROUP}")


def quantize_int4_(model: Any, group: int = GROUP) -> int:
    """Replace the decoder's `nn.Linear` layers by `Int4Linear` in place; returns how many."""
    swaps = _decoder_linears(model)
    for parent, name, child in swaps:
        setattr(parent, name, Int4Linear.from_linear(child, group))
        del child
    return len(swaps)


def describe(model: Any, dtype: str) -> tuple[str, int]:
    """(dtype label with +int4-weights / +pruned-magnitude:S, int4 weights not in parameters())."""
    n4 = sum(m.out_features * m.in_features for m in model.modules() if isinstance(m, Int4Linear))
    if n4:
        dtype = f"{dtype}+int4-weights"
    prune = getattr(model, "_assay_prune", None)
    if prune:
        dtype = f"{dtype}+pruned-{prune}"
    return dtype, n4
