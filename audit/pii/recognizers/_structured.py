"""Names held by the fields of structured text: JSON, XML, YAML, key=value logs, table cells.

Production logs carry people in fields: `{"family":"Haddad","given":["Rania"]}` (FHIR),
`<name>Björk Sigurðardóttir</name>`, `patient_name=Wu, Mei-Ling|ssn=…`, `name=jaime lorenzo,`,
`author: "Jane Doe <jane@x.org>"`, `| 042 | Lindqvist, Elias | Junior |`. This recognizer reads a
field whose key names a person (name, full_name, firstName, given, family, surname, patient,
customer_name, billing_contact_name, nok_name, cardholder, assignee, author …) and reports its value
when the value has the shape of a name: one to five name words (letters, accents, particles,
hyphens, apostrophes) or "Surname, Given", in any case. A value is no person when it holds digits,
underscores, brackets or `@`, is a role ("admin", "system", "root"), a placeholder ("null", "n/a",
"redacted"), or ends with a company form (Ltd, GmbH, Inc, B.V.).

Keys come in two strengths. A specific key (first_name, surname, patient_name, cardholder …) takes
any name-shaped value. A generic one ("name", "family", "given", "contact", "member", "author",
"owner" …) also names services, fonts, plans and products, so its value needs more: one word must be
a listed name, or (when capitalised) the words must hold no everyday, thoroughfare, venue or firm
word ("Premium Plan", "Main Street Bakery", "Roboto" are left). A pipe, tab or quoted-CSV cell that
is "Surname, Given" is one name when either part is a listed name or a header names a person.

Every shape is one compiled regex scan, run only when the text holds a key character (`"`, `=`, `:`,
`<`, `|`, tab).
"""

from __future__ import annotations

from typing import Any

import regex
from presidio_analyzer import AnalysisExplanation, EntityRecognizer, RecognizerResult

from audit.pii.recognizers._gazetteer import PARTICLES as _PARTICLES

__all__ = ["StructuredNameRecognizer"]

_Q = r"(?:billing|shipping|primary|secondary|technical|emergency|main|site|legal|preferred|" \
     r"account|card|policy|alt|alternate)"
_ROLE = (r"(?:patient|customer|client|contact|employee|guest|member|author|assignee|reporter|"
         r"requester|recipient|sender|holder|card[_-]?holder|account[_-]?holder|policy[_-]?holder|"
         r"beneficiary|next[_-]?of[_-]?kin|nok|kin|spouse|parent|signatory|owner|passenger|"
         r"applicant|claimant|insured|subscriber|tenant|guardian|physician|doctor|nurse|"
         r"caregiver|student|attendee|driver|witness)")
_PART = (r"(?:full[_-]?name|display[_-]?name|first[_-]?name|given[_-]?names?|given|forenames?|"
         r"last[_-]?name|family[_-]?name|family|surname|middle[_-]?names?|maiden[_-]?name|"
         r"legal[_-]?name|preferred[_-]?name|[fl]name|name|first|last)")
_KEY = (r"(?P<key>(?:" + _Q + r"[_-]?)?(?:" + _ROLE + r"(?:[_-]?" + _PART + r")?|(?:" + _ROLE
        + r"[_-]?)?" + _PART + r"))")
# Keys that also name services, fonts, plans and products.
# Bare roles that only a person plays; the other generic keys ("name", "family", "owner",
# "author", "parent") need a listed name or a person cue near the field for an unlisted value.
_HUMAN_ROLE = frozenset("patient customer client employee guest assignee reporter requester "
                        "recipient sender beneficiary spouse signatory passenger applicant "
                        "claimant insured subscriber tenant guardian physician doctor nurse "
                        "caregiver student attendee witness kin nok author".split())
_PERSON_CUE = regex.compile(r"(?i)(?<!\p{L})(?:patient|customer|client|contact|employee|person|"
                            r"user|member|guest|author|e-?mail|phone|mobile|birth|dob|ssn|"
                            r"address|passenger|holder|given|family|surname|first_?name|"
                            r"last_?name|[fl]name|(?:first|last)[\"']?[ \t]*[=:]|staff|people|"
                            r"humanname|recipient|sender|account)")
