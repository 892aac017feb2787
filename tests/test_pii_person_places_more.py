"""More towns, counties and city districts (places.txt: UK and Irish counties and towns, London
districts, districts of Beirut, Lima, Santiago, Berlin; German, Australian and NZ towns) are
places, not persons, when the NER reads one alone as a name. Places that are also listed given
or family names are left out of the list, so people with those names are still found.

Every text here is written for this test (none is taken from an evaluation set).
"""

from __future__ import annotations

import pytest

from tests.pii_kit import persons


@pytest.mark.parametrize(("text", "place"), [
    ("Flood warning for Somerset and Dorset until Friday evening.", "Somerset"),
    ("Our Shoreditch branch closes at 6pm on Sundays.", "Shoreditch"),
    ("Residents of Parramatta said the new bus lane was overdue.", "Parramatta"),
    ("The conference moves from Göttingen to Regensburg next year.", "Regensburg"),
    ("Flat 2, 14 Rue Pasteur, Achrafieh, Beirut", "Achrafieh"),
])
def test_places_are_no_person(text: str, place: str) -> None:
    assert not any(place in f for f in persons(text)), persons(text)


@pytest.mark.parametrize(("text", "name"), [
    ("Before District Judge Kerry Preston at 10:00.", "Kerry Preston"),
    ("Please ask Chelsea Morgan to sign the lease.", "Chelsea Morgan"),
    ("Minutes taken by Tom Sutton; apologies from Richmond Adeyemi.", "Tom Sutton"),
    ("Customer: Lincoln Hull, 22 Mill Lane, Truro", "Lincoln Hull"),
])
def test_people_named_like_places_stay(text: str, name: str) -> None:
    assert any(name in f for f in persons(text)), persons(text)
