"""Reversible mode: pseudonymise requests with the PII vault, restore the values in responses.

Sessions cannot be borrowed. A session handle is issued by the server (192 random bits,
returned in the `X-Assay-Session` response header) and bound to its caller: a keyed hash
(HMAC with a per-process key) of the caller's credentials (`Authorization`, `X-Api-Key`,
`Api-Key`). A request that sends the handle back *and* carries the same credentials gets the
session's vault (multi-turn conversations keep their tokens). A request naming a handle that
belongs to another caller gets a fresh vault, so it restores nothing, and the attempt is counted
as a security event (never logged with the handle or any value); an unknown or expired handle
also starts a fresh session with a new handle (a client cannot choose its handle). Sessions
expire `ttl_seconds` after their last use and at most `max_sessions` are kept (least recently
used dropped first). Tokens in a response are guarded: the detector's spans over them are
ignored and a stream is never cut inside one, so `restore` always sees whole tokens.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import secrets
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from audit.types import Span

__all__ = ["SESSION_HEADER", "Session", "SessionRegistry", "VaultAdapter"]

log = logging.getLogger("monitors.redaction")

SESSION_HEADER = b"x-assay-session"
CREDENTIAL_HEADERS = (b"authorization", b"x-api-key", b"api-key")


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
        # the vault's own forms, exact and mutated (`<PERSON> 1`), so neither is re-redacted
        spans = getattr(self.vault, "token_spans", None)
        if spans is not None:
            return spans(text)
        return [(m.start(), m.end()) for m in self._token_re.finditer(text)]


@dataclass
class Session:
    """What one exchange gets: the vault, the handle to send back, and whether it was refused."""

    vault: VaultAdapter
    handle: str
    borrowed: bool = False


class SessionRegistry:
    """Server-issued session handles bound to their caller, with TTL and a size bound."""

    def __init__(self, ttl_seconds: float = 3600.0, max_sessions: int = 10_000,
                 clock: Callable[[], float] = time.monotonic, token_style: str = "angle") -> None:
        self.ttl_seconds = ttl_seconds
        self.token_style = token_style  # `<PERSON_1>` or `[PERSON_1]` (audit.pii.vault)
        self.max_sessions = max_sessions
        self._clock = clock
        self._key = secrets.token_bytes(32)
        self._lock = threading.Lock()
        self._sessions: OrderedDict[str, tuple[bytes, Any, float]] = OrderedDict()
        self.borrow_attempts = 0  # security events: a handle named by a caller not its owner

    def __len__(self) -> int:
        return len(self._sessions)

    def _owner(self, headers: Sequence[tuple[bytes, bytes]]) -> bytes:
        creds = [v for name in CREDENTIAL_HEADERS for k, v in headers if k.lower() == name]
        return hmac.new(self._key, b"\0".join(creds), hashlib.sha256).digest()

    def open(self, headers: Sequence[tuple[bytes, bytes]]) -> Session:
        """The caller's session named by `X-Assay-Session`, or a new one."""
        from audit.pii.vault import PseudonymVault

        owner = self._owner(headers)
        asked = next((v.decode("latin-1").strip() for k, v in headers
                      if k.lower() == SESSION_HEADER and v), "")
        with self._lock:
            now = self._clock()
            while self._sessions:  # oldest first: drop the expired ones
                sid, (_o, vault, seen) = next(iter(self._sessions.items()))
                if now - seen <= self.ttl_seconds:
                    break
                self._sessions.pop(sid)
                vault.clear()
            found = self._sessions.get(asked) if asked else None
            borrowed = found is not None and not hmac.compare_digest(found[0], owner)
            if found is not None and not borrowed:
                self._sessions[asked] = (owner, found[1], now)
                self._sessions.move_to_end(asked)
                return Session(VaultAdapter(found[1]), asked)
            if borrowed:
                self.borrow_attempts += 1
                # A security event: counted and logged, never with the handle or any value.
                log.warning("security event: a request named a session that belongs to another "
                            "caller (%d so far); it got a fresh session and restores nothing",
                            self.borrow_attempts)
            vault = PseudonymVault(self.ttl_seconds, clock=self._clock,
                                   token_style=self.token_style)
            handle = secrets.token_urlsafe(24)
            self._sessions[handle] = (owner, vault, now)
            while len(self._sessions) > self.max_sessions:
                self._sessions.popitem(last=False)[1][1].clear()
            return Session(VaultAdapter(vault), handle, borrowed)
