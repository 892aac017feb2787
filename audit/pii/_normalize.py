"""Text normalisation before detection, with every offset mapped back to the original text.

What people write is not what the recognizers' patterns expect: full-width digits and `＠`
(NFKC folds them), zero-width spaces and bidi controls inside numbers and e-mails (dropped),
variation selectors after emoji (dropped), and speech-to-text transcripts that spell digits and
e-mails out ("nine four three five", "rohan dot krishnan at gmail dot com"; rewritten to digits
and `@`/`.`). Detection runs on the normalised text; `Normalized.to_original` maps a span back to
the smallest slice of the original text that produced it, so redacting that slice removes every
character of the value, including the dropped ones inside it.

NFKC is applied per cluster (a character and the combining marks after it), so each output
character comes from one known slice of the input; ASCII text without spoken forms is returned
as is, at the cost of one `isascii` call and one regex search.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass

import regex

__all__ = ["Normalized", "normalize"]

# Format characters that split tokens without being visible: zero-width space/non-joiner/joiner,
# word joiner, BOM, soft hyphen, Mongolian vowel separator; bidi marks, embeddings, overrides
# and isolates (Trojan-Source style); variation selectors (emoji presentation).
_DROP = frozenset(
    [0x00AD, 0x180E, 0x200B, 0x200C, 0x200D, 0x2060, 0x2061, 0x2062, 0x2063, 0x2064, 0xFEFF,
     0x200E, 0x200F, 0x061C, *range(0x202A, 0x202F), *range(0x2066, 0x206A),
     *range(0xFE00, 0xFE10)])
_DROP_CHARS = "".join(map(chr, sorted(_DROP)))

_DIGIT_WORDS = {"zero": "0", "oh": "0", "o": "0", "nil": "0", "one": "1", "two": "2",
                "three": "3", "four": "4", "five": "5", "six": "6", "seven": "7", "eight": "8",
                "nine": "9"}
_REPEAT = {"double": 2, "triple": 3}
_DIGIT_WORD = r"(?:zero|oh|o|nil|one|two|three|four|five|six|seven|eight|nine)"
_DIGIT_TOKEN = r"(?:(?:double|triple)[ \t]+" + _DIGIT_WORD + r"|" + _DIGIT_WORD + r"|\d)"
# A spoken number: at least four digit tokens (so "one or two", "two three times" stay words),
# separated by spaces, commas or dashes as transcripts write pauses; "plus" in front is "+".
_SPOKEN_DIGITS = (r"(?:\bplus[ \t]+)?(?<![\w.])" + _DIGIT_TOKEN
                  + r"(?:(?:[ \t]*[,\-][ \t]*|[ \t]+)" + _DIGIT_TOKEN + r"){3,}(?![\w@])")
_LOCAL_WORD = r"[\p{L}\p{N}_]+"
_SEP_WORD = r"(?:[ \t]+(?:dot|period|point|underscore|dash|hyphen)[ \t]+|[._\-])"
_TLD = (r"(?:com|org|net|edu|gov|io|co|uk|de|fr|in|jp|au|ca|cn|es|it|nl|br|mx|ru|ch|se|no|dk|"
        r"fi|pl|be|at|ie|nz|sg|hk|kr|za|info|biz|me|us|eu|ai|dev|app)")
# "rohan dot krishnan at gmail dot com": local words, " at ", domain words ending in a TLD.
_SPOKEN_EMAIL = (r"(?<![\w@.])" + _LOCAL_WORD + r"(?:" + _SEP_WORD + _LOCAL_WORD + r")*"
                 r"[ \t]+(?:at|@)[ \t]+" + r"[\p{L}\p{N}\-]+(?:" + _SEP_WORD + r"[\p{L}\p{N}\-]+)*?"
                 r"(?:[ \t]+(?:dot|period|point)[ \t]+|\.)" + _TLD + r"(?![\w@])")
_SPOKEN = regex.compile(r"(?P<email>" + _SPOKEN_EMAIL + r")|(?P<digits>" + _SPOKEN_DIGITS + r")",
                        regex.IGNORECASE)
_TRIGGER = regex.compile(r"\b(?:" + _DIGIT_WORD + r"|at|dot)\b", regex.IGNORECASE)
_SEPARATOR_OUT = {"dot": ".", "period": ".", "point": ".", "underscore": "_", "dash": "-",
                  "hyphen": "-"}
_EMAIL_PART = regex.compile(r"[ \t]+(dot|period|point|underscore|dash|hyphen|at)[ \t]+|(.)",
                            regex.IGNORECASE | regex.DOTALL)
_DIGIT_PART = regex.compile(r"(double|triple)[ \t]+(" + _DIGIT_WORD + r")|(" + _DIGIT_WORD
                            + r")\b|(\d)|(plus)\b|(.)", regex.IGNORECASE | regex.DOTALL)


@dataclass(frozen=True)
class Normalized:
    """A normalised text; `starts[i]`/`ends[i]`: the original slice output character i came from.

    Both lists are None when the text was not changed (offsets are the same).
    """

    text: str
    starts: tuple[int, ...] | None = None
    ends: tuple[int, ...] | None = None

    @property
    def changed(self) -> bool:
        return self.starts is not None

    def to_original(self, start: int, end: int) -> tuple[int, int]:
        """The original slice that `text[start:end]` came from (end > start required)."""
        if self.starts is None or self.ends is None:
            return start, end
        return self.starts[start], self.ends[end - 1]


def _pieces_nfkc(text: str) -> list[tuple[str, int, int]]:
    """(output, source start, source end) per cluster, format characters dropped, NFKC'd."""
    out: list[tuple[str, int, int]] = []
    i, n = 0, len(text)
    while i < n:
        ch = text[i]
        if ord(ch) in _DROP:
            i += 1
            continue
        j = i + 1
        while j < n and unicodedata.combining(text[j]) and ord(text[j]) not in _DROP:
            j += 1
        cluster = text[i:j]
        out.append((unicodedata.normalize("NFKC", cluster) if not cluster.isascii() else cluster,
                    i, j))
        i = j
    return out


