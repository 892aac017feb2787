"""The second sealed PII set: format, exact offsets, checksums, coverage. Nothing is detected.

The set is sealed: its bytes are pinned, so an edit (say, relabelling after seeing a score) fails
this test and has to be owned up to in bench/README.md along with the new hash.
"""

from __future__ import annotations

import hashlib
import ipaddress
from collections import Counter

import pytest

from bench.pii_sealed import iban_ok, load, luhn_ok, spoken_chars, ssn_ok
from bench.pii_sealed2 import SEALED2, fp_rates, label_class, main, per_class
from tests.sealed_kit import fake_engines, refuses_a_broken_card

SHA256 = "d9768c47fcdff8e6831aa2a2951574c16a4952491af8e0447b97c4ac171f7b9d"
MINIMUM = {"PERSON": 120, "STREET_ADDRESS": 60, "PHONE_NUMBER": 60, "EMAIL_ADDRESS": 40,
           "CREDIT_CARD": 40, "US_SSN": 40, "IBAN_CODE": 25, "IP_ADDRESS": 25}
INVISIBLE = ("\u200b", "\u2060", "\u200e")


@pytest.fixture(scope="module")
def recs() -> list[dict]:
    return load(SEALED2)


def test_bytes_are_the_sealed_ones():
    assert hashlib.sha256(SEALED2.read_bytes()).hexdigest() == SHA256


def test_every_line_loads_with_checked_spans(recs):
    lines = SEALED2.read_text(encoding="utf-8").splitlines()
    assert len(recs) == len(lines) == 328
    assert len({r["id"] for r in recs}) == 328
    for r in recs:
        assert r["id"].startswith(f"s2-{r['genre']}-")


def test_counts_per_type_meet_the_brief(recs):
    counts = Counter(t for r in recs for _, _, t in r["spans"])
    assert counts == {"PERSON": 191, "PHONE_NUMBER": 79, "LOCATION": 76, "STREET_ADDRESS": 67,
                      "POSTCODE": 66, "EMAIL_ADDRESS": 56, "US_SSN": 46, "CREDIT_CARD": 45,
                      "IBAN_CODE": 28, "IP_ADDRESS": 26}
    assert all(counts[t] >= n for t, n in MINIMUM.items())


def test_a_quarter_is_pii_free_and_every_genre_is_there(recs):
    free = [r for r in recs if not r["spans"]]
    assert len(free) == 106 and len(free) / len(recs) >= 0.25
    genres = Counter(r["genre"] for r in recs)
    assert set(genres) == {"chat", "email", "ticket", "form", "csv", "json", "log", "speech",
                           "note", "code", "prose"}
    assert genres["speech"] == 46
    # PII-free texts are in every genre, not only prose: the false-positive rate is per genre
    assert len({r["genre"] for r in free}) == 11


def test_checksums_and_formats_of_every_value(recs):
    n = Counter()
    for r in recs:
        for s, e, t in r["spans"]:
            v = r["text"][s:e]
            assert v == v.strip() and v
            assert not v.startswith(INVISIBLE) and not v.endswith(INVISIBLE), (r["id"], v)
            if t == "CREDIT_CARD":
                assert luhn_ok(spoken_chars(v)), v
            elif t == "IBAN_CODE":
                assert iban_ok(spoken_chars(v)), v
            elif t == "US_SSN":
                assert ssn_ok(spoken_chars(v)), v
            elif t == "IP_ADDRESS" and r["genre"] != "speech":
                ipaddress.ip_address(v)
            elif t == "EMAIL_ADDRESS":
                assert "@" in v or " at " in v, v
            n[t] += 1
    assert n["IP_ADDRESS"] == 26


def test_the_hard_cases_the_issue_names_are_present(recs):
    spans = [(r, r["text"][s:e], t) for r in recs for s, e, t in r["spans"]]
    invisible = [v for _, v, _ in spans if any(c in v for c in INVISIBLE)]
    assert len(invisible) == 10
    spoken = [v for r, v, t in spans if r["genre"] == "speech" and t != "PERSON"]
    # spoken e-mails: "rohan dot krishnan at gmail dot com"
    assert sum(" at " in v and " dot " in v for v in spoken) == 7
    assert sum("double" in v or "triple" in v for v in spoken) == 5
    cjk_next_to_email = [
        r["id"] for r, v, t in spans if t == "EMAIL_ADDRESS" and any(
            "\u3040" <= c <= "\u9fff" for c in r["text"][max(0, r["text"].find(v) - 1):
                                                       r["text"].find(v) + len(v) + 1])]
    assert len(cjk_next_to_email) == 4
    emoji_next_to_email = [
        v for r, v, t in spans if t == "EMAIL_ADDRESS" and any(
            0x2700 <= ord(c) <= 0x27BF or ord(c) >= 0x1F000  # dingbats, emoji
            for c in r["text"][max(0, r["text"].find(v) - 1):r["text"].find(v) + len(v) + 1])]
    assert len(emoji_next_to_email) == 3
    ipv6 = [v for _, v, t in spans if t == "IP_ADDRESS" and ":" in v]
    assert len(ipv6) == 6
    spaced_iban = sum(" " in v for _, v, t in spans if t == "IBAN_CODE")
    assert spaced_iban == 20  # and 8 written without spaces
    lower_names = [v for _, v, t in spans if t == "PERSON" and v == v.lower() and v.isascii()]
    assert len(lower_names) == 19


