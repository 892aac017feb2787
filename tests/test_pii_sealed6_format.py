"""The sixth sealed PII set: format, exact offsets, checksums, coverage. Nothing is detected.

The set is sealed: its bytes are pinned, so an edit (say, relabelling after seeing a score) fails
this test and has to be owned up to in bench/README.md along with the new hash.
"""

from __future__ import annotations

import ipaddress
import re
from collections import Counter

from bench.pii_sealed import spoken_chars
from bench.pii_sealed6 import SEALED6, main
from tests.sealed_kit import (
    NUMBERS,
    SealedFileChecks,
    check_genres,
    check_lines,
    check_number,
    runner_wiring,
)

SEALED = SEALED6  # read by the recs fixture (tests/conftest.py)
SHA256 = "23a478d7e24f010a13e226f433161e669501f73e51683fb6cc44fc4ec348ca64"
MINIMUM = {"PERSON": 250, "STREET_ADDRESS": 80, "PHONE_NUMBER": 40, "EMAIL_ADDRESS": 35,
           "CREDIT_CARD": 30, "IBAN_CODE": 20, "US_SSN": 25, "IP_ADDRESS": 35}
GENRES = {"email": (20, 5), "calendar": (19, 5), "tax": (20, 5), "pharmacy": (20, 5),
          "vet": (19, 6), "classified": (20, 6), "parents": (20, 5), "hotel": (19, 5),
          "utility": (19, 6), "fines": (19, 5), "charity": (20, 5), "devmeta": (21, 5),
          "subtitles": (20, 6), "modlog": (21, 5), "academic": (20, 5), "multilingual": (25, 6)}
IBAN_LENGTH = {"DE": 22, "DK": 18, "ES": 24, "FR": 27, "GB": 22, "GR": 27, "IE": 22, "NL": 18,
               "NO": 15, "PL": 28, "PT": 25, "SA": 24, "TR": 26}


class TestSealedFile(SealedFileChecks):
    path, sha256, main = SEALED6, SHA256, main


def test_every_line_loads_with_checked_spans(recs):
    check_lines(SEALED6, recs, 322, "s6")


def test_counts_per_type_meet_the_brief(recs):
    counts = Counter(t for r in recs for _, _, t in r["spans"])
    assert counts == {"PERSON": 432, "LOCATION": 112, "STREET_ADDRESS": 110, "PHONE_NUMBER": 100,
                      "EMAIL_ADDRESS": 89, "POSTCODE": 78, "IP_ADDRESS": 36, "CREDIT_CARD": 31,
                      "US_SSN": 26, "IBAN_CODE": 23}
    assert all(counts[t] >= n for t, n in MINIMUM.items())


def test_genres_and_pii_free_texts_in_every_genre(recs):
    check_genres(recs, GENRES, 85, 175)


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
            assert "@" in v or " at " in v, v
        elif t == "PERSON":
            # titles stay outside the span (Mr, Dr., Herr, Mme, Sgt., Adv., Br., "mister" ...)
            assert not re.match(r"(?i)(mr|mrs|ms|miss|dr|doctor|prof|herr|frau|mme|fr|auntie|"
                                r"aunty|mister|uncle|grandma|granddad|imam|don|doña|dña|sgt|adv|"
                                r"br|pastor|mama|baba|bà|cô|mas|abuela|ìyá|nana)\.?\s", v), v
            assert not re.search(r"\s(MR|MRS|MS)$", v), v  # "OKAFOR/CHIAMAKA MS" on a register
            assert not re.search(r"-san$|\bji$", v), v
        n[t] += 1
    assert n["IP_ADDRESS"] == 36


