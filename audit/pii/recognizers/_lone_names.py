"""A lone given name where the text says it is a person: "Fergus asked", "taken by Marguerite".

spaCy's small NER and the name lists miss a given name that stands alone in prose unless the
name is common in English text. This rule reports a capitalised word that is a known given name
(`names_given.txt`, the curated family names, or the wider `names_given_more.txt`) and no
everyday word, place, brand, day or month, when person evidence stands next to it:

* a speech or action verb after it ("Fergus asked", "Bronwyn covers", "Omondi will") or a
  request to it ("Olamide, can you ...") 0.86;
* an occupation, role or relation word before it ("our plumber Darragh", "mum Beryl", "nurse
  Bláithín") 0.86;
* a preposition or verb that takes a person before it ("taken by Marguerite", "thanks to
  Ngozi", "ask Fergus", "cc Hilde", "Hi Fergus") 0.8;
* another such name joined to it by "and"/"&" ("Yiannis and Eleni") 0.8;
* a possessive followed by a lower-case word ("Björn's replacement", "Noa's bat mitzvah") 0.8;
* a sign-off dash before it at the end of the text or line ("— Hilde") 0.8.

In a text written all in lower case (speech-to-text), a listed given name before "here" or with a
possessive before a lower-case word ("greta here", "barbara's address") 0.86.

Families: "the Kleins", "the Dunnes", "the Fitzpatrick family", where the surname is a listed
family name, 0.8. A word right after another capitalised word ("Hotel Adler asked") or before one
("Fergus Road") is left to the run-based recognizers; a listed thing word after the name
("Jiwoo Park") extends the span. One regex scan finds the capitalised words; the context checks
run only at the few that are listed names.
"""

from __future__ import annotations

from functools import lru_cache
from importlib import resources

import regex

__all__ = ["lone_given_names", "more_given_names"]

SCORE_STRONG = 0.86  # above spaCy's 0.85: "to Tomasz" read as a place by the NER
SCORE_CUE = 0.8
SCORE_LOWER = 0.86  # above the NER: its lower-case span without a listed name is dropped later

_CAP_WORD = regex.compile(r"(?<![\p{L}\p{M}\p{N}'’@._/-])(?P<w>\p{Lu}[\p{Ll}\p{M}]+"
                          r"(?:-\p{Lu}[\p{Ll}\p{M}]+)?)(?P<poss>['’]s)?(?![\p{L}\p{M}\p{N}@_/]|"
                          r"\.[\p{L}\p{N}]|-\p{L})")
_VERBS = (r"asked|asks|said|says|replied|replies|called|calls|texted|texts|wrote|writes|"
          r"confirmed|confirms|signed|signs|paid|pays|will|would|can|could|should|won't|can't|"
          r"covers|covered|reviews|reviewed|mentioned|mentions|agreed|agrees|suggested|suggests|"
          r"noted|notes|offered|offers|fixed|fixes|sent|sends|emailed|emails|phoned|rang|rings|"
          r"joined|booked|books|ordered|requested|reported|approved|approves|thinks|thought|"
          r"wants|wanted|needs|needed|told|tells|helped|helps|took|takes|gave|gives|brought|"
          r"brings|paired|drafted|drafts|hosted|hosts|organised|organized|organises|organizes|"
          r"explained|explains|promised|promises|insisted|insists|arrived|arrives|picked|"
          r"dropped|missed|loved|loves|answered|answers|messaged|messages|pinged|pings|"
          r"raised|raises|presented|presents|led|leads|chaired|chairs|volunteered|"
          r"apologised|apologized|laughed|smiled|nodded|shouted|whispered|added|adds|"
          r"here|speaking|did|didn't|does|doesn't|has|had|hasn't|hadn't|went|goes|came|comes|"
          r"is on|is off|is out|is away|was away|was lovely|was brilliant|was great|was kind|"
          r"was so|is so|just|also|still|never|always|recently|kindly")
