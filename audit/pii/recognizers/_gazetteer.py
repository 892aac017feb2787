"""Person names from a gazetteer of given and family names from many cultures, in any case.

spaCy's small English NER knows mostly English-language names and needs capital letters; people
write "olumide adeyemi", "Nguyen Thi Lan" or "my name is anita patel". This recognizer scans the
words of a text once and reports:

* runs of capitalised words holding a known name: two known names (`Priya Sharma`) 0.85, one
  known name next to a name that is also a common word (`Grace Okafor`) 0.75, one known name
  next to an unknown capitalised word (`Olumide Xyzzy`) 0.6, one known given name alone 0.55;
* lower-case given + family name pairs (`anita patel`, `zhang wei`) 0.6;
* words after a personal cue in any case: "my name is", "call me", "dear", a sign-off
  ("regards, rohan") 0.8 whatever the words; "i'm", "this is", "it's", "ask for" only when the
  first word is a known name, 0.7.

The lists (`names_given.txt`, `names_family.txt`) are written for Assay; names that are also
everyday English words or places ("Will", "May", "Grace", "Paris") are in `AMBIGUOUS` and never
count as a name on their own.
"""

from __future__ import annotations

from functools import lru_cache
from importlib import resources
from typing import Any

import regex
from presidio_analyzer import AnalysisExplanation, EntityRecognizer, RecognizerResult

__all__ = ["AMBIGUOUS", "NameGazetteerRecognizer", "all_names", "family_names", "given_names"]

AMBIGUOUS = frozenset("""
will may grace hope mark bill rose joy faith jack art bob rob pat sue dawn destiny summer autumn
april june august sunny rich long young king white brown green black gray grey bell hall wood
woods hill hills park lane page price cook baker hunter mason carter turner miller ward walker
little love good best short small strong stone house church case person english french frank
bush banks fields rivers field river lake ford gate gates field noble cross rice salt sun moon
song star sky rain snow wolf fox bird crane lamb bear drake hawk swift nash chase grant lance
dean glen glenn guy harry jay ray roy don ron sam max ben tom tim jim kim van dan ken del
ali an ha he ho do le ma na oh yi yu im jo go ko ba sy sen mai bay hung long son tan tam nam
ruby julia jasmine ada pascal ivy hazel violet iris pearl amber crystal jade olive daisy poppy
lily holly heather ginger candy cherry honey angel precious lovely princess baby duke earl
victoria florence georgia virginia carolina paris sydney austin jackson lincoln chelsea madison
charlotte phoenix savannah houston orlando dallas aurora denver jordan india china asia kenya
israel lebanon jersey york london berlin milan sofia lima ruth faith patience mercy charity
major general sergeant captain judge bishop pope dean chancellor marshal sheriff
monday tuesday wednesday thursday friday saturday sunday january february march
may july september october november december christmas easter
new old north south east west central upper lower great saint st san santa
street road avenue lane drive court place square station hospital university college school
bank airport hotel center centre bridge house group company team office
one per mark marks worth
""".split())

# Name particles ("van der Berg", "bint Khalid", "Ní Bhriain", "Te Whata"): the one list that
# the recognizers, the NER filter and the place filter share (a test pins that they do).
PARTICLES = frozenset("van von de der den del della di da dos das du le la al el bin binti bint "
                      "ibn abu ben ter ten te y e do dei mac ó ní nic af zu".split())
# Particles that are also names in their own right ("Ben", the Vietnamese "Do"): the lists keep
# them, and a capitalised run keeps them as name words.
_NAMES_TOO = frozenset({"ben", "do"})
_NOT_NAMES = PARTICLES - _NAMES_TOO

