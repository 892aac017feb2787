"""The fourth sealed PII set: format, exact offsets, checksums, coverage. Nothing is detected.

The set is sealed: its bytes are pinned, so an edit (say, relabelling after seeing a score) fails
this test and has to be owned up to in bench/README.md along with the new hash.
"""

from __future__ import annotations

import ipaddress
import re
from collections import Counter

from bench.pii_sealed4 import SEALED4, main
from tests.sealed_kit import NUMBERS, SealedFileChecks, check_number, runner_wiring

SEALED = SEALED4  # read by the recs fixture (tests/conftest.py)
SHA256 = "fcb42965128818091c53b69f002e3756016366cd84087c3ff838b53d22ad5bd3"
MINIMUM = {"PERSON": 200, "STREET_ADDRESS": 80, "PHONE_NUMBER": 40, "EMAIL_ADDRESS": 30,
           "CREDIT_CARD": 30, "IBAN_CODE": 20, "US_SSN": 25, "IP_ADDRESS": 35}
GENRES = {"callcenter": (21, 6), "crm": (19, 7), "realestate": (20, 7), "courier": (20, 5),
          "school": (19, 6), "travel": (20, 5), "police": (16, 5), "insurance": (18, 4),
          "recruit": (18, 5), "genealogy": (17, 5), "forum": (19, 7), "podcast": (16, 5),
          "order": (22, 6), "netlog": (22, 7), "postmortem": (16, 6)}
SPOKEN_GENRES = ("callcenter", "podcast")


class TestSealedFile(SealedFileChecks):
    path, sha256, main = SEALED4, SHA256, main


def test_every_line_loads_with_checked_spans(recs):
    lines = SEALED4.read_text(encoding="utf-8").splitlines()
    assert len(recs) == len(lines) == 283
    assert len({r["id"] for r in recs}) == 283
    for r in recs:
        assert re.fullmatch(rf"s4-{r['genre']}-\d{{3}}", r["id"]), r["id"]
        ends = sorted(r["spans"])
        # offsets inside the text, no overlaps (load checks them too; this pins it here)
        assert all(0 <= s < e <= len(r["text"]) for s, e, _ in ends)
        assert all(a[1] <= b[0] for a, b in zip(ends, ends[1:]))


def test_counts_per_type_meet_the_brief(recs):
    counts = Counter(t for r in recs for _, _, t in r["spans"])
    assert counts == {"PERSON": 281, "LOCATION": 113, "STREET_ADDRESS": 88, "POSTCODE": 72,
                      "PHONE_NUMBER": 41, "IP_ADDRESS": 39, "EMAIL_ADDRESS": 34,
                      "CREDIT_CARD": 32, "US_SSN": 26, "IBAN_CODE": 21}
    assert sum(counts.values()) == 747 >= 550
    assert all(counts[t] >= n for t, n in MINIMUM.items())


def test_genres_and_pii_free_texts_in_every_genre(recs):
    genres = Counter(r["genre"] for r in recs)
    free = Counter(r["genre"] for r in recs if not r["spans"])
    assert {g: (genres[g], free[g]) for g in genres} == GENRES
    assert sum(free.values()) == 86 >= 80
    assert set(free) == set(genres)  # the false-positive rate is per genre
    assert sum("\n" in r["text"] for r in recs) == 26


def test_checksums_and_formats_of_every_value(spans):
    n = Counter()
    for r, v, t, _, _ in spans:
        assert v == v.strip() and v
        if t in NUMBERS:
            check_number(t, v)
        elif t == "IP_ADDRESS":
            ipaddress.ip_address(v)  # the literal alone: no port, no bracket, no prefix length
        elif t == "EMAIL_ADDRESS":
            assert "@" in v or " at " in v, v
        elif t == "PERSON":
            # titles stay outside the span (Mr, Dr., Frau, Mme, lower-case "mrs" ...)
            assert not re.match(r"(?i)(mr|mrs|ms|miss|dr|prof|herr|frau|mme|auntie)\.?\s", v), v
            assert not re.search(r"\s(MR|MRS|MS|MISS)$", v), v  # airline "SURNAME/GIVEN MR"
        n[t] += 1
    assert n["IP_ADDRESS"] == 39


