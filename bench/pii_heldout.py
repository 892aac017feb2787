"""A held-out, labelled PII evaluation set, independent of `bench/pii_evalset.py`.

Two sources, one list (`generate()`):
- **hand-written** texts in `bench/data/pii_heldout_handwritten.jsonl` (chat, support tickets,
  e-mails, transcripts, other languages, mixed scripts), labelled inline as `[[LABEL|value]]`;
- **composed** texts (`bench/pii_heldout_genres.py`): a genre's frame around one to four mentions
  of values from `bench/pii_heldout_values.py` (own name, address, phone, card and IBAN makers; no
  Faker, no template shared with the in-distribution set), about 12% without PII, about 10% with a
  zero-width space, NBSP or narrow NBSP inside a value.

Gold labels (presidio's names, as Assay uses them): PERSON, EMAIL_ADDRESS, PHONE_NUMBER,
CREDIT_CARD, IBAN_CODE, US_SSN, IP_ADDRESS, STREET_ADDRESS (house number, street and flat — the
city and postcode are their own spans), LOCATION (a city), POSTCODE. Spans are exact character
offsets into the text as written (zero-width characters inside a value are inside its span).

Nothing here reads the detector: the set must stay a measurement, not a tuning target.
"""

from __future__ import annotations

import json
import random
import re
from dataclasses import dataclass, field
from pathlib import Path

from bench.pii_heldout_genres import GENRES, Builder
from bench.pii_heldout_values import Pools

__all__ = ["HANDWRITTEN", "LABELS", "LATE", "HeldoutExample", "InventedNames", "generate",
           "invented_names", "late", "load_handwritten", "parse_marked"]

HANDWRITTEN = Path(__file__).parent / "data" / "pii_heldout_handwritten.jsonl"
# Written after the detector work began and added only with the final measurement, so no run
# before it could have seen even its aggregates; absent, the bench skips that set.
LATE = Path(__file__).parent / "data" / "pii_heldout_late.jsonl"
LABELS = frozenset({"PERSON", "EMAIL_ADDRESS", "PHONE_NUMBER", "CREDIT_CARD", "IBAN_CODE", "US_SSN",
                    "IP_ADDRESS", "STREET_ADDRESS", "LOCATION", "POSTCODE"})
CLEAN_SHARE = 0.12
NOISY_SHARE = 0.10
_MARK = re.compile(r"\[\[([A-Z_]+)\|(.*?)\]\]", re.S)


@dataclass
class HeldoutExample:
    """One labelled text: gold spans are (start, end, label) with character offsets."""

    text: str
    spans: list[tuple[int, int, str]] = field(default_factory=list)
    kind: str = "pii"  # "pii" or "none" (no PII at all)
    genre: str = ""
    source: str = "composed"  # or "handwritten"


def parse_marked(marked: str) -> tuple[str, list[tuple[int, int, str]]]:
    """`"call [[PERSON|Ana]]"` -> ("call Ana", [(5, 8, "PERSON")]); unknown labels are an error."""
    out, spans, pos, last = [], [], 0, 0
    for m in _MARK.finditer(marked):
        label, value = m.group(1), m.group(2)
        if label not in LABELS:
            raise ValueError(f"unknown label {label!r} in {marked[:60]!r}")
        out.append(marked[last:m.start()])
        pos += m.start() - last
        spans.append((pos, pos + len(value), label))
        out.append(value)
        pos += len(value)
        last = m.end()
    out.append(marked[last:])
    text = "".join(out)
    if "[[" in text or "]]" in text:
        raise ValueError(f"unbalanced markup in {marked[:60]!r}")
    return text, spans


def load_handwritten(path: Path = HANDWRITTEN) -> list[HeldoutExample]:
    out = []
    for i, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if not line.strip():
            continue
        try:
            row = json.loads(line)
            text, spans = parse_marked(row["text"])
        except (ValueError, KeyError) as exc:
            raise ValueError(f"{path.name}:{i}: {exc}") from None
        out.append(HeldoutExample(text, spans, "pii" if spans else "none", row["genre"],
                                  "handwritten"))
    return out


def _compose(genre: str, rng: random.Random, pools: Pools) -> HeldoutExample:
    fn, _ = GENRES[genre]
    clean = rng.random() < CLEAN_SHARE
    b = Builder(rng, noisy=genre != "stt" and rng.random() < NOISY_SHARE)
    fn(pools, b, clean)
    return HeldoutExample("".join(b.buf), b.spans, "pii" if b.spans else "none", genre)


def generate(n: int | None = None, seed: int = 2027) -> list[HeldoutExample]:
    """The hand-written texts plus composed ones, deterministic for a seed.

    `n` takes an evenly spaced subset of the full set (same texts, same values), so a small run
    sees both sources and every genre in proportion.
    """
    hand = load_handwritten()
    plan = [g for g, (_, w) in GENRES.items() for _ in range(w)]
    rng = random.Random(seed)
    rng.shuffle(plan)
    pools = Pools(rng)
    out = hand + [_compose(g, rng, pools) for g in plan]
    if n is None or n >= len(out):
        return out
    return [out[i * len(out) // n] for i in range(n)]


class InventedNames(Pools):
    """Pools whose people have invented, pronounceable names (no list can know them).

    A name found here was found from its context ("my name is", "Kind regards,", a `full_name`
    field), not from a gazetteer; the rest of the values are drawn as in `Pools`.
    """

    _C, _V, _END = "bdfghklmnprstvz", "aeiou", ["", "", "n", "r", "l", "s"]

    def _word(self, syllables: int) -> str:
        r = self.r
        w = "".join(r.choice(self._C) + r.choice(self._V) for _ in range(syllables))
        return (w + r.choice(self._END)).capitalize()

    def name(self) -> tuple[str, str, str]:
        r = self.r
        first = self._word(r.choice([2, 2, 3]))
        last = self._word(r.choice([2, 3, 3]))
        if r.random() < 0.15:
            last = f"{last}-{self._word(2)}"
        elif r.random() < 0.1:
            last = f"{r.choice(['van der', 'de', 'al', 'ben'])} {last}"
        return first, last, f"{first} {last}"


def invented_names(n: int = 300, seed: int = 2028) -> list[HeldoutExample]:
    """Composed texts whose people have invented names (`InventedNames`): PERSON recall here
    measures detection from context, which no name list can supply. Reported as its own set."""
    rng = random.Random(seed)
    genres = sorted(GENRES)
    pools = InventedNames(rng)
    out = []
    while len(out) < n:
        ex = _compose(rng.choice(genres), rng, pools)
        if any(lab == "PERSON" for *_, lab in ex.spans):  # texts without a name add nothing here
            ex.source = "invented"
            out.append(ex)
    return out


def late() -> list[HeldoutExample]:
    """The late hand-written set (`LATE`), or [] where this checkout has none."""
    if not LATE.is_file():
        return []
    out = load_handwritten(LATE)
    for ex in out:
        ex.source = "late"
    return out
