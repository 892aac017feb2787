"""Table-driven recognizer tests: (text, expected (substring, entity_type) set) over the real engine."""

from __future__ import annotations

import pytest

from audit.pii import PIIEngine, PIIConfig, get_engine
from audit.pii.recognizers import iban_ok, luhn_ok, nhs_ok


@pytest.fixture(scope="module")
def engine() -> PIIEngine:
    return get_engine()


def found(engine: PIIEngine, text: str) -> set[tuple[str, str]]:
    return {(text[s.start:s.end], s.entity_type) for s in engine.analyze_one(text)}


POSITIVES = [
    # emails, including IDN local parts and domains
    ("write to jane.doe@example.com today", ("jane.doe@example.com", "EMAIL_ADDRESS")),
    ("email 用户@例子.中国 please", ("用户@例子.中国", "EMAIL_ADDRESS")),
    ("contact josé@exämple.com", ("josé@exämple.com", "EMAIL_ADDRESS")),
    ("mail JANE.DOE@EXAMPLE.CO.UK now", ("JANE.DOE@EXAMPLE.CO.UK", "EMAIL_ADDRESS")),
    # phones: NANP, UK, international
    ("call me on (415) 555-2671", ("(415) 555-2671", "PHONE_NUMBER")),
    ("my phone is 212-555-0199", ("212-555-0199", "PHONE_NUMBER")),
    ("ring +44 20 7946 0958 after six", ("+44 20 7946 0958", "PHONE_NUMBER")),
    ("mobile 07700 900123", ("07700 900123", "PHONE_NUMBER")),
    ("tel: +49 30 901820", ("+49 30 901820", "PHONE_NUMBER")),
    # cards (Luhn) and IBANs (mod-97), any case and grouping
    ("card 4111 1111 1111 1111 exp 09/27", ("4111 1111 1111 1111", "CREDIT_CARD")),
    ("IBAN GB82 WEST 1234 5698 7654 32", ("GB82 WEST 1234 5698 7654 32", "IBAN_CODE")),
    ("iban gb82west12345698765432.", ("gb82west12345698765432", "IBAN_CODE")),
    ("pay DE89 3704 0044 0532 0130 00 now", ("DE89 3704 0044 0532 0130 00", "IBAN_CODE")),
    # NHS needs checksum and context
    ("Patient NHS number 943 476 5919", ("943 476 5919", "UK_NHS")),
    # dates of birth need a birth context word
    ("born on 3 March 1985 in Leeds", ("3 March 1985", "DATE_OF_BIRTH")),
    ("DOB: 1985-03-12", ("1985-03-12", "DATE_OF_BIRTH")),
    ("date of birth 12/03/1985", ("12/03/1985", "DATE_OF_BIRTH")),
    # addresses and postcodes
    ("I live at 42 Baker Street, London", ("42 Baker Street, London", "STREET_ADDRESS")),
    ("ship to 500 oak ave please, address on file", ("500 oak ave", "STREET_ADDRESS")),
    ("postcode SW1A 1AA", ("SW1A 1AA", "POSTCODE")),
    ("Springfield, IL 62704", ("62704", "POSTCODE")),
    ("zip 94105", ("94105", "POSTCODE")),
    ("server at 192.168.10.24 is down", ("192.168.10.24", "IP_ADDRESS")),
    ("My name is John Smith.", ("John Smith", "PERSON")),
    # issue 13: groupings, international formats, other scripts, lower case
    ("card 4111.1111.1111.1111", ("4111.1111.1111.1111", "CREDIT_CARD")),
    ("Amex 3782 822463 10005", ("3782 822463 10005", "CREDIT_CARD")),
    ("Ruf an: 0049 30 901820", ("0049 30 901820", "PHONE_NUMBER")),
    ("Office (02) 9374 4000", ("(02) 9374 4000", "PHONE_NUMBER")),
    ("my number is 9435550199", ("9435550199", "PHONE_NUMBER")),
    ("SSN 123456780 on file", ("123456780", "US_SSN")),
    ("my name is anita patel", ("anita patel", "PERSON")),
    ("Wanjiru Kamau signed the form", ("Wanjiru Kamau", "PERSON")),
    ("我叫王伟，请回电话", ("王伟", "PERSON")),
    ("Kerkstraat 12, 1017 GJ Amsterdam", ("Kerkstraat 12, 1017 GJ Amsterdam", "STREET_ADDRESS")),
    ("Toronto, ON M5V 2T6", ("M5V 2T6", "POSTCODE")),
    ("i moved to mumbai last year", ("mumbai", "LOCATION")),
]


