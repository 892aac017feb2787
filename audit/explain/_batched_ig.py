"""Integrated gradients over the input embeddings with every step in one batched pass.

Computes what captum's `LayerIntegratedGradients` on the embedding layer computes through
`LLMGradientAttribution`: the same straight-line path, the same quadrature nodes and weights
(captum's own `approximation_parameters`), attribution_p = sum_d (x - x')_pd
* sum_k w_k df/de_pd(x' + a_k (x - x')). `tests/test_explain_model.py` checks the two agree.
What it does not repeat:

* captum runs one IG per target token, each a forward + backward over all steps; IG is linear
  in the output, so the attribution of the summed log-probability (one pass) is the same sum;
* continuations read from the same input (a one-token target and foil) share one forward
  pass; each takes its own backward, w.r.t. the interpolated embeddings only;
* only the positions that predict the continuation go through the LM head (captum computes the
  full-vocabulary logits at every position); no extra forwards at the path's ends (the
  convergence delta uses the scorer's log-probabilities, which the record needs anyway).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

__all__ = ["integrated_gradients"]


def _continuation_logprobs(model: Any, rows: Any, conts: Sequence[Sequence[int]]) -> list[Any]:
    """Summed log P(cont) per row, for continuations of equal length read from the same rows."""
    import torch

    k = len(conts[0])
    logits = model(inputs_embeds=rows, logits_to_keep=k, use_cache=False).logits[:, -k:]
    lp = torch.log_softmax(logits.float(), dim=-1)
    pos = torch.arange(k, device=rows.device)
    return [lp[:, pos, torch.as_tensor(list(c), device=rows.device)].sum(dim=1) for c in conts]


def integrated_gradients(model: Any, prompt: Sequence[int], baseline: Sequence[int],
                         continuations: Sequence[Sequence[int]], n_steps: int, method: str,
                         rows_per_pass: int) -> list[list[float]]:
    """Per-prompt-token IG scores of summed log P(cont | prompt), one list per continuation.

    `baseline` is the prompt with every attributed token replaced (same length); the
    continuation's own tokens are identical at both ends of the path, so they take no score.
    """
    import torch
    from captum.attr._utils.approximation_methods import approximation_parameters

    step_sizes, alphas = approximation_parameters(method)
    emb = model.get_input_embeddings()
    device = emb.weight.device
    a = torch.tensor(alphas(n_steps), dtype=torch.float32, device=device)
    w = torch.tensor(step_sizes(n_steps), dtype=torch.float32, device=device)
    n_prompt = len(prompt)
    by_input: dict[tuple[int, ...], list[int]] = {}
    for i, cont in enumerate(continuations):
        by_input.setdefault(tuple(prompt) + tuple(cont[:-1]), []).append(i)
    out: list[list[float]] = [[] for _ in continuations]
    for seq, owners in by_input.items():
        with torch.no_grad():
            end = emb(torch.tensor([seq], device=device))[0]
            start = emb(torch.tensor([list(baseline) + list(seq[n_prompt:])], device=device))[0]
        diff = (end - start).float()
        grads = [torch.zeros_like(diff) for _ in owners]
        for s in range(0, n_steps, rows_per_pass):
            ak = a[s:s + rows_per_pass].to(start.dtype)[:, None, None]
            rows = (start[None] + ak * (end - start)[None]).detach().requires_grad_(True)
            lps = _continuation_logprobs(model, rows, [continuations[i] for i in owners])
            for j, lp in enumerate(lps):
                g, = torch.autograd.grad(lp @ w[s:s + rows_per_pass], rows,
                                         retain_graph=j < len(lps) - 1)
                grads[j] += g.float().sum(dim=0)
        for j, i in enumerate(owners):
            out[i] = (grads[j] * diff).sum(dim=-1)[:n_prompt].cpu().tolist()
    return out
