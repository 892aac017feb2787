"""PERSON rules of the NER filter, the place filter and the shaped-name recognizers.

Every case is written for this file (new wording, invented or common names); each rule has
positive cases and hard negatives that share its shape but are no person.
"""

from __future__ import annotations

import pytest

from audit.pii import _personal_place as personal_place
from audit.pii._ner_filter import _foreign, cut_at_line_break, person_filter
from audit.pii._personal_place import _cue_names
from audit.pii.recognizers import _name_context as name_context
from audit.pii.recognizers._gazetteer import PARTICLES, all_names
from audit.pii.recognizers._name_context import _shaped_names
from audit.types import Span
from tests.pii_kit import persons


def _shaped(text: str) -> list[str]:
    return [text[s:e] for s, e, _, _ in _shaped_names(text)]


# -- one particle list -----------------------------------------------------------------------
def test_one_particle_list_is_shared():
    assert not hasattr(personal_place, "_PARTICLES")
    assert not hasattr(name_context, "_PARTICLES")
    assert name_context.PARTICLES is PARTICLES
    assert set(name_context._PART[3:-1].split("|")) == set(PARTICLES)
    # particles that are also names stay in the name lists
    assert {"ben", "do"} <= all_names()
    assert not {"van", "der", "bint"} & all_names()


# -- NER filter ------------------------------------------------------------------------------
def test_one_foreign_word_does_not_make_a_short_note_foreign():
    assert not _foreign("Refund sent: Torvald Eikrem, NOK 420.")
    assert _foreign("Sehr geehrte Damen und Herren, Ihre Bestellung ist leider noch nicht "
                    "bei uns eingegangen, aber wir sind dran.")


def test_ner_span_cut_at_line_break_and_list_number():
    text = "rota changed by Halvard Brekke\n09:30 coffee"
    ner = Span(16, len(text) - 7, "PERSON", 0.85, "SpacyRecognizer", "")
    cut = cut_at_line_break(ner, text)
    assert text[cut.start:cut.end] == "Halvard Brekke"
    listed = "1. Ingrid Solberg 2. Tariq Haddad"
    ner = Span(3, 19, "PERSON", 0.85, "SpacyRecognizer", "")  # "Ingrid Solberg 2"
    cut = cut_at_line_break(ner, listed)
    assert listed[cut.start:cut.end] == "Ingrid Solberg"
    flat = "Address Flat 2, 5 Mill Lane"  # a number that is no list marker is kept (and discards)
    ner = Span(0, 14, "PERSON", 0.85, "SpacyRecognizer", "")
    assert cut_at_line_break(ner, flat) == ner
    other = Span(16, 30, "PERSON", 0.9, "NameContextRecognizer", "")
    assert cut_at_line_break(other, text) == other  # only NER spans


def test_shift_log_name_before_a_time_line_is_found():
    assert "Halvard Brekke" in persons("Shift log\n09:10 rota changed by Halvard Brekke\n"
                                        "09:30 coffee machine fixed")


def test_ner_name_runs_over_particles():
    text = "Refund approved; pay the claimant Joost van der Linde, account 44."
    assert any(p.startswith("Joost") and p.endswith("Linde") for p in persons(text))


@pytest.mark.parametrize("value", [
    "Kensington Park", "Harbour Station", "Grace Hopper Day", "Turing Room", "Ellis Colony",
    "Acme Wealth", "Stripe API", "Priority", "Deluxe", "ETA", "Storm Babet", "St Agnes's",
    "Hugo Boss", "Ford Transit Custom", "Mercedes", "Vandermeer Holdings B.V."])
def test_things_named_after_people_are_no_person(value):
    text = f"Note: {value} today."
    span = Span(6, 6 + len(value), "PERSON", 0.85, "SpacyRecognizer", "")
    assert person_filter([span], text) == []


@pytest.mark.parametrize("value", ["Dana Park", "Hye-jin Park", "Mercedes Vidal", "Ingrid Solberg",
                                   "Tariq Haddad", "Wen Jing"])
def test_people_with_thing_words_stay(value):
    text = f"Note: {value} today."
    span = Span(6, 6 + len(value), "PERSON", 0.85, "SpacyRecognizer", "")
    assert person_filter([span], text) == [span]


def test_leading_role_and_everyday_words_are_trimmed():
    text = "Courier Bongani Zulu called."
    span = Span(0, 20, "PERSON", 0.85, "SpacyRecognizer", "")
    (out,) = person_filter([span], text)
    assert text[out.start:out.end] == "Bongani Zulu"


# -- a place cue's reading of a name ---------------------------------------------------------
def test_place_cue_gives_way_to_the_ner_person():
    text = "Got a voicemail from Ottilie Brandvold at noon."
    loc = Span(21, 38, "LOCATION", 0.86, "LocationCueRecognizer", "place after cue")
    ner = Span(21, 38, "PERSON", 0.85, "SpacyRecognizer", "")
    assert _cue_names([loc, ner], text) == [ner]
    listed = Span(21, 38, "LOCATION", 0.86, "LocationCueRecognizer", "")
    (alone,) = _cue_names([listed], "Got a voicemail from Ingrid Brandvold at noon.")
    assert alone.entity_type == "PERSON"


def test_place_cue_keeps_real_places():
    text = "She moved from Adelaide last year."
    loc = Span(15, 23, "LOCATION", 0.86, "LocationCueRecognizer", "")
    ner = Span(15, 23, "PERSON", 0.85, "SpacyRecognizer", "")
    assert loc in _cue_names([loc, ner], text)


