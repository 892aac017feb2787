"""Redaction through presidio-anonymizer operators: replace, mask, keyed hash, encrypt."""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Sequence
from functools import lru_cache
from typing import Any

from audit.errors import UsageError
from audit.pii.secret import keyed_hash, load_secret
from audit.types import Span

__all__ = ["OPERATORS", "decrypt_value", "redact_spans"]

OPERATORS: tuple[str, ...] = ("replace", "mask", "hash", "encrypt")
HASH_CHARS = 16  # hex characters of the HMAC kept in a redacted text (64 bits)


@lru_cache(maxsize=1)
def _anonymizer() -> Any:
    from presidio_anonymizer import AnonymizerEngine

    return AnonymizerEngine()


def _encrypt_key() -> str:
    """A 256-bit AES key (32 hex chars) derived from the per-install secret."""
    return hmac.new(load_secret(), b"assay-encrypt-v1", hashlib.sha256).hexdigest()[:32]


def _operator(name: str, entity: str) -> Any:
    from presidio_anonymizer.entities import OperatorConfig

    if name == "replace":
        return OperatorConfig("replace", {"new_value": f"<{entity}>"})
    if name == "mask":
        return OperatorConfig("mask", {"masking_char": "*", "chars_to_mask": 10**6,
                                       "from_end": False})
    if name == "hash":
        return OperatorConfig("custom", {
            "lambda": lambda v, e=entity: f"<{e}:{keyed_hash(v)[:HASH_CHARS]}>"})
    if name == "encrypt":
        return OperatorConfig("encrypt", {"key": _encrypt_key()})
    raise UsageError(f"unknown redaction operator {name!r}", f"use one of {', '.join(OPERATORS)}")


def redact_spans(text: str, spans: Sequence[Span], operator: str = "replace") -> str:
    """`text` with each span replaced by `operator`; overlapping spans are merged by presidio."""
    if operator not in OPERATORS:
        raise UsageError(f"unknown redaction operator {operator!r}",
                         f"use one of {', '.join(OPERATORS)}")
    if not spans:
        return text
    from presidio_anonymizer.entities import RecognizerResult

    results = [RecognizerResult(s.entity_type, s.start, s.end, s.score) for s in spans]
    ops = {s.entity_type: _operator(operator, s.entity_type) for s in spans}
    return _anonymizer().anonymize(text=text, analyzer_results=results, operators=ops).text


def decrypt_value(token: str) -> str:
    """Undo the `encrypt` operator for one encrypted value (needs this install's secret)."""
    from presidio_anonymizer import DeanonymizeEngine
    from presidio_anonymizer.entities import OperatorConfig, OperatorResult

    res = DeanonymizeEngine().deanonymize(
        text=token, entities=[OperatorResult(0, len(token), "PII", token, "encrypt")],
        operators={"DEFAULT": OperatorConfig("decrypt", {"key": _encrypt_key()})})
    return res.text
