"""Reversible pseudonymisation: consistent tokens per session, restorable in a model's answer.

A `PseudonymVault` replaces each detected value with a token such as `<PERSON_1>` (same value,
same token, for the life of the entry) and can put the originals back into text that contains
the tokens, e.g. a model's reply. Models re-case and re-space what they copy, so `restore` also
accepts `<person_1>`, `< PERSON _1 >` or `<PER SON_1>`. Entries expire `ttl_seconds` after their
last use; the vault holds raw values only in memory and is safe to share between threads.
"""

from __future__ import annotations

import re
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from audit.errors import UsageError
from audit.types import Span

__all__ = ["PseudonymVault", "SessionVaults"]

# `<`, then letters/digits/underscores possibly broken by whitespace, then `>`.
_TOKEN_RE = re.compile(r"<\s*([A-Za-z][A-Za-z0-9_\s]{0,60}?_\s*[0-9][0-9\s]{0,8}?)\s*>")


@dataclass
class _Entry:
    value: str
    entity_type: str
    token: str
    last_used: float


def _key(token_body: str) -> str:
    return "".join(token_body.split()).upper()


class PseudonymVault:
    """Per-session map value <-> token with TTL; `pseudonymise` then `restore` round-trips."""

    def __init__(self, ttl_seconds: float = 3600.0, clock: Callable[[], float] = time.monotonic,
                 max_entries: int = 100_000) -> None:
        if ttl_seconds <= 0:
            raise UsageError(f"ttl_seconds must be positive, not {ttl_seconds}", "e.g. 3600")
        self.ttl_seconds = float(ttl_seconds)
        self.max_entries = max_entries
        self._clock = clock
        self._lock = threading.RLock()
        self._by_value: dict[tuple[str, str], _Entry] = {}
        self._by_token: dict[str, _Entry] = {}
        self._counters: dict[str, int] = {}

    def __len__(self) -> int:
        with self._lock:
            self._expire(self._clock())
            return len(self._by_token)

    def _expire(self, now: float) -> None:
        dead = [k for k, e in self._by_token.items() if now - e.last_used > self.ttl_seconds]
        for k in dead:
            e = self._by_token.pop(k)
            self._by_value.pop((e.entity_type, e.value), None)

    def token_for(self, value: str, entity_type: str) -> str:
        """The token for `value` (created on first sight; numbers are never reused)."""
        etype = "".join(ch if ch.isalnum() else "_" for ch in entity_type.upper()) or "PII"
        with self._lock:
            now = self._clock()
            self._expire(now)
            entry = self._by_value.get((etype, value))
            if entry is None:
                if len(self._by_token) >= self.max_entries:
                    raise UsageError(f"the vault holds {self.max_entries} values",
                                     "use a new session or a shorter ttl_seconds")
                n = self._counters.get(etype, 0) + 1
                self._counters[etype] = n
                entry = _Entry(value, etype, f"<{etype}_{n}>", now)
                self._by_value[(etype, value)] = entry
                self._by_token[_key(entry.token[1:-1])] = entry
            entry.last_used = now
            return entry.token

    def pseudonymise(self, text: str, spans: Sequence[Span]) -> str:
        """`text` with each (non-overlapping) span replaced by its value's token."""
        out: list[str] = []
        pos = 0
        for s in sorted(spans, key=lambda x: (x.start, -x.end)):
            if s.start < pos or s.end > len(text) or s.start >= s.end:
                continue  # overlapping or out of range: the first, longest span wins
            out.append(text[pos:s.start])
            out.append(self.token_for(text[s.start:s.end], s.entity_type))
            pos = s.end
        out.append(text[pos:])
        return "".join(out)

    def restore(self, text: str) -> str:
        """`text` with every known, unexpired token (any case, split by whitespace) put back."""
        with self._lock:
            now = self._clock()
            self._expire(now)

            def sub(m: re.Match[str]) -> str:
                entry = self._by_token.get(_key(m.group(1)))
                if entry is None:
                    return m.group(0)
                entry.last_used = now
                return entry.value

            return _TOKEN_RE.sub(sub, text)

    def clear(self) -> None:
        """Forget every value now."""
        with self._lock:
            self._by_value.clear()
            self._by_token.clear()


class SessionVaults:
    """One `PseudonymVault` per session id; idle sessions are dropped after `ttl_seconds`."""

    def __init__(self, ttl_seconds: float = 3600.0,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.ttl_seconds = ttl_seconds
        self._clock = clock
        self._lock = threading.Lock()
        self._vaults: dict[str, tuple[PseudonymVault, float]] = {}

    def get(self, session_id: str) -> PseudonymVault:
        """The vault of `session_id`, created on first use."""
        with self._lock:
            now = self._clock()
            for sid in [s for s, (_, t) in self._vaults.items() if now - t > self.ttl_seconds]:
                self._vaults.pop(sid)[0].clear()
            vault = self._vaults.get(session_id, (None, 0.0))[0]
            if vault is None:
                vault = PseudonymVault(self.ttl_seconds, clock=self._clock)
            self._vaults[session_id] = (vault, now)
            return vault
