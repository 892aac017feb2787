"""Reversible mode: pseudonymise requests with the PII vault, restore the values in responses.

A request gets the vault of its `X-Assay-Session` header (multi-turn conversations keep their
tokens), or a fresh vault of its own. Tokens in a response are guarded: the detector's spans over
them are ignored and a stream is never cut inside one, so `restore` always sees whole tokens.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from audit.types import Span

__all__ = ["VaultAdapter", "default_vault_factory"]

SESSION_HEADER = b"x-assay-session"


class VaultAdapter:
    """pseudonymise / restore / protect (token ranges) over one `PseudonymVault`."""

    def __init__(self, vault: Any) -> None:
        from audit.pii.vault import _TOKEN_RE  # the vault's own token grammar

        self.vault = vault
        self._token_re = _TOKEN_RE

    def pseudonymise(self, text: str, spans: Sequence[Span]) -> str:
        return self.vault.pseudonymise(text, spans)

    def restore(self, text: str) -> str:
        return self.vault.restore(text)

    def protect(self, text: str) -> list[tuple[int, int]]:
        return [(m.start(), m.end()) for m in self._token_re.finditer(text)]


def default_vault_factory(ttl_seconds: float = 3600.0) -> Callable[[dict[str, Any]], VaultAdapter]:
    """scope -> the session's vault (by `X-Assay-Session`) or a per-request one."""
    from audit.pii.vault import PseudonymVault, SessionVaults

    sessions = SessionVaults(ttl_seconds)

    def factory(scope: dict[str, Any]) -> VaultAdapter:
        for k, v in scope.get("headers", []):
            if k.lower() == SESSION_HEADER and v:
                return VaultAdapter(sessions.get(v.decode("latin-1")))
        return VaultAdapter(PseudonymVault(ttl_seconds))

    return factory
