"""Payment cards (Luhn + issuer prefixes) and IBANs (ISO 13616 mod-97), in any grouping and case."""

from __future__ import annotations

import re
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
    prefix (see `_issuer_ok`), in groups of 2-7 digits separated by spaces, dots or dashes
    (4-4-4-4, Amex 4-6-5, Diners 4-6-4, 4-4-4-4-3) or not at all. Presidio's card pattern
    predates the Mastercard 2-series and misses it.

    A Luhn-valid number scores 0.6 (1 in 10 random digit strings pass Luhn), 0.95 with a card
    context word, and 0.3 right after an identifier word ("tracking", "order").
    """

    PATTERNS = [Pattern("card (Luhn, issuer prefix)",
                        r"(?<![\d\-.])\d{4}(?:(?:[ \t]?[.\-][ \t]?|[ \t])?\d{2,7}){1,5}"
                        r"(?![\d\-]|\.\d)", 0.6)]
    CONTEXT = ["card", "credit", "debit", "visa", "mastercard", "amex", "cc", "payment", "pay",
               "maestro", "discover", "jcb", "diners", "rupay", "unionpay", "card number",
               "expiry", "expires", "cvv", "cvc", "karte", "carte", "tarjeta"]

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(supported_entity="CREDIT_CARD", patterns=self.PATTERNS,
                         context=self.CONTEXT, name="PaymentCardRecognizer", **kwargs)

    def analyze(self, text: str, entities: list[Any], nlp_artifacts: Any = None,
                regex_flags: int | None = None) -> list[Any]:
        out = []
        for r in super().analyze(text, entities, nlp_artifacts, regex_flags):
            # Groups of 2-7 digits in any grouping: keep the longest run of leading groups that
            # is a card (a year or CVV written after the number is not part of it).
            end = _longest_card(text[r.start:r.end])
            if not end:
                continue
            r.end = r.start + end
            if id_context(text, r.start):
                r.score = 0.3
            out.append(r)
        return out


_GROUP = re.compile(r"\d+")


def _longest_card(span: str) -> int:
    """Length of the longest prefix of `span`, ending after a digit group, that is a card."""
    ends = [m.end() for m in _GROUP.finditer(span)]
    for end in reversed(ends):
        digits = "".join(c for c in span[:end] if c.isdigit())
        if 13 <= len(digits) <= 19 and _issuer_ok(digits) and luhn_ok(digits):
            return end
    return 0


def _issuer_ok(d: str) -> bool:
    """A payment-network prefix (ISO/IEC 7812 IIN ranges in use): Visa 4, Mastercard 51-55 and
    2221-2720, Maestro 50/56-58/6, Amex 34/37, Diners 30/36/38/39, JCB 35, Discover 6011/64/65,
    UnionPay 62, RuPay 60/65/81/82."""
    two, four = int(d[:2]), int(d[:4])
    return (d[0] in "46" or 50 <= two <= 58 or 2221 <= four <= 2720
            or two in (30, 34, 35, 36, 37, 38, 39, 81, 82))
