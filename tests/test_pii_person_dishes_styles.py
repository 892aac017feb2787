"""Dishes and firms named after people (brands.txt: "Eggs Benedict", "Lobster Thermidor",
"Ernst & Young") and a name made into a style ("a Wes Anderson-style lobby", "Hitchcock-esque")
are no persons; people with the same words in their names are still found.

Every text here is written for this test (none is taken from an evaluation set).
"""

from __future__ import annotations

import pytest

from tests.pii_kit import persons


@pytest.mark.parametrize("text", [
    "Brunch menu: Eggs Benedict £9, Chicken Kiev £14, Crêpes Suzette £7.",
    "The Lobster Thermidor was cold and the service slow.",
    "The lobby is Wes Anderson-style, all pink and symmetrical.",
    "A Hitchcock-esque twist in the final act.",
    "Accounts audited by Ernst & Young.",
])
def test_dishes_styles_and_firms_are_no_person(text: str) -> None:
    assert persons(text) == [], persons(text)


@pytest.mark.parametrize(("text", "name"), [
    ("Table 4: Benedict Okafor, party of two, Eggs Benedict for both.", "Benedict Okafor"),
    ("Please call Melba Jones about the catering order.", "Melba Jones"),
    ("Contact Anna Smith-Jones for tickets.", "Anna Smith-Jones"),
    ("Reviewed by Grant Ellis, senior auditor.", "Grant Ellis"),
])
def test_people_stay(text: str, name: str) -> None:
    assert any(name in f for f in persons(text)), persons(text)
