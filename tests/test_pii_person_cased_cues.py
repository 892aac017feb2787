"""In a text written with capitals, a lower-case word after a weak cue ("of", "and", "to") is an
everyday word even where it is also a family name ("in lieu of flowers", "return of the bond",
"went to court and won"); in lower-case chat and speech-to-text the same cue still finds names.

Every text here is written for this test (none is taken from an evaluation set).
"""

from __future__ import annotations

import pytest

from tests.pii_kit import persons


@pytest.mark.parametrize("text", [
    "The service is at St Anne's on Friday. In lieu of flowers, please give to Macmillan.",
    "Mrs Okonkwo asked for the return of bond within 14 days, as the Tenancy Act requires.",
    "We took the landlord to the Tribunal in March and won. The deposit came back in May.",
])
def test_everyday_words_after_weak_cues(text: str) -> None:
    found = persons(text)
    assert not any(f.islower() for f in found), found


@pytest.mark.parametrize(("text", "name"), [
    ("hi its rohan from flat 4, the parcel is with me", "rohan"),
    ("can you put me through to fernanda oliveira please", "fernanda oliveira"),
    ("The service is at St Anne's on Friday, led by Father Brendan Walsh.", "Brendan Walsh"),
    ("We met with Ruth Flowers and Tom Bond on Monday.", "Ruth Flowers"),
])
def test_names_after_cues_stay(text: str, name: str) -> None:
    found = persons(text)
    assert any(name in f for f in found), found
