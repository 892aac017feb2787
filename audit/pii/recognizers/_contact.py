"""Email and phone recognizers: offline TLD validation, and phone formats checked by libphonenumber."""

from __future__ import annotations

from typing import Any

import phonenumbers
from presidio_analyzer import Pattern, PatternRecognizer
from presidio_analyzer.predefined_recognizers import EmailRecognizer, UrlRecognizer

from audit.pii.recognizers._negative import id_context

__all__ = ["OfflineEmailRecognizer", "PhoneFormatRecognizer", "StrictUrlRecognizer"]


class OfflineEmailRecognizer(EmailRecognizer):
    """Presidio's email pattern, with the domain checked against the bundled public-suffix snapshot.

    Presidio calls the module-level `tldextract.extract`, which fetches the suffix list over HTTP
    on first use; this recognizer uses its own `TLDExtract(suffix_list_urls=())`, so it never
    touches the network.
    """

    def __init__(self, **kwargs: Any) -> None:
        import tldextract

        super().__init__(name="OfflineEmailRecognizer", **kwargs)
        self._extract = tldextract.TLDExtract(suffix_list_urls=(), cache_dir=None,
                                              fallback_to_snapshot=True)

    def validate_result(self, pattern_text: str) -> bool:
        domain = pattern_text.rsplit("@", 1)[-1]
        return bool(self._extract(domain).fqdn)


_SEP = r"[\s.\-]?"


class PhoneFormatRecognizer(PatternRecognizer):
    """Phone numbers in NANP, UK and international (+CC) formats, validated with libphonenumber.

    Valid numbers score 0.65; numbers that are only *possible* (right length, unassigned area
    code) score 0.4 and need a context word ("call", "phone", ...) to pass the default threshold.
    Bare digit runs are not matched, so order numbers and IDs without separators stay quiet, and
    3-3-4 groups separated only by spaces are capped at 0.45 (they need context too), and a
    number right after an identifier word ("order", "invoice", ...) at 0.3.
    """

    PATTERNS = [
        Pattern("phone (international)",
                r"(?<![\w+])\+\d{1,3}[\s.\-]?(?:\(0\)\s?)?(?:\(?\d{1,5}\)?[\s.\-]?){1,4}\d{2,5}"
                r"(?:\s?(?:x|ext\.?)\s?\d{1,5})?(?!\w)", 0.5),
        Pattern("phone (NANP)",
                r"(?<![\w+\-.])(?:(?:00|0{0,2}1)[\s.\-])?(?:\(\d{3}\)\s?|\d{3}[\s.\-])\d{3}[\s.\-]\d{4}"
                r"(?:\s?(?:x|ext\.?)\s?\d{1,5})?(?![\w\-])", 0.5),
        Pattern("phone (UK national)",
                r"(?<![\w+\-.])(?:\(0\d{2,4}\)\s?|0\d{2,4}[\s\-]?)\d{3,4}[\s\-]?\d{3,4}(?![\w\-])",
                0.5),
    ]
    CONTEXT = ["phone", "call", "tel", "telephone", "mobile", "cell", "fax", "reach", "text",
               "contact", "dial", "whatsapp", "ring", "landline"]

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(supported_entity="PHONE_NUMBER", patterns=self.PATTERNS,
                         context=self.CONTEXT, name="PhoneFormatRecognizer", **kwargs)

    def analyze(self, text: str, entities: list[str], nlp_artifacts: Any = None,
                regex_flags: int | None = None) -> list[Any]:
        results = super().analyze(text, entities, nlp_artifacts, regex_flags)
        for r in results:
            r.score = _phone_score(text[r.start:r.end])
            if r.score and _bare_groups(text[r.start:r.end]):
                r.score = min(r.score, 0.45)  # "943 476 5919" is as often an ID as a phone
            if r.score and id_context(text, r.start):
                r.score = min(r.score, 0.3)
            if r.analysis_explanation is not None:
                r.analysis_explanation.original_score = r.score
                r.analysis_explanation.score = r.score
        return [r for r in results if r.score > 0]


def _bare_groups(candidate: str) -> bool:
    """A 3-3-4 digit group separated by spaces only (the NHS-number shape), no +, (), . or -."""
    return [len(g) for g in candidate.split()] == [3, 3, 4]


def _phone_score(candidate: str) -> float:
    digits = sum(c.isdigit() for c in candidate.split("x")[0].split("ext")[0])
    if not 7 <= digits <= 15:
        return 0.0
    body = candidate.strip()
    if body.startswith("00"):  # 00 44 ..., 001-212-...: international prefix
        body = "+" + body[2:]
    region = None if body.startswith("+") else ("GB" if body.lstrip("(").startswith("0") else "US")
    try:
        num = phonenumbers.parse(body, region)
    except phonenumbers.NumberParseException:
        return 0.0
    if phonenumbers.is_valid_number(num):
        return 0.65
    if phonenumbers.is_possible_number(num):
        return 0.4
    return 0.0


class StrictUrlRecognizer(UrlRecognizer):
    """Presidio's URL patterns, but a bare `word.word` without scheme or `www.` ("B.Sc",
    "Univ.Prof", "john.sm" inside an e-mail) scores 0.3 and needs a context word."""

    CONTEXT = ["url", "website", "site", "link", "homepage", "blog", "profile", "portfolio",
               "visit", "web"]

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(context=self.CONTEXT, name="StrictUrlRecognizer", **kwargs)

    def analyze(self, text: str, entities: list[str], nlp_artifacts: Any = None,
                regex_flags: int | None = None) -> list[Any]:
        results = super().analyze(text, entities, nlp_artifacts, regex_flags)
        for r in results:
            value = text[r.start:r.end].lower()
            if "://" not in value and not value.startswith("www."):
                r.score = min(r.score, 0.3)
        return results
