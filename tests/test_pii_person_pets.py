"""Animals' names are no PERSON: a name in a pet's field, a one-word name followed by its
species, age or breed, or a quoted name with an animal word close by; breeds read as names
("Border Collie") are things. People next to the same words stay.

Every text here is written for this test (none is taken from an evaluation set).
"""

from __future__ import annotations

import pytest

from tests.pii_kit import persons



@pytest.mark.parametrize(("text", "expected"), [
    ("Pet: Biscuit, 6y, Golden Retriever\nOwner: Marta Kowalczyk", ["Marta Kowalczyk"]),
    ("Animal: Pepper (feline, DLH), booster due in March.", []),
    ("Patient: Oscar (canine, Beagle), owner Tomás Herrera", ["Tomás Herrera"]),
    ('FOUND: black Labrador "Rocco" near the canal, no collar.', []),
    ('Re: "Mochi", 3y FS ragdoll, referred by Dr Hana Sato', ["Hana Sato"]),
    ("Dog's name: Toby\nWalker: Kieran Doyle", ["Kieran Doyle"]),
    ("Pet: Nala (Whippet)", []),
])
def test_pets_are_not_people(text: str, expected: list[str]) -> None:
    assert persons(text) == expected


@pytest.mark.parametrize(("text", "expected"), [
    # people next to animal words
    ("Caitlin Murphy, dog walker, 07700 900123", ["Caitlin Murphy"]),
    ("Patient: Amara, 34y, bitten by a dog on Sunday", ["Amara"]),
    ("Sarah Shepherd, 34y, cat scratch to the left hand", ["Sarah Shepherd"]),
    ('the vet, "Kwame", said the puppy is fine', ["Kwame"]),
])
def test_people_near_animals_stay(text: str, expected: list[str]) -> None:
    assert persons(text) == expected
