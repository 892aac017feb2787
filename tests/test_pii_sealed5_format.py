"""The fifth sealed PII set: format, exact offsets, checksums, coverage. Nothing is detected.

The set is sealed: its bytes are pinned, so an edit (say, relabelling after seeing a score) fails
this test and has to be owned up to in bench/README.md along with the new hash.
"""

from __future__ import annotations

import ipaddress
import re
from collections import Counter

from bench.pii_sealed import spoken_chars
from bench.pii_sealed5 import SEALED5, main
from tests.sealed_kit import (
    NUMBERS,
    SealedFileChecks,
    check_genres,
    check_lines,
    check_number,
    runner_wiring,
)

SEALED = SEALED5  # read by the recs fixture (tests/conftest.py)
SHA256 = "5d4b76b05a9a6198de6fda9febf84bfdf23486865b5a9b3126da91a3fe1ac6cd"
MINIMUM = {"PERSON": 250, "STREET_ADDRESS": 80, "PHONE_NUMBER": 40, "EMAIL_ADDRESS": 35,
           "CREDIT_CARD": 30, "IBAN_CODE": 20, "US_SSN": 25, "IP_ADDRESS": 35}
GENRES = {"clinic": (20, 5), "legal": (19, 4), "banking": (21, 5), "payroll": (20, 4),
          "rsvp": (18, 5), "club": (18, 5), "marketplace": (19, 5), "sms": (21, 6),
          "parish": (18, 6), "minutes": (19, 5), "news": (19, 7), "payload": (23, 8),
          "bugreport": (23, 8), "review": (21, 8), "voicemail": (22, 5), "multilingual": (25, 5)}


class TestSealedFile(SealedFileChecks):
    path, sha256, main = SEALED5, SHA256, main


def test_every_line_loads_with_checked_spans(recs):
    check_lines(SEALED5, recs, 326, "s5")


def test_counts_per_type_meet_the_brief(recs):
    counts = Counter(t for r in recs for _, _, t in r["spans"])
    assert counts == {"PERSON": 447, "LOCATION": 90, "STREET_ADDRESS": 81, "PHONE_NUMBER": 67,
                      "POSTCODE": 54, "EMAIL_ADDRESS": 45, "IP_ADDRESS": 36, "CREDIT_CARD": 30,
                      "US_SSN": 25, "IBAN_CODE": 24}
    assert sum(counts.values()) == 899
    assert all(counts[t] >= n for t, n in MINIMUM.items())


def test_genres_and_pii_free_texts_in_every_genre(recs):
    check_genres(recs, GENRES, 91, 51)


def test_checksums_and_formats_of_every_value(spans):
    n = Counter()
    for _, v, t, _, _ in spans:
        assert v == v.strip() and v
        if t in NUMBERS:
            check_number(t, v)
        elif t == "IP_ADDRESS":
            ipaddress.ip_address(v)  # the literal alone: no port, no bracket, no prefix length
        elif t == "EMAIL_ADDRESS":
            assert "@" in v or " at " in v, v
        elif t == "PERSON":
            # titles stay outside the span (Mr, Dr., Frau, Mme, Fr., lower-case "mister" ...)
            assert not re.match(r"(?i)(mr|mrs|ms|miss|dr|prof|herr|frau|mme|fr|auntie|mister|"
                                r"uncle|grandma|imam|pfarrerin|don|doña|dña)\.?\s", v), v
            assert not re.match(r"(?i)(MR|MRS|MS)\s", v), v  # "MR RAHUL VERMA" on a statement
        n[t] += 1
    assert n["IP_ADDRESS"] == 36


