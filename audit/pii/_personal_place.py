"""A place is personal data only where it locates a person: in an address or after a personal cue.

"Lagos, Nairobi and Cairo are tech hubs", "the Paris office", "TZ=Europe/Berlin" name places but
say nothing about anyone; "I moved to Nairobi", "Calle Mayor 17, 28013 Madrid", "city: Lyon" do.
`personal_places` keeps a LOCATION span at its score when

- it is part of an address: within a short gap (same line and sentence) of a street address or
  a postcode, or right next to another LOCATION that is kept (only a comma or dash between
  them: "5 Long Street, Sea Point, Cape Town, South Africa" chains);
- a personal or address cue precedes it on its line ("live", "moved", "born", "based",
  "staying", "address", "ship to", "city:", "Adresse", "vivo en", "I'm in", ...), or a person
  comes "from" it ("this is Tane from Rotorua", "I'm from Leeds", "Kwame Mensah from Accra");
- it sits in a table whose header names a place column (`name,email,city`).

Any other LOCATION gets a score below the reporting threshold (it is still there for callers
that ask for everything with a lower threshold). A LOCATION that the NER or a place cue read
from words that are all listed given or family names and no listed place ("Hi Ananya",
"invoice from Pieter van der Berg") is a PERSON.
"""

from __future__ import annotations

import regex

from audit.types import Span

__all__ = ["UNCUED_SCORE", "drop_uncued", "personal_places"]

# Score of a place with no personal or address cue: under the default threshold of 0.5.
UNCUED_SCORE = 0.35
_GAP = 32  # characters between the parts of one address ("Praha 10", ", Selangor ", ...)
_UNCUED = "; no personal or address cue"
_WINDOW = 64  # characters before a place searched for a cue (within its line)

_CUE = regex.compile(
    r"\b(?:live|lives|lived|living|reside[sd]?|residing|residence|resident|moved|moving|move|"
    r"relocat\w*|born|birthplace|grew\s+up|raised|based|staying|stays|stay|hometown|home|"
    r"address\w*|addr|adres\w*|dirección|direccion|endereço|endereco|indirizzo|anschrift|"
    r"wohn\w*|vivo|vive|vivimos|moro|mora|habite|habito|ship|shipped|shipping|send|sent|"
    r"deliver\w*|dispatch\w*|mail(?:ed)?\s+to|post(?:ed)?\s+to|postcode|post\s+code|zip|"
    r"city|town|ville|ciudad|cidade|città|stadt|ort|village|suburb|locality|district|"
    r"neighbou?rhood|province|county|leaving\s+for|left\s+for|"
    r"(?:i['’]?m|i\s+am|he['’]?s|she['’]?s|we['’]?re|they['’]?re|you['’]?re|currently|now|still)\s+(?:\w+\s+)?"
    r"(?:in|at|near))\b", regex.IGNORECASE)
# A person "from" a place: a subject right before "from" ("this is Tane Parata from").
_FROM = regex.compile(
    r"(?:\b(?:i['’]?m|i\s+am|he['’]?s|she['’]?s|we['’]?re|they['’]?re|is|are|was|were|comes?|came|"
    r"originally)|\b(?:this\s+is|it['’]?s)(?:\s+[\p{L}'\-]+){1,3})\s+from\s+$", regex.IGNORECASE)
_FROM_ONLY = regex.compile(r"\bfrom\s+$", regex.IGNORECASE)
# Someone introduced, then where they are from: "I'm Ana Ruiz from …".
_SELF_FROM = regex.compile(r"\b(?:i['’]?m|i\s+am|he['’]?s|she['’]?s|we['’]?re|they['’]?re|"
                           r"this\s+is|it['’]?s|is|was|are|were)(?:\s+[\p{L}'’\-]+){0,3}"
                           r"\s+from\s+$", regex.IGNORECASE)
_HEADER = regex.compile(r"(?:^|[,;\t|])\s*\"?(?:city|town|ville|ciudad|cidade|citta|città|stadt|"
                        r"ort|locality|suburb|location|place|address|addr|country|region|"
                        r"state|province)\"?\s*(?=$|[,;\t|])", regex.IGNORECASE)
