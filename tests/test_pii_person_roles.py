"""Role, job and department words are no PERSON, in any language or case: speaker labels of call
and chat transcripts ("kundin:", "operatore:", "ivr:"), addressees ("Dear Parent", "Dear
supporter") and team senders ("From: Bookings <...>", "Accounts Payable"). The people those
transcripts and letters name are still found.

Every text here is written for this test (none is taken from an evaluation set).
"""

from __future__ import annotations

import pytest

from tests.pii_kit import persons


@pytest.mark.parametrize(("text", "expected"), [
    # Spanish, Portuguese, Italian, German, French and Dutch transcripts: the people stay
    ("operadora: buenas tardes, ¿su nombre?\ncliente: lucía fernández ortega\n"
     "operadora: gracias, ¿y su correo?\ncliente: lucia punto fo arroba gmail punto com",
     ["lucía fernández ortega"]),
    ("atendente: pode confirmar o nome completo?\ncliente: mariana souza lima\n"
     "atendente: obrigado, e o telefone?", ["mariana souza lima"]),
    ("operatore: buongiorno, mi dice il nome?\ncliente: francesca romano\n"
     "operatore: grazie, un recapito?", ["francesca romano"]),
    ("berater: wie ist ihr name bitte\nkundin: petra schneider\n"
     "berater: und ihre kundennummer", ["petra schneider"]),
    ("conseiller: votre nom s'il vous plaît\nappelante: claire dubois\n"
     "conseiller: merci madame dubois", ["claire dubois", "dubois"]),
    ("medewerker: wat is uw naam?\nklant: sanne bakker\nmedewerker: dank u", ["sanne bakker"]),
    ("ivr: please say your account number\ncaller: four four one two\n"
     "ivr: thank you, connecting you now", []),
])
def test_transcript_role_labels(text: str, expected: list[str]) -> None:
    found = persons(text)
    for role in ("cliente", "operadora", "atendente", "operatore", "berater", "kundin",
                 "conseiller", "appelante", "medewerker", "klant", "ivr", "caller"):
        assert role not in found
    for name in expected:
        assert any(name in f or f in name for f in found), (name, found)


@pytest.mark.parametrize("text", [
    "Dear Parent/Guardian, the trip to the science museum is on Friday.",
    "Dear donor, thank you for your gift to the shelter.",
    "From: Bookings <bookings@harbourview-hotel.example>\nSubject: your stay",
    "Kind regards,\nAccounts Payable, Millbrook Supplies",
    "Claimant's phone on file is listed below; Respondent's counsel has been notified.",
    "Beneficiary: see attached mandate",
    "Helper: have you tried restarting the router?\nNoor: yes, twice",
])
def test_roles_alone_are_not_people(text: str) -> None:
    found = persons(text)
    assert not any(f.casefold() in {"parent", "donor", "bookings", "accounts payable",
                                    "claimant", "respondent", "beneficiary", "helper"}
                   for f in found), found


@pytest.mark.parametrize(("text", "name"), [
    ("Dear Parent of Tomasz Wieczorek, please sign the form.", "Tomasz Wieczorek"),
    ("Claimant: Olusegun Adebayo, 14 Mill Lane", "Olusegun Adebayo"),
    ("Agent Rosalind Achebe will call you back.", "Rosalind Achebe"),
    ("Beneficiary: Ingrid Halvorsen\nIBAN: NO93 8601 1117 947", "Ingrid Halvorsen"),
])
def test_people_next_to_roles_stay(text: str, name: str) -> None:
    assert name in persons(text)
