"""A lone given name where the text says it is a person (audit.pii.recognizers._lone_names).

Every case is written for this file. The positive names are not in the curated lists or stand
where the run-based recognizers cannot see them (a possessive, "the <Surname>s"); the hard
negatives share the rule's shapes (a verb after, a cue before, a possessive, "and") but name a
brand, a storm, a street, a product, a day or a month.
"""

from __future__ import annotations

import pytest

from audit.pii.recognizers import _name_context
from audit.pii.recognizers._gazetteer import AMBIGUOUS, given_names
from audit.pii.recognizers._lone_names import lone_given_names, more_given_names
from tests.pii_kit import persons

POSITIVE = [
    ("Fergus asked whether the invoice went out.", "Fergus"),
    ("The minutes were taken by Darragh this week.", "Darragh"),
    ("Our cleaner Thandeka was quick and tidy.", "Thandeka"),
    ("Many thanks to Zenzile for the lift home.", "Zenzile"),
    ("Can the export run nightly? — Hilde", "Hilde"),
    ("We are staying with the Dunnes over Easter.", "Dunnes"),
    ("Noa's recital starts at six.", "Noa"),
    ("The rota is full; Bronwyn covers the desk.", "Bronwyn"),
    ("Ask our mechanic Fintan for a quote.", "Fintan"),
    # speech-to-text in lower case
    ("ok so ingrid here, ring me when you land", "ingrid"),
    ("can you send me grainne's new number please", "grainne"),
]

NEGATIVE = [
    "Funds sent via Wise to your account.",
    "Lunch at Nando's, then a film at the Odeon.",
    "Shares in Marks & Spencer rose while Tesla said nothing.",
    "Storm Bert brought 80mph gusts to the coast.",
    "Alexa will play the radio at seven.",
    "The meeting moved to Monday; March will be busy.",
    "We walked down Fergus Road to Victoria Station.",
    "Saint Patrick's Day parade starts at noon.",
    "Summer will be hot; Hope said nothing would change.",
    "The Browns beat the Jets on Sunday.",
    "Python will raise an error if the file is missing.",
    "Chrome asked for permission to show notifications.",
    "ok mark here, the manager's office is here too",
    "the nurse's station is here, the doctor's too",
]
# Shapes the rule must leave alone, although other recognizers may (or may not) read them.
RULE_ONLY_NEGATIVE = [
    "Ben & Jerry's and Wendy's both opened new stores.",
    "Hotel Adler will reopen in spring.",
    "Click Save, then Cancel will close the dialog.",
]


@pytest.mark.parametrize(("text", "name"), POSITIVE)
def test_rule_finds_the_lone_name(text, name):
    assert [text[s:e] for s, e, _, _ in lone_given_names(text)] == [name]


@pytest.mark.parametrize(("text", "name"), POSITIVE)
def test_engine_reports_the_lone_name(text, name):
    assert name in persons(text)


@pytest.mark.parametrize(("text", "name"), POSITIVE)
def test_engine_misses_it_without_the_rule(text, name, monkeypatch):
    """The positives are this rule's: with it switched off the engine does not find them."""
    from audit.pii.engine import PIIEngine

    monkeypatch.setattr(_name_context, "lone_given_names", lambda _text: [])
    found = [text[s.start:s.end] for s in PIIEngine().analyze_one(text)
             if s.entity_type == "PERSON"]
    assert name not in found


@pytest.mark.parametrize("text", NEGATIVE + RULE_ONLY_NEGATIVE)
def test_rule_leaves_hard_negatives(text):
    assert lone_given_names(text) == []


@pytest.mark.parametrize("text", NEGATIVE)
def test_engine_reports_no_person_in_hard_negatives(text):
    assert persons(text) == []


def test_wider_given_name_keeps_a_thing_word_surname():
    """A given name of the wider list before a surname that is also a thing word ("Day",
    "Park") stays a person (the NER filter drops "<word> Day" otherwise)."""
    text = "Dinner with Mirela Day on Friday."
    assert persons(text) == ["Mirela Day"]


def test_more_names_list_holds_no_everyday_words():
    more = more_given_names()
    assert len(more) > 10_000
    assert {"fergus", "darragh", "thandeka"} <= more
    assert not more & AMBIGUOUS
    assert not more & given_names()  # only names the curated list lacks
    assert not {"forest", "sterling", "summer", "tesla", "wise", "river", "sky"} & more
