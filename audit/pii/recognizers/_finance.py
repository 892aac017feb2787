"""Payment cards (Luhn + issuer prefixes) and IBANs (ISO 13616 mod-97), in any grouping and case."""

from __future__ import annotations

from typing import Any

from presidio_analyzer import Pattern, PatternRecognizer

from audit.pii.recognizers._checksums import iban_ok, luhn_ok
from audit.pii.recognizers._negative import id_context

__all__ = ["IbanChecksumRecognizer", "PaymentCardRecognizer"]


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


class PaymentCardRecognizer(PatternRecognizer):
    """13-19 digit card numbers, grouped by spaces/dashes or not, Luhn-valid, with a known issuer
    prefix (Visa 4, Mastercard 51-55 and 2221-2720, Amex 34/37, Discover 6011/65, JCB 35,
    Diners 36/38). Presidio's card pattern predates the Mastercard 2-series and misses it.

    A Luhn-valid number scores 0.6 (1 in 10 random digit strings pass Luhn), 0.95 with a card
    context word, and 0.3 right after an identifier word ("tracking", "order").
    """

    PATTERNS = [Pattern("card (Luhn, issuer prefix)",
                        r"(?<![\d\-])(?:\d{4}[ \-]?){2}\d{4}[ \-]?\d{1,7}(?![\d\-])|"
                        r"(?<![\d\-])3[47]\d{2}[ \-]?\d{6}[ \-]?\d{5}(?![\d\-])", 0.6)]
    CONTEXT = ["card", "credit", "debit", "visa", "mastercard", "amex", "cc", "payment", "pay"]

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(supported_entity="CREDIT_CARD", patterns=self.PATTERNS,
                         context=self.CONTEXT, name="PaymentCardRecognizer", **kwargs)

    def validate_result(self, pattern_text: str) -> bool | None:
        digits = "".join(c for c in pattern_text if c.isdigit())
        return None if 13 <= len(digits) <= 19 and _issuer_ok(digits) and luhn_ok(digits) \
            else False

    def analyze(self, text: str, entities: list[Any], nlp_artifacts: Any = None,
                regex_flags: int | None = None) -> list[Any]:
        results = super().analyze(text, entities, nlp_artifacts, regex_flags)
        for r in results:
            if id_context(text, r.start):
                r.score = 0.3
        return results


def _issuer_ok(d: str) -> bool:
    two, four = int(d[:2]), int(d[:4])
    return (d[0] == "4" or 51 <= two <= 55 or 2221 <= four <= 2720 or two in (34, 37, 35, 36, 38)
            or d.startswith(("6011", "65", "644", "645", "646", "647", "648", "649", "62")))
