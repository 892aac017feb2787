"""A person naming themself, or a name field, keeps its name whatever the words: the NER filter's
thing / everyday-word / brand checks (`_ner_filter`) must not drop "my name is Storm Akinyi".

Found 2026-12-02 after the PERSON filter landed: these five were all detected before it and none
after it — a leak a privacy tool must not trade for precision."""

from __future__ import annotations

import pytest


KEPT = [
    ("Hi, my name is Storm Akinyi and I need help.", "Storm Akinyi"),
    ("Name: Sunny Day\nPhone: 07700 900 123", "Sunny Day"),
    ("my name is grace hall", "grace hall"),
    ("Signed, Rose Bank", "Rose Bank"),
    ("Hello, I'm Summer Field, calling about my order.", "Summer Field"),
    ("Kind regards,\nHolly Park", "Holly Park"),
]

# the same words without a self-naming cue are still things
DROPPED = [
    "We walked through Lincoln Park after lunch.",
    "The meeting moved to the Newton Room.",
    "I am at Victoria Station now.",
]


@pytest.fixture(scope="module")
def engine():
    from audit.pii.engine import get_engine

    return get_engine()


@pytest.mark.parametrize(("text", "name"), KEPT)
def test_self_named_person_is_kept_whole(engine, text, name) -> None:
    found = [text[s.start:s.end] for s in engine.analyze_one(text) if s.entity_type == "PERSON"]
    assert name in found, (text, found)


@pytest.mark.parametrize("text", DROPPED)
def test_things_without_the_cue_stay_dropped(engine, text) -> None:
    assert [text[s.start:s.end] for s in engine.analyze_one(text)
            if s.entity_type == "PERSON"] == []


def test_cue_must_touch_the_span() -> None:
    from audit.pii._ner_filter import _self_named

    text = "my name is Ana and I walked to Lincoln Park"
    assert _self_named(text, text.index("Ana"))
    assert not _self_named(text, text.index("Lincoln"))
    assert _self_named("Name : X", 7) and _self_named("Signed by: X", 11)


# titles and salutations are as strong: found before the thing filters landed, missed after
TITLED = [
    ("Mrs Hope Bank called twice.", "Hope Bank"),
    ("Please call Mr Summer Day back.", "Summer Day"),
    ("Landlord: Mr. Hall", "Hall"),
    ("Dear Ms Day,", "Day"),
]


@pytest.mark.parametrize(("text", "name"), TITLED)
def test_titled_person_is_kept(engine, text, name) -> None:
    found = [text[s.start:s.end] for s in engine.analyze_one(text) if s.entity_type == "PERSON"]
    assert any(name in f for f in found), (text, found)
