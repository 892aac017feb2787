"""The ninth sealed PII set: format, exact offsets, checksums, coverage. Nothing is detected.

The set is sealed: its bytes are pinned, so an edit (say, relabelling after seeing a score) fails
this test and has to be owned up to in bench/README.md along with the new hash.
"""

from __future__ import annotations

import ipaddress
import re
from collections import Counter

from bench.pii_sealed import spoken_chars
from bench.pii_sealed9 import SEALED9, main
from tests.sealed_kit import (
    NUMBERS,
    SealedFileChecks,
    check_genres,
    check_lines,
    check_number,
    runner_wiring,
)

SEALED = SEALED9  # read by the recs fixture (tests/conftest.py)
SHA256 = "c97ab22cf782b05721c9ea97cf509f5dccefa4c90977b699f8998741d58ea2d0"
MINIMUM = {"PERSON": 200, "STREET_ADDRESS": 70, "PHONE_NUMBER": 90, "EMAIL_ADDRESS": 30,
           "CREDIT_CARD": 20, "IBAN_CODE": 15, "US_SSN": 15, "IP_ADDRESS": 25}
GENRES = {"hospitality": (19, 4), "automotive": (19, 4), "utilities": (18, 4),
          "veterinary": (19, 5), "nonprofit": (19, 5), "faith": (18, 5), "press": (19, 6),
          "gig": (19, 5), "devconfig": (19, 5), "sms": (18, 5), "ocr": (18, 5), "family": (18, 5),
          "voicemail": (21, 4)}
IBAN_LENGTH = {"AT": 20, "CH": 21, "DE": 22, "ES": 24, "FR": 27, "GB": 22, "GR": 27, "HR": 21,
               "LT": 20, "NL": 18, "PL": 28}
ZERO_WIDTH = re.compile("[\u200b\u200c\u2060]")


class TestSealedFile(SealedFileChecks):
    path, sha256, main = SEALED9, SHA256, main


def test_every_line_loads_with_checked_spans(recs):
    check_lines(SEALED9, recs, 244, "s9")


def test_counts_per_type_meet_the_brief(recs):
    counts = Counter(t for r in recs for _, _, t in r["spans"])
    assert counts == {"PERSON": 335, "PHONE_NUMBER": 135, "LOCATION": 96, "STREET_ADDRESS": 89,
                      "POSTCODE": 60, "EMAIL_ADDRESS": 52, "IP_ADDRESS": 38, "CREDIT_CARD": 24,
                      "IBAN_CODE": 19, "US_SSN": 17}
    assert all(counts[t] >= n for t, n in MINIMUM.items())


def test_genres_and_pii_free_texts_in_every_genre(recs):
    check_genres(recs, GENRES, 62, 142)
    assert not any("\t" in r["text"] for r in recs)


def test_checksums_and_formats_of_every_value(spans):
    n = Counter()
    for _, v, t, _, _ in spans:
        assert v == v.strip() and v
        assert not ZERO_WIDTH.match(v) and not ZERO_WIDTH.match(v[-1]), v
        if t in NUMBERS:
            check_number(t, v)
            if t == "IBAN_CODE":
                assert len(spoken_chars(v)) == IBAN_LENGTH[spoken_chars(v)[:2]], v
        elif t == "IP_ADDRESS":
            ipaddress.ip_address(v)  # the literal alone: no port, no bracket, no prefix length
        elif t == "EMAIL_ADDRESS":
            assert re.search(r"@| at | arroba | arobase | chiocciola ", v), v
        elif t == "PERSON":
            # titles and honorifics stay outside the span (Mr, Mrs, Ms, Dr., Herr Dr., Frau,
            # Sig., Sgt., Fr., Rev., Revd. Canon, Sheikh, Fam., Madame, Auntie, mrs., dr.)
            assert not re.match(r"(?i)(mr|mrs|ms|miss|dr|doctor|prof|herr|frau|mme|madame|m|rev|"
                                r"revd|canon|sig|sgt|fr|fam|sheikh|don|aunty|auntie|monsieur|"
                                r"seu)\.?\s", v), v
        n[t] += 1
    assert n["IP_ADDRESS"] == 38


