"""The seventh sealed PII set: format, exact offsets, checksums, coverage. Nothing is detected.

The set is sealed: its bytes are pinned, so an edit (say, relabelling after seeing a score) fails
this test and has to be owned up to in bench/README.md along with the new hash.
"""

from __future__ import annotations

import ipaddress
import re
from collections import Counter

from bench.pii_sealed import spoken_chars
from bench.pii_sealed7 import SEALED7, main
from tests.sealed_kit import (
    NUMBERS,
    SealedFileChecks,
    check_genres,
    check_lines,
    check_number,
    runner_wiring,
)

SEALED = SEALED7  # read by the recs fixture (tests/conftest.py)
SHA256 = "aef525f15c8695e3256b4bf07ab16ca3976e1009e01fe4483b887f08a9fdde68"
MINIMUM = {"PERSON": 250, "STREET_ADDRESS": 80, "PHONE_NUMBER": 40, "EMAIL_ADDRESS": 35,
           "CREDIT_CARD": 30, "IBAN_CODE": 20, "US_SSN": 25, "IP_ADDRESS": 45}
GENRES = {"travel": (22, 5), "legal": (21, 6), "hr": (21, 5), "banking": (22, 5),
          "insurance": (21, 5), "social": (21, 4), "reviews": (20, 6), "dating": (21, 4),
          "logistics": (21, 5), "weblogs": (27, 7), "llmchat": (20, 6), "announcements": (21, 5),
          "sports": (20, 6), "rides": (21, 5), "spreadsheets": (21, 6), "multilingual": (21, 5)}
IBAN_LENGTH = {"AE": 23, "AT": 20, "BE": 16, "CH": 21, "CZ": 24, "DE": 22, "ES": 24, "FR": 27,
               "GB": 22, "HU": 28, "IE": 22, "IT": 27, "LU": 20, "NL": 18, "NO": 15, "PL": 28,
               "PT": 25}


class TestSealedFile(SealedFileChecks):
    path, sha256, main = SEALED7, SHA256, main


def test_every_line_loads_with_checked_spans(recs):
    check_lines(SEALED7, recs, 341, "s7")


def test_counts_per_type_meet_the_brief(recs):
    counts = Counter(t for r in recs for _, _, t in r["spans"])
    assert counts == {"PERSON": 461, "LOCATION": 134, "PHONE_NUMBER": 122, "STREET_ADDRESS": 118,
                      "POSTCODE": 79, "IP_ADDRESS": 60, "EMAIL_ADDRESS": 45, "CREDIT_CARD": 32,
                      "IBAN_CODE": 27, "US_SSN": 26}
    assert all(counts[t] >= n for t, n in MINIMUM.items())


def test_genres_and_pii_free_texts_in_every_genre(recs):
    check_genres(recs, GENRES, 85, 116)
    assert sum("\t" in r["text"] for r in recs) == 6  # pasted Excel / TSV


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
            # titles and honorifics stay outside the span (Mr, Dr., Herr, Frau, Sister, Captain,
            # coach, Aling, Tita, Encik, Sra., D., pane, คุณ ...)
            assert not re.match(r"(?i)(mr|mrs|ms|miss|dr|doctor|prof|herr|frau|mme|sister|"
                                r"captain|coach|aling|tita|encik|sra|pane|mister|det|familie|"
                                r"hausverwaltung)\.?\s", v), v
            assert not re.search(r"\s(MR|MRS|MS|MSTR)$", v), v  # "ADEYEMI/FOLAKE MRS" in a PNR
            assert not v.startswith("คุณ"), v
        n[t] += 1
    assert n["IP_ADDRESS"] == 60