def test_a_broken_card_is_refused_with_its_line(tmp_path):
    refuses_a_broken_card(SEALED2, tmp_path, main)


def test_per_class_pools_the_address_labels_and_computes_f2():
    detail = {"recall_by_label": {
        "PERSON": {"n": 10, "found": 9}, "STREET_ADDRESS": {"n": 4, "found": 2},
        "POSTCODE": {"n": 4, "found": 4}, "LOCATION": {"n": 2, "found": 1}},
        "precision_by_class": {"PERSON": {"n": 12, "correct": 9},
                               "LOCATION": {"n": 7, "correct": 7},
                               "DATE_OF_BIRTH": {"n": 3, "correct": 0}}}
    out = per_class(detail)
    assert label_class("POSTCODE") == "LOCATION" and label_class("US_SSN") == "US_SSN"
    assert out["LOCATION"]["n_gold"] == 10 and out["LOCATION"]["found"] == 7
    assert out["LOCATION"]["recall"] == 0.7 and out["LOCATION"]["precision"] == 1.0
    # F2 = 5PR / (4P + R): 5 * 0.75 * 0.9 / (3 + 0.9)
    assert out["PERSON"]["f2"] == round(5 * 0.75 * 0.9 / 3.9, 4)
    assert out["DATE_OF_BIRTH"]["recall"] is None and out["DATE_OF_BIRTH"]["f2"] is None
    lo, hi = out["PERSON"]["recall_ci"]
    assert lo < 0.9 < hi and 0 < lo and hi < 1


def test_fp_rates_count_texts_not_detections():
    recs = [{"id": "a", "genre": "log", "spans": []}, {"id": "b", "genre": "log", "spans": []},
            {"id": "c", "genre": "code", "spans": []},
            {"id": "d", "genre": "chat", "spans": [(0, 1, "PERSON")]}]
    sealed = {"pii_free_flagged": {
        "assay": [{"id": "a", "detections": ["IP_ADDRESS '1.2.0.8'", "PERSON 'Dell'"]}],
        "presidio_default": [{"id": "a", "detections": []}, {"id": "c", "detections": []}]}}
    out = fp_rates(recs, sealed)
    assert out["assay"]["flagged"] == 1 and out["assay"]["n"] == 3
    assert out["assay"]["rate"] == round(1 / 3, 4)
    assert out["assay"]["by_genre"] == {"code": {"flagged": 0, "n": 1},
                                        "log": {"flagged": 1, "n": 2}}
    assert out["presidio_default"]["by_genre"]["code"] == {"flagged": 1, "n": 1}


def test_runner_wiring_with_fake_engines(monkeypatch, recs, capsys):
    """The runner end to end with stand-in engines (no detector runs): one that returns the gold
    spans, one that marks the first character of every PII-free text and finds nothing else."""
    fake_engines(monkeypatch, recs)
    out = main([])["sealed2"]
    perfect, flagger = out["per_class"]["assay"], out["per_class"]["presidio_default"]
    assert {c: v["n_gold"] for c, v in perfect.items()} == {
        "CREDIT_CARD": 45, "EMAIL_ADDRESS": 56, "IBAN_CODE": 28, "IP_ADDRESS": 26,
        "LOCATION": 209, "PERSON": 191, "PHONE_NUMBER": 79, "US_SSN": 46}
    assert all(v["recall"] == v["precision"] == v["f2"] == 1.0 for v in perfect.values())
    assert flagger["PERSON"]["found"] == 0 and flagger["PERSON"]["n_pred"] == 106
    assert flagger["US_SSN"]["precision"] is None
    assert out["pii_free"]["assay"]["flagged"] == 0
    assert out["pii_free"]["presidio_default"]["flagged"] == 106
    assert out["pii_free"]["presidio_default"]["by_genre"]["log"] == {"flagged": 12, "n": 12}
    printed = capsys.readouterr().out
    assert "| all | 106 | 0 = 0.000 [0.000, 0.035] | 106 = 1.000 [0.965, 1.000] |" in printed
