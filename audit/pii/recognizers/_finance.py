"""IBAN with the ISO 13616 checks, in any case and grouping (presidio's pattern wants upper case)."""

from __future__ import annotations

from typing import Any

from presidio_analyzer import Pattern, PatternRecognizer

from audit.pii.recognizers._checksums import iban_ok

__all__ = ["IbanChecksumRecognizer"]


class IbanChecksumRecognizer(PatternRecognizer):
    """IBANs grouped by spaces or dashes, any letter case; kept only if country length and mod-97 pass."""

    PATTERNS = [Pattern("IBAN (mod-97)",
                        r"(?<![A-Z0-9])[A-Z]{2}\d{2}(?:[ \-]?[A-Z0-9]){11,30}(?![A-Z0-9])", 0.5)]
    CONTEXT = ["iban", "bank", "account", "transfer", "payment", "wire", "sepa"]

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(supported_entity="IBAN_CODE", patterns=self.PATTERNS, context=self.CONTEXT,
                         name="IbanChecksumRecognizer", **kwargs)

    def analyze(self, text: str, entities: list[str], nlp_artifacts: Any = None,
                regex_flags: int | None = None) -> list[Any]:
        out = []
        for r in super().analyze(text, entities, nlp_artifacts, regex_flags):
            # The greedy pattern can run into a following word; shrink to the longest valid prefix.
            span = text[r.start:r.end]
            end = _longest_valid(span)
            if end:
                r.end = r.start + end
                r.score = 1.0
                out.append(r)
        return out


def _longest_valid(span: str) -> int:
    for end in range(len(span), 14, -1):
        if span[end - 1].isalnum() and iban_ok(span[:end]):
            return end
    return 0