def _spoken_pieces(text: str) -> list[tuple[str, int, int]] | None:
    """(output, source start, source end) pieces rewriting spoken digits and e-mails; None if none."""
    if _TRIGGER.search(text) is None:
        return None
    pieces: list[tuple[str, int, int]] = []
    pos = 0
    for m in _SPOKEN.finditer(text):
        if m.start() > pos:
            pieces.append((text[pos:m.start()], pos, m.start()))
        pos = m.end()
        part_re = _EMAIL_PART if m.group("email") else _DIGIT_PART
        for p in part_re.finditer(text, m.start(), m.end()):
            s, e = p.span()
            if m.group("email"):
                word = p.group(1)
                if word:
                    pieces.append(("@" if word.lower() == "at" else _SEPARATOR_OUT[word.lower()],
                                   s, e))
                else:
                    pieces.append((p.group(2), s, e))
            elif p.group(1):
                pieces.append((_DIGIT_WORDS[p.group(2).lower()] * _REPEAT[p.group(1).lower()], s, e))
            elif p.group(3):
                pieces.append((_DIGIT_WORDS[p.group(3).lower()], s, e))
            elif p.group(4):
                pieces.append((p.group(4), s, e))
            elif p.group(5):
                pieces.append(("+", s, e))
            # group 6: separators and pauses between digits are dropped (mapped by neighbours)
    if not pieces or pos == 0:
        return None
    if pos < len(text):
        pieces.append((text[pos:], pos, len(text)))
    return pieces


def _expand(source: str, pieces: list[tuple[str, int, int]]) -> tuple[str, list[int], list[int]]:
    """Join pieces; per output character the source slice it came from (the whole piece's
    slice, or the one character where the piece is a verbatim copy)."""
    starts: list[int] = []
    ends: list[int] = []
    for out, s, e in pieces:
        if out == source[s:e]:  # copied: character-exact mapping
            if len(out) == 1:
                starts.append(s)
                ends.append(e)
            else:
                starts.extend(range(s, e))
                ends.extend(range(s + 1, e + 1))
        else:
            starts.extend([s] * len(out))
            ends.extend([e] * len(out))
    return "".join(p[0] for p in pieces), starts, ends


def normalize(text: str, spoken: bool = True) -> Normalized:
    """NFKC + format characters dropped (+ spoken digits/e-mails rewritten), with offset maps."""
    starts: list[int] | None = None
    ends: list[int] | None = None
    current = text
    if not text.isascii() and (not unicodedata.is_normalized("NFKC", text)
                               or any(c in _DROP_CHARS for c in text)):
        current, starts, ends = _expand(text, _pieces_nfkc(text))
    if spoken:
        pieces = _spoken_pieces(current)
        if pieces is not None:
            new, s2, e2 = _expand(current, pieces)
            if starts is not None and ends is not None:
                s2 = [starts[i] for i in s2]
                e2 = [ends[i - 1] for i in e2]
            current, starts, ends = new, s2, e2
    if starts is None or ends is None:
        return Normalized(text)
    return Normalized(current, tuple(starts), tuple(ends))