# Capitalised words that start sentences and greetings rather than names.
_NOT_NAME_CAP = frozenset("""
i a an the this that these those it its my your our his her their we you he she they me us them
hi hello hey dear thanks thank cheers regards best kind warm sincerely yours ok okay yes no not
please call contact email phone text ask speak tell send mail write reply meet see let get
and or but so if then when where why how what who which while because since after before
mr mrs ms miss mx dr prof sir madam dame herr frau monsieur madame señor senor señora senora
in on at to for from by with of about as into onto over under up down out off near via per
is are was were be been being am has have had do does did can could will would shall should
customer client user admin support service team account order invoice ticket please note
valued colleague colleagues friend friends member members partner partners manager applicant
re fwd fw cc bcc subject attn attention urgent important update reminder
calling speaking here again back
""".split())

# Spoken and written cues before a name, in any case. Strong cues take the words after them
# whatever they are; weak cues ("i'm happy") only when the first word is a known name.
_STRONG_CUE = regex.compile(
    r"(?:\bmy\s+name\s+is|\bmy\s+name's|\bmy\s+name\s+was|\bname\s*:|\bdear|"
    r"\b(?:mr|mrs|ms|miss|mx|dr|prof)\.?)\s+", regex.IGNORECASE)
_WEAK_CUE = regex.compile(
    r"(?:\bi\s+am|\bi'?m|\bthis\s+is|\bit'?s|\bask\s+for|\bspeak\s+(?:to|with)|\btalk\s+to|"
    r"\bcontact|\bhi|\bhello|\bhey|\bwith|\bfrom|\bby|\bfor|\band|\bto|\bmeet|\bcalled|\bmet|"
    r"\bcall\s+me|\bnamed|\bname\s+is|\bis|\bwas|\bof|"
    r"\b(?:regards|cheers|thanks|thank\s+you|best|sincerely|yours|love)\s*[,\-\n]?)\s+",
    regex.IGNORECASE)
# A sign-off name ends its line or the text ("thanks, rohan"; not "thanks, great work").
_SIGN_OFF = regex.compile(r"\b(?:regards|cheers|thanks|thank\s+you|best|sincerely|yours|love)"
                          r"\s*[,\-\n]\s*", regex.IGNORECASE)
_LINE_END = regex.compile(r"[ \t]*[.!]?[ \t]*(?:\n|$)")
_WORD = regex.compile(r"\p{L}[\p{L}\p{M}'’]*(?:-\p{L}[\p{L}\p{M}'’]*)*")
_GAP = regex.compile(r"[ \t]+|[ \t]*\.[ \t]*")  # between words of one name ("J. Smith")


def _load(name: str) -> frozenset[str]:
    text = resources.files("audit.pii.recognizers").joinpath(name).read_text("utf-8")
    words = set()
    for line in text.splitlines():
        if line.startswith("#"):
            continue
        for w in line.split():
            if w.lower() not in _NOT_NAMES:
                words.add(w.casefold())
    return frozenset(words)


@lru_cache(maxsize=1)
def given_names() -> frozenset[str]:
    """Casefolded given names from `names_given.txt`."""
    return _load("names_given.txt")


@lru_cache(maxsize=1)
def family_names() -> frozenset[str]:
    """Casefolded family names from `names_family.txt`."""
    return _load("names_family.txt")


@lru_cache(maxsize=1)
def all_names() -> frozenset[str]:
    """Given and family names together."""
    return given_names() | family_names()


@lru_cache(maxsize=1)
def _stop_words() -> frozenset[str]:
    from spacy.lang.en.stop_words import STOP_WORDS

    return frozenset(STOP_WORDS) | _NOT_NAME_CAP | AMBIGUOUS


