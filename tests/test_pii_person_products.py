"""A maker's model is a product, not a person: a listed car, motorbike, bicycle, watch or
eyewear maker before a model word ("Vehicle: 2019 Toyota Corolla", "the Lamborghini Diablo",
"Aventador" of "Lamborghini Aventador", "Omega Seamaster"). Makers that are family names too
("Honda", "Suzuki", "Ford") give way to a listed given name after them ("Honda Keisuke"), unless
a determiner shows a thing ("the Ferrari Enzo"). People with those surnames are still found.

Every text here is written for this test (none is taken from an evaluation set).
"""

from __future__ import annotations

import pytest

from tests.pii_kit import persons


@pytest.mark.parametrize(("text", "thing"), [
    ("Vehicle: 2019 Toyota Corolla, reg KM19 XYZ, mileage 41k", "Corolla"),
    ("Courtesy car: Peugeot Partner until Friday.", "Partner"),
    ("Both the Lamborghini Diablo and the Maserati Bora were on the stand.", "Diablo"),
    ("Both the Lamborghini Diablo and the Maserati Bora were on the stand.", "Bora"),
    ("For sale: Suzuki Swift 1.2, one owner, FSH.", "Swift"),
    ("Insurance claim for a stolen Omega Seamaster, serial withheld.", "Seamaster"),
    ("We drove the Ferrari Dino up the coast road.", "Dino"),
])
def test_models_are_no_person(text: str, thing: str) -> None:
    assert not any(thing in f for f in persons(text)), persons(text)


@pytest.mark.parametrize(("text", "name"), [
    ("Meeting with Honda Keisuke at 3pm about the Osaka order.", "Honda Keisuke"),
    ("Please ask Suzuki Haruto to sign the delivery note.", "Suzuki Haruto"),
    ("Tom Ford and Kate Ford collected the keys on Monday.", "Kate Ford"),
    ("Vehicle owner: Enzo Ferrari, 12 Via Emilia, Modena", "Enzo Ferrari"),
    ("Name: Mercedes García, car: Seat Ibiza", "Mercedes García"),
])
def test_people_with_maker_names_stay(text: str, name: str) -> None:
    assert any(name in f for f in persons(text)), persons(text)
