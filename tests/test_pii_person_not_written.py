"""Not a name as written: the local part of an e-mail address read out in a call ("nkechi dot
obi at yahoo dot com"), a one-word party of a case citation ("Roe v. Wade"), a hesitation
sound in speech-to-text ("um"), and a pet named right after its species word ("our dog
Biscuit", "a gata Pipoca"). The callers, litigants and owners themselves are still found.

Every text here is written for this test (none is taken from an evaluation set).
"""

from __future__ import annotations

import pytest

from tests.pii_kit import persons


@pytest.mark.parametrize(("text", "absent"), [
    ("caller: yes the email is nkechi dot obi seventy at yahoo dot com", "nkechi dot obi"),
    ("The seminar compares Roe v. Wade with later rulings.", "Roe"),
    ("The seminar compares Roe v. Wade with later rulings.", "Wade"),
    ("hi um i wanted to ask about the bill", "um"),
    ("Our dog Biscuit barked all night, sorry to the neighbours.", "Biscuit"),
    ("A minha gata Pipoca fugiu ontem à noite.", "Pipoca"),
])
def test_not_written_names(text: str, absent: str) -> None:
    assert absent not in persons(text)


@pytest.mark.parametrize(("text", "name"), [
    ("hi um my name is tendai moyo and i need a callback", "tendai moyo"),
    ("Claim filed: Ogunbanjo v. Riverside Lettings Ltd; claimant Folake Ogunbanjo.",
     "Folake Ogunbanjo"),
    ("The dog walker Priya Raman has the spare key.", "Priya Raman"),
    ("Um Ji-yeon booked the meeting room for Friday.", "Um Ji-yeon"),
])
def test_people_stay(text: str, name: str) -> None:
    found = persons(text)
    assert any(name in f for f in found), found


@pytest.mark.parametrize(("text", "absent", "name"), [
    ("[12:01:40] [Server thread/INFO]: Marcus_the_Miner joined the game; op is Leila Haddad",
     "Marcus", "Leila Haddad"),
    ("export ALICE_HOME=/srv/alice  # owner: Tobias Wendt", "ALICE", "Tobias Wendt"),
])
def test_pieces_of_identifiers(text: str, absent: str, name: str) -> None:
    found = persons(text)
    assert absent not in found, found
    assert any(name in f for f in found), found
