"""A named building between the unit and the house number ("Flat 4, Harbour House, 7 Quay
Street") belongs to the street address; without a unit word in front it is not pulled in."""

from __future__ import annotations

import pytest

from audit.pii import get_engine


def streets(text: str) -> list[str]:
    return [text[s.start:s.end] for s in get_engine().analyze_one(text)
            if s.entity_type == "STREET_ADDRESS"]


@pytest.mark.parametrize("text, value", [
    ("Please post it to Flat 4, Harbour House, 7 Quay Street.", "Flat 4, Harbour House, 7 Quay Street"),
    ("drop-off: Unit 22, Meridian Towers, 31 Marine Parade", "Unit 22, Meridian Towers, 31 Marine Parade"),
    ("Apartment 5B, Larch Court, 18 Orchard Lane is where she stays",
     "Apartment 5B, Larch Court, 18 Orchard Lane"),
])
def test_unit_and_building_in_span(text: str, value: str) -> None:
    assert any(value in s for s in streets(text))


@pytest.mark.parametrize("text", [
    "Ticket 14, Harbour House, 7 issues left open",
    "Unit 3, Chapter House, page 12 of the manual",
    "Flat 4, Harbour House, version 7.2 of the floor plan",
    "Order 22, Meridian Towers, 31 items shipped on 2026-03-04",
])
def test_no_street_without_street(text: str) -> None:
    assert streets(text) == []
