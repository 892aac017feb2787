"""The tenth sealed PII set: format, exact offsets, checksums, coverage. Nothing is detected.

The set is sealed: its bytes are pinned, so an edit (say, relabelling after seeing a score) fails
this test and has to be owned up to in bench/README.md along with the new hash.
"""

from __future__ import annotations

import ipaddress
import re
from collections import Counter

from bench.pii_sealed import spoken_chars
from bench.pii_sealed10 import SEALED10, main
from tests.sealed_kit import (
    NUMBERS,
    SealedFileChecks,
    check_genres,
    check_lines,
    check_number,
    runner_wiring,
)

SEALED = SEALED10  # read by the recs fixture (tests/conftest.py)
SHA256 = "99b7ab52708b3ac6233e1cf911c01e3c71f4e4a77e7cd7fabcc343771cd49b0d"
MINIMUM = {"PERSON": 200, "PHONE_NUMBER": 90, "STREET_ADDRESS": 70, "EMAIL_ADDRESS": 30,
           "CREDIT_CARD": 20, "IBAN_CODE": 15, "US_SSN": 15, "IP_ADDRESS": 25}
GENRES = {"maritime": (19, 6), "aviation": (18, 4), "construction": (19, 5),
          "agriculture": (18, 5), "archives": (19, 5), "retail": (18, 6), "fintech": (19, 4),
          "gaming": (18, 5), "wellbeing": (18, 4), "civic": (18, 4), "research": (18, 4),
          "minutes": (19, 5), "teamchat": (18, 4)}
IBAN_LENGTH = {"BR": 29, "CH": 21, "CZ": 24, "DE": 22, "DK": 18, "ES": 24, "FR": 27, "GB": 22,
               "GR": 27, "HR": 21, "HU": 28, "IE": 22, "NL": 18, "PL": 28, "PT": 25, "RO": 24,
               "SE": 24}
ZERO_WIDTH = ("\u200b", "\u200c", "\u2060")


class TestSealedFile(SealedFileChecks):
    path, sha256, main = SEALED10, SHA256, main


def test_every_line_loads_with_checked_spans(recs):
    check_lines(SEALED10, recs, 239, "s10")


def test_counts_per_type_meet_the_brief(recs):
    counts = Counter(t for r in recs for _, _, t in r["spans"])
    assert counts == {"PERSON": 367, "PHONE_NUMBER": 123, "LOCATION": 103, "STREET_ADDRESS": 90,
                      "POSTCODE": 67, "EMAIL_ADDRESS": 40, "IP_ADDRESS": 35, "CREDIT_CARD": 21,
                      "US_SSN": 19, "IBAN_CODE": 18}
    assert all(counts[t] >= n for t, n in MINIMUM.items())


def test_genres_and_pii_free_texts_in_every_genre(recs):
    check_genres(recs, GENRES, 61, 70)
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
            # titles and honorifics stay outside the span (Mr, Mrs, Ms, Dr, Prof., Capt., Sgt.,
            # Cllr, Rev., Frau, Herr, Mme, Doña, mister, auntie); initials like "M. O'Rourke" stay
            assert not re.match(r"(?i)(mr|mrs|ms|miss|dr|doctor|prof|capt|sgt|cllr|rev|herr|"
                                r"frau|mme|doña|mister|auntie)\.?\s", v), v
        n[t] += 1
    assert n["IP_ADDRESS"] == 35
    # every checked value is unique across the set (a re-read SSN in the same text aside)
    nums = [spoken_chars(v) for _, v, t, _, _ in spans if t in NUMBERS]
    assert len(nums) - len(set(nums)) == 1


