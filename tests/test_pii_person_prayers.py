"""Prayers, services and rites are no names: the daily Islamic prayers in a timetable or notice
("Maghrib 16:02", "after Jumu'ah"), Shabbat, Evensong, a temple's "Ganesh Puja" and its form
fields ("Nakshatram:"). "Isha", also a given name, is the night prayer only among prayer words
with a time after it or "after"/"before" in front; the same given names stay names elsewhere.

Every text here is written for this test (none is taken from an evaluation set).
"""

from __future__ import annotations

import pytest

from tests.pii_kit import persons


@pytest.mark.parametrize("text", [
    "Winter timetable: Fajr 06:40, Dhuhr 12:10, Asr 14:05, Maghrib 16:02, Isha 17:50.",
    "The hall is locked after Isha. Tea and dates are served after Maghrib in the mosque.",
    "Reminder: Jummah khutbah starts at 13:15, please park on the side road.",
    "This Shabbat the Kiddush is in the small hall; Havdalah at 17:20.",
    "Choral Evensong on Sunday at 6pm, Compline on Wednesdays.",
    "Booking form: Ganesh Puja, 12 Sept, 10 am. Nakshatram: Ashwini",
])
def test_prayers_and_rites_are_no_person(text: str) -> None:
    assert persons(text) == [], persons(text)


@pytest.mark.parametrize(("text", "name"), [
    ("Mosque notice: Isha Patel will run the Quran class after Maghrib.", "Isha Patel"),
    ("Dear Isha, the mosque hall is booked for Friday prayers.", "Isha"),
    ("Isha will call you back about the Eid bazaar stall.", "Isha"),
    ("Nikah registration: groom Bilal Ahmed, bride Isha Rahman, witness Omar Farooq", "Isha Rahman"),
    ("Puja Sharma booked the hall for Sunday.", "Puja Sharma"),
])
def test_people_in_religious_notices_stay(text: str, name: str) -> None:
    assert any(name in f for f in persons(text)), persons(text)
