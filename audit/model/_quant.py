"""Optional 8-bit weights: weight-only int8 with one float scale per output channel.

For models whose bf16/fp32 weights do not fit: every `nn.Linear` inside the decoder layers is
replaced by `Int8Linear` (symmetric, per-output-channel absmax scale: w ~ q * s, q in [-127, 127]),
which halves weight memory against bf16 and quarters it against fp32. Activations stay in the
model's dtype. The embeddings and the LM head keep full precision (the head's log-softmax is
what every score is made of, and it is often tied to the embeddings).

Matmuls compute `(x @ q.T) * s` with the int8 weight converted to the activation dtype one layer
at a time (a transient copy of one matrix), which is differentiable with respect to the input
(integrated gradients flow through the embeddings); the weights never get gradients. This saves
memory, not time: each call pays the conversion.
Quantize on the CPU before moving the model to the GPU, so the full-precision weights never
occupy accelerator memory.
"""

from __future__ import annotations

from typing import Any

import torch

from audit.model.base import QUANTIZATIONS

__all__ = ["QUANTIZATIONS", "Int8Linear", "quantize_int8_", "quantized_numel"]

# `torch._weight_int8pack_mm` instead of convert-then-matmul, CUDA only. Off by default: on this
# project's CPU build it is 60x slower than the fp32 matmul at 512 rows, and on GPUs it targets
# small decode batches; bench/gpu.py measures both ways.
FUSED_KERNEL = False


class Int8Linear(torch.nn.Module):
    """`nn.Linear` with int8 weights and per-output-channel scales (inference only)."""

    def __init__(self, qweight: Any, scale: Any, bias: Any | None) -> None:
        super().__init__()
        self.in_features = int(qweight.shape[1])
        self.out_features = int(qweight.shape[0])
        self.register_buffer("qweight", qweight)
        self.register_buffer("scale", scale)
        self.bias = bias

    @classmethod
    def from_linear(cls, linear: Any) -> Int8Linear:
        with torch.no_grad():
            w = linear.weight.detach().float()
            absmax = w.abs().amax(dim=1).clamp_min(1e-8)
            scale = absmax / 127.0
            q = torch.round(w / scale[:, None]).clamp_(-127, 127).to(torch.int8)
        dtype = linear.weight.dtype
        bias = None
        if linear.bias is not None:
            bias = torch.nn.Parameter(linear.bias.detach().clone(), requires_grad=False)
        return cls(q.contiguous(), scale.to(dtype), bias)

    def dequantized(self) -> Any:
        return self.qweight.to(self.scale.dtype) * self.scale[:, None]

    def forward(self, x: Any) -> Any:
        scale = self.scale if self.scale.dtype == x.dtype else self.scale.to(x.dtype)
        if FUSED_KERNEL and x.is_cuda and not (torch.is_grad_enabled() and x.requires_grad):
            flat = x.reshape(-1, self.in_features).contiguous()
            y = torch._weight_int8pack_mm(flat, self.qweight, scale)
            y = y.reshape(*x.shape[:-1], self.out_features)
        else:
            y = torch.nn.functional.linear(x, self.qweight.to(x.dtype)) * scale
        return y if self.bias is None else y + self.bias

    def extra_repr(self) -> str:
        return (f"in_features={self.in_features}, out_features={self.out_features}, "
                f"bias={self.bias is not None}, weights=int8")


def quantize_int8_(model: Any) -> int:
    """Replace the decoder's `nn.Linear` layers by `Int8Linear` in place; returns how many.

    The output embedding (LM head) and anything outside the decoder stack are left as they are.
    """
    head = model.get_output_embeddings() if hasattr(model, "get_output_embeddings") else None
    swaps: list[tuple[Any, str, Any]] = []
    for _name, module in model.named_modules():
        for child_name, child in module.named_children():
            if isinstance(child, torch.nn.Linear) and child is not head:
                swaps.append((module, child_name, child))
    for parent, child_name, child in swaps:
        setattr(parent, child_name, Int8Linear.from_linear(child))
        del child
    return len(swaps)


def quantized_numel(model: Any) -> int:
    """Weights held as int8 buffers (not counted by `model.parameters()`)."""
    return sum(m.qweight.numel() for m in model.modules() if isinstance(m, Int8Linear))