def test_the_hard_cases_the_brief_names_are_present(recs, spans):
    ips = [(r["text"], v, s, e) for r, v, t, s, e in spans if t == "IP_ADDRESS"]
    assert sum(":" in v for _, v, _, _ in ips) == 7  # IPv6: compressed, full, "::1", mapped
    assert sum(ipaddress.ip_address(v).is_loopback for _, v, _, _ in ips) == 5
    assert sum(ipaddress.ip_address(v).is_private for _, v, _, _ in ips) == 32
    assert sum(x[e:e + 1] == ":" for x, _, _, e in ips) == 9  # with a port after it
    assert sum(x[s - 1:s] == "[" for x, _, s, _ in ips) == 1  # http://[2606:4700:4700::1111]/
    assert sum(x[max(0, s - 8):s].endswith(("http://", "http://[")) for x, _, s, _ in ips) == 5
    assert {v for _, v, _, _ in ips} >= {"127.0.0.1", "::1", "192.168.0.1", "10.0.0.138",
                                          "0:0:0:0:0:ffff:b9dc:650a"}
    names = [v for _, v, t, _, _ in spans if t == "PERSON"]
    assert sum(v == v.lower() and v.isascii() for v in names) == 16  # "darnell washington"
    assert sum(v == v.upper() and any(c.isalpha() for c in v) for v in names) == 39
    assert sum(len(v.split()) == 1 for v in names) == 187  # "Hi Kwame", "Dr. Oyelowo"
    assert sum("," in v for v in names) == 15  # "SILVA, Ana Beatriz", "HENDERSON, Alasdair"
    assert sum("/" in v for v in names) == 8  # PNR "ADEYEMI/OLUWASEUN"
    assert sum(bool(re.search(r"\b[A-Z]\.", v)) for v in names) == 15  # "K. Oduya"
    assert sum(not v.isascii() for v in names) == 77  # diacritics and other scripts
    scripts = {"\u3040": "\u9fff", "\u0590": "\u05ff", "\u0600": "\u06ff", "\u0400": "\u04ff",
               "\u0b80": "\u0bff", "\u0980": "\u09ff", "\u1200": "\u137f", "\u0e00": "\u0e7f"}
    assert [sum(any(a <= c <= b for c in v) for v in names) for a, b in scripts.items()] == [
        5, 2, 2, 2, 2, 1, 2, 3]  # kanji/kana, Hebrew, Persian, Ukrainian, Tamil, Bengali,
    # Amharic, Thai
    assert sum(bool(re.search(r"\b(van|von|de|du|al|bin|binti|la|den|der|del|da|dela|i|ben|el)\b",
                              v, re.I)) for v in names) == 14
    zw = Counter(t for _, v, t, _, _ in spans if "\u200b" in v)
    assert zw == {"CREDIT_CARD": 2, "PHONE_NUMBER": 2}
    # values written straight against CJK characters, no space between
    cjk = [(r["id"], t) for r, v, t, s, e in spans if t != "PERSON" and any(
        "\u3000" <= c <= "\u9fff" or "\uac00" <= c <= "\ud7af" or "\uff00" <= c <= "\uffef"
        for c in r["text"][max(0, s - 1):s] + r["text"][e:e + 1])]
    assert len(cjk) == 8 and {t for _, t in cjk} == {
        "CREDIT_CARD", "EMAIL_ADDRESS", "PHONE_NUMBER", "STREET_ADDRESS", "LOCATION"}
    assert sum(ord(r["text"][s - 1]) > 0x1F000 for r, _, t, s, _ in spans
               if t == "CREDIT_CARD" and s) == 2  # "💳4658 …", "届いた💳4980 …"
    cards = [v for _, v, t, _, _ in spans if t == "CREDIT_CARD"]
    assert Counter(len(spoken_chars(v)) for v in cards) == {16: 29, 15: 3}
    assert sum(v.isdigit() for v in cards) == 1 and sum("-" in v for v in cards) == 1
    ibans = [v for _, v, t, _, _ in spans if t == "IBAN_CODE"]
    assert len({spoken_chars(v)[:2] for v in ibans}) == 17
    assert sum(" " not in v for v in ibans) == 6  # the rest grouped
    ssns = [v for _, v, t, _, _ in spans if t == "US_SSN"]
    assert sum("-" in v for v in ssns) == 19
    assert sum(bool(re.fullmatch(r"\d{3} \d{2} \d{4}", v)) for v in ssns) == 6
    spoken = Counter(t for _, v, t, _, _ in spans if t in ("PHONE_NUMBER", "CREDIT_CARD",
                                                           "US_SSN", "EMAIL_ADDRESS")
                     and not re.search(r"\d|@", v))
    assert spoken == {"PHONE_NUMBER": 2, "CREDIT_CARD": 2, "US_SSN": 1, "EMAIL_ADDRESS": 1}
    streets = [v for _, v, t, _, _ in spans if t == "STREET_ADDRESS"]
    assert sum(not all(ord(c) < 0x250 for c in v) for v in streets) == 8  # רחוב, தெரு, 梅田
    assert sum(bool(re.match(r"(?i)po box", v)) for v in streets) == 1


def test_the_pii_free_texts_hold_the_traps(recs):
    free = [r for r in recs if not r["spans"]]
    text = "\n".join(r["text"] for r in free)
    quads = re.findall(r"(?<![\w.])\d{1,3}(?:\.\d{1,3}){3}(?!\d|\.\d)", text)
    assert len([q for q in quads if ipaddress.ip_address(q)]) == 7  # versions that parse as IPv4
    assert len(re.findall(r"\bsha256:[0-9a-f]{64}\b", text)) == 2
    assert len(re.findall(r"\b[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\b",
                          text)) == 2
    assert "@" not in text  # no e-mail hides in a PII-free text
    for trap in ("Thurgood Marshall", "Brown v. Board of Education", "Ada Lovelace room",
                 "Taylor Swift", "Beyoncé", "Frida Kahlo", "Alan Turing", "Magnus Carlsen",
                 "Johan Cruijff ArenA", "Nelson Mandela", "Wangari Maathai", "Lagarde",
                 "Chopin", "Araw ni Rizal", "Mochi and Biscuit", "Da Michele", "Eiffel Tower",
                 "Google Spain", "Pogačar", "Jokić", "Ødegaard", "Qantas First Lounge",
                 "Project Hail Mary", "กรุงเทพฯ", "Helsingissä"):
        assert trap in text, trap


def test_runner_wiring_with_fake_engines(monkeypatch, recs, capsys):
    runner_wiring(monkeypatch, capsys, recs, main, "sealed7", "Seventh sealed set", {
        "CREDIT_CARD": 32, "EMAIL_ADDRESS": 45, "IBAN_CODE": 27, "IP_ADDRESS": 60,
        "LOCATION": 331, "PERSON": 461, "PHONE_NUMBER": 122, "US_SSN": 26},
        ("multilingual", 5), "| all | 85 | 0 = 0.000 [0.000, 0.0")
