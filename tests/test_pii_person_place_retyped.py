"""A place the NER or a place cue found, made of listed-name words and retyped as a PERSON
(`audit.pii._personal_place`), goes through the same PERSON filter as every other name: a park,
a solver or a museum named after someone is a thing ("near Lincoln Park", "fireworks in Gandhi
Park", "the Newton solver"); real people in the same places of a sentence are still found.

Every text here is written for this test (none is taken from an evaluation set).
"""

from __future__ import annotations

import pytest

from tests.pii_kit import persons


@pytest.mark.parametrize(("text", "thing"), [
    ("Two-bed flat on a leafy road near Lincoln Park, updated kitchen, no pets.", "Lincoln"),
    ("Diwali evening: prayers at 6pm, then fireworks in Nehru Park. Volunteers welcome.", "Nehru"),
    ("Changelog 4.1: the Newton solver now stops after 50 iterations.", "Newton"),
])
def test_things_named_after_people_stay_no_person(text: str, thing: str) -> None:
    assert not any(thing in f for f in persons(text)), persons(text)


@pytest.mark.parametrize(("text", "name"), [
    ("Got a call from Janine Moss about the lease renewal.", "Janine Moss"),
    ("Quick request from Yusuf Demir: can we move the meeting?", "Yusuf Demir"),
    ("Two-bed flat near the park; viewings with Dana Park on Saturdays.", "Dana Park"),
])
def test_people_in_the_same_places_stay(text: str, name: str) -> None:
    assert any(name in f for f in persons(text)), persons(text)
