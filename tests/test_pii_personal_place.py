"""A place is reported only where it locates a person (`audit.pii._personal_place`).

Unit tests on hand-made spans (no model), then the rule through the real engine. Texts are
invented for these tests.
"""

from __future__ import annotations

import pytest

from audit.pii import PIIConfig, get_engine
from audit.pii._personal_place import UNCUED_SCORE, drop_uncued, personal_places
from audit.types import Span


def _at(text: str, value: str, kind: str, score: float = 0.85, rec: str = "SpacyRecognizer",
        after: int = 0) -> Span:
    start = text.index(value, after)
    return Span(start, start + len(value), kind, score, rec, "test")


def _reported(spans: list[Span], text: str, threshold: float = 0.5) -> list[tuple[str, str]]:
    return [(s.entity_type, text[s.start:s.end])
            for s in drop_uncued(personal_places(spans, text), threshold)]


@pytest.mark.parametrize("text, place", [
    ("we finally moved to Tampere in May", "Tampere"),
    ("My cousin lives in Cuenca.", "Cuenca"),
    ("I'm based in Tromsø these days", "Tromsø"),
    ("She’s in Arequipa until Friday", "Arequipa"),  # typographic apostrophe
    ("City: Thessaloniki", "Thessaloniki"),
    ("please ship it to Ljubljana", "Ljubljana"),
    ("hey this is tane from rotorua", "rotorua"),
    ("Adresim Moda Caddesi 3, Kadıköy", "Kadıköy"),
])
def test_a_cued_place_is_kept(text: str, place: str) -> None:
    assert _reported([_at(text, place, "LOCATION")], text) == [("LOCATION", place)]


@pytest.mark.parametrize("text, place", [
    ("Our Madrid office closes early on Fridays.", "Madrid"),
    ("the weather in lisbon was great", "lisbon"),
    ("Flights from Vienna were cancelled.", "Vienna"),
    ("TZ=Asia/Tokyo in the image", "Tokyo"),
    ("Melbourne hosts the conference in March.", "Melbourne"),
    ("The conference moves from Porto next year.", "Porto"),
])
def test_an_uncued_place_is_not_reported(text: str, place: str) -> None:
    spans = [_at(text, place, "LOCATION")]
    assert _reported(spans, text) == []
    # still there, with a low score, for a caller that asks for everything
    low = drop_uncued(personal_places(spans, text), 0.2)
    assert [(text[s.start:s.end], s.score) for s in low] == [(place, UNCUED_SCORE)]


def test_address_parts_chain_from_a_postcode() -> None:
    text = "Lindenweg 4, 3011 Bern, Schweiz. Our Zürich office is closed."
    spans = [_at(text, "Lindenweg 4", "STREET_ADDRESS", 0.6, "X"),
             _at(text, "3011", "POSTCODE", 0.6, "X"), _at(text, "Bern", "LOCATION"),
             _at(text, "Schweiz", "LOCATION"), _at(text, "Zürich", "LOCATION")]
    got = _reported(spans, text)
    assert ("LOCATION", "Bern") in got and ("LOCATION", "Schweiz") in got
    assert ("LOCATION", "Zürich") not in got


def test_a_table_with_a_city_column_keeps_its_places() -> None:
    text = "id;name;city\n7;Irena Kolar;Ljubljana"
    assert _reported([_at(text, "Ljubljana", "LOCATION")], text) == [("LOCATION", "Ljubljana")]
    plain = "id;name;team\n7;Irena Kolar;Ljubljana"  # no place column: nothing says it is hers
    assert _reported([_at(plain, "Ljubljana", "LOCATION")], plain) == []


def test_a_person_from_a_place_needs_the_person_next_to_from() -> None:
    text = "Kwame Mensah from Tamale called."
    person = _at(text, "Kwame Mensah", "PERSON", 0.85, "NameGazetteerRecognizer")
    assert ("LOCATION", "Tamale") in _reported([person, _at(text, "Tamale", "LOCATION")], text)
    other = "A memo from Tamale arrived."
    assert _reported([_at(other, "Tamale", "LOCATION")], other) == []


def test_listed_names_read_as_a_place_are_a_person() -> None:
    text = "Hi Oksana, the invoice from Pieter van der Berg is late."
    got = _reported([_at(text, "Oksana", "LOCATION"),
                     _at(text, "Pieter van der Berg", "LOCATION", 0.86, "LocationCueRecognizer")],
                    text)
    assert got == [("PERSON", "Oksana"), ("PERSON", "Pieter van der Berg")]
    # a listed place stays a place even when it is also a given name, and so does the end of
    # a listed two-word place ("Paulo" of "São Paulo")
    text = "I moved to São Paulo; Austin is nice."
    got = _reported([_at(text, "Paulo", "LOCATION"), _at(text, "Austin", "LOCATION")], text)
    assert ("PERSON", "Paulo") not in got and ("PERSON", "Austin") not in got


def test_a_form_label_after_a_place_is_cut_off() -> None:
    text = "City: Tulsa   State: OK"
    assert _reported([_at(text, "Tulsa   State", "LOCATION")], text) == [("LOCATION", "Tulsa")]


def test_through_the_engine_threshold_decides() -> None:
    text = "Lagos and Nairobi are growing fast; I moved to Kigali last year."
    default = [(s.entity_type, text[s.start:s.end]) for s in get_engine().analyze_one(text)]
    assert default == [("LOCATION", "Kigali")]
    low = get_engine(PIIConfig(score_threshold=0.3)).analyze_one(text)
    scores = {text[s.start:s.end]: s.score for s in low if s.entity_type == "LOCATION"}
    assert scores.get("Kigali", 0) > 0.5
    assert scores.get("Lagos") == UNCUED_SCORE and scores.get("Nairobi") == UNCUED_SCORE