# -- names known by their shape --------------------------------------------------------------
def test_passenger_names():
    assert _shaped("Pax list: LINDQVIST/ASTRID MRS seat 4C; OKAFOR/CHIDI MR seat 4D") == [
        "LINDQVIST/ASTRID", "OKAFOR/CHIDI"]
    assert _shaped("The router speaks TCP/IP; use AND/OR filters; route CDG/LIS.") == []


def test_surname_comma_given():
    assert "OKONJO, Chidi" in _shaped("Roll call: OKONJO, Chidi — absent")
    assert "BRANDVOLD, OTTILIE M" in _shaped("Index: BRANDVOLD, OTTILIE M, born 1931")
    assert "Haddad, Tariq" in _shaped("1. Haddad, Tariq — paid\n2. Solberg, Ingrid — due")
    assert _shaped("Status: DONE, Closed — see board") == []
    assert _shaped("Route: Lyon Part-Dieu, TGV 6611, coach 3") == []


def test_numbered_list_of_names():
    assert _shaped("Finalists: 1. Ingrid Solberg 2. Tariq Haddad 3. Wen Jing") == [
        "Ingrid Solberg", "Tariq Haddad", "Wen Jing"]
    assert _shaped("Steps: 1. Open Settings 2. Clear Cache 3. Restart Device") == []


def test_labelled_list_of_names():
    assert _shaped("Interviewers: Priya, Tomasz, Gunnhild. Verdict: hire.") == [
        "Priya", "Tomasz", "Gunnhild"]
    assert _shaped("Attendees: Platform Lead, Security Architect, Data Team") == []


def test_role_word_before_a_name():
    assert _shaped("Courier Bongani delivered it at 9.") == ["Bongani"]
    assert _shaped("Driver Update installs tonight. Agent Orange was banned.") == []


def test_spelled_out_name_but_not_a_spelled_email():
    assert _shaped("surname is k-o-w-a-l-c-z-y-k okay") == ["k-o-w-a-l-c-z-y-k"]
    assert _shaped("it is j-o-h-n at example dot com") == []


def test_lower_case_greeting_and_repeat():
    assert _shaped("hey priya long time no see") == ["priya"]
    assert _shaped("hey deb!") == ["deb"]
    assert _shaped("hi there, hi team, hey everyone") == []
    assert "magda nowicka" in _shaped("it's magda, magda nowicka, from the office")


def test_latin_name_beside_its_cjk_form():
    out = _shaped("Contact: WATANABE Ren / 渡辺 蓮 (ops)")
    assert "渡辺 蓮" in out and "WATANABE Ren" in out
    assert _shaped("Meet at Tokyo Station (東京駅) at nine.") == []


def test_cjk_name_before_honorific_after_a_space():
    assert "山本 大輔" in persons("お届け先 山本 大輔 様 までお願いします")


def test_person_fields_after_a_sentence_and_with_slashes():
    assert "Ingrid Solberg" in persons("Year 11. Student: Ingrid Solberg. Tutor: Mr Bell.")
    assert "Wen Jing" in persons("Site contact: Wen Jing / Facilities / ext. 2231")


def test_things_after_the_name_and_trailing_function_words():
    text = "We toured the Amelia Earhart Museum and met Rosa Lind."
    spans = [Span(14, 28, "PERSON", 0.85, "SpacyRecognizer", ""),
             Span(44, 53, "PERSON", 0.85, "SpacyRecognizer", "")]
    assert [text[s.start:s.end] for s in person_filter(spans, text)] == ["Rosa Lind"]
    text = "I code in plain C. My mentor is Ines."
    assert person_filter([Span(15, 20, "PERSON", 0.85, "SpacyRecognizer", "")], text) == []
    text = "Open Mon, Wed, Tues."
    assert person_filter([Span(15, 19, "PERSON", 0.55, "NameGazetteerRecognizer", "")], text) == []


def test_kin_word_is_trimmed_and_nicknames_are_listed():
    text = "Card from Auntie Folake inside."
    (out,) = person_filter([Span(10, 23, "PERSON", 0.6, "NameGazetteerRecognizer", "")], text)
    assert text[out.start:out.end] == "Folake"
    assert {"mike", "dave", "deb"} <= all_names()
    assert "mike" in _shaped("hi mike long time listener")


def test_goodbye_and_sentence_numbers_are_no_names():
    assert _shaped("ok thank you bye") == []
    assert _shaped("Re: order 4471. Atentamente, Yuki Sato") == []


def test_place_cue_other_than_a_bare_from_stays_a_place():
    for text in ("I moved to Brackwede last year.", "I'm Ana Ruiz from Brackwede; hi."):
        at = text.index("Brackwede")
        loc = Span(at, at + 9, "LOCATION", 0.86, "LocationCueRecognizer", "")
        ner = Span(at, at + 9, "PERSON", 0.85, "SpacyRecognizer", "")
        assert loc in _cue_names([loc, ner], text)


def test_log_numbers_and_code_constants_are_no_names():
    text = "INFO gc pause 37.83ms heap 1745MB"
    ner = Span(5, 16, "PERSON", 0.85, "SpacyRecognizer", "")  # "gc pause 37"
    assert cut_at_line_break(ner, text) == ner  # kept whole, so its digits discard it
    assert _shaped("_IGNORED = (ENOENT, ENOTDIR, EBADF)\nif err in _IGNORED: return") == []


def test_ner_span_left_without_a_capital_is_dropped():
    text = "INFO gc pause 37.83ms"
    assert person_filter([Span(0, 13, "PERSON", 0.85, "SpacyRecognizer", "")], text) == []