_AFTER = regex.compile(r"[\p{So}\p{Sk}]*(?:[ \t]+(?i:" + _VERBS.replace(" ", r"[ \t]+")
                       + r")(?![\p{L}'’])|,[ \t]+(?i:can|could|would|will|please|pls|"
                       r"thanks|thank|are|did|do|have)[ \t])")
_ROLES = """
plumber electrician builder mechanic cleaner nurse midwife doctor dentist vet therapist physio
tutor teacher coach trainer instructor driver courier postman receptionist caretaker gardener
nanny babysitter childminder carer host hosts landlord landlady tenant neighbour neighbor
neighbours neighbors colleague colleagues coworker co-worker boss manager supervisor intern
assistant secretary treasurer chair timekeeper steward volunteer waiter waitress barista chef
cook hairdresser barber stylist agent rep technician engineer officer mum mom mam mummy mommy
dad daddy father mother sister brother wife husband son daughter friend partner fiancé fiancée
girlfriend boyfriend cousin aunt auntie aunty uncle niece nephew grandma grandpa granny grandad
granddad nan nana nanna grandson granddaughter stepson stepdaughter baby toddler kid godson
goddaughter godmother godfather bridesmaid groom bride flatmate roommate housemate classmate
teammate buddy mate pal guide pastor vicar rabbi imam priest deacon sister-in-law brother-in-law
mother-in-law father-in-law son-in-law daughter-in-law begleitung partnerin kollege kollegin
nachbar nachbarin vecina vecino voisin voisine collègue amigo amiga ami amie
""".split() + ["best man"]
_PREPS = """
by with to from thanks thx ty ask asking tell telling cc cc'd ping pinging message text email
call ring phone meet met meeting visit visited visiting invite invited inviting congrats
congratulations welcome hi hey hello hiya dear love miss sorry bye for about like married marry
marrying introduce introducing introduced hug kiss remind reminded help helped pay paid owe owes
owed handed gave give send sent taken signed hosted led chaired organised organized written
reviewed approved fixed cover covered w/
""".split() + ["thank you", "thanks to", "thank you to"]
# Cue phrases as word tuples, matched against the last words before a name (no regex search).
_ROLE_SET = frozenset(tuple(p.split()) for p in _ROLES)
_PREP_SET = frozenset(tuple(p.split()) for p in _PREPS)
_CUE_SET = _PREP_SET | _ROLE_SET
_AND = regex.compile(r"[ \t]+(?:and|&|und|et|y|e|en)[ \t]+(?P<w>\p{Lu}[\p{Ll}\p{M}]+)(?![\p{L}])")
_ANDS = frozenset("and & und et y e en".split())
_DASHES = ("—", "–", "-")
_OPENERS = "\"'“‘«(["
# Characters before a capitalised word that make it open a sentence or a list item.
_RUN_BREAKS = ".!?:;,\n(\"“—–-•|*>"
_POSS_NEXT = regex.compile(r"[ \t]+\p{Ll}")
_SIGN_OFF = regex.compile(r"(?:^|\n)[ \t]*[—–-]{1,2}[ \t]*$|[.!?)][ \t]+[—–][ \t]*$")
_LINE_END = regex.compile(r"[ \t]*(?:\([^()\n]{1,40}\)|,[^\n]{1,40})?[ \t]*[.!]?[ \t]*(?:\n|$)")
_NEXT_CAP = regex.compile(r"[ \t]+(?P<w>\p{Lu}[\p{Ll}\p{M}]+)(?![\p{L}])")
_FAMILY_PL = regex.compile(r"(?<![\p{L}])(?i:the)[ \t]+(?P<w>\p{Lu}[\p{Ll}\p{M}]+?)(?P<pl>e?s)"
                          r"(?![\p{L}\p{M}'’])")
_FAMILY_OF = regex.compile(r"(?<![\p{L}])(?i:the)[ \t]+(?P<w>\p{Lu}[\p{Ll}\p{M}]+)[ \t]+"
                          r"(?:family|family's|household|clan)(?![\p{L}])")
