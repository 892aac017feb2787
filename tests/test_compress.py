"""4-bit group-wise weights and magnitude pruning (audit.model._compress) on small modules."""

from __future__ import annotations

import pytest
import torch

from audit.model._compress import (GROUP, Int4Linear, describe, parse_prune, prune_magnitude_,
                                   quantize_int4_)


class _Tiny(torch.nn.Module):
    """Two decoder linears and an LM head that must stay untouched."""

    def __init__(self) -> None:
        super().__init__()
        self.layers = torch.nn.ModuleList([torch.nn.Linear(70, 40), torch.nn.Linear(40, 64)])
        self.head = torch.nn.Linear(64, 11, bias=False)

    def get_output_embeddings(self) -> torch.nn.Module:
        return self.head

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.head(self.layers[1](self.layers[0](x)))


def test_int4_round_trip_matches_a_reference_quantizer():
    torch.manual_seed(0)
    lin = torch.nn.Linear(70, 5)  # 70 = 2 groups of 32 + 6 padded columns
    q = Int4Linear.from_linear(lin)
    w = lin.weight.detach()
    # reference: per row, per block of 32 columns, scale = absmax / 7, q = clamp(round(w/s), -8, 7)
    ref = torch.empty_like(w)
    for r in range(w.shape[0]):
        for g0 in range(0, 70, GROUP):
            blk = w[r, g0:g0 + GROUP]
            s = blk.abs().max() / 7
            ref[r, g0:g0 + GROUP] = torch.clamp(torch.round(blk / s), -8, 7) * s
    assert torch.allclose(q.dequantized(), ref, atol=1e-6)
    assert q.packed.dtype == torch.uint8 and q.packed.numel() == 5 * 96 // 2  # two per byte
    x = torch.randn(3, 70)
    assert torch.allclose(q(x), x @ ref.T + lin.bias, atol=1e-5)


def test_quantize_int4_swaps_decoder_linears_and_keeps_the_head():
    torch.manual_seed(1)
    m = _Tiny()
    head_w = m.head.weight.detach().clone()
    assert quantize_int4_(m) == 2
    assert all(isinstance(layer, Int4Linear) for layer in m.layers)
    assert isinstance(m.head, torch.nn.Linear) and torch.equal(m.head.weight, head_w)
    dtype, n4 = describe(m, "float32")
    assert dtype == "float32+int4-weights" and n4 == 70 * 40 + 40 * 64


def test_magnitude_pruning_zeroes_exactly_the_smallest_share_per_layer():
    torch.manual_seed(2)
    m = _Tiny()
    before = [layer.weight.detach().clone() for layer in m.layers]
    head_w = m.head.weight.detach().clone()
    zeroed = prune_magnitude_(m, 0.5)
    assert zeroed == 70 * 40 // 2 + 40 * 64 // 2
    for w0, layer in zip(before, m.layers):
        w = layer.weight.detach()
        assert int((w == 0).sum()) == w0.numel() // 2
        kept = w0[w != 0].abs()
        dropped = w0[w == 0].abs()
        assert kept.min() >= dropped.max()  # the dropped half is the small-magnitude half
        assert torch.equal(w[w != 0], w0[w != 0])
    assert torch.equal(m.head.weight, head_w)
    assert describe(m, "float32")[0] == "float32+pruned-magnitude:0.5"


@pytest.mark.parametrize("spec,value", [("none", None), ("magnitude:0.5", 0.5),
                                        ("magnitude:.25", 0.25)])
def test_parse_prune(spec, value):
    assert parse_prune(spec) == value


@pytest.mark.parametrize("spec", ["magnitude:0", "magnitude:1", "magnitude:1.5", "random:0.5",
                                  "magnitude:", "magnitude:50%"])
def test_parse_prune_rejects(spec):
    with pytest.raises(ValueError, match="magnitude:S"):
        parse_prune(spec)
