"""PERSON spans, whatever recognizer found them, lose greeting, kinship and honorific words at
their edges, a form's next column after a wide gap, and a trailing field word; names that start
or end with such a word only by accident keep their other words.

Every text here is written for this test (none is taken from an evaluation set).
"""

from __future__ import annotations

import pytest

from tests.pii_kit import persons



@pytest.mark.parametrize(("text", "expected"), [
    # greetings and sign-offs in other languages before the name
    ("Merhaba Zeynep Hanım, faturayı ekte gönderiyorum.", ["Zeynep"]),
    ("Habari Mama Achieng, nimefika salama.", ["Achieng"]),
    ("Halo Mas Bayu, tolong cek pesanan saya.", ["Bayu"]),
    ("Namaste Kavya ji, aapka parcel pahunch gaya.", ["Kavya"]),
    ("Ödeme yapıldı. Saygılarımla, Mehmet Kaya", ["Mehmet Kaya"]),
    # kinship and religious titles, also where the title word is a given name elsewhere
    ("Dear Pastor Kofi,\nThank you for the harvest supper.", ["Kofi"]),
    ("Grandpa Walter — £15\nAuntie Grace — £10", ["Walter", "Grace"]),
    ('a locket engraved "Nana Edith" was found by the pond', ["Edith"]),
    ("the evening class is led by Ustadh Idris this week", ["Idris"]),
    # a form's next column after a gap of spaces, and a field word after the name
    ("Surname: Lindqvist   First name: Astrid", ["Lindqvist", "Astrid"]),
    ("Name: Hui Min Tan   Staff ID 88213", ["Hui Min Tan"]),
    ("Spouse Priya SSN 219-09-9999 on file", ["Priya"]),
])
def test_edges_are_cut(text: str, expected: list[str]) -> None:
    assert persons(text) == expected


@pytest.mark.parametrize(("text", "expected"), [
    # a name written with a double space keeps both parts (no field word after the gap)
    ("MR. KWABENA  ASANTE\nPO Box 1203, Accra", ["KWABENA  ASANTE"]),
    # a family name that is also an honorific word elsewhere stays ("Chan", "Bey" is cut only
    # at the end; "Jackie Chan" keeps its family name)
    ("Ask Wing Chan about the rota.", ["Wing Chan"]),
    # nothing to cut
    ("Signed by Oluwaseun Adeyemi on Monday.", ["Oluwaseun Adeyemi"]),
])
def test_names_stay_whole(text: str, expected: list[str]) -> None:
    assert persons(text) == expected


@pytest.mark.parametrize("text", [
    # a greeting or title alone is no name
    "Merhaba, kira ödemesi hakkında yazıyorum.",
    "Dear Grandma, thank you for the jumper!",
    "Namaste ji, parcel pahunch gaya.",
])
def test_titles_alone_are_not_names(text: str) -> None:
    assert persons(text) == []


@pytest.mark.parametrize(("text", "expected"), [
    # a day or month name written in a date, an academic title, "next of kin"
    ("Your scan is on Wed 21 Jan at 11:15, please arrive early.", []),
    ("Parents' evening moved to 3 Jun.", []),
    ("Standup @ Thu 09:30 in the big room", []),
    ("Befund: Dr. med. dent. Ulrike Sommer", ["Ulrike Sommer"]),
    ("next of kin: Olufemi Adebayo (brother)", ["Olufemi Adebayo"]),
    # the same words as names stay
    ("Ask Jan about the keys.", ["Jan"]),
    ("Jan, 45, from Utrecht, called about the flat", ["Jan"]),
    ("Thu Nguyen called at 10:00", ["Thu Nguyen"]),
])
def test_dates_and_idioms(text: str, expected: list[str]) -> None:
    assert persons(text) == expected
