"""Checks on spaCy's English NER spans, which misfire on other languages and on technical text.

The small English model reads any capitalised run as a name in German, French, Italian ...
text ("Ihre Bestellung", "Distinti Saluti", "Buongiorno Signora Rossi") and weekday names as
places ("del Lunes"). `refine` trims greeting, title and function words off an NER span's edges
and, in a text that reads as another language (more of its words are that language's function
words than English ones), keeps an NER name only when a word of it is in the name lists. English
text keeps every NER name: the model knows names the lists do not.
"""

from __future__ import annotations

import importlib
from functools import lru_cache

import regex

from audit.types import Span

__all__ = ["EDGE_WORDS", "refine"]

_LANGS = ("de", "fr", "es", "it", "pt", "nl", "sv", "da", "pl", "tr", "id")
_WORD = regex.compile(r"\p{L}[\p{L}\p{M}'’\-]*")
# Greetings, titles, sign-offs and company forms in the languages above: never part of a name.
EDGE_WORDS = frozenset("""
beste meneer mevrouw sehr geehrte geehrter liebe lieber hallo herr frau madame monsieur
mademoiselle bonjour bonsoir cher chère hola estimado estimada señor señora senor senora don doña
buongiorno buonasera gentile gentili signora signor signore caro cara olá ola prezado prezada
senhor senhora querido querida distinti saluti cordialement atenciosamente grüßen grüße gruß
groet groeten saludos saludo salutations cordiali abbraccio dear hi hello hey mr mrs ms miss mx
dr prof sir madam regards thanks cheers best kind warm sincerely yours mme mlle me sra sr srta
sig sig.ra dott dott.ssa ing avv sres dña dra
husband wife son daughter mother father brother sister mum mom dad uncle aunt cousin partner
landlord landlady tenant notary witness guest manager nurse reviewer intro
complainant claimant plaintiff defendant respondent appellant petitioner guarantor deceased
""".split())
# Field labels of tickets and forms that the NER reads as names ("Requester:", "Callback:").
FIELD_WORDS = frozenset("""
requester callback card number email e-mail mail payout account beneficiary iban phone mobile
tel fax summary address billing shipping ship passenger contact customer client remote addr ip
social security ssn name full pan reply-to subject priority channel status order invoice
""".split())
# Thoroughfare words that end a street name the NER reads as a person ("Rosenheimer Str").
_STREET_END = frozenset("str str. straße strasse street st road rd avenue ave av lane ln drive dr "
                        "weg allee platz gasse ring damm ufer rue boulevard bd calle via viale "
                        "rua avenida travessa straat laan plein gracht vej gatan väg".split())
_ORG_WORDS = frozenset("gmbh ag kg ohg ug ltd llc inc corp plc sa sas sarl srl spa bv nv ab as "
                       "oy sl sp.z kft".split())
_DAYS_MONTHS = frozenset("""
montag dienstag mittwoch donnerstag freitag samstag sonntag lundi mardi mercredi jeudi vendredi
samedi dimanche lunes martes miércoles miercoles jueves viernes sábado sabado domingo lunedì
lunedi martedì martedi mercoledì mercoledi giovedì giovedi venerdì venerdi sabato domenica
segunda terça terca quarta quinta sexta maandag dinsdag woensdag donderdag vrijdag zaterdag
zondag januar februar märz april mai juni juli august september oktober november dezember
janvier février fevrier mars avril juin juillet août aout septembre octobre novembre décembre
enero febrero marzo abril mayo junio julio agosto septiembre octubre noviembre diciembre
gennaio febbraio aprile maggio giugno luglio settembre ottobre dicembre
""".split())


@lru_cache(maxsize=1)
def _stop_words() -> tuple[frozenset[str], frozenset[str]]:
    """(English function words, other languages' function words that are not English ones)."""
    from spacy.lang.en.stop_words import STOP_WORDS as EN

    other: set[str] = set()
    for lang in _LANGS:
        other |= importlib.import_module(f"spacy.lang.{lang}.stop_words").STOP_WORDS
    english = frozenset(w.lower() for w in EN)
    return english, frozenset(w.lower() for w in other) - english


_CODE_WORDS = regex.compile(r"\b(?:def|elif|return|import|function|const|var|public|private|"
                            r"static|void|lambda|async|await|null|None|True|False|self|fn|impl|"
                            r"struct|enum|println|printf|console|SELECT|FROM|WHERE|INSERT|UPDATE)"
                            r"\b")
_CODE_CHARS = frozenset("{}()[];=<>_/\\|$#`*&")


def _code_like(text: str) -> bool:
    """Whether `text` reads as source code, markup or a query rather than prose."""
    visible = [c for c in text if not c.isspace()]
    if not visible:
        return False
    symbols = sum(c in _CODE_CHARS for c in visible)
    return symbols / len(visible) > 0.08 or (
        symbols >= 3 and _CODE_WORDS.search(text) is not None)