class NameGazetteerRecognizer(EntityRecognizer):
    """PERSON from given/family-name lists and personal cues, in title, upper and lower case."""

    ENTITIES = ["PERSON"]
    SCORE_TWO_KNOWN = 0.85
    SCORE_KNOWN_AMBIGUOUS = 0.75
    SCORE_KNOWN_UNKNOWN = 0.6
    SCORE_GIVEN_ALONE = 0.55
    SCORE_LOWER_PAIR = 0.6
    SCORE_STRONG_CUE = 0.8
    SCORE_WEAK_CUE = 0.7

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(supported_entities=self.ENTITIES, name="NameGazetteerRecognizer",
                         supported_language="en", context=[], **kwargs)

    def load(self) -> None:
        given_names(), family_names(), _stop_words()

    def analyze(self, text: str, entities: list[str], nlp_artifacts: Any = None) -> list[Any]:
        if "PERSON" not in entities:
            return []
        words = [(m.start(), m.end(), m.group()) for m in _WORD.finditer(text)]
        if not words:
            return []
        given, family, stop = given_names(), family_names(), _stop_words()
        found: dict[tuple[int, int], tuple[float, str]] = {}

        def add(i: int, j: int, score: float, why: str) -> None:
            key = (words[i][0], words[j - 1][1])
            if key not in found or found[key][0] < score:
                found[key] = (score, why)

        def known(w: str) -> bool:
            f = w.casefold()
            if "-" in f and f not in given and f not in family:  # Okonkwo-Bello, Jean-Luc
                return any(known(p) for p in f.split("-") if p)
            return (f in given or f in family) and f not in AMBIGUOUS

        def name_like(w: str) -> bool:
            f = w.casefold()
            if "-" in f and f not in given and f not in family:
                return any(name_like(p) for p in f.split("-") if p)
            return f in given or f in family

        n = len(words)
        # Where cues end (a word starting there follows the cue), found once per text.
        strong_at = {m.end() for m in _STRONG_CUE.finditer(text)}
        weak_at = {m.end() for m in _WEAK_CUE.finditer(text)}
        sign_off_at = {m.end() for m in _SIGN_OFF.finditer(text)} if weak_at else set()
        cased: bool | None = None  # whether the text writes names with capitals
        i = 0
        while i < n:
            # -- a cue right before word i: take the name-like words after it --------------
            strong = words[i][0] in strong_at
            weak = not strong and words[i][0] in weak_at
            if weak and not known(words[i][2]) and words[i][0] in sign_off_at:
                strong = _signs_off(text, words, i, stop)
            if weak and words[i][2].islower() and cased is None:
                cased = _cased(text, words)
            if strong or (weak and known(words[i][2])
                          and not (words[i][2].islower() and cased)):
                j = i
                while j < n and j - i < 3 and words[j][2].casefold() not in stop \
                        and (j == i or _joined(text, words[j - 1][1], words[j][0])) \
                        and (j - i < 2 or name_like(words[j][2])):
                    j += 1
                if j > i:
                    add(i, j, self.SCORE_STRONG_CUE if strong else self.SCORE_WEAK_CUE,
                        "name after cue")
            # -- a run of capitalised words (or a lower-case run) holding known names --------
            w = words[i][2]
            if w[0].isupper():
                j = i + 1
                while j < n and _joined(text, words[j - 1][1], words[j][0]) and (
                        words[j][2][0].isupper() or (words[j][2].lower() in _NOT_NAMES
                                                     and j + 1 < n
                                                     and words[j + 1][2][0].isupper())):
                    j += 1
                self._score_run(words, i, j, add, known, name_like)
                i = j
                continue
            if w.islower() and i + 1 < n and _joined(text, words[i][1], words[i + 1][0]):
                a, b = w.casefold(), words[i + 1][2].casefold()
                if b.islower() and a not in stop and b not in stop and (
                        (a in given and b in family) or (a in family and b in given)):
                    j = i + 2
                    if j < n and _joined(text, words[j - 1][1], words[j][0]) \
                            and words[j][2].islower() and words[j][2] not in stop \
                            and words[j][2] in family:
                        j += 1
                    add(i, j, self.SCORE_LOWER_PAIR, "lower-case given + family name")
                    i = j
                    continue
            i += 1
        return [self._result(s, e, score, why) for (s, e), (score, why) in found.items()]

    def _score_run(self, words: list, i: int, j: int, add: Any, known: Any,
                   name_like: Any) -> None:
        """Score the capitalised run words[i:j], split at words that are not names."""
        stop = _run_stops()
        k = i
        while k < j:
            if words[k][2].casefold() in stop:
                k += 1
                continue
            m = k
            while m < j and words[m][2].casefold() not in stop and m - k < 4:
                m += 1
            part = [words[x][2] for x in range(k, m) if words[x][2].lower() not in _NOT_NAMES]
            if _holds_place(part):  # "Prefeitura de São Paulo", "Victoria Station"
                k = m
                continue
            n_known = sum(map(known, part))
            n_amb = sum(1 for p in part if name_like(p) and not known(p))
            if n_known >= 2:
                add(k, m, self.SCORE_TWO_KNOWN, "known names")
            elif n_known == 1 and n_amb:
                add(k, m, self.SCORE_KNOWN_AMBIGUOUS, "known name + name")
            elif n_known == 1 and len(part) >= 2:
                add(k, m, self.SCORE_KNOWN_UNKNOWN, "known name + capitalised word")
            elif n_known == 1 and part[0].casefold() in given_names() and not part[0].isupper():
                add(k, m, self.SCORE_GIVEN_ALONE, "known given name")
            k = m

    def _result(self, start: int, end: int, score: float, why: str) -> RecognizerResult:
        exp = AnalysisExplanation(recognizer=self.name, original_score=score, pattern_name=why,
                                  textual_explanation=f"{self.name}: {why}")
        return RecognizerResult("PERSON", start, end, score, analysis_explanation=exp,
                                recognition_metadata={
                                    RecognizerResult.RECOGNIZER_NAME_KEY: self.name,
                                    RecognizerResult.RECOGNIZER_IDENTIFIER_KEY: self.id})


