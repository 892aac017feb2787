"""More well-known scientists, composers, painters, politicians and writers (public_figures.txt),
and a catalogue's inverted "Surname, Given" form of a listed figure ("Austen, Jane."): prose about
them holds no one's PII. Private people with the same names, named in a personal way (a form's
field, a salutation), are still found.

Every text here is written for this test (none is taken from an evaluation set).
"""

from __future__ import annotations

import pytest

from tests.pii_kit import persons


@pytest.mark.parametrize("text", [
    "The lecture series, named after James Clerk Maxwell, opens with Hannah Fry on Tuesday.",
    "Evening concert: Elgar, Purcell and Schubert, with an encore by Mendelssohn.",
    "Gallery label: Haystacks by Claude Monet; opposite, a study by Edgar Degas.",
    "Shelf mark 823.8 — Austen, Jane. Pride and Prejudice. London, 1813.",
    "Editorial style: Kemi Badenoch on first reference, then Badenoch.",
])
def test_public_figures_are_no_person(text: str) -> None:
    assert persons(text) == [], persons(text)


@pytest.mark.parametrize(("text", "name"), [
    ("Patient: Cox, Brian, DOB 12/03/1971, allergies none", "Cox, Brian"),
    ("Dear Hannah Fry, your parcel is at the depot.", "Hannah Fry"),
    ("Member: Austen, Jane — card 44182, due 14 May", "Austen, Jane"),
    ("The concert was organised by Priya Raman and Tom Elgar-Webb.", "Priya Raman"),
])
def test_private_people_with_those_names_stay(text: str, name: str) -> None:
    assert any(name in f for f in persons(text)), persons(text)
