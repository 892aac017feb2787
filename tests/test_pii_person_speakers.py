"""The sender of a chat export line and the speaker after a subtitle's timing line are people,
whatever their name; role labels ("INTERVIEWER:", "Class Rep:") and plain log times are not.

Every text here is written for this test (none is taken from an evaluation set).
"""

from __future__ import annotations

import pytest

from tests.pii_kit import persons



@pytest.mark.parametrize(("text", "expected"), [
    ("[03/02/2027, 08:12] Tendai Moyo: who has the minibus keys?\n"
     "[03/02/2027, 08:14] Sefa: me, at the gate", ["Tendai Moyo", "Sefa"]),
    ("03/02/2027, 08:12 - Ilse: running late", ["Ilse"]),
    ("[2/3/27, 9:05 PM] Oyelowo Bankole: sent", ["Oyelowo Bankole"]),
    ("7\n00:01:02,000 --> 00:01:05,500\nMARISOL: I moved in March.", ["MARISOL"]),
])
def test_speakers_are_people(text: str, expected: list[str]) -> None:
    assert persons(text) == expected


@pytest.mark.parametrize("text", [
    "[03/02/2027, 08:12] Class Rep: reminder, no school on Friday",
    "7\n00:01:02,000 --> 00:01:05,500\nINTERVIEWER: And then?",
    "14:02 Deploy: started\n14:05 Rollback: done",
    "2027-02-03 08:12:00 Worker: queue drained",
])
def test_labels_that_are_no_people(text: str) -> None:
    assert persons(text) == []
