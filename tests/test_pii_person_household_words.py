"""Household, neighbour and title words that open a name in German, French, Spanish, Portuguese
and Dutch ("Nachbarin Frau Irmgard Bauer", "Familie Nguyen", "Hausverwaltung Petra Kühn") are
cut off the name, and day names heading the rows of a rota ("Wed:", "Thu:") are no names; the
people stay, and a chat speaker named Thu stays.

Every text here is written for this test (none is taken from an evaluation set).
"""

from __future__ import annotations

import pytest

from tests.pii_kit import persons


@pytest.mark.parametrize(("text", "name", "not_found"), [
    ("Zeugin ist die Nachbarin Frau Gertrud Lehmann aus dem zweiten Stock.", "Gertrud Lehmann",
     "Nachbarin"),
    ("Lieferschein 4471\nKunde: Familie Oyelaran\nLieferadresse: Hauptstraße 3", "Oyelaran",
     "Familie"),
    ("Empfänger: Hausverwaltung Dorothea Brandl\nIBAN: AT61 1904 3002 3457 3201",
     "Dorothea Brandl", "Hausverwaltung"),
    ("La voisine Madame Odile Perrin a appelé les pompiers.", "Odile Perrin", "voisine"),
])
def test_household_words_are_cut(text: str, name: str, not_found: str) -> None:
    found = persons(text)
    assert any(name in f for f in found), found
    assert not any(not_found in f for f in found), found


def test_rota_days_are_not_names() -> None:
    text = "Reception rota\nMon: Ana Folau (021 448 2210)\nThu: Rewi Tane (027 331 9084)"
    found = persons(text)
    assert "Thu" not in found and "Mon" not in found
    assert any("Rewi Tane" in f for f in found), found


def test_chat_speaker_named_thu_stays() -> None:
    assert "Thu" in persons("Thu: ok em den roi\nAn: vang, cho em 5 phut")
