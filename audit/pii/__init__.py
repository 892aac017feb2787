"""PII detection and redaction: an offline presidio engine with Assay's recognizers, and a vault.

The names below load on first use (PEP 562): importing a light submodule such as
`audit.pii.evidence` or `audit.pii.severity` must not import presidio and spaCy (seconds).
"""

from __future__ import annotations

import importlib
from typing import Any

__all__ = ["PIIConfig", "PIIEngine", "PseudonymVault", "SessionVaults", "get_engine", "keyed_hash"]

_WHERE = {"PIIConfig": "engine", "PIIEngine": "engine", "get_engine": "engine",
          "keyed_hash": "secret", "PseudonymVault": "vault", "SessionVaults": "vault"}


def __getattr__(name: str) -> Any:
    if name not in _WHERE:
        raise AttributeError(f"module 'audit.pii' has no attribute {name!r}")
    value = getattr(importlib.import_module(f"audit.pii.{_WHERE[name]}"), name)
    globals()[name] = value
    return value