# Speech-to-text written all in lower case: "greta here", "barbara's address".
_LOWER = regex.compile(r"(?<![\p{L}\p{M}'’@._/-])(?P<w>\p{Ll}[\p{Ll}\p{M}]{2,})"
                       r"(?:(?=,?[ \t]+here(?![\p{L}]))|['’]s(?=[ \t]+\p{Ll}))")
_FAMILY_QUICK = regex.compile(r"(?i)the[ \t]+\p{Lu}")
# Surname words that are also things, kept with a listed given name before them ("Jiwoo Park").
_THING_SURNAMES = frozenset("park lee hall day way lake rose king long young white brown green "
                            "black gray grey bell wood hill page price cook baker hunter mason "
                            "carter turner miller ward walker little love stone short strong "
                            "banks fields rivers ford gates cross rice song star fox bird lamb "
                            "swift nash chase grant dean bush field moon sun kim".split())


# Voice assistants and products with a given name's shape ("Alexa will play ...").
_ASSISTANTS = frozenset("alexa siri cortana bixby".split())


def _brands() -> frozenset[tuple[str, ...]]:
    from audit.pii._ner_filter import _brands as brands

    return brands()


def _load(name: str) -> frozenset[str]:
    text = resources.files("audit.pii.recognizers").joinpath(name).read_text("utf-8")
    return frozenset(w.casefold() for line in text.splitlines() if not line.startswith("#")
                     for w in line.split())


@lru_cache(maxsize=1)
def more_given_names() -> frozenset[str]:
    """Casefolded given names from `names_given_more.txt` (Faker's per-locale lists, filtered)."""
    return _load("names_given_more.txt")


@lru_cache(maxsize=1)
def _not_names() -> frozenset[str]:
    """Words that never count as a lone name: everyday, stop, role, day and month words."""
    from spacy.lang.en.stop_words import STOP_WORDS

    from audit.pii._ner_filter import _DAYS_MONTHS, ROLE_WORDS, _common_words
    from audit.pii.recognizers._gazetteer import AMBIGUOUS, _run_stops

    brand_words = frozenset(t[0] for t in _brands() if len(t) == 1)
    return (_ASSISTANTS | frozenset(w.casefold() for w in STOP_WORDS) | AMBIGUOUS | _common_words()
            | brand_words | _DAYS_MONTHS | ROLE_WORDS | _run_stops())


@lru_cache(maxsize=1)
def _lone_names() -> frozenset[str]:
    from audit.pii.recognizers._gazetteer import family_names, given_names
    from audit.pii.recognizers._places import places

    table = places()
    return frozenset(f for f in given_names() | family_names() | more_given_names()
                     if f not in _not_names() and (f,) not in table and len(f) >= 3)


@lru_cache(maxsize=1)
def _family_stems() -> frozenset[str]:
    from audit.pii.recognizers._gazetteer import family_names
    from audit.pii.recognizers._places import places

    table = places()
    return frozenset(f for f in family_names() if f not in _not_names() and (f,) not in table)


@lru_cache(maxsize=1)
def _thing_words() -> frozenset[str]:
    from audit.pii._ner_filter import _THING_START
    from audit.pii.recognizers._gazetteer import AMBIGUOUS_STOP

    return AMBIGUOUS_STOP | _THING_START | frozenset("st saint san santa sankt".split())


@lru_cache(maxsize=1)
def _given() -> frozenset[str]:
    from audit.pii.recognizers._gazetteer import given_names

    return given_names() | more_given_names()


def _brand_ends(before: str, word: str) -> bool:
    """Whether `word` ends a listed brand with the words before it ("Marks & Spencer",
    "Ben & Jerry's", "Nando's")."""
    from audit.pii._ner_filter import _WORD

    brands = _brands()
    prior = [w.casefold() for w in _WORD.findall(before[-30:])][-2:]
    tail = [word.casefold()]
    return any(tuple(prior[len(prior) - k:] + tail) in brands for k in range(len(prior) + 1))


