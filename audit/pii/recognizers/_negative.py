"""Negative context: identifier words right before a number make it an ID, not PII."""

from __future__ import annotations

import re

__all__ = ["ID_WORDS", "id_context"]

ID_WORDS = ("order", "invoice", "ticket", "serial", "part", "sku", "ref", "reference", "tracking",
            "batch", "case", "item", "product", "model", "shipment", "po", "confirmation",
            "booking", "request", "job", "issue", "bug", "policy", "claim", "gtin", "ean", "upc",
            "isbn", "application")

_ID_BEFORE = re.compile(r"\b(?:" + "|".join(re.escape(w) for w in ID_WORDS) +
                        r")\w{0,2}\b(?:\s*(?:no\.?|numbers?|nums?|ids?|#|codes?)\b)?"
                        r"(?:[\s,]+(?:such\s+as|like|e\.g\.|i\.e\.))?[\s:#.,]*$",
                        re.IGNORECASE)


def id_context(text: str, start: int, window: int = 32) -> bool:
    """Whether the words just before `start` name an identifier ("Order #", "Part number",
    "policy numbers such as")."""
    return bool(_ID_BEFORE.search(text[max(0, start - window):start]))
