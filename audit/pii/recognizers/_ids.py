"""National identifiers with presidio's patterns but stricter scoring: NHS numbers need context."""

from __future__ import annotations

import re
from typing import Any

from presidio_analyzer import Pattern, PatternRecognizer

from audit.pii.recognizers._checksums import nhs_ok
from audit.pii.recognizers._negative import id_context

__all__ = ["NhsContextRecognizer", "SsnContextRecognizer"]


class NhsContextRecognizer(PatternRecognizer):
    """UK NHS numbers: mod-11 check digit *and* a context word ("NHS", "patient", ...).

    Presidio scores any 3-3-4 digit group with a valid check digit (1 in 11 random numbers) as
    UK_NHS at 1.0, which outranks a phone number in the same place; here the pattern starts at
    0.35, so it only passes the default threshold with context (0.7 then, above a valid phone
    number's 0.65).
    """

    PATTERNS = [Pattern("NHS (mod-11)", r"(?<![\w\-])\d{3}[\- ]?\d{3}[\- ]?\d{4}(?![\w\-])", 0.35)]
    SCORE_CEILING = 0.35  # before context: validate_result never returns True (see audit.pii._gate)
    CONTEXT = ["nhs", "national health service", "health service", "patient", "hospital",
               "gp", "health number"]

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(supported_entity="UK_NHS", patterns=self.PATTERNS, context=self.CONTEXT,
                         name="NhsContextRecognizer", **kwargs)

    def analyze(self, text: str, entities: list[Any], nlp_artifacts: Any = None,
                regex_flags: int | None = None) -> list[Any]:
        results = super().analyze(text, entities, nlp_artifacts, regex_flags)
        return [r for r in results if not id_context(text, r.start)]

    def validate_result(self, pattern_text: str) -> bool | None:
        # None keeps the pattern score (True would set it to 1.0); False drops the match.
        return None if nhs_ok(pattern_text) else False


class SsnContextRecognizer(PatternRecognizer):
    """US social security numbers written as nine bare digits (speech-to-text, forms), with a
    context word ("SSN", "social security"); presidio's own bare-digit pattern scores 0.05 and
    stays below the threshold even with context. The SSA's never-issued ranges (area 000, 666,
    900-999, group 00, serial 0000) are dropped."""

    PATTERNS = [Pattern("SSN (nine digits)", r"(?<![\w\-.])\d{9}(?![\w\-]|\.\d)", 0.3),
                # A field labelled as an SSN: `SSN=890556359`, `"ssn": "460 07 4292"` (the
                # label and value are one token there, so context words cannot see the label).
                Pattern("SSN (labelled field)",
                        r"(?i:\bssn|\bsocial[ _]security(?:[ _](?:no\.?|number|nr))?)[\"']?[ \t]*"
                        r"[:=#][ \t]*[\"']?\d{3}[ .\-]?\d{2}[ .\-]?\d{4}(?![\w\-]|\.\d)", 0.7)]
    SCORE_CEILING = 0.7  # a labelled field (see audit.pii._gate)
    _LABEL = re.compile(r"\D*")
    CONTEXT = ["ssn", "social", "security", "social security", "ss#", "ssn#", "tin", "taxpayer"]

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(supported_entity="US_SSN", patterns=self.PATTERNS, context=self.CONTEXT,
                         name="SsnContextRecognizer", **kwargs)

    def analyze(self, text: str, entities: list[Any], nlp_artifacts: Any = None,
                regex_flags: int | None = None) -> list[Any]:
        results = super().analyze(text, entities, nlp_artifacts, regex_flags)
        for r in results:  # a labelled field reports the number, not its label
            r.start = self._LABEL.match(text, r.start, r.end).end()
        return results

    def validate_result(self, pattern_text: str) -> bool | None:
        pattern_text = "".join(c for c in pattern_text if c.isdigit())
        area, group, serial = pattern_text[:3], pattern_text[3:5], pattern_text[5:]
        if area in ("000", "666") or area[0] == "9" or group == "00" or serial == "0000" \
                or len(set(pattern_text)) == 1:
            return False
        return None