# A sentence ends between two places ("... 3011 Bern, Schweiz. Our Zürich office"); a short
# word's period is an abbreviation ("Col. Roma", "Av. Paulista").
_SENTENCE_END = regex.compile(r"(?:\p{L}{4}|\d)[.!?](?:\s|$)|[!?]")
_SEPARATOR = regex.compile(r"[ \t]*[,\-–]?[ \t]*")
_WORD = regex.compile(r"\p{L}[\p{L}\p{M}'’\-]*")


def _line_start(text: str, pos: int) -> int:
    return text.rfind("\n", 0, pos) + 1


def _cued(span: Span, text: str, persons: list[Span]) -> bool:
    lo = max(_line_start(text, span.start), span.start - _WINDOW)
    before = text[lo:span.start]
    if _CUE.search(before) is not None:
        return True
    if _FROM_ONLY.search(before) is None:
        return False
    if _FROM.search(before) is not None:
        return True
    # "Kwame Mensah from Accra": a detected person right before "from".
    at = span.start - len(_FROM_ONLY.search(before).group())
    return any(0 <= at - p.end <= 2 for p in persons)


def _table_place(span: Span, text: str) -> bool:
    first_end = text.find("\n")
    if first_end < 0 or span.start <= first_end:
        return False
    header = text[:first_end]
    return ("," in header or ";" in header or "\t" in header or "|" in header) and \
        _HEADER.search(header) is not None


def _near(a: Span, b: Span, text: str) -> bool:
    if a.start < b.end and b.start < a.end:
        return True
    lo, hi = (a.end, b.start) if a.end <= b.start else (b.end, a.start)
    gap = text[lo:hi]
    return (hi - lo <= _GAP and "\n" not in gap
            and _SENTENCE_END.search(text, max(0, lo - 4), hi) is None)


def _adjacent(a: Span, b: Span, text: str) -> bool:
    """Two places one after the other in an address ("Sea Point, Cape Town", "Gangnam-gu
    Seoul"): only spaces and commas or dashes between them."""
    lo, hi = (a.end, b.start) if a.end <= b.start else (b.end, a.start)
    return hi >= lo and _SEPARATOR.fullmatch(text, lo, hi) is not None


def _as_person(span: Span, text: str) -> Span | None:
    """The span as a PERSON when its words are listed names and not a listed place."""
    from audit.pii.recognizers._gazetteer import all_names
    from audit.pii.recognizers._places import places

    from audit.pii.recognizers._gazetteer import PARTICLES

    names = all_names()
    words = [w.casefold() for w in _WORD.findall(text[span.start:span.end])]
    if not words or (words[0] in PARTICLES and words[0] not in names) \
            or tuple(words) in places():
        return None
    table = places()
    if not all(w in names or (i and w in PARTICLES) for i, w in enumerate(words)):
        return None
    if any((w,) in table for w in words):
        return None
    before = _WORD.findall(text[max(0, span.start - 30):span.start])
    if before and (before[-1].casefold(), *words) in table:  # "Paulo" of "São Paulo"
        return None
    return _filtered(Span(span.start, span.end, "PERSON", span.score, span.recognizer,
                          span.explanation + "; listed name, read as a person"), text)


def _filtered(span: Span, text: str) -> Span | None:
    """A place retyped as a PERSON, put through the PERSON filter that ran before the retyping
    (`audit.pii._ner_filter.person_filter`): "Stanley Park", "the Newton solver", "from Jan",
    "TIM" are things, dates or acronyms made of listed-name words, no person (None then)."""
    from audit.pii._ner_filter import person_filter

    kept = person_filter([span], text)
    return kept[0] if kept else None