# Capitalised words that end a name run: place, organisation and thoroughfare nouns.
AMBIGUOUS_STOP = frozenset("""
street road avenue lane drive court place square station hospital university college school
bank airport hotel center centre bridge house group company team office inc ltd llc gmbh corp
plc foundation institute museum church hall park river lake mountain city county state
district province region ministry department committee council club league cup
monday tuesday wednesday thursday friday saturday sunday january february march april
june july august september october november december
""".split())


def _cased(text: str, words: list) -> bool:
    """Whether a text is written with capitals (an e-mail or a notice, not a lower-case chat or
    speech-to-text): one word in ten or more, of two letters or more, starts with a capital
    inside a sentence. There a lower-case word after a weak cue is an everyday word ("in lieu
    of flowers", "return of bond", "and won"), not a name."""
    caps = sum(1 for s, e, w in words if e - s > 1 and w[0].isupper()
               and _SENTENCE_END.search(text, max(0, s - 4), s) is None)
    return caps >= 2 and caps * 10 >= len(words)


_SENTENCE_END = regex.compile(r"(?:^|[.!?:;\n\"“(\[][ \t]*)$")


def _holds_place(part: list[str]) -> bool:
    """Whether two or more consecutive words of `part` are a place from the place list."""
    from audit.pii.recognizers._places import places

    table = places()
    folded = [w.casefold() for w in part]
    return any(tuple(folded[a:b]) in table for a in range(len(folded))
               for b in range(a + 2, min(len(folded), a + 3) + 1))


@lru_cache(maxsize=1)
def _run_stops() -> frozenset[str]:
    from audit.pii._ner_filter import EDGE_WORDS

    return _NOT_NAME_CAP | AMBIGUOUS_STOP | EDGE_WORDS


def _signs_off(text: str, words: list, i: int, stop: frozenset[str]) -> bool:
    """Whether one to three non-stop words from words[i] end the line or the text."""
    for j in range(i, min(i + 3, len(words))):
        if words[j][2].casefold() in stop:
            return False
        if _LINE_END.match(text, words[j][1]):
            return True
    return False


def _joined(text: str, end: int, start: int) -> bool:
    """Whether the gap between two words keeps them in one name (spaces, an initial's dot)."""
    if start - end > 3 or _GAP.fullmatch(text, end, start) is None:
        return False
    # A dot joins only after an initial or a short abbreviation ("J. Smith", "Md. Rahman"), not
    # at a sentence end ("... tier Gold. Mailing address").
    return "." not in text[end:start] or not text[max(0, end - 3):end].isalpha()
