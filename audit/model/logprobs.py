"""Public teacher-forced log-prob kernels over a loaded transformers causal LM.

White-box callers outside the model wrapper (the explainers' batched scorers) use these instead
of the wrapper's private scoring module, so that module can change (#18) without breaking them.
Both return float32 log P(target) at the given positions, on the CPU, without gradients.
"""

from __future__ import annotations

from typing import Any

__all__ = ["packed_logprobs", "packable", "selected_logprobs"]


def selected_logprobs(model: Any, input_ids: Any, attention_mask: Any, rows: Any, cols: Any,
                      targets: Any) -> Any:
    """log P(targets[k]) at (rows[k], cols[k]) of a right-padded batch; shape (len(rows),)."""
    import torch

    from audit.model._scoring import _forward_selected

    with torch.no_grad():
        return _forward_selected(model, input_ids, attention_mask, rows, cols, targets).float().cpu()


def packable(model: Any) -> bool:
    """Custom 4D attention masks (packed prefix trees) work with eager and SDPA attention."""
    impl = getattr(model.config, "_attn_implementation", None) or "eager"
    return impl in ("eager", "sdpa")


def packed_logprobs(model: Any, ids: Any, mask: Any, positions: Any, cols: Any,
                    targets: Any) -> Any:
    """log P(targets) at node positions `cols` of one packed sequence (`ids` of shape (1, n),
    a 4D additive `mask` that lets a node see only its ancestors, `positions` = depths)."""
    import torch

    from audit.model._scoring import _uses_plain_head, head_logprobs

    with torch.no_grad():
        if not _uses_plain_head(model):
            logits = model(input_ids=ids, attention_mask=mask, position_ids=positions,
                           use_cache=False).logits[0, cols].float()
            return (logits.gather(1, targets[:, None])[:, 0]
                    - torch.logsumexp(logits, dim=-1)).cpu()
        body = getattr(model, model.base_model_prefix)
        hidden = body(input_ids=ids, attention_mask=mask, position_ids=positions,
                      use_cache=False).last_hidden_state[0, cols]
        return head_logprobs(model, hidden, targets).cpu()