def test_the_hard_cases_the_brief_names_are_present(recs, spans):
    ips = [(r["text"], v, s, e) for r, v, t, s, e in spans if t == "IP_ADDRESS"]
    assert sum(":" in v for _, v, _, _ in ips) == 5  # IPv6, one IPv4-mapped
    assert sum(x[s - 1:s] == "[" and x[e:e + 2] == "]:" for x, _, s, e in ips) == 1
    assert sum(x[max(0, s - 7):s].endswith("://") and x[e:e + 1] == ":" for x, _, s, e in ips) == 1
    assert sum(x[max(0, s - 5):s] == "from " for x, _, s, _ in ips) == 8
    assert sum(x[max(0, s - 4):s].lower() == "src=" for x, _, s, _ in ips) == 2
    names = [v for _, v, t, _, _ in spans if t == "PERSON"]
    assert sum(v == v.lower() and v.isascii() for v in names) == 15  # "tomasz wierzbicki"
    assert sum(v == v.upper() and any(c.isalpha() for c in v) for v in names) == 21  # forms
    assert sum(len(v.split()) == 1 for v in names) == 95  # "ask Dervla", "Mrs Kowalczyk"
    assert sum("," in v for v in names) == 11  # "O'SULLIVAN, Niamh", "Fujimoto, Kiyoshi"
    assert sum("/" in v for v in names) == 5  # "HAUGEN/LIV" in airline records
    assert sum(bool(re.search(r"\b[A-Z]\.", v)) for v in names) == 7  # "K. Srinivasa Reddy"
    assert sum(not v.isascii() for v in names) == 35  # diacritics, kanji
    sig = next(r for r in recs if "\n--\n" in r["text"])  # a name in an e-mail signature
    tail = sig["text"].index("\n--\n")
    assert [t for s, _, t in sig["spans"] if s > tail] == ["PERSON", "PHONE_NUMBER"]
    streets = [v for _, v, t, _, _ in spans if t == "STREET_ADDRESS"]
    assert sum(bool(re.search(r"(?i)\b(po box|box \d)", v)) for v in streets) == 6  # + rural
    assert sum(bool(re.match(r"(?i)(flat|apt|apartment|unit|wohnung|house|plot)\b", v))
               for v in streets) == 11
    assert sum(bool(re.search(r"stra(ß|ss)e", v)) for v in streets) == 4
    assert Counter(v.split()[0] for v in streets if v.startswith(("C/", "H.No.", "R. "))) == {
        "C/": 2, "H.No.": 2, "R.": 2}
    assert sum(" rue " in f" {v}" for v in streets) == 1
    assert sum(any("\u3000" <= c <= "\u9fff" for c in v) for v in streets) == 2  # 上馬3-14-2
    spoken = Counter(t for r, v, t, _, _ in spans if r["genre"] in SPOKEN_GENRES
                     and t != "PERSON" and v == v.lower() and not re.search(r"\d|@", v))
    assert spoken == {"CREDIT_CARD": 2, "US_SSN": 2, "PHONE_NUMBER": 1, "EMAIL_ADDRESS": 1,
                      "STREET_ADDRESS": 1, "LOCATION": 3}


def test_the_pii_free_texts_hold_the_traps(recs):
    free = [r for r in recs if not r["spans"]]
    quads = [m for r in free for m in re.findall(r"(?<![\w.])\d{1,3}(?:\.\d{1,3}){3}(?![\w.])",
                                                    r["text"])]
    assert len([q for q in quads if ipaddress.ip_address(q)]) == 7  # versions, an OID
    brands = {w: sum(w in r["text"] for r in free)
              for w in ("Ford", "Dell", "Jordan", "Lincoln", "Morgan", "Ferrari", "Hilton")}
    assert brands == {"Ford": 6, "Dell": 3, "Jordan": 2, "Lincoln": 3, "Morgan": 2,
                      "Ferrari": 2, "Hilton": 2}
    text = "\n".join(r["text"] for r in free)
    for trap in ("1.3.6.1.2.1.1.3.0", "2.16.840.1.113730.3.1.241", "415-555-0132-A",
                 "0161-448-2207", "447-219-8830", "1Z4E8W760394417725", "Tracking: 4519 2274 08",
                 "Martin Luther King Jr. Way", "Nelson Mandela Boulevard", "Jack Daniel's",
                 "Dr. Bronner's", "Tommy Hilfiger", "Agent version 5.9.4.1"):
        assert trap in text, trap


def test_runner_wiring_with_fake_engines(monkeypatch, recs, capsys):
    runner_wiring(monkeypatch, capsys, recs, main, "sealed4", "Fourth sealed set", {
        "CREDIT_CARD": 32, "EMAIL_ADDRESS": 34, "IBAN_CODE": 21, "IP_ADDRESS": 39,
        "LOCATION": 273, "PERSON": 281, "PHONE_NUMBER": 41, "US_SSN": 26},
        ("netlog", 7), "| all | 86 | 0 = 0.000 [0.000, 0.043] | 86 = 1.000 [0.957, 1.000] |")
