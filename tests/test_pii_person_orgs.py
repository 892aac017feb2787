"""A run ending in a word that names a firm, a public body or a team and is nobody's family name
("... Pharmacy", "... Water", "... Services") is no PERSON, even after a salutation; a run
ending in a place word that is also a family name ("Heath") stays a person after a listed given
name.

Every text here is written for this test (none is taken from an evaluation set).
"""

from __future__ import annotations

import pytest

from tests.pii_kit import persons



@pytest.mark.parametrize(("text", "expected"), [
    ("Hello, this is Riverside Pharmacy: your repeat prescription is ready.", []),
    ("Dear Customer Services,\nI am writing about invoice 4471.", []),
    ("Payment received by Thames Water on 3 May.", []),
    ("Sent on behalf of Talent Operations, Brightwell Ltd", []),
    ("Ask Greenfield Dental to confirm, or Natalia Reyes will call you.", ["Natalia Reyes"]),
    ("a walk across Ilkley Heath on Sunday", []),
])
def test_firms_are_not_people(text: str, expected: list[str]) -> None:
    assert persons(text) == expected


@pytest.mark.parametrize(("text", "expected"), [
    ("Minutes taken by Jonathan Heath.", ["Jonathan Heath"]),
    ("Signed: Priya Waters", ["Priya Waters"]),
])
def test_family_names_stay(text: str, expected: list[str]) -> None:
    assert persons(text) == expected


@pytest.mark.parametrize(("text", "expected"), [
    # a piece of a run-together brand is no name
    ("From: BrightPath Lending Support Desk", []),
    ("Kind regards,\nNordic Fjord Tours ApS · +45 70 20 30 40", []),
    # names with inner capitals and apostrophes stay whole
    ("Ask Siobhan O'Neill about it.", ["Siobhan O'Neill"]),
    ("Ask Fergus McDonald about it.", ["Fergus McDonald"]),
])
def test_pieces_of_words(text: str, expected: list[str]) -> None:
    assert persons(text) == expected