# Generic keys that hold one part of a name: an unlisted one-word value counts near a person cue.
_PARTS = frozenset("family given first last".split())  # not "name": <meta name="Description">
_GENERIC = frozenset("name family given contact member owner author parent holder kin driver "
                     "student doctor nurse physician".split())

# One name word (any case): letters with accents, inner hyphen/apostrophe; or a particle.
_W = r"\p{L}[\p{L}\p{M}]*(?:['’.\-]\p{L}[\p{L}\p{M}]*)*\.?"
_WORDS = _W + r"(?:[ \t]+" + _W + r"){0,4}"
_VALUE = r"(?P<value>" + _WORDS + r"(?:,[ \t]*" + _WORDS + r")?)"
_KS = r"(?<![\w.\-])"  # a key starts after no word character, dot or hyphen
# "key": "value" / "key": ["value"] / key="value" / key: 'value'
_QUOTED = regex.compile(
    r"(?i)" + _KS + r"[\"']?" + _KEY + r"[\"']?[ \t]*[:=][ \t]*\[?[ \t]*(?P<q>[\"'])[ \t]*"
    + _VALUE + r"(?:[ \t]*<[^<>\s]+@[^<>\s]+>)?[ \t]*(?P=q)")
# key=value / key: value unquoted, up to a field end; "Surname, Given" only when no key follows.
_BARE = regex.compile(
    r"(?i)" + _KS + _KEY + r"[ \t]*(?:=|:(?!//))[ \t]*(?P<value>" + _WORDS
    + r"(?:,[ \t]*" + _WORDS + r"(?![ \t]*[\w\-]*[ \t]*[=:]))?)"
    + r"(?:[ \t]*<[^<>\s]+@[^<>\s]+>)?"
    + r"(?=[ \t]*(?:$|[\r\n|;&,}\]\t]|[ \t][\w\-]+=))", regex.MULTILINE)
# <key attr="…">value</key> and <key value="…"/> (FHIR XML)
_XML = regex.compile(
    r"(?i)<(?:[\w\-]+:)?" + _KEY + r"(?:[ \t][^<>]*)?>[ \t]*(?P<value>" + _WORDS
    + r"(?:,[ \t]*" + _WORDS + r")?)[ \t]*</")
_XML_VALUE = regex.compile(
    r"(?i)<(?:[\w\-]+:)?" + _KEY + r"[ \t][^<>]*?\bvalue=[\"'](?P<value>" + _WORDS + r")[\"']")
# The rest of a JSON array after its first string: ["Rania", "Marie"]
_ARRAY_MORE = regex.compile(r"[ \t]*,[ \t]*\"(?P<value>" + _WORDS + r")\"")
# A "Surname, Given" table cell between pipes or tabs, or a quoted CSV cell.
_CAPW = r"\p{Lu}[\p{Ll}\p{M}]+(?:['’\-]\p{L}[\p{Ll}\p{M}]+)*"
_LAST_FIRST = _CAPW + r"(?:[ \t]+" + _CAPW + r")?,[ \t]+" + _CAPW + r"(?:[ \t]+" + _CAPW + r")?"
_CELL = regex.compile(
    r"(?:(?<=\|)[ \t]*(?P<value>" + _LAST_FIRST + r")[ \t]*(?=\|)"
    r"|(?<=\t|^)(?P<value>" + _LAST_FIRST + r")(?=\t)"
    r"|(?<=(?:^|,)\")(?P<value>" + _LAST_FIRST + r")(?=\"(?:,|$)))", regex.MULTILINE)
_PERSON_HEADER = regex.compile(r"(?i)(?:^|[|,\t])[ \t]*\"?(?:[\w ]*[ _])?(?:name|member|patient|"
                               r"employee|guest|customer|client|contact|staff|person|student|"
                               r"attendee|passenger|holder|author|owner)s?\"?[ \t]*(?=[|,\t]|$)",
                               regex.MULTILINE)

