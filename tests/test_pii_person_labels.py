"""Headings, column names, form labels and job titles are no PERSON: "DESCRIPTION:" of a
calendar entry, an "AUTHORS" file, a CSV header's "Family Name", "Prénom" and "Vorname" columns,
"Exception Type:" of a crash report, "SIM SWAP REQUEST", "Softwareentwickler" in a CV. The
people in the same forms, files and CVs are still found.

Every text here is written for this test (none is taken from an evaluation set).
"""

from __future__ import annotations

import pytest

from tests.pii_kit import persons

LABELS = {"description", "authors", "names", "family", "prénom", "vorname", "exception type",
          "binary images", "sim swap request", "hoa notice", "softwareentwickler", "generalist",
          "head", "reason", "license"}


@pytest.mark.parametrize("text", [
    "BEGIN:VEVENT\nSUMMARY:Dentist\nDESCRIPTION:Bring the referral letter.\nEND:VEVENT",
    "AUTHORS\n# Names should be listed alphabetically below.",
    "First Name,Family Name,Phone,Email",
    "Nom\tPrénom\tVille\nKowalczyk\tAgnieszka\tLyon",
    "Familienname: SCHOBER   Vorname: Lieselotte\nGeburtsdatum: 02.03.1961",
    "Exception Type: EXC_BAD_ACCESS (SIGSEGV)\nBinary Images: 0x1000 - 0x2000",
    "SIM SWAP REQUEST — verify identity before approval",
    "HOA NOTICE: the gym closes at 9pm",
    "2018–2024 Softwareentwickler, Bergmann Systeme GmbH",
    "Contact the undersigned, HR Generalist, at the number above.",
    "Reports to: Head of Data Platforms.",
    "Reason: card damaged · License renewed",
])
def test_labels_are_not_people(text: str) -> None:
    assert not any(f.casefold() in LABELS for f in persons(text)), persons(text)


@pytest.mark.parametrize(("text", "name"), [
    ("Nom\tPrénom\tVille\nKowalczyk\tAgnieszka\tLyon", "Agnieszka"),
    ("Name: SCHOBER   Vorname: Lieselotte\nGeburtsdatum: 02.03.1961", "SCHOBER"),
    ("2018–2024 Softwareentwickler, Bergmann Systeme GmbH. Kontakt: Henrike Albrecht",
     "Henrike Albrecht"),
    ("Employee: Nowicka, Zofia   Employee no.: 00412", "Zofia"),
    ("Reports to: Ingrid Solberg, Head of Data Platforms.", "Ingrid Solberg"),
])
def test_people_in_labelled_texts_stay(text: str, name: str) -> None:
    found = persons(text)
    assert any(name in f for f in found), found
