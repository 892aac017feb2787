"""Reversible pseudonymisation: consistent tokens per session, restorable in a model's answer.

A `PseudonymVault` replaces each detected value with a token such as `<PERSON_1>` (same value,
same token, for the life of the entry) and can put the originals back into text that contains
the tokens, e.g. a model's reply. Models re-case and re-space what they copy, so `restore` also
accepts `<person_1>`, `< PERSON _1 >` or `<PER SON_1>`. Small models mangle the token further:
SmolLM2-135M served by llama.cpp answered `Contact <PERSON> 1 at Address 1` for `<PERSON_1>` and
`<EMAIL_ADDRESS_1>`. `restore` therefore also accepts, for the entity types this vault has
issued and numbers it holds only:

* the type tag closed before the number: `<PERSON> 1`, `<PERSON>1`, `<PERSON> #1`;
* other brackets or none: `[PERSON_1]`, `{PERSON 1}`, `PERSON_1`, `Person 1`, `person-1`,
  `Email Address 1`;
* the last word of a multi-word type alone (`Address 1` for `EMAIL_ADDRESS_1`) when no other
  type this vault issued ends in, or is, that word.

A form matched for a number the vault does not hold is left as it is. Matching is per vault,
so one session can never restore another session's values. Entries expire `ttl_seconds` after
their last use; the vault holds raw values only in memory and is safe to share between threads.
"""

from __future__ import annotations

import functools
import re
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from audit.errors import UsageError
from audit.types import Span

__all__ = ["TOKEN_STYLES", "PseudonymVault", "SessionVaults"]

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


_SEP = r"[\s_\-]*"
_NUM = r"(?P<num>[0-9]{1,9})(?![0-9])"


def _mutation_re(types: frozenset[str]) -> re.Pattern[str] | None:
    """The tolerant token forms for these entity types (see the module docstring)."""
    if not types:
        return None
    words = {t: [w for w in t.split("_") if w] for t in types}
    full = "|".join(_SEP.join(re.escape(w) for w in ws)
                    for ws in sorted(words.values(), key=lambda ws: -sum(map(len, ws))))
    # a last word names its type only when no other issued type shares it
    last: dict[str, list[str]] = {}
    for t, ws in words.items():
        for w in set(ws):
            last.setdefault(w, []).append(t)
    tails = [ws[-1] for t, ws in words.items()
             if len(ws) > 1 and len(last.get(ws[-1], [])) == 1 and ws[-1] not in types]
    alts = [rf"<\s*(?P<t1>{full})\s*>\s*[#_\-]?\s*{_NUM.replace('num', 'n1')}",
            rf"[\[{{(]\s*(?P<t2>{full}){_SEP}#?\s*{_NUM.replace('num', 'n2')}\s*[\]}})]",
            rf"(?<![\w<])(?P<t3>{full}){_SEP}#?\s*{_NUM.replace('num', 'n3')}\b"]
    if tails:
        alts.append(rf"(?<![\w<_])(?P<t4>{'|'.join(map(re.escape, tails))})[\s_\-]*#?\s*"
                    rf"{_NUM.replace('num', 'n4')}\b")
    return re.compile("|".join(f"(?:{a})" for a in alts), re.IGNORECASE)


@functools.lru_cache(maxsize=256)
def _combined(types: frozenset[str]) -> re.Pattern[str]:
    """The exact grammar first, then the tolerant forms, as one pattern (group 1: exact)."""
    loose = _mutation_re(types)
    if loose is None:
        return _TOKEN_RE
    return re.compile(f"(?:{_TOKEN_RE.pattern})|{loose.pattern}", re.IGNORECASE)


def _mutation_key(m: re.Match[str], types: frozenset[str]) -> str | None:
    """`TYPE_N` for a tolerant match (the type named by its words, or by its last word)."""
    groups = m.groupdict()
    for i in (1, 2, 3, 4):
        words = groups.get(f"t{i}")
        if words is None:
            continue
        flat = re.sub(r"[\s_\-]+", "", words).upper()
        if i == 4:
            found = [t for t in types if t.split("_")[-1] == flat]
        else:
            found = [t for t in types if t.replace("_", "") == flat]
        return f"{found[0]}_{int(m.group(f'n{i}'))}" if len(found) == 1 else None
    return None


TOKEN_STYLES = {"angle": ("<", ">"), "square": ("[", "]")}


class PseudonymVault:
    """Per-session map value <-> token with TTL; `pseudonymise` then `restore` round-trips.

    `token_style` "angle" writes `<PERSON_1>` (the default), "square" writes `[PERSON_1]`, which
    SmolLM2-135M copied more often in a small trial (see the README); `restore` reads both.
    """

    def __init__(self, ttl_seconds: float = 3600.0, clock: Callable[[], float] = time.monotonic,
                 max_entries: int = 100_000, token_style: str = "angle") -> None:
        if ttl_seconds <= 0:
            raise UsageError(f"ttl_seconds must be positive, not {ttl_seconds}", "e.g. 3600")
        if token_style not in TOKEN_STYLES:
            raise UsageError(f"token_style {token_style!r} is not known",
                             f"use one of {', '.join(TOKEN_STYLES)}")
        self._open, self._close = TOKEN_STYLES[token_style]
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
                entry = _Entry(value, etype, f"{self._open}{etype}_{n}{self._close}", now)
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

            types = frozenset(e.entity_type for e in self._by_token.values())

            def sub(m: re.Match[str]) -> str:
                # one pass: a restored value is never scanned again ("Person 7" restored for
                # <PERSON_3> must not then be read as a mutated <PERSON_7>)
                key = _key(m.group(1)) if m.group(1) is not None else _mutation_key(m, types)
                entry = self._by_token.get(key) if key else None
                if entry is None:
                    return m.group(0)
                entry.last_used = now
                return entry.value

            return _combined(types).sub(sub, text)

    def token_spans(self, text: str) -> list[tuple[int, int]]:
        """Where `text` holds this vault's tokens, exact or mutated (the ranges `restore` would
        replace), so a detector does not re-redact a pseudonym on its way back."""
        with self._lock:
            types = frozenset(e.entity_type for e in self._by_token.values())
            return [(m.start(), m.end()) for m in _combined(types).finditer(text)]

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