@pytest.mark.parametrize(("text", "expected"), POSITIVES, ids=[p[1][1] + ":" + p[0][:20]
                                                                for p in POSITIVES])
def test_positive(engine: PIIEngine, text: str, expected: tuple[str, str]) -> None:
    assert expected in found(engine, text)


NEGATIVES = [
    # number-shaped IDs without context or failing checks
    "order 123-456-7890 shipped",  # not a valid NANP number, no phone context
    "ticket 943 476 5919 closed",  # valid NHS checksum but no NHS context
    "card 4111 1111 1111 1112",  # Luhn fails
    "IBAN GB82 WEST 1234 5698 7654 33",  # mod-97 fails
    "the meeting is on 3 March 2024",  # a date without birth context
    "I have 3 dogs in the park",  # number + words + 'park' is not an address
    "version 10.2.3 released in 2021 with 12345 downloads",
    "SKU 55012-8831 in stock",
    "revenue grew 12% to 4,512,330 in Q3",
    "Part number 782-250-3689 is out of stock",  # valid NANP shape after an ID word
    'HOST = "127.0.0.1"  # loopback is no one\'s address',
    "pip install urllib3==2.0.7.1",  # a version, not an IP
    "allow 192.168.0.0/16 and 10.0.0.0/8 only",  # network ranges, no host
    "evens = xs[-2::-2]",  # a slice, not IPv6 "2::"
    "ota: firmware 3.1.0.4 -> 3.1.0.9 on 40 units",  # versions on both sides of the arrow
    "Können Sie mir bitte die Unterlagen schicken?",  # German nouns are not names
    "Mark the task done. Will it ship in May?",  # names that are common words
    "the weather in nice is lovely",  # lower-case place that is a common word
    "i'm happy to help, thanks, great work",  # cues without a name
]


@pytest.mark.parametrize("text", NEGATIVES)
def test_negative(engine: PIIEngine, text: str) -> None:
    assert found(engine, text) == set()


def test_phone_beats_nhs_lookalike(engine: PIIEngine) -> None:
    # Presidio's default scores this 3-3-4 group UK_NHS at 1.0 over the phone match.
    spans = engine.analyze_one("call me on 212-555-0199")
    assert [s.entity_type for s in spans] == ["PHONE_NUMBER"]


def test_spans_carry_explanations(engine: PIIEngine) -> None:
    (span,) = engine.analyze_one("IBAN GB82 WEST 1234 5698 7654 32")
    assert span.recognizer == "IbanChecksumRecognizer"
    assert "iban" in span.explanation.lower()


@pytest.mark.parametrize(("fn", "good", "bad"), [
    (luhn_ok, "4111111111111111", "4111111111111112"),
    (luhn_ok, "5500 0000 0000 0004", "5500 0000 0000 0005"),
    (iban_ok, "GB82WEST12345698765432", "GB82WEST12345698765431"),
    (iban_ok, "fr1420041010050500013m02606", "FR1420041010050500013M0260"),  # wrong length
    (nhs_ok, "9434765919", "9434765918"),
])
def test_checksums(fn, good: str, bad: str) -> None:
    assert fn(good) and not fn(bad)


def test_threshold_is_configurable() -> None:
    low = PIIEngine(PIIConfig(score_threshold=0.1))
    text = "the meeting is on 3 March 2024"
    assert found(get_engine(), text) == set()
    assert ("3 March 2024", "DATE_OF_BIRTH") in found(low, text)