def _cue_names(spans: list[Span], text: str) -> list[Span]:
    """A place cue's reading of a name ("a call from Janine Moss", "request from Yusuf Demir"):
    a bare "from" precedes people as often as places ("I'm Ana from Leeds" is a place). The
    LOCATION gives way to a person when the NER reads the same words as a PERSON, or when its
    first word is a listed given name that is no common word; in both cases only when no word
    of it is a listed place."""
    from audit.pii.recognizers._gazetteer import AMBIGUOUS, given_names
    from audit.pii.recognizers._places import places

    cue = [s for s in spans if s.entity_type == "LOCATION"
           and s.recognizer == "LocationCueRecognizer"]
    if not cue:
        return spans
    table = places()
    ner = [s for s in spans if s.entity_type == "PERSON" and s.recognizer == "SpacyRecognizer"]
    out = []
    for s in spans:
        if s in cue:
            words = [w.casefold() for w in _WORD.findall(text[s.start:s.end])]
            before = text[max(_line_start(text, s.start), s.start - _WINDOW):s.start]
            # only after a bare "from" ("a call from …"); "moved to", "I'm Ana from" are places
            if _FROM_ONLY.search(before) is None or _FROM.search(before) is not None \
                    or _SELF_FROM.search(before) is not None:
                out.append(s)
                continue
            if words and tuple(words) not in table and not any((w,) in table for w in words):
                if any(p.start <= s.start and s.end <= p.end for p in ner):
                    continue  # the NER's PERSON stays
                if words[0] in given_names() and words[0] not in AMBIGUOUS:
                    s = _filtered(Span(s.start, s.end, "PERSON", s.score, s.recognizer,
                                       s.explanation + "; listed given name, read as a person"),
                                  text) or s
        out.append(s)
    return out


def _trim_field_label(span: Span, text: str) -> Span:
    """"Atlanta   State" before "State: GA": a form's next field label is not part of a place."""
    if not regex.match(r"[ \t]*:", text[span.end:span.end + 4]):
        return span
    words = list(_WORD.finditer(text, span.start, span.end))
    if len(words) < 2:
        return span
    end = words[-2].end()
    return Span(span.start, end, span.entity_type, span.score, span.recognizer, span.explanation)


def personal_places(spans: list[Span], text: str) -> list[Span]:
    """`spans` with each LOCATION kept, retyped as a PERSON, or marked as uncued (for
    `drop_uncued`), as the module docstring says."""
    if not any(s.entity_type == "LOCATION" for s in spans):
        return spans
    spans = _cue_names(spans, text)
    out = [_trim_field_label(s, text) if s.entity_type == "LOCATION" else s for s in spans]
    persons = [s for s in out if s.entity_type == "PERSON"]
    anchors = [s for s in out if s.entity_type in ("STREET_ADDRESS", "POSTCODE")]
    places = [s for s in out if s.entity_type == "LOCATION"]
    kept = {id(p) for p in places
            if _cued(p, text, persons) or _table_place(p, text)
            or any(_near(p, a, text) for a in anchors)}
    grew = True
    while grew:  # chains of address parts: "Sea Point, Cape Town, South Africa"
        grew = False
        for p in places:
            if id(p) not in kept and any(id(q) in kept and _adjacent(p, q, text)
                                         for q in places):
                kept.add(id(p))
                grew = True
    result = []
    for s in out:
        if s.entity_type == "LOCATION" and id(s) not in kept:
            s = _as_person(s, text) or _mark(s, text)
        result.append(s)
    return result


def _mark(span: Span, text: str) -> Span:
    """An uncued place, marked for `drop_uncued`. A listed place keeps its score until then, so
    a weaker reading of its words ("Paulo" as a name inside "São Paulo") does not take its
    place; any other loses it now, so a name reading of the same words wins ("payment from
    Selin Karaosmanoğlu")."""
    from audit.pii.recognizers._places import places

    words = tuple(w.casefold() for w in _WORD.findall(text[span.start:span.end]))
    score = span.score if words in places() else min(span.score, UNCUED_SCORE)
    return Span(span.start, span.end, span.entity_type, score, span.recognizer,
                span.explanation + _UNCUED)


def drop_uncued(spans: list[Span], threshold: float) -> list[Span]:
    """After overlap resolution: each place marked by `personal_places` scored
    `UNCUED_SCORE` at most, and dropped when that is under `threshold`. (Marked places keep
    their score until then when they are listed places: see `_mark`.)"""
    out = []
    for s in spans:
        if s.explanation.endswith(_UNCUED):
            score = min(s.score, UNCUED_SCORE)
            if score < threshold:
                continue
            s = Span(s.start, s.end, s.entity_type, score, s.recognizer, s.explanation)
        out.append(s)
    return out
