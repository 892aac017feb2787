"""Assay's recognizer set: presidio's own where they are sound, project recognizers where not."""

from __future__ import annotations

from typing import Any

from audit.pii.recognizers._address_intl import InternationalAddressRecognizer
from audit.pii.recognizers._checksums import iban_ok, luhn_ok, nhs_ok
from audit.pii.recognizers._contact import (
    HostIpRecognizer,
    OfflineEmailRecognizer,
    PhoneFormatRecognizer,
    StrictUrlRecognizer,
)
from audit.pii.recognizers._dates import DateOfBirthRecognizer
from audit.pii.recognizers._finance import IbanChecksumRecognizer, PaymentCardRecognizer
from audit.pii.recognizers._gazetteer import NameGazetteerRecognizer
from audit.pii.recognizers._ids import NhsContextRecognizer, SsnContextRecognizer
from audit.pii.recognizers._name_context import NameContextRecognizer
from audit.pii.recognizers._names import (
    CjkNameCueRecognizer,
    LocationCueRecognizer,
    PersonCueRecognizer,
)
from audit.pii.recognizers._location import PostcodeRecognizer, StreetAddressRecognizer
from audit.pii.recognizers._places import PlaceGazetteerRecognizer
from audit.pii.recognizers._structured import StructuredNameRecognizer

__all__ = [
    "DEFAULT_ENTITIES",
    "CjkNameCueRecognizer",
    "DateOfBirthRecognizer",
    "HostIpRecognizer",
    "IbanChecksumRecognizer",
    "InternationalAddressRecognizer",
    "LocationCueRecognizer",
    "NameContextRecognizer",
    "NameGazetteerRecognizer",
    "NhsContextRecognizer",
    "PersonCueRecognizer",
    "OfflineEmailRecognizer",
    "PaymentCardRecognizer",
    "PhoneFormatRecognizer",
    "PlaceGazetteerRecognizer",
    "PostcodeRecognizer",
    "SsnContextRecognizer",
    "StreetAddressRecognizer",
    "StrictUrlRecognizer",
    "StructuredNameRecognizer",
    "build_recognizers",
    "iban_ok",
    "luhn_ok",
    "nhs_ok",
]

# What Assay reports by default. DATE_TIME, NRP and ORGANIZATION (spaCy NER) are not personal
# data on their own and are left out; ask for them through PIIConfig.entities.
DEFAULT_ENTITIES: tuple[str, ...] = (
    "PERSON", "LOCATION", "STREET_ADDRESS", "POSTCODE", "DATE_OF_BIRTH", "EMAIL_ADDRESS",
    "PHONE_NUMBER", "CREDIT_CARD", "IBAN_CODE", "US_SSN", "UK_NHS", "IP_ADDRESS", "URL",
    "US_PASSPORT", "CRYPTO", "MAC_ADDRESS",
)


def build_recognizers() -> list[Any]:
    """Fresh recognizer instances (English): project ones plus the sound presidio ones."""
    from presidio_analyzer.predefined_recognizers import (
        CryptoRecognizer,
        MacAddressRecognizer,
        SpacyRecognizer,
        UsPassportRecognizer,
        UsSsnRecognizer,
    )

    return [
        SpacyRecognizer(supported_entities=["PERSON", "LOCATION", "DATE_TIME", "NRP",
                                            "ORGANIZATION"]),
        PersonCueRecognizer(),
        NameGazetteerRecognizer(),
        NameContextRecognizer(),
        StructuredNameRecognizer(),
        CjkNameCueRecognizer(),
        LocationCueRecognizer(),
        PlaceGazetteerRecognizer(),
        OfflineEmailRecognizer(),
        PhoneFormatRecognizer(),
        IbanChecksumRecognizer(),
        NhsContextRecognizer(),
        StreetAddressRecognizer(),
        InternationalAddressRecognizer(),
        PostcodeRecognizer(),
        DateOfBirthRecognizer(),
        PaymentCardRecognizer(),
        UsSsnRecognizer(),
        SsnContextRecognizer(),
        HostIpRecognizer(),
        StrictUrlRecognizer(),
        UsPassportRecognizer(),
        CryptoRecognizer(),
        MacAddressRecognizer(),
    ]
