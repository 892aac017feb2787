"""The sealed PII set (`bench/data/pii_sealed.jsonl`): spans exact, checksums valid; no engine."""

from __future__ import annotations

import json
from collections import Counter

import pytest

from bench.pii_sealed import SEALED, TYPES, iban_ok, load, luhn_ok, spoken_chars, ssn_ok


@pytest.fixture(scope="module")
def recs() -> list[dict]:
    return load()


def test_size_and_mix(recs):
    assert len(recs) == 234
    assert sum(not r["spans"] for r in recs) == 46  # PII-free texts that look risky
    types = Counter(t for r in recs for _, _, t in r["spans"])
    assert set(types) == TYPES
    assert types["PERSON"] == 148 and types["CREDIT_CARD"] == 21 and types["IBAN_CODE"] == 24


def test_every_span_slices_to_a_stripped_value(recs):
    for r in recs:
        for s, e, _ in r["spans"]:
            v = r["text"][s:e]
            assert v and v == v.strip(), (r["id"], v)


def test_cards_ibans_ssns_pass_their_checksums(recs):
    checks = {"CREDIT_CARD": luhn_ok, "IBAN_CODE": iban_ok, "US_SSN": ssn_ok}
    n = Counter()
    for r in recs:
        for s, e, t in r["spans"]:
            if t in checks:
                assert checks[t](spoken_chars(r["text"][s:e])), (r["id"], r["text"][s:e])
                n[t] += 1
    assert n == {"CREDIT_CARD": 21, "IBAN_CODE": 24, "US_SSN": 10}


def test_checksum_helpers_reject_near_misses():
    assert luhn_ok("4532017788123456") and not luhn_ok("4532017788123457")
    assert iban_ok("GB82WEST12345698765432") and not iban_ok("GB82WEST12345698765423")
    assert ssn_ok("512446170") and not ssn_ok("666446170") and not ssn_ok("512006170")
    assert spoken_chars("five five double oh nine") == "55009"
    assert spoken_chars("i e two nine") == "IE29"
    assert spoken_chars("4917\u200b6203\u200b1458\u200b8715") == "4917620314588715"


def test_bad_file_is_refused_with_the_line(tmp_path):
    good = SEALED.read_text(encoding="utf-8").splitlines()[0]
    rec = json.loads(good)
    rec["id"] = "x"
    rec["spans"][0][1] += 1  # "Tamsin Okonkwo-Reyes" + the space after it
    bad = tmp_path / "bad.jsonl"
    bad.write_text(good + "\n" + json.dumps(rec) + "\n", encoding="utf-8")
    with pytest.raises(ValueError, match=r"^bad\.jsonl:2: span .* surrounding whitespace"):
        load(bad)
    card = {"id": "y", "genre": "chat", "text": "card 4532017788123457",
            "spans": [[5, 21, "CREDIT_CARD"]]}
    bad.write_text(json.dumps(card) + "\n", encoding="utf-8")
    with pytest.raises(ValueError, match=r"^bad\.jsonl:1: card .* fails Luhn"):
        load(bad)