def test_the_hard_cases_the_brief_names_are_present(recs, spans):
    ips = [(r["text"], v, s, e) for r, v, t, s, e in spans if t == "IP_ADDRESS"]
    assert sum(":" in v for _, v, _, _ in ips) == 6  # IPv6, "::1" among them
    assert sum(x[e:e + 1] == "/" for x, _, _, e in ips) == 2  # networks before "/16", "/32"
    assert sum(x[s - 1:s] == "[" for x, _, s, _ in ips) == 1  # X-Originating-IP: [a.b.c.d]
    assert {v for _, v, _, _ in ips} >= {"127.0.0.1", "0.0.0.0", "10.0.2.2", "192.168.0.1"}
    names = [v for _, v, t, _, _ in spans if t == "PERSON"]
    assert sum(v == v.lower() and v.isascii() for v in names) == 12  # "harriet moss", "brad"
    assert sum(v == v.upper() and any(c.isalpha() for c in v) for v in names) == 30
    assert sum(len(v.split()) == 1 for v in names) == 193  # "Hi Kwame", "Ms. Yamamoto"
    assert sum("," in v for v in names) == 8  # "Kowalski, Piotr", "GUTIERREZ, ROSA M"
    assert sum(bool(re.search(r"\b[A-Z]\.", v)) for v in names) == 15  # "K. Boateng"
    assert sum(not v.isascii() for v in names) == 50  # diacritics and other scripts
    assert sum(any("\u3040" <= c <= "\u9fff" or "\uac00" <= c <= "\ud7af" for c in v)
               for v in names) == 4  # 佐藤 健太, 王磊, 김서연, 山本 美咲
    assert sum(any("\u0600" <= c <= "\u06ff" for c in v) for v in names) == 1  # خالد العتيبي
    assert sum(any("\u0400" <= c <= "\u04ff" for c in v) for v in names) == 3  # Ирина Викторовна
    assert sum(any("\u0370" <= c <= "\u03ff" for c in v) for v in names) == 2  # Παπαδόπουλε
    assert sum(any("\u0900" <= c <= "\u097f" for c in v) for v in names) == 2  # विकास शर्मा
    assert sum(bool(re.search(r"\b(van|von|de|du|al|bin|la|den|der|del|da)\b", v, re.I))
               for v in names) == 12
    zw = Counter(t for _, v, t, _, _ in spans if "\u200b" in v)
    assert zw == {"CREDIT_CARD": 2, "PHONE_NUMBER": 1}
    # values written straight against CJK characters, no space between
    cjk = [(r["id"], t) for r, v, t, s, e in spans if t != "PERSON" and any(
        "\u3000" <= c <= "\u9fff" or "\uac00" <= c <= "\ud7af" or "\uff00" <= c <= "\uffef"
        for c in r["text"][max(0, s - 1):s] + r["text"][e:e + 1])]
    assert len(cjk) == 11 and {t for _, t in cjk} == {
        "CREDIT_CARD", "EMAIL_ADDRESS", "PHONE_NUMBER", "STREET_ADDRESS", "LOCATION", "POSTCODE"}
    assert sum(ord(r["text"][s - 1]) > 0x1F000 for r, _, t, s, _ in spans
               if t == "CREDIT_CARD" and s) == 1  # "💳4901 …"
    cards = [v for _, v, t, _, _ in spans if t == "CREDIT_CARD"]
    assert Counter(len(spoken_chars(v)) for v in cards) == {16: 29, 15: 2}
    assert sum(v.isdigit() for v in cards) == 1
    ibans = [v for _, v, t, _, _ in spans if t == "IBAN_CODE"]
    assert len({spoken_chars(v)[:2] for v in ibans}) == 13
    assert sum(" " not in v for v in ibans) == 2  # the rest grouped in fours
    spoken = Counter(t for r, v, t, _, _ in spans if r["genre"] == "subtitles"
                     and t != "PERSON" and v == v.lower() and not re.search(r"\d|@", v))
    assert spoken == {"STREET_ADDRESS": 5, "LOCATION": 5, "PHONE_NUMBER": 4, "EMAIL_ADDRESS": 3,
                      "CREDIT_CARD": 2, "US_SSN": 2, "POSTCODE": 1}
    streets = [v for _, v, t, _, _ in spans if t == "STREET_ADDRESS"]
    assert sum(not all(ord(c) < 0x250 for c in v) for v in streets) == 10  # ул., 양화로, شارع
    assert sum(bool(re.match(r"(?i)(po box|postbus|s\.l\.p\.|rr \d)", v)) for v in streets) == 4


def test_the_pii_free_texts_hold_the_traps(recs):
    free = [r for r in recs if not r["spans"]]
    text = "\n".join(r["text"] for r in free)
    quads = re.findall(r"(?<![\w.])\d{1,3}(?:\.\d{1,3}){3}(?!\d|\.\d)", text)
    assert len([q for q in quads if ipaddress.ip_address(q)]) == 7  # versions that parse as IPv4
    assert re.search(r"\bsha256:[0-9a-f]{64}\b", text)
    assert re.search(r"\b0x[0-9a-f]{40}\b", text)
    assert "@" not in text  # no e-mail hides in a PII-free text
    for trap in ("Frida Kahlo", "Royal Albert Hall", "Ada Lovelace", "Roald Dahl", "Conrad Hilton",
                 "Taylor Swift", "Neil Armstrong", "Bill & Melinda Gates Foundation",
                 "Dr. Doolittle", "Mr Muscle", "Ronald McDonald House", "Paul Smith",
                 "Kenwood House", "Longformer", "Navier–Stokes", "Plan 9 from Bell Labs",
                 "Turing Room", "महात्मा गांधी मार्ग", "Пушкинская площадь", "Καζαντζάκης",
                 "渋谷ハチ公前", "Victoria Park", "Battersea Dogs & Cats Home", "Hamilton matinee"):
        assert trap in text, trap


def test_runner_wiring_with_fake_engines(monkeypatch, recs, capsys):
    runner_wiring(monkeypatch, capsys, recs, main, "sealed6", "Sixth sealed set", {
        "CREDIT_CARD": 31, "EMAIL_ADDRESS": 89, "IBAN_CODE": 23, "IP_ADDRESS": 36,
        "LOCATION": 300, "PERSON": 432, "PHONE_NUMBER": 100, "US_SSN": 26},
        ("multilingual", 6), "| all | 85 | 0 = 0.000 [0.000, 0.0")
