"""How bad it is to find each PII entity type: one table for audits and monitors alike.

The worst entity in a text sets its finding's severity, so an audit-time finding and a
production-time finding of the same text get the same severity.

- **high**: identifiers whose exposure is directly exploitable for fraud, account takeover or
  identity theft (government and health ids, financial accounts, cards, credentials).
- **medium**: direct identifiers and contact details: they name or reach one person
  (name, e-mail, phone, street address, date of birth, device and network addresses).
  PERSON is here, not low: a full name is what ties every other attribute in a text to a
  human being, and GDPR/HIPAA count names as direct identifiers; it is not high because a name
  alone grants no access (and NER also tags public and fictional figures).
- **low**: quasi-identifiers that narrow a population without naming anyone (city, postcode,
  URL, nationality/religious/political group, other dates).

A type missing from the table (a plug-in recognizer's own) counts as medium: unknown PII is
treated as identifying rather than quietly ranked below names.
"""

from __future__ import annotations

from collections.abc import Iterable
from types import MappingProxyType

from audit.types import SEVERITIES

__all__ = ["ENTITY_SEVERITY", "HIGH_RISK", "SEVERITY_ORDER", "UNKNOWN_SEVERITY",
           "entity_severity", "worst_severity"]

SEVERITY_ORDER: tuple[str, ...] = SEVERITIES
UNKNOWN_SEVERITY = "medium"

_HIGH = ("US_SSN", "CREDIT_CARD", "IBAN_CODE", "US_BANK_NUMBER", "US_PASSPORT",
         "US_DRIVER_LICENSE", "US_ITIN", "UK_NHS", "UK_NINO", "CRYPTO", "MEDICAL_LICENSE",
         "PASSWORD", "API_KEY", "UK_PASSPORT", "ES_NIF", "ES_NIE", "IT_FISCAL_CODE",
         "IT_PASSPORT", "IT_IDENTITY_CARD", "IT_DRIVER_LICENSE", "IN_AADHAAR", "IN_PAN",
         "IN_PASSPORT", "SG_NRIC_FIN", "AU_TFN", "AU_MEDICARE", "PL_PESEL", "KR_RRN")
_MEDIUM = ("PERSON", "EMAIL_ADDRESS", "PHONE_NUMBER", "STREET_ADDRESS", "DATE_OF_BIRTH",
           "IP_ADDRESS", "MAC_ADDRESS")
_LOW = ("LOCATION", "POSTCODE", "ZIP", "URL", "NRP", "DATE_TIME", "ORGANIZATION")

ENTITY_SEVERITY: MappingProxyType[str, str] = MappingProxyType(
    {**{t: "low" for t in _LOW}, **{t: "medium" for t in _MEDIUM},
     **{t: "high" for t in _HIGH}})
HIGH_RISK: frozenset[str] = frozenset(_HIGH)


def entity_severity(entity_type: str) -> str:
    """The severity of finding one entity of `entity_type`."""
    return ENTITY_SEVERITY.get(entity_type, UNKNOWN_SEVERITY)


def worst_severity(entity_types: Iterable[str]) -> str:
    """The worst severity among `entity_types` ("info" when there are none)."""
    worst = 0
    for t in entity_types:
        worst = max(worst, SEVERITY_ORDER.index(entity_severity(t)))
    return SEVERITY_ORDER[worst]
