"""The eighth sealed PII set: format, exact offsets, checksums, coverage. Nothing is detected.

The set is sealed: its bytes are pinned, so an edit (say, relabelling after seeing a score) fails
this test and has to be owned up to in bench/README.md along with the new hash.
"""

from __future__ import annotations

import ipaddress
import re
from collections import Counter

from bench.pii_sealed import spoken_chars
from bench.pii_sealed8 import SEALED8, main
from tests.sealed_kit import (
    NUMBERS,
    SealedFileChecks,
    check_genres,
    check_lines,
    check_number,
    runner_wiring,
)

SEALED = SEALED8  # read by the recs fixture (tests/conftest.py)
SHA256 = "1655ca363405256cc9cf49ace349f0cdea2bfae7dc869f6c4a7d7fceef73b8c0"
MINIMUM = {"PERSON": 200, "STREET_ADDRESS": 80, "PHONE_NUMBER": 90, "EMAIL_ADDRESS": 30,
           "CREDIT_CARD": 20, "IBAN_CODE": 15, "US_SSN": 15, "IP_ADDRESS": 25}
GENRES = {"government": (20, 5), "telecom": (20, 4), "ecommerce": (18, 4), "recruiting": (18, 4),
          "immigration": (18, 5), "helpdesk": (17, 4), "property": (17, 4), "education": (17, 4),
          "healthportal": (18, 5), "events": (18, 5), "finance": (18, 5), "community": (17, 6),
          "transcripts": (18, 4)}
IBAN_LENGTH = {"AE": 23, "AT": 20, "CH": 21, "CZ": 24, "DE": 22, "ES": 24, "GB": 22, "IE": 22,
               "IT": 27, "NL": 18, "PL": 28, "SE": 24}


class TestSealedFile(SealedFileChecks):
    path, sha256, main = SEALED8, SHA256, main


def test_every_line_loads_with_checked_spans(recs):
    check_lines(SEALED8, recs, 234, "s8")


def test_counts_per_type_meet_the_brief(recs):
    counts = Counter(t for r in recs for _, _, t in r["spans"])
    assert counts == {"PERSON": 254, "PHONE_NUMBER": 149, "LOCATION": 92, "STREET_ADDRESS": 88,
                      "POSTCODE": 62, "EMAIL_ADDRESS": 40, "IP_ADDRESS": 31, "CREDIT_CARD": 22,
                      "IBAN_CODE": 18, "US_SSN": 17}
    assert all(counts[t] >= n for t, n in MINIMUM.items())


def test_genres_and_pii_free_texts_in_every_genre(recs):
    check_genres(recs, GENRES, 59, 82)
    assert not any("\t" in r["text"] for r in recs)


def test_checksums_and_formats_of_every_value(spans):
    n = Counter()
    for _, v, t, _, _ in spans:
        assert v == v.strip() and v
        if t in NUMBERS:
            check_number(t, v)
            if t == "IBAN_CODE":
                assert len(spoken_chars(v)) == IBAN_LENGTH[spoken_chars(v)[:2]], v
        elif t == "IP_ADDRESS":
            ipaddress.ip_address(v)  # the literal alone: no port, no bracket, no prefix length
        elif t == "EMAIL_ADDRESS":
            assert "@" in v or " at " in v or " arroba " in v, v
        elif t == "PERSON":
            # titles and honorifics stay outside the span (Mr, Ms, Dr., Prof., Frau, Mme, M.,
            # Rev., Sig., Don, Aunty, mrs, miss, monsieur)
            assert not re.match(r"(?i)(mr|mrs|ms|miss|dr|doctor|prof|herr|frau|mme|m|rev|sig|"
                                r"don|aunty|monsieur|seu)\.?\s", v), v
        n[t] += 1
    assert n["IP_ADDRESS"] == 31


