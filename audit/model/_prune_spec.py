"""`--prune` values, checked without importing torch (the CLI checks them before the model loads)."""

from __future__ import annotations

import re

__all__ = ["parse_prune"]

_PRUNE = re.compile(r"^magnitude:(0(?:\.\d+)?|1(?:\.0*)?|\.\d+)$")


def parse_prune(spec: str) -> float | None:
    """Sparsity of a `--prune` value (None for "none"); ValueError for anything else."""
    if spec in ("", "none"):
        return None
    m = _PRUNE.match(spec.strip())
    if not m or not 0.0 < float(m[1]) < 1.0:
        raise ValueError(f"unknown pruning {spec!r}: use none or magnitude:S with 0 < S < 1 "
                         "(e.g. magnitude:0.5)")
    return float(m[1])