_QUICK = regex.compile(r"[\"'=:<|\t]")
# Every key holds one of these (lower-cased); a text without any has no person field.
_STEMS = regex.compile(r"name|given|first|last|famil|forename|patient|customer|client|contact|"
                       r"employee|guest|member|author|assignee|reporter|requester|recipient|"
                       r"sender|holder|"
                       r"beneficiary|kin|nok|spouse|parent|signatory|owner|passenger|applicant|"
                       r"claimant|insured|subscriber|tenant|guardian|physician|doctor|nurse|"
                       r"caregiver|student|attendee|driver|witness")
_NAME_WORD = regex.compile(_W)

_PLACEHOLDERS = frozenset("""
null none nil n/a na unknown redacted anonymous anon test tester testing undefined empty blank
tbd tba todo xxx xx x string withheld hidden masked private unavailable value example sample
dummy placeholder default user username name firstname lastname surname fullname first last
given family
""".split())
_ROLES = frozenset("""
admin administrator system root bot robot service daemon operator guest anonymous support team
staff ops devops sre build ci cd deploy deployer release automation scheduler cron worker agent
server client host node master main primary secondary backup default internal external public
private everyone nobody noreply no-reply postmaster webmaster mailer notifications notification
alerts alert monitor monitoring security billing sales info help helpdesk owner unassigned
customer patient member contact author
""".split())
_COMPANY = frozenset("""
ltd ltd. limited gmbh ag kg inc inc. incorporated corp corp. corporation plc llc llp lp co co.
company sa s.a. sas sarl srl spa s.p.a. bv b.v. nv n.v. ab oy as a/s pty kft sl s.l. group
holdings
""".split())
_CALENDAR = frozenset("""
monday tuesday wednesday thursday friday saturday sunday january february march april may june
july august september october november december today tomorrow yesterday week month year
""".split())
# Words of team, department and service names ("Owner: Design Systems", "Platform Team").
_TEAM = frozenset("""
team teams squad crew systems system platform platforms engineering infra infrastructure ops
operations design product products marketing finance accounting legal hr support security data
analytics services service api apis app apps bot bots backend frontend mobile web desk department
dept office committee board unit division network cluster server servers pipeline project
automation user users gold silver bronze platinum premium basic free pro enterprise standard
lorem ipsum dolor sit amet
""".split())


class StructuredNameRecognizer(EntityRecognizer):
    """PERSON from structured fields: JSON/YAML/XML/key=value keys naming a person, table cells."""

    ENTITIES = ["PERSON"]
    # Above spaCy's 0.85 and the field-label recognizer's 0.88: "Wu, Mei-Ling" must win over an
    # NER "Wu" read as something else.
    SCORE = 0.89
    SCORE_GENERIC = 0.86

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(supported_entities=self.ENTITIES, name="StructuredNameRecognizer",
                         supported_language="en", context=[], **kwargs)

    def load(self) -> None:
        from audit.pii._ner_filter import _common_words
        from audit.pii.recognizers._gazetteer import all_names

        all_names(), _common_words(), _english()

    def analyze(self, text: str, entities: list[str], nlp_artifacts: Any = None) -> list[Any]:
        if "PERSON" not in entities or _QUICK.search(text) is None:
            return []
        found: dict[tuple[int, int], tuple[float, str]] = {}

        def add(start: int, end: int, key: str, key_at: int, why: str) -> None:
            generic = _generic(key)
            cued = not generic or key.casefold() in _HUMAN_ROLE or _PERSON_CUE.search(
                text, max(0, start - 300), key_at) is not None or _PERSON_CUE.search(
                text, end, min(len(text), end + 300)) is not None
            if not _name_value(text[start:end], generic, cued and key.casefold() in _PARTS):
                return
            if not cued and not _listed_part(text[start:end]):
                return  # '<name>Summer Sale</name>' with nothing about a person near it
            score = self.SCORE_GENERIC if generic else self.SCORE
            if (start, end) not in found or found[(start, end)][0] < score:
                found[(start, end)] = (score, why)

        keyed = _STEMS.search(text.lower()) is not None
        for rx, why in ((_QUOTED, "quoted person field"), (_BARE, "person field"),
                        (_XML, "person element"), (_XML_VALUE, "person element")):
            if not keyed:
                break
            if rx is _XML or rx is _XML_VALUE:
                if "<" not in text:
                    continue
            for m in rx.finditer(text):
                s, e = _strip(text, m.start("value"), m.end("value"))
                add(s, e, m.group("key"), m.start("key"), why)
                if rx is _QUOTED and text[m.end("key"):m.start("q")].rstrip().endswith("["):
                    pos = m.end()
                    while (more := _ARRAY_MORE.match(text, pos)) is not None:
                        add(more.start("value"), more.end("value"), m.group("key"), m.start("key"),
                            why)
                        pos = more.end()
        if "," in text and ("|" in text or "\t" in text or "\"" in text):
            header = _PERSON_HEADER.search(text) is not None
            for m in _CELL.finditer(text):
                s, e = m.span("value")
                if header or _listed_part(text[s:e]):
                    found.setdefault((s, e), (self.SCORE, "Surname, Given cell"))
        out = []
        for (s, e), (score, why) in found.items():
            expl = AnalysisExplanation(recognizer=self.name, original_score=score,
                                       textual_explanation=why)
            out.append(RecognizerResult("PERSON", s, e, score, analysis_explanation=expl,
                                        recognition_metadata={
                                            RecognizerResult.RECOGNIZER_NAME_KEY: self.name,
                                            RecognizerResult.RECOGNIZER_IDENTIFIER_KEY: self.id}))
        return out


