"""Well-known public figures, authors and fictional characters named in prose, news, reading lists
or reviews are no one's PII ("Elon Musk's", "a Roald Dahl book", "steve jobs" in a podcast);
named in a personal way (a self-introduction, a salutation, a form's person field) they stay,
as do private people around them and people who share only a surname with one.

Every text here is written for this test (none is taken from an evaluation set).
"""

from __future__ import annotations

import pytest

from tests.pii_kit import persons


@pytest.mark.parametrize("text", [
    "Our book club is reading Jane Austen and then Chinua Achebe.",
    "The keynote compared Satya Nadella's strategy with Tim Cook's.",
    "Summer reading: \"The BFG\" by Roald Dahl.",
    "The kids watched Peppa Pig and then a Harry Potter film.",
    "on the show today we talk about steve jobs and the first macintosh",
    "Fans queued overnight for Taylor Swift tickets at Wembley.",
    "The Prime Minister met President Macron in Brussels.",
    "Guest lecture on how Alan Turing broke Enigma.",
    "Agenda: upgrade Kafka to 3.8, then the Postgres failover drill.",
    "The choir sings Handel and Vivaldi at the Christmas concert.",
])
def test_public_figures_in_prose(text: str) -> None:
    assert persons(text) == []


@pytest.mark.parametrize(("text", "name"), [
    ("Reading list from Ms Okafor: Matilda by Roald Dahl; bring it on Monday.", "Okafor"),
    ("Tickets for Taylor Swift, bought by Declan Moriarty, card ending 4417.", "Declan Moriarty"),
    ("Dear Harry Potter, your library card is ready.", "Harry Potter"),
    ("Customer: Tim Cook\nPhone: 0161 496 0123", "Tim Cook"),
    ("My name is Michael Jordan and I live at 12 Elm Road.", "Michael Jordan"),
    ("Claire Macron-Dubois called about her invoice.", "Claire Macron-Dubois"),
    ("Anna Messi booked a table for four.", "Anna Messi"),
    ("Marcus Dahl signed the lease on 3 March.", "Marcus Dahl"),
    ("Tereza Kafka will pick up the keys on Friday.", "Tereza Kafka"),
])
def test_private_people_stay(text: str, name: str) -> None:
    found = persons(text)
    assert any(name in f for f in found), found