def _listed(word: str) -> bool:
    return word.casefold() in _lone_names()


def lone_given_names(text: str) -> list[tuple[int, int, float, str]]:
    """(start, end, score, why) of lone listed names with person evidence next to them."""
    out: list[tuple[int, int, float, str]] = []
    for m in _CAP_WORD.finditer(text):
        word = m.group("w")
        if not _listed(word):
            continue
        s, e = m.start("w"), m.end("w")
        nxt = _NEXT_CAP.match(text, m.end())
        end = e
        if nxt is not None and m.group("poss") is None:
            if nxt.group("w").casefold() not in _THING_SURNAMES:
                continue  # "Fergus Road", "Ngozi Adichie": the run recognizers' business
            end = nxt.end("w")  # "Jiwoo Park"
        before = text[max(0, s - 40):s]
        raw = before.split()[-3:] if before[-1:] in (" ", "\t") else []
        tail = [w.lstrip(_OPENERS).rstrip(",:").casefold() for w in raw]
        score, why = 0.0, ""
        if m.group("poss") is not None:
            if _POSS_NEXT.match(text, m.end()) is not None:
                score, why = SCORE_CUE, "given name with a possessive"
        elif _AFTER.match(text, end) is not None:
            score, why = SCORE_STRONG, "given name before a verb"
        if _ends_with(tail, _ROLE_SET):
            score, why = SCORE_STRONG, "given name after a role word"
        elif not score and _ends_with(tail, _PREP_SET):
            score, why = SCORE_CUE, "given name after a cue"
        elif not score and (
                ((a := _AND.match(text, end)) is not None and _listed(a.group("w")))
                or (len(raw) >= 2 and tail[-1] in _ANDS and raw[-2][:1].isupper()
                    and _listed(raw[-2].rstrip(",")))):
            score, why = SCORE_CUE, "given names joined by and"
        elif not score and before.rstrip().endswith(_DASHES) \
                and _SIGN_OFF.search(before) is not None \
                and _LINE_END.match(text, end) is not None:
            score, why = SCORE_CUE, "given name signing off"
        if not score or _brand_ends(before, m.group().replace("’", "'")):
            continue
        if word.casefold() not in _given() and why != "given name before a verb":
            continue  # a family name alone ("via Wise") needs a verb after it
        if raw and raw[-1][:1].isupper() and raw[-1].isalpha() \
                and not _ends_with(tail[-1:], _CUE_SET):
            head = before[:before.rstrip().rfind(raw[-1])].rstrip(" \t")
            if tail[-1] in _thing_words() or (head and head[-1] not in _RUN_BREAKS):
                continue  # "Hotel Adler", "Saint Fergus": inside a capitalised run
        out.append((s, end, score, why))
    if ("here" in text or "'s" in text or "’s" in text) and text == text.lower():
        given = _given()
        for m in _LOWER.finditer(text):
            if m.group("w") in given and _listed(m.group("w")):
                out.append((m.start("w"), m.end("w"), SCORE_LOWER, "lower-case given name"))
    if _FAMILY_QUICK.search(text) is not None:
        stems = _family_stems()
        for m in _FAMILY_PL.finditer(text):
            w = m.group("w").casefold()
            if (w in stems or (m.group("pl") == "es" and w + "e" in stems)) \
                    and _NEXT_CAP.match(text, m.end()) is None:
                out.append((m.start("w"), m.end("pl"), SCORE_CUE, "the <Surname>s"))
        for m in _FAMILY_OF.finditer(text):
            if m.group("w").casefold() in stems or _listed(m.group("w")):
                out.append((m.start("w"), m.end("w"), SCORE_CUE, "the <Surname> family"))
    return out


def _ends_with(tail: list[str], phrases: frozenset[tuple[str, ...]]) -> bool:
    """Whether the last one, two or three words of `tail` are one of `phrases`."""
    return any(tuple(tail[len(tail) - k:]) in phrases for k in range(1, len(tail) + 1))
