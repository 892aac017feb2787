"""More ways a vet record or a lost-pet notice names an animal: a breed or a species after a
word or two in brackets ("Pip (Cocker Spaniel, MN", "Nala (my cat)", "Coco (perro, mestizo"),
a breed after a comma before the bracket closes ("(Sir Woofington, beagle)"), "answering to" with
an animal word before it; and breeds named after people ("Jack Russell", "Gordon Setter").
Owners and vets in the same records, and people someone "answers to", are still found.

Every text here is written for this test (none is taken from an evaluation set).
"""

from __future__ import annotations

import pytest

from tests.pii_kit import persons


@pytest.mark.parametrize(("text", "pet"), [
    ("Referral: please examine Pip (Cocker Spaniel, MN, 7y) for a limp.", "Pip"),
    ("Hello, Nala (my cat) has not eaten since Monday.", "Nala"),
    ("Paciente: Coco (perro, mestizo, 3 años)", "Coco"),
    ("09:00 bloods (Bruno, Gordon Setter), 11:00 nails (Sir Fluffington, beagle)", "Fluffington"),
    ("09:00 bloods (Bruno, Gordon Setter), 11:00 nails (Sir Fluffington, beagle)", "Gordon"),
    ("Missing: black cat answering to Salem, last seen on Elm Row.", "Salem"),
    ("Seen today: a Jack Russell with kennel cough.", "Jack"),
])
def test_pets_and_breeds_are_no_person(text: str, pet: str) -> None:
    assert not any(pet in f for f in persons(text)), persons(text)


@pytest.mark.parametrize(("text", "name"), [
    ("Owner: Hannah Brooks. Referral: please examine Pip (Cocker Spaniel, MN).", "Hannah Brooks"),
    ("The support team answers to Maria Lopez since March.", "Maria Lopez"),
    ("Attendees: Anna Ferreira, Lab manager; Tom Okafor, cat sitter", "Anna Ferreira"),
    ("Booked by Jack Russell-Hughes for Tuesday, 10:00.", "Jack Russell-Hughes"),
    ("Dear Mrs Jack, your cat Salem is ready for collection.", "Jack"),
])
def test_people_in_pet_records_stay(text: str, name: str) -> None:
    assert any(name in f for f in persons(text)), persons(text)