def test_the_hard_cases_the_brief_names_are_present(recs, spans):
    ips = [v for _, v, t, _, _ in spans if t == "IP_ADDRESS"]
    assert sum(":" in v for v in ips) == 4  # IPv6: ULA, link-local, global, a short /48 host
    assert sum(ipaddress.ip_address(v).is_loopback for v in ips) == 1
    assert sum(ipaddress.ip_address(v).is_unspecified for v in ips) == 1  # bind: 0.0.0.0
    assert sum(ipaddress.ip_address(v).is_private for v in ips) == 22
    names = [v for _, v, t, _, _ in spans if t == "PERSON"]
    assert sum(v == v.lower() and v.isascii() for v in names) == 27  # voicemails, sign-in sheet
    assert sum(v == v.upper() and any(c.isalpha() for c in v) for v in names) == 31
    assert sum(len(v.split()) == 1 for v in names) == 101  # "Okonkwo", "Kühn", "黃志明"
    assert sum("," in v for v in names) == 1  # "DE LA CRUZ, Maria Teresa"
    assert sum(not v.isascii() for v in names) == 81  # diacritics and other scripts
    scripts = {"\u4e00": "\u9fff", "\u30a0": "\u30ff", "\uac00": "\ud7af", "\u0600": "\u06ff",
               "\u0400": "\u04ff", "\u0370": "\u03ff", "\u0590": "\u05ff", "\u0b80": "\u0bff",
               "\u1200": "\u137f"}
    assert [sum(any(a <= c <= b for c in v) for v in names) for a, b in scripts.items()] == [
        16, 1, 3, 2, 8, 2, 3, 1, 1]  # hanzi/kanji, katakana, Hangul, Arabic, Cyrillic, Greek,
    # Hebrew, Tamil, Ethiopic
    phones = [v for _, v, t, _, _ in spans if t == "PHONE_NUMBER"]
    assert sum("/" in v for v in phones) == 3  # "0221 / 37 59 48"
    assert sum(v.startswith("+") for v in phones) == 39
    assert sum(v.startswith("00") for v in phones) == 2  # "00385 91 447 2183"
    assert sum("(0)" in v for v in phones) == 2
    assert sum(not re.search(r"\d", v) for v in phones) == 12  # spoken, nine languages
    assert sum(bool(re.search(r"ext|x\d", v)) for v in phones) == 3
    cards = [v for _, v, t, _, _ in spans if t == "CREDIT_CARD"]
    assert Counter(len(spoken_chars(v)) for v in cards) == {16: 22, 15: 2}
    assert sum(not re.search(r"\d", v) for v in cards) == 1  # spoken
    assert sum("-" in v for v in cards) == 1 and sum(v.isdigit() for v in cards) == 1
    ibans = [v for _, v, t, _, _ in spans if t == "IBAN_CODE"]
    assert len({spoken_chars(v)[:2] for v in ibans}) == 11
    ssns = [v for _, v, t, _, _ in spans if t == "US_SSN"]
    assert sum(bool(re.fullmatch(r"\d{3}-\d{2}-\d{4}", v)) for v in ssns) == 13
    assert sum(bool(re.fullmatch(r"\d{3} \d{2} \d{4}", v)) for v in ssns) == 2
    assert sum(not re.search(r"\d", v) for v in ssns) == 1  # spoken
    assert "5 2 4 - 7 1 - 3 0 8 8" in ssns  # OCR-spaced
    emails = [v for _, v, t, _, _ in spans if t == "EMAIL_ADDRESS"]
    assert sum("@" not in v for v in emails) == 4  # spoken: English, Spanish, French, Italian
    # zero-width characters (U+200B, U+200C, U+2060) inside values, inside their spans
    assert Counter(t for _, v, t, _, _ in spans if ZERO_WIDTH.search(v)) == {
        "PHONE_NUMBER": 4, "EMAIL_ADDRESS": 2, "CREDIT_CARD": 2}
    assert sum(bool(ZERO_WIDTH.search(r["text"])) for r in recs) == 7
    for r in recs:  # and never outside a span
        outside, last = "", 0
        for s, e, _ in sorted(r["spans"]):
            outside, last = outside + r["text"][last:s], e
        assert not ZERO_WIDTH.search(outside + r["text"][last:]), r["id"]


def test_the_pii_free_texts_hold_the_traps(recs):
    free = [r for r in recs if not r["spans"]]
    text = "\n".join(r["text"] for r in free)
    quads = re.findall(r"(?<![\w.])\d{1,3}(?:\.\d{1,3}){3}(?!\d|\.\d)", text)
    assert len(quads) == 8  # dotted versions that parse as IPv4
    assert text.count("@") == 2  # "@metoffice", "actions/checkout@v4": no e-mail
    assert not ZERO_WIDTH.search(text)
    for trap in ("Escoffier Room", "Gordon Ramsay", "Storm Bert", "Ferdinand Porsche",
                 "Storm Darragh", "Victoria Street", "Gerald Durrell Room", "James Herriot",
                 "Garfield", "Princess Anne Community Centre", "Sir David Attenborough",
                 "Cranmer Room", "Desmond Tutu", "Michael Faraday", "Ada Lovelace Building",
                 "Storm Éowyn", "Emmanuel Macron", "Olaf Scholz", "Keir Starmer",
                 "Colonel's Bucket", "Vidal Sassoon", "Storm Ciarán", "Dickens, Charles",
                 "Queen Victoria", "Roald Dahl Library", "Father Christmas", "Matilda",
                 "Mary Seacole Room", "Ibn Sina", "Sir Barkington", "Hussain Road", "Wren Chapel",
                 "Brontë Room", "Paddington", "VISA ************4471"):
        assert trap in text, trap


def test_runner_wiring_with_fake_engines(monkeypatch, recs, capsys):
    runner_wiring(monkeypatch, capsys, recs, main, "sealed9", "Ninth sealed set", {
        "CREDIT_CARD": 24, "EMAIL_ADDRESS": 52, "IBAN_CODE": 19, "IP_ADDRESS": 38,
        "LOCATION": 245, "PERSON": 335, "PHONE_NUMBER": 135, "US_SSN": 17},
        ("press", 6), "| all | 62 | 0 = 0.000 [0.000, 0.0")
