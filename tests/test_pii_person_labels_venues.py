"""Labels, headings, teams and venues that the NER or a speaker reading takes for names: a form's
field words ("Vehicle:", "Paid:"), church roles ("Verger's note", "Dear parishioners"), a team
signing ("Customer Relations"), a firm ending in a trade word ("Acme Pharma", "Quick Towing"), a
venue opening with its kind ("Hotel Seeblick", "Masjid Al-Huda"), and "Thu" in a rota or menu
after other days. The people in the same records are still found, and a person called Thu too.

Every text here is written for this test (none is taken from an evaluation set).
"""

from __future__ import annotations

import pytest

from tests.pii_kit import persons


@pytest.mark.parametrize("text", [
    "Job card\nVehicle: 2015 Ford Fiesta\nWork: clutch\nPaid: card",
    "Verger's note: the south door stays locked on weekdays.",
    "Dear parishioners, the harvest supper is on Saturday.",
    "Best wishes, Customer Relations, Grand Hotel",
    "Sponsor: Acme Pharma. Recovery by Quick Towing, eta 30 min.",
    "BOOKING — Hotel Seeblick, two nights",
    "Masjid Al-Huda — weekend classes",
    "Lunches: Mon soup, Tue curry, Wed pasta, Thu fish pie, Fri pizza",
])
def test_labels_and_venues_are_no_person(text: str) -> None:
    assert persons(text) == [], persons(text)


@pytest.mark.parametrize(("text", "name"), [
    ("Job card\nCustomer: Darius Oyelaran\nVehicle: 2015 Ford Fiesta", "Darius Oyelaran"),
    ("Verger's note: keys from Margaret Doyle at the lodge.", "Margaret Doyle"),
    ("BOOKING — Hotel Seeblick\nGuest: Ingrid Halvorsen", "Ingrid Halvorsen"),
    ("Thu will bring the cake on Friday.", "Thu"),
    ("Best wishes, Priya Raman, Customer Relations", "Priya Raman"),
])
def test_people_in_those_records_stay(text: str, name: str) -> None:
    assert any(name in f for f in persons(text)), persons(text)