def test_the_hard_cases_the_brief_names_are_present(recs, spans):
    ips = [(r["text"], v, s, e) for r, v, t, s, e in spans if t == "IP_ADDRESS"]
    assert sum(":" in v for _, v, _, _ in ips) == 5  # IPv6
    assert sum(x[e:e + 1] == "/" for x, _, _, e in ips) == 1  # a network before "/20"
    assert sum(x[max(0, s - 3):s] == "://" and x[e:e + 1] == ":" for x, _, s, e in ips) == 1
    names = [v for _, v, t, _, _ in spans if t == "PERSON"]
    assert sum(v == v.lower() and v.isascii() for v in names) == 25  # "marcus delaney"
    assert sum(v == v.upper() and any(c.isalpha() for c in v) for v in names) == 20
    assert sum(len(v.split()) == 1 for v in names) == 207  # "Hi Kwame", "Mrs Okonkwo-Bell"
    assert sum("," in v for v in names) == 12  # "GARCÍA LÓPEZ, Inmaculada", "Zhang, Wei"
    assert sum(bool(re.search(r"\b[A-Z]\.", v)) for v in names) == 15  # "J. Okafor"
    assert sum(not v.isascii() for v in names) == 48  # diacritics and other scripts
    assert sum(any("\u3040" <= c <= "\u9fff" or "\uac00" <= c <= "\ud7af" for c in v)
               for v in names) == 5  # 山田花子, 王小明, 김민준, 박지은, 陈伟
    assert sum(any("\u0600" <= c <= "\u06ff" for c in v) for v in names) == 2  # Arabic script
    assert sum(bool(re.search(r"\b(van|von|de|du|al|bin|la)\b", v, re.I)) for v in names) >= 8
    zw = Counter(t for _, v, t, _, _ in spans if "\u200b" in v)
    assert zw == {"PHONE_NUMBER": 3, "CREDIT_CARD": 1, "EMAIL_ADDRESS": 1}
    # values written straight against CJK characters or an emoji, no space between
    cjk = [(r["id"], t) for r, v, t, s, e in spans if t != "PERSON" and any(
        "\u3000" <= c <= "\u9fff" or "\uac00" <= c <= "\ud7af" or "\uff00" <= c <= "\uffef"
        for c in r["text"][max(0, s - 1):s] + r["text"][e:e + 1])]
    assert len(cjk) == 9 and {t for _, t in cjk} >= {"CREDIT_CARD", "EMAIL_ADDRESS",
                                                     "PHONE_NUMBER", "STREET_ADDRESS"}
    assert sum(ord(r["text"][s - 1]) > 0x1F000 for r, _, t, s, _ in spans
               if t == "CREDIT_CARD" and s) == 1  # "💳5176 …"
    cards = [v for _, v, t, _, _ in spans if t == "CREDIT_CARD"]
    assert Counter(len(spoken_chars(v)) for v in cards) == {16: 27, 15: 2, 19: 1}
    assert sum(v.isdigit() for v in cards) == 3 and sum("-" in v for v in cards) == 3
    assert sum("." in v for v in cards) == 1
    ibans = [spoken_chars(v) for _, v, t, _, _ in spans if t == "IBAN_CODE"]
    assert len({i[:2] for i in ibans}) == 16
    spoken = Counter(t for r, v, t, _, _ in spans if r["genre"] == "voicemail"
                     and t != "PERSON" and v == v.lower() and not re.search(r"\d|@", v))
    assert spoken == {"PHONE_NUMBER": 6, "STREET_ADDRESS": 5, "CREDIT_CARD": 3,
                      "EMAIL_ADDRESS": 2, "US_SSN": 2, "LOCATION": 2, "POSTCODE": 1}
    streets = [v for _, v, t, _, _ in spans if t == "STREET_ADDRESS"]
    assert sum(any("\u3000" <= c <= "\u9fff" or "\uac00" <= c <= "\ud7af" for c in v)
               for v in streets) == 2  # 神南1-19-11, 월드컵북로12길 33
    assert sum(any("\u0600" <= c <= "\u06ff" for c in v) for v in streets) == 1


def test_the_pii_free_texts_hold_the_traps(recs):
    free = [r for r in recs if not r["spans"]]
    text = "\n".join(r["text"] for r in free)
    quads = re.findall(r"(?<![\w.])\d{1,3}(?:\.\d{1,3}){3}(?!\d|\.\d)", text)
    assert len([q for q in quads if ipaddress.ip_address(q)]) >= 5  # versions that parse as IPv4
    assert re.search(r"\b1\.3\.6\.1\.4\.1\.311\.21\.8\b", text)  # OIDs
    assert re.search(r"\b1\.3\.6\.1\.2\.1\.2\.2\.1\.2\b", text)
    assert re.search(r"\b[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\b", text)
    for trap in ("Keir Starmer", "Ed Sheeran", "Tom Daley Diving Academy", "Etta James",
                 "Gordon Ramsay", "Jane Austen", "Elizabeth Bennet", "Nelson Mandela Square",
                 "Leonardo da Vinci", "Atatürk Caddesi", "Lewis Hamilton Foundation",
                 "Pope John Paul II Centre", "Brown v. Board of Education", "Van der Pol",
                 "Edward Jenner Hall", "Herman Miller", "Baker Street", "Transaction reference"):
        assert trap in text, trap


def test_runner_wiring_with_fake_engines(monkeypatch, recs, capsys):
    runner_wiring(monkeypatch, capsys, recs, main, "sealed5", "Fifth sealed set", {
        "CREDIT_CARD": 30, "EMAIL_ADDRESS": 45, "IBAN_CODE": 24, "IP_ADDRESS": 36,
        "LOCATION": 225, "PERSON": 447, "PHONE_NUMBER": 67, "US_SSN": 25},
        ("bugreport", 8), "| all | 91 | 0 = 0.000 [0.000, 0.041] | 91 = 1.000 [0.960, 1.000] |")
