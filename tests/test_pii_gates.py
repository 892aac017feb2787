"""Cheap pre-checks that let a text skip a pattern or rule must never skip a text it matches."""

from __future__ import annotations

import pytest
import regex

from audit.pii.recognizers._address_intl import InternationalAddressRecognizer, _has_sa_ending
from audit.pii.recognizers._name_context import _HONORIFIC, _HONORIFIC_MARK
from bench.pii_evalset import generate

_SA_TEXTS = [
    "Flat 12, 45 Gandhi Nagar, Pune 411001", "12/3 Nehru Marg", "H.No 4-5 Sector 12 Gurgaon",
    "7 Lajpat colony", "88, 4th Cross Road, 5th Block", "22 KORAMANGALA 5TH BLOCK",
    "9 Indira Extn. Delhi", "14 blockB", "3 Anna Salai, Chennai", "#42 MG Main", "5 Karol Bagh",
    "house no 7 sadar bazaar", "16 Phase 2", "1 Krishna Puram",
]


def _sa_regex():
    rec = InternationalAddressRecognizer()
    (pattern,) = [p for p in rec.patterns if p.name == "address (South Asian locality)"]
    return regex.compile(pattern.regex, rec.global_regex_flags)


@pytest.mark.parametrize("text", _SA_TEXTS)
def test_south_asian_gate_passes_each_address(text: str) -> None:
    rx = _sa_regex()
    assert rx.search(text) is not None, text  # the pattern matches it...
    for t in (text, text.lower(), text.upper()):
        if rx.search(t) is not None:
            assert _has_sa_ending(t), t  # ...so the gate must let it through


def test_gates_never_skip_a_match_on_a_corpus() -> None:
    rx = _sa_regex()
    texts = [e.text for e in generate(400, 5)] + _SA_TEXTS
    texts += [t.lower() for t in texts[:100]] + [t.upper() for t in texts[100:200]]
    texts += ["田中さん", "김민준 씨", "Weberさん と", "Müller様"]
    for t in texts:
        if rx.search(t) is not None:
            assert _has_sa_ending(t), t
        if _HONORIFIC.search(t) is not None:
            assert _HONORIFIC_MARK.search(t) is not None, t
    assert not _has_sa_ending("Order 4477 shipped to the depot on Monday.")