def test_the_hard_cases_the_brief_names_are_present(recs, spans):
    ips = [v for _, v, t, _, _ in spans if t == "IP_ADDRESS"]
    assert sum(":" in v for v in ips) == 4  # IPv6, one documentation prefix
    assert sum(ipaddress.ip_address(v).is_private for v in ips) == 16  # RFC 1918 and doc ranges
    assert sum(ipaddress.ip_address(v).is_global for v in ips) == 19
    # a port written straight after the literal stays outside the span ("10.12.4.23:5432")
    assert sum(r["text"][e:e + 1] == ":" for r, _, t, _, e in spans if t == "IP_ADDRESS") == 4
    names = [v for _, v, t, _, _ in spans if t == "PERSON"]
    assert sum(v == v.lower() and v.isascii() for v in names) == 17  # "franz eder", "ahmed"
    assert sum(v == v.upper() and any(c.isalpha() for c in v) for v in names) == 27
    assert sum(len(v.split()) == 1 for v in names) == 91  # "Hi Aoife", "Mr Gupta"
    assert sum("," in v for v in names) == 16  # "HANSEN, Erik Magnus", "kim, min-jun"
    assert sum(not v.isascii() for v in names) == 71  # diacritics and other scripts
    scripts = {"\u4e00": "\u9fff", "\uac00": "\ud7af", "\u0600": "\u06ff", "\u0400": "\u04ff",
               "\u0900": "\u097f", "\u0370": "\u03ff", "\u0590": "\u05ff", "\u0e00": "\u0e7f",
               "\u0a00": "\u0a7f"}
    assert [sum(any(a <= c <= b for c in v) for v in names) for a, b in scripts.items()] == [
        11, 3, 3, 2, 1, 1, 2, 2, 1]  # CJK, Hangul, Arabic, Cyrillic, Devanagari, Greek,
    # Hebrew, Thai, Gurmukhi
    phones = [v for _, v, t, _, _ in spans if t == "PHONE_NUMBER"]
    assert sum("/" in v for v in phones) == 4  # "0711 / 63 49 227"
    assert sum(v.startswith("+") for v in phones) == 31
    assert sum("(0)" in v for v in phones) == 1
    assert sum("(" in v for v in phones) == 13
    assert sum(not re.search(r"\d", v) for v in phones) == 7  # spoken: en, fr, de, es, pt
    cards = [v for _, v, t, _, _ in spans if t == "CREDIT_CARD"]
    assert Counter(len(spoken_chars(v)) for v in cards) == {16: 20, 15: 1}
    assert sum(not re.search(r"\d", v) for v in cards) == 1  # spoken
    ibans = [v for _, v, t, _, _ in spans if t == "IBAN_CODE"]
    assert len({spoken_chars(v)[:2] for v in ibans}) == 17
    ssns = [v for _, v, t, _, _ in spans if t == "US_SSN"]
    assert sum("-" in v for v in ssns) == 16
    assert sum(bool(re.fullmatch(r"\d{3} \d{2} \d{4}", v)) for v in ssns) == 2
    assert sum(not re.search(r"\d", v) for v in ssns) == 1  # spoken
    emails = [v for _, v, t, _, _ in spans if t == "EMAIL_ADDRESS"]
    assert sum("@" not in v for v in emails) == 3  # spoken, English and Spanish
    # zero-width characters (U+200B, U+200C, U+2060) inside values, inside their spans
    zw = Counter(t for _, v, t, _, _ in spans if any(z in v for z in ZERO_WIDTH))
    assert zw == {"PHONE_NUMBER": 3, "EMAIL_ADDRESS": 2, "CREDIT_CARD": 2}
    assert sum(any(z in r["text"] for z in ZERO_WIDTH) for r in recs) == 7
    # values written straight against CJK characters, no space between
    cjk = sum(1 for r, _, _, s, e in spans
              if (s and "\u3000" <= r["text"][s - 1] <= "\u9fff")
              or (e < len(r["text"]) and "\u3000" <= r["text"][e] <= "\u9fff"))
    assert cjk == 10


def test_the_pii_free_texts_hold_the_traps(recs):
    free = [r for r in recs if not r["spans"]]
    text = "\n".join(r["text"] for r in free)
    quads = re.findall(r"(?<![\w.])\d{1,3}(?:\.\d{1,3}){3}(?!\d|\.\d)", text)
    assert len(quads) == 6  # dotted versions that parse as IPv4
    assert not re.search(r"\w@\w", text)  # no e-mail hides in a PII-free text (only @handles)
    for trap in ("Storm Ciarán", "Cap San Nicolas", "Maersk Kowloon", "Princess Diana",
                 "Amelia Earhart", "Roald Dahl", "Queen Victoria", "Faker", "Ash Ketchum",
                 "Pikachu", "Matthew McConaughey", "Samaritans 116 123", "Rosa Parks",
                 "Martin Luther King Jr. Blvd", "Rosalind Franklin Lab", "Tim Cook",
                 "Grace Hopper room", "Churchill and Thatcher", "David Attenborough",
                 "Don Bradman Trophy", "Hilary Mantel", "Lady Gaga's Dream", "Storm Bert",
                 "Brunel Suite", "Ford Foundation", "@jamie_k", "Mewtwo_King", "Darwin Gallery"):
        assert trap in text, trap


def test_runner_wiring_with_fake_engines(monkeypatch, recs, capsys):
    runner_wiring(monkeypatch, capsys, recs, main, "sealed10", "Tenth sealed set", {
        "CREDIT_CARD": 21, "EMAIL_ADDRESS": 40, "IBAN_CODE": 18, "IP_ADDRESS": 35,
        "LOCATION": 260, "PERSON": 367, "PHONE_NUMBER": 123, "US_SSN": 19},
        ("retail", 6), "| all | 61 | 0 = 0.000 [0.000, 0.0")