def _foreign(text: str) -> bool:
    """Whether `text` reads as another language than English (by function-word counts) or as
    source code: there an NER name needs support from the name lists."""
    if _code_like(text):
        return True
    english, other = _stop_words()
    n_en = n_other = 0
    for m in _WORD.finditer(text.lower()):
        w = m.group()
        if w in english:
            n_en += 1
        elif w in other:
            n_other += 1
    return n_other > n_en


def refine(span: Span, text: str, foreign: dict[str, bool]) -> Span | None:
    """An NER PERSON/LOCATION span trimmed of edge words, or None when it is not one.

    `foreign` caches the language verdict per text (key "v").
    """
    from audit.pii.recognizers._gazetteer import all_names

    english, other = _stop_words()
    words = [(m.start(), m.end(), m.group()) for m in _WORD.finditer(text, span.start, span.end)]
    names = all_names()

    def edge(w: str) -> bool:
        f = w.casefold()
        if f in names:
            return False
        return (f in EDGE_WORDS or f in _DAYS_MONTHS or f in english or f in other)

    if any(w.casefold() in _ORG_WORDS for _, _, w in words):
        return None
    if all(w.casefold() in FIELD_WORDS for _, _, w in words):
        return None
    while words and edge(words[0][2]):
        words.pop(0)
    while words and edge(words[-1][2]):
        words.pop()
    if not words:
        return None
    if span.entity_type == "PERSON" and words[-1][2].casefold() in _STREET_END:
        return None  # the street recognizer reports the address with its number
    if span.entity_type == "PERSON" and not _person_position(text, words, names):
        return None
    if span.entity_type == "PERSON" and _place_like(text, words, names):
        return Span(words[0][0], words[-1][1], "LOCATION", span.score, span.recognizer,
                    span.explanation + "; read as a place")
    if span.entity_type == "PERSON":
        known = any(w.casefold() in names or any(p in names for p in w.casefold().split("-"))
                    for _, _, w in words)
        if not known:
            if "v" not in foreign:
                foreign["v"] = _foreign(text)
            if foreign["v"]:
                return None
    elif not any(c.isupper() for _, _, w in words for c in w):  # "factura", "vendredi"
        if "v" not in foreign:
            foreign["v"] = _foreign(text)
        if foreign["v"]:
            return None
    start, end = words[0][0], words[-1][1]
    if (start, end) == (span.start, span.end):
        return span
    return Span(start, end, span.entity_type, span.score, span.recognizer, span.explanation)


_THE_BEFORE = regex.compile(r"(?<![\p{L}])the[ \t]+$", regex.IGNORECASE)
_SENTENCE_START = regex.compile(r"(?:^|[\n.!?:;][ \t]*|^[ \t]*)[\"'(\[]?$")
_NEXT_LOWER = regex.compile(r"[ \t]+\p{Ll}|[ \t]*:[ \t]+\p{Lu}")


def _person_position(text: str, words: list[tuple[int, int, str]], names: frozenset[str]) -> bool:
    """False where the NER's name stands where a thing does: after "the" ("the Danube", "the
    Fushimi Inari shrine"), or a lone unlisted word opening a sentence or line and followed by
    a lower-case word or a field value ("Toner replaced", "Renew via", "Guest: Pham")."""
    start = words[0][0]
    if _THE_BEFORE.search(text, max(0, start - 8), start) is not None:
        return False
    if len(words) == 1 and words[0][2].casefold() not in names:
        if (_SENTENCE_START.search(text, max(0, start - 6), start) is not None
                and _NEXT_LOWER.match(text, words[0][1]) is not None):
            return False
    return True


# Brazilian, Australian and Canadian state codes written after a town; US codes are left out
# ("MD", "PA" follow names as degrees and titles too).
_STATE_CODES = frozenset("AC AL AP AM BA CE DF ES GO MA MT MS MG PA PB PR PE PI RJ RN RS RO RR SC "
                         "SP SE TO NSW VIC QLD TAS ACT NT QC BC NB NS PE NL YT NU".split())


def _place_like(text: str, words: list[tuple[int, int, str]], names: frozenset[str]) -> bool:
    """A "name" that is a town with its state code ("Salvador - BA", "Hobart TAS") or a listed
    place that is no listed name ("Montréal"); "Ramazan Kohl MBA" stays a person."""
    from audit.pii.recognizers._places import places

    if len(words) >= 2 and words[-1][2] in _STATE_CODES and (
            "-" in text[words[-2][1]:words[-1][0]] or not text[words[0][0]:words[-1][1]].isupper()):
        return True
    folded = tuple(w.casefold() for _, _, w in words)
    return folded in places() and not any(f in names for f in folded)