def test_the_hard_cases_the_brief_names_are_present(recs, spans):
    ips = [v for _, v, t, _, _ in spans if t == "IP_ADDRESS"]
    assert sum(":" in v for v in ips) == 3  # IPv6
    assert sum(ipaddress.ip_address(v).is_loopback for v in ips) == 1
    assert sum(ipaddress.ip_address(v).is_private for v in ips) == 13
    names = [v for _, v, t, _, _ in spans if t == "PERSON"]
    assert sum(v == v.lower() and v.isascii() for v in names) == 12  # "kevin o'brien"
    assert sum(v == v.upper() and any(c.isalpha() for c in v) for v in names) == 10
    assert sum(len(v.split()) == 1 for v in names) == 34  # "Hi Tuan", "Dr. Weiß"
    assert sum("," in v for v in names) == 6  # "PATEL, Rohan", "GUTIERREZ, Maria Elena"
    assert sum(not v.isascii() for v in names) == 42  # diacritics and other scripts
    scripts = {"\u3040": "\u9fff", "\uac00": "\ud7af", "\u0600": "\u06ff", "\u0400": "\u04ff"}
    assert [sum(any(a <= c <= b for c in v) for v in names) for a, b in scripts.items()] == [
        6, 1, 1, 1]  # kanji/hanzi, Hangul, Persian, Russian
    phones = [v for _, v, t, _, _ in spans if t == "PHONE_NUMBER"]
    assert sum("/" in v for v in phones) == 9  # "0711 / 28 44 950"
    assert sum(v.startswith("+") for v in phones) == 45
    assert sum(not re.search(r"\d", v) for v in phones) == 7  # spoken, six languages
    assert sum(bool(re.search(r"ext|x\d", v)) for v in phones) == 2
    cards = [v for _, v, t, _, _ in spans if t == "CREDIT_CARD"]
    assert Counter(len(spoken_chars(v)) for v in cards) == {16: 20, 15: 2}
    assert sum(not re.search(r"\d", v) for v in cards) == 2  # spoken
    ibans = [v for _, v, t, _, _ in spans if t == "IBAN_CODE"]
    assert len({spoken_chars(v)[:2] for v in ibans}) == 12
    ssns = [v for _, v, t, _, _ in spans if t == "US_SSN"]
    assert sum("-" in v for v in ssns) == 13
    assert sum(bool(re.fullmatch(r"\d{3} \d{2} \d{4}", v)) for v in ssns) == 3
    emails = [v for _, v, t, _, _ in spans if t == "EMAIL_ADDRESS"]
    assert sum("@" not in v for v in emails) == 3  # spoken, English and Spanish


def test_the_pii_free_texts_hold_the_traps(recs):
    free = [r for r in recs if not r["spans"]]
    text = "\n".join(r["text"] for r in free)
    quads = re.findall(r"(?<![\w.])\d{1,3}(?:\.\d{1,3}){3}(?!\d|\.\d)", text)
    assert len(quads) == 5  # dotted versions that parse as IPv4
    assert "@" not in text  # no e-mail hides in a PII-free text
    for trap in ("Thurgood Marshall", "Michelle Obama", "Alan Turing Building", "Elon Musk",
                 "Sean Fraser", "Marie Curie Lecture Theatre", "Nelson Mandela Hall",
                 "Roald Dahl", "Florence Nightingale wing", "Satya Nadella", "Sadiq Khan",
                 "Paddington", "Eliud Kipchoge", "Warren Buffett", "Jamie Oliver's",
                 "Andrew Carnegie wing", "Abbey Road", "Minou", "steve jobs", "Storm Darragh"):
        assert trap in text, trap


def test_runner_wiring_with_fake_engines(monkeypatch, recs, capsys):
    runner_wiring(monkeypatch, capsys, recs, main, "sealed8", "Eighth sealed set", {
        "CREDIT_CARD": 22, "EMAIL_ADDRESS": 40, "IBAN_CODE": 18, "IP_ADDRESS": 31,
        "LOCATION": 242, "PERSON": 254, "PHONE_NUMBER": 149, "US_SSN": 17},
        ("community", 6), "| all | 59 | 0 = 0.000 [0.000, 0.0")
