"""A number right after an identifier label (policy, claim, order ...) is an ID, not a phone."""

from __future__ import annotations

import pytest

from audit.pii import PIIEngine, get_engine


@pytest.fixture(scope="module")
def engine() -> PIIEngine:
    return get_engine()


def phones(engine: PIIEngine, text: str) -> list[str]:
    return [text[s.start:s.end] for s in engine.analyze_one(text)
            if s.entity_type == "PHONE_NUMBER"]


@pytest.mark.parametrize("text", [
    "Renewal notice: policy 312-884-5071 lapses on 1 March.",
    "Claim no. 415-902-7733 was reopened after the adjuster's visit.",
    "Claim numbers, e.g. 206-555-0143, are printed on the letter.",
    "Policy numbers like 646-318-2290 are printed on page one.",
])
def test_policy_and_claim_numbers_are_not_phones(engine: PIIEngine, text: str) -> None:
    assert phones(engine, text) == []


@pytest.mark.parametrize(("text", "expected"), [
    # the label is not right before the number: the phone stays
    ("About your claim, call our adjuster on 415-902-7733 today.", ["415-902-7733"]),
    ("Policy holder Dana Ruiz, phone 312-884-5071.", ["312-884-5071"]),
])
def test_phones_near_policy_words_stay(engine: PIIEngine, text: str, expected: list[str]) -> None:
    assert phones(engine, text) == expected


@pytest.mark.parametrize("text", [
    "Scan GTIN 09506000134352 at the till.",
    "Trademark application 020441778 was refused.",
    "Tracking: 1Z 5R7 8X2 04 4471 2290 out for delivery",  # a UPS number's last groups
])
def test_product_codes_and_tracking_tails_are_not_phones(engine: PIIEngine, text: str) -> None:
    assert phones(engine, text) == []


def test_a_phone_after_a_tracking_number_sentence_stays(engine: PIIEngine) -> None:
    text = "Parcel 1Z 5R7 8X2 04 arrived. Questions? Call 020 7946 0321."
    assert phones(engine, text) == ["020 7946 0321"]
