"""What a stored finding may say about the text it was found in (audit and monitor alike).

A detector misses some PII, whatever its recall, so evidence that keeps "everything that was not
detected" keeps exactly the values that slipped through. The default mode, `shape`, keeps no
original character that could carry identity:

- detected spans become `<ENTITY_TYPE>` placeholders;
- only a short window of tokens around them is kept, gaps become `…`;
- a token is kept verbatim only when it is a plain lower-case English word from a fixed list of
  common words (`SAFE_WORDS`: function words, PII context words like "phone" or "card"), or ASCII
  punctuation; every other token (capitalised words, digits, anything with `@`, URLs, long or
  non-ASCII tokens) is reduced to its shape: `Quentin` -> `Xxxxx`, `555-0132` -> `ddd-dddd`.

`redacted` (opt-in, `--evidence redacted`) keeps the text with only the detected spans replaced:
easier to read, but every value the detector missed is stored as written.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from audit.errors import UsageError
from audit.types import Span

__all__ = ["DEFAULT_MODE", "EVIDENCE_MODES", "SAFE_WORDS", "check_mode", "shape_evidence",
           "shape_token"]

EVIDENCE_MODES: tuple[str, ...] = ("shape", "redacted")
DEFAULT_MODE = "shape"
WINDOW = 8  # tokens kept on each side of a detected span

# Words that identify nobody. Deliberately small, lower-case, and free of words that are also
# common given names or places ("will", "may", "mark", "grace", "rose", "june", months, "york")
# and of number words (a spoken phone number is "nine four three ..."); words that are also
# common surnames ("little", "long", "small", "best", "white", "young") are left out too.
SAFE_WORDS: frozenset[str] = frozenset("""
a about above after again against all also am an and any are as at be because been before being
below between both but by can could did do does doing done down during each else even ever every
few for from further get gets got had has have having he her here hers herself him himself his
how i if in into is it its itself just me more most much must my myself no nor not now of off
often on once only or other our ours ourselves out over own please same she should so some such
than that the their theirs them themselves then there these they this those through to too under
until up upon us very was we were what when where which while who whom whose why with within
without would yes yet you your yours yourself yourselves
hi hello hey thanks thank sure okay ok sorry yeah well
name names first last full surname phone mobile cell number numbers call text email mail address
addresses street road avenue lives live living born birth date card credit debit account bank
iban routing sort code ssn social security passport licence license driver id identity pin
password key token secret contact details reach send sent reply user customer client patient
member person people someone here's it's i'm i've i'll that's what's don't can't won't isn't
zip postcode postal city country state home work office billing shipping order payment
help need want know like tell told give gave share shared find found use used make made new old
file files record records data information info details request question answer problem issue
error message note list form today tomorrow yesterday time day days week weeks month months year
years again soon later already still back next previous below above see look check update updated
change changed confirm confirmed verify verified balance amount due paid pay refund fee
write wrote written short reset sent letter doctor patient condition writing dear
regards sincerely reply replied asked ask question questions answered said says say
were got getting going go goes come came coming take took taken keep kept let put set show
shown try tried think thought feel felt seem seems look looking find finding about around
example sample test real fake fictional someone something anything nothing everyone anyone
company team service support manager staff doctor's teacher student friend family mother
father sister brother son daughter wife husband child children man woman men women boy girl
born lives lived moved works worked working job school hospital clinic bank's store shop
house flat apartment building floor room town village area region place places near far
big large good bad great many several own other another same different main
important possible sure certain able available free open closed public private personal
result results report reports review reviewed record recorded case cases history medical
health insurance policy claim claims plan plans form forms document documents copy copies
""".split())

# Function words that may also start a sentence: kept when capitalised ("My", "The").
_CAPITAL_OK: frozenset[str] = frozenset("""
a an and are as at but by can could did do does for from he her his how i if in is it its my no
not of on or our please she so some than thanks thank that the their then there these they this
those to was we were what when where which who why with would yes you your hi hello hey sure
okay ok sorry here's it's i'm i've i'll that's what's don't can't
""".split())

_PLAIN_WORD = re.compile(r"[a-z]+(?:'[a-z]+)?")
_RISKY = re.compile(r"@|://|www\.|\d", re.IGNORECASE)
_LONG_TOKEN = 24
_MAX_SHAPE = 32


def check_mode(mode: str) -> str:
    """`mode` when it is an evidence mode, else a UsageError naming the choices."""
    if mode not in EVIDENCE_MODES:
        raise UsageError(f"evidence mode {mode!r} is not known",
                         f"use one of: {', '.join(EVIDENCE_MODES)}")
    return mode


def _char_shape(ch: str) -> str:
    if ch.isdigit():
        return "d"
    if ch.isalpha():
        return "X" if ch.isupper() else "x"
    if ch.isascii() and ch.isprintable():
        return ch  # ASCII punctuation carries no identity and keeps formats readable
    return "~"


def shape_token(token: str) -> str:
    """`token`'s shape: letters -> X/x (runs of one kind cut at 4), digits -> d, ASCII
    punctuation kept, anything else -> `~`; never longer than 32 characters."""
    out: list[str] = []
    run = 0
    for ch in token:
        c = _char_shape(ch)
        run = run + 1 if out and c in "Xx" and out[-1] == c else 1
        if c in "Xx" and run > 4:
            continue  # `Xxxxx` for any long word: its length would help guess it
        out.append(c)
    shaped = "".join(out)
    return shaped if len(shaped) <= _MAX_SHAPE else shaped[:_MAX_SHAPE - 1] + "…"


def _safe_word(word: str) -> bool:
    low = word.lower()
    if not _PLAIN_WORD.fullmatch(low) or low not in SAFE_WORDS:
        return False
    return word == low or (word[0].isupper() and word[1:] == low[1:] and low in _CAPITAL_OK)


def _render_token(token: str) -> str:
    """A whitespace-free piece of text as evidence may keep it."""
    if len(token) > _LONG_TOKEN or not token.isascii() or _RISKY.search(token):
        return shape_token(token)
    # words inside punctuation ("(please", "card,") are judged alone
    return "".join(p if _safe_word(p) or not re.search("[A-Za-z]", p) else shape_token(p)
                   for p in re.findall(r"[A-Za-z']+|[^A-Za-z']+", token))


def _merged(spans: Sequence[Span], n: int) -> list[Span]:
    out: list[Span] = []
    for s in sorted(spans, key=lambda s: (s.start, -s.end)):
        start, end = max(0, s.start), min(n, s.end)
        if end <= start:
            continue
        if out and start < out[-1].end:
            last = out[-1]
            out[-1] = Span(last.start, max(last.end, end), last.entity_type, last.score)
        else:
            out.append(Span(start, end, s.entity_type, s.score))
    return out


def shape_evidence(text: str, spans: Sequence[Span], window: int = WINDOW,
                   max_chars: int = 500) -> str:
    """`text` as `shape` evidence: placeholders for `spans`, a window of shaped tokens around
    them (the first 2*window tokens when there are no spans), one line, at most `max_chars`."""
    # (is_entity, raw token or placeholder, space_before); tokens are rendered only if kept
    items: list[tuple[bool, str, bool]] = []
    pos = 0
    for s in [*_merged(spans, len(text)), None]:
        stop = len(text) if s is None else s.start
        for m in re.finditer(r"\S+", text[pos:stop]):
            a = pos + m.start()
            items.append((False, m.group(), a > 0 and text[a - 1].isspace()))
        if s is not None:
            items.append((True, f"<{s.entity_type}>", s.start > 0 and text[s.start - 1].isspace()))
            pos = s.end
    keep = [False] * len(items)
    marks = [i for i, it in enumerate(items) if it[0]]
    for e in marks:
        for i in range(max(0, e - window), min(len(items), e + window + 1)):
            keep[i] = True
    if not marks:
        keep[:2 * window] = [True] * min(len(items), 2 * window)
    parts: list[str] = []
    prev = -1
    size = 0
    for i, (entity, tok, space) in enumerate(items):
        if not keep[i]:
            continue
        sep = ""
        if i != prev + 1 and (prev >= 0 or i > 0):
            sep = " … " if parts else "… "
        elif parts and space:
            sep = " "
        parts += [sep, tok if entity else _render_token(tok)]
        prev = i
        size += len(sep) + len(parts[-1])
        if size > max_chars:
            break  # cut below; the rest would not be shown
    if prev < len(items) - 1 and size <= max_chars:
        parts.append(" …")
    out = "".join(parts)
    return out if len(out) <= max_chars else out[:max_chars - 1] + "…"