def _generic(key: str) -> bool:
    """A bare role ("patient", "assignee") or a bare "name", "given", "family": not a key that
    says it holds a person's name ("first_name", "surname", "patient_name", "cardholder")."""
    k = key.casefold().replace("-", "").replace("_", "")
    if k in ("cardholder", "accountholder", "policyholder", "nextofkin", "nok"):
        return False
    return k == "name" or not ("name" in k or "surname" in k)


def _strip(text: str, start: int, end: int) -> tuple[int, int]:
    while end > start and text[end - 1] in " \t.,":
        end -= 1
    return start, end


def _english() -> frozenset[str]:
    from audit.pii._ner_filter import _stop_words

    return _stop_words()[0]


def _listed_part(value: str) -> bool:
    from audit.pii.recognizers._gazetteer import all_names

    names = all_names()
    return any(w.casefold() in names for w in value.replace(",", " ").split())


def _name_value(value: str, generic: bool, name_part: bool = False) -> bool:
    """Whether a field's value has the shape of a person's name (see the module docstring)."""
    from audit.pii._ner_filter import (
        _DAYS_MONTHS,
        _FIRM_TAIL,
        _STREET_END,
        _THING_END,
        _common_words,
    )
    from audit.pii.recognizers._gazetteer import all_names

    if _FIRM_TAIL.search(value.strip()) is not None:
        return False
    words = [w.casefold().rstrip(".") for w in _NAME_WORD.findall(value)]
    if not words or len(words) > 6 or all(len(w) == 1 for w in words):
        return False
    low = value.casefold().strip()
    if low in _PLACEHOLDERS or low in _ROLES or words[-1] in _COMPANY or words[0] in _ROLES:
        return False
    names = all_names()
    if any((w in _TEAM or w in _ROLES) and (len(words) == 1 or w not in names) for w in words):
        return False  # "Platform Team", "Enterprise Customer", "Jira Automation"
    listed = any(len(w) >= 2 and w in names for w in words)
    if not any(c.isupper() for c in value) and len(words) > 1:
        english = _english()  # "not provided", "see above": words, not a name
        if any(w in english and w not in names for w in words):
            return False
    if not generic:
        return True
    english = _english()  # "Set up Python": a lower-case English word inside a capitalised value
    if any(w in english and w not in names and w not in _PARTICLES
           for w in _NAME_WORD.findall(value)):
        return False
    if any(w in _STREET_END or w in _THING_END or w in _COMPANY for w in words):
        return False
    if not any(c.isupper() for c in value):  # "jaime lorenzo": two words, one listed
        common = _common_words()
        return len(words) >= 2 and listed and not any(w in common and w not in names for w in words)
    if len(words) == 1 and (words[0] in _CALENDAR or words[0] in _DAYS_MONTHS):
        return False  # "last=Sunday"
    if len(words) == 1:  # FHIR's {"family": "Nakamura-Whitfield"} beside "Patient", "given"
        return listed or name_part
    common = _common_words()
    return listed or not any(w in common for w in words)
