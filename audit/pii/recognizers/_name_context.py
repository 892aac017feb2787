"""Names that no list holds, found from where they stand: fields, CSV columns, phrases around them.

spaCy's small NER and the name lists find names they know; "Hasos Migiso", "Kozudos ben Pitin" or
a rare real name are found only from context. This recognizer reports a run of capitalised words
(particles such as "van der", "ben", "al" allowed inside) when the text says it is a person:

* a person field: `Customer: …`, `full_name=…`, `"cardholder": "…"`, `Requester - …`, a value
  that ends its field (line end, `|`, `;`, `,`, a quote) 0.88 (one word 0.75);
* a CSV/TSV column whose header names a person (`ts,event,full_name,…`): every row's cell there
  that is only letters 0.9;
* a phrase before it, in English, Spanish, Portuguese, French, German, Italian or Dutch ("on
  behalf of", "le escribe", "je m'appelle", "Ansprechpartner:", "Mit freundlichen Grüßen,") 0.87,
  one word 0.75;
* a verb after two or more capitalised words ("… says hi", "… joined the team", "… will handle")
  or a Japanese/Korean honorific glued to a Latin name ("Weberさん") 0.86;
* in text written all in lower case (speech-to-text), one or two unknown words after "this is",
  "calling for", "on behalf of", "my name is" when the utterance moves on right after them
  ("this is tipen tonar and …", "… thank you bye") 0.6.

Capitalised function words, greetings and thoroughfare/organisation nouns end a run, and a run
that is a place from the place list is skipped. Everything is one regex scan per rule.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any

import regex
from presidio_analyzer import AnalysisExplanation, EntityRecognizer, RecognizerResult

from audit.pii.recognizers._gazetteer import PARTICLES
from audit.pii.recognizers._lone_names import lone_given_names, more_given_names

__all__ = ["NameContextRecognizer"]

# A capitalised name word: "Weber", "O'Brien", "McAllister", "Okonkwo-Bello", "al-Rashid".
_CAP = (r"(?:(?:al|el|d|l|ben|bin|abu)[-'’])?(?:\p{Lu}['’])?\p{Lu}[\p{Ll}\p{M}]+"
        r"(?:['’]\p{Ll}+)?(?:\p{Lu}[\p{Ll}\p{M}]+)?(?:-\p{Lu}?[\p{Ll}\p{M}]+)*")
_UPPER = r"\p{Lu}{2,}(?:-\p{Lu}{2,})?"
_PART = r"(?:" + "|".join(sorted(PARTICLES, key=len, reverse=True)) + r")"
_SP = r"[ \t]+"


def _run(word: str) -> str:
    return word + r"(?:" + _SP + r"(?:" + _PART + _SP + r"){0,2}" + word + r"){0,3}"


_NAME = _run(_CAP)
_NAME_OR_UPPER = r"(?:" + _NAME + r"|" + _run(_UPPER) + r")"
# What may follow a field's value: the field ends there.
_FIELD_END = r"(?=[ \t]*(?:$|[\r\n|;,\"'}\]>)]|\t| - | / |[ \t]{2,}|\.(?:[ \t]|$)))"

# Keys that name a person. Specific keys take any letters-only value; the generic ones
# ("name", "contact", "customer") only a capitalised one.
_PERSON_KEYS = (r"full[ _-]?name|fullname|first[ _-]?name|last[ _-]?name|given[ _-]?name|"
                r"family[ _-]?name|surname|display[ _-]?name|customer[ _-]?name|client[ _-]?name|"
                r"contact[ _-]?name|contact[ _-]?person|patient[ _-]?name|card[ _-]?holder|"
                r"cardholder[ _-]?name|account[ _-]?holder|holder[ _-]?name|emergency[ _-]?contact|"
                r"next[ _-]?of[ _-]?kin|employee[ _-]?name|passenger[ _-]?name|"
                r"recipient[ _-]?name|sender[ _-]?name|beneficiary[ _-]?name|"
                r"(?:account|card)[ _-]?holder[ _-]?name")
_GENERIC_KEYS = (r"name|customer|client|requester|requested[ _]by|reporter|reported[ _]by|"
                 r"passenger|contact|patient|holder|beneficiary|recipient|sender|signed|"
                 r"signed[ _]by|ansprechpartner|kunde|kundin|nombre|nom|cliente|titular|"
                 r"employee|guest|tenant|attendee|driver|caller|assignee|applicant|"
                 r"destinatario|destinataire|empfänger|remitente|expéditeur|absender|"
                 r"solicitante|interlocuteur|contacto|contato|nome|naam|klant|student|pupil|"
                 r"learner|trainee|candidate|claimant|insured|policyholder|policy[ _]holder|"
                 r"versicherungsnehmer|"
                 r"(?:billing|technical|primary|secondary|main|site)[ _]contact|"
                 r"witness|complainant|suspect|victim|tutor|interviewer|recruiter|"
                 r"traveller|traveler|pax|occupant|resident|landlord|landlady|buyer|seller|"
                 r"deceased|spouse|father|mother|child|enfant|hijo|hija|filho|filha")
_KEY_START = r"(?:^|(?<=[\n\r|;,{(\t\"'>:=]|[ \t]-[ \t]|\][ \t]|[\p{Ll}\p{N}][.!?][ \t]))[ \t]*\"?"
_SEP = r"\"?[ \t]*(?:[:=：]|[ \t]-(?=[ \t])|\t)[ \t]*\"?"
_FIELD = regex.compile(
    _KEY_START + r"(?i:(?P<specific>" + _PERSON_KEYS + r")|(?:" + _GENERIC_KEYS + r"))" + _SEP
    + r"(?P<name>" + _NAME_OR_UPPER + r")" + _FIELD_END, regex.MULTILINE)
_FIELD_LOOSE = regex.compile(  # a specific key's quoted or line-ending letters-only value
    _KEY_START + r"(?i:" + _PERSON_KEYS + r")" + _SEP
    + r"(?P<name>\p{L}[\p{L}\p{M}'’.\-]*(?:[ \t]\p{L}[\p{L}\p{M}'’.\-]*){0,4})" + _FIELD_END,
    regex.MULTILINE)

_BEFORE = (
    # English
    r"on behalf of|belongs to|belonging to|account holder is|cardholder is|in the name of|"
    r"signed|signed by|spoke with|spoke to|speaking with|talked to|talking to|assigned to|"
    r"handed to|approved by|reported by|requested by|submitted by|booked by|sent by|"
    r"written by|forward(?:ed)? to|cc|w/|with my|loop in|looping in|looped in|cc'ing|cc'd|our engineer|our technician|our courier|"
    r"the engineer|the technician|the courier|the driver|your agent|my colleague|colleague|"
    r"my (?:wife|husband|son|daughter|mother|father|mum|mom|dad|brother|sister|friend|"
    r"partner|boss|manager|neighbou?r|landlord|landlady|tenant|doctor|lawyer|uncle|aunt|cousin)|"
    r"regards,|many thanks,|kind regards,|best regards,|warm regards,|best wishes,|best,|"
    r"thanks,|thank you,|cheers,|sincerely,|yours,|br,|thx,|"
    r"i am|i'm|this is|it's|call me|my name's|name's|hi,? i'm|hello,? i'm|"
    r"hi|hey|hello|hiya|yo|dear|"
    # Spanish, Portuguese
    r"hola|ciao|olá|oi|bonjour|salut|hallo|moin|hej|hoi|"
    r"preguntar por|pregunte por|pregunten por|pregunta por|hablar con|hable con|"
    r"perguntar por|pergunte por|falar com|fale com|demander|demandez|"
    r"soy|me llamo|mi nombre es|le escribe|les escribe|te escribe|atentamente,?|saludos,|"
    r"un saludo,|a nombre de|de parte de|meu nome é|chamo-me|me chamo|sou o|sou a|"
    r"atenciosamente,?|cumprimentos,|em nome de|"
    # French
    r"je m'appelle|je m’appelle|je suis|de la part de|cordialement,?|bien à vous,?|au nom de|"
    r"mon nom est|ici|"
    # German, Italian, Dutch
    r"mein name ist|ich heiße|ich heisse|ich bin|ansprechpartner(?:in)?:?|"
    r"mit freundlichen grüßen,?|mit freundlichen gruessen,?|viele grüße,?|beste grüße,?|"
    r"liebe grüße,?|gruß,?|im auftrag von|mi chiamo|sono|cordiali saluti,?|distinti saluti,?|"
    r"a nome di|mijn naam is|ik ben|met vriendelijke groet,?|groeten,?")
_CUE_BEFORE = regex.compile(
    r"(?<![\p{L}\p{N}])(?i:" + _BEFORE.replace(" ", r"[ \t]+") + r")[ \t]*[:\-–—]?\s+"
    r"(?P<name>" + _NAME + r")")
# "joined"/"left" alone follow tools as often as people ("Apache Kafka joined the stack").
_AFTER = (r"says|said|joined (?:the team|us|the call|the group|the company)|has joined|"
          r"left (?:the team|us|the group|the company|a message|a voicemail)|has left|"
          r"will|wrote|called|asked|replied|visited|approved|reviewed|"
          r"confirmed|mentioned|reported|requested|signed|sent|paid|ordered|booked|emailed|"
          r"texted|phoned|rang|is on call|has joined|has left|is out|is off|was here|"
          r"dijo|escribió|llamó|a écrit|a appelé|hat angerufen|schrieb")
_CUE_AFTER = regex.compile(
    r"(?<![\p{L}\p{N}])(?P<name>" + _CAP + r"(?:" + _SP + r"(?:" + _PART + _SP + r"){0,2}" + _CAP
    + r"){1,3})[\p{So}\p{Sk}\p{Sm}]*[ \t]+(?i:" + _AFTER.replace(" ", r"[ \t]+") + r")\b")
_HONORIFIC_MARK = regex.compile(r"[さ様氏씨님]")
_HONORIFIC = regex.compile(r"(?<![\p{Latin}\p{N}])(?P<name>" + _NAME + r")(?=[ \t]?(?:さん|様|さま|氏|씨|님))")

# Speech-to-text: lower-case words after a self-introduction, then the utterance moves on.
_STT_NEXT = (r"and|thank|thanks|yeah|yes|um|uh|so|also|bye|here|speaking|calling|my|card|email|"
             r"e-mail|phone|number|postcode|zip|address|social|ssn|from|again|please|ok|okay|the|"
             r"is|was|on|at|in|who|she|he|her|his|said|says|no|not|but|can|will|would|"
             r"mobile|cell|account|lives|called|wants|needs|likes|loves|knows|works|has|had|"
             r"last|first|middle|surname")
_STT_WORD = r"(?!(?:" + _STT_NEXT + r")\b)\p{Ll}[\p{Ll}\p{M}'\-]+"
_STT_INITIAL = r"(?:[ \t]+\p{Ll}\.)?"  # "sanjay k. narayanan"
_STT_PART = r"(?:al|el|bin|ibn|van|von|de|da|di|del|der|le|la|abu|bint)"
_STT = regex.compile(
    r"(?<![\p{L}])(?:this is|it's|its|it is|calling for|i'm calling for|i am calling for|"
    r"on behalf of|my name is|my name's|name is|speaking with|you're speaking with|"
    r"you are speaking with|i'm|im|i am|account holder is|holder is|"
    r"(?:my|our|his|her) (?:father|mother|dad|mum|mom|son|daughter|wife|husband|brother|sister|"
    r"friend|grandmother|grandfather|grandma|grandpa|uncle|aunt|cousin|partner|neighbou?r|"
    r"colleague|boss)|grandma|grandpa|granny|nana|mama|papa|auntie|uncle|"
    r"mister|missus|mr\.?|mrs\.?|ms\.?|miss|doctor|dr\.?|first name|last name|surname|family name|"
    r"ask for|asking for|speak to|speak with|talk to)[ \t]+"
    r"(?P<name>" + _STT_WORD + _STT_INITIAL + r"(?:[ \t]+(?:" + _STT_PART + r"[ \t]+)?" + _STT_WORD
    + r")?)"
    # the utterance moves on, or the name is spelled out letter by letter ("t j o r v e n")
    r"(?=[ \t]*(?:$|[,.!?\"—–]|[ \t](?:" + _STT_NEXT + r")\b|[ \t]\p{Ll}[ \t]\p{Ll}[ \t]\p{Ll}\b))")
# Speech-to-text may sit inside a log line or a quote ("INFO bot: user said: \"hi im …\""):
# the lower-case rule applies to a line or quoted stretch with no capital letter.
# A chat or transcript line's speaker label ("Caller:", "[01:12:40] CALLER:") is not part of it.
_STRETCH = regex.compile(r"(?:^[ \t]*(?:[\[(][^\])\n]{1,12}[\])][ \t]*)?"
                         r"\p{L}[\p{L} ]{0,20}:[ \t]*)?"
                         r"(?P<s>[^\n\"“”]+)", regex.MULTILINE)
# Words after "this is" that are not names ("this is urgent and …").
_NOT_STT_NAME = frozenset("""
urgent important ridiculous crazy wrong right correct fine good great bad weird strange terrible
new busy ready done free available late early home away out sick happy sad glad sure afraid
interested unable able tired hungry alone single married retired open closed online offline
looking wondering hoping sorry afraid just only still already also even
none nothing nobody someone somebody anyone anybody everyone everybody
mother father mom mum dad son daughter wife husband brother sister friend grandmother grandfather
grandma grandpa uncle aunt cousin partner neighbor neighbour colleague boss doctor
english spanish french german
awful amazing perfect ok okay sorry about regarding really very just still also actually
so not the my your our his her their a an it its me him them us you we they one two three four
five six seven eight nine ten zero oh double triple hundred thousand um uh er erm yeah yes no
calling speaking here there again back going trying looking having getting waiting ringing
please hello hi hey thanks thank bye goodbye morning afternoon evening night today tomorrow
customer service support team account card number email phone address order payment refund
help problem issue question complaint follow up update call line message voicemail
regarding re concerning for with from of on in at to by
""".split())
_STT_PARTS = frozenset(_STT_PART[3:-1].split("|"))

# A chat transcript's speaker label: an unindented line that starts (after an optional
# "[09:14]"/"09:14" stamp and a role word such as "guest") with one or two letter-only words, a
# colon and a message of two or more words or an e-mail (YAML's "  image: nginx:1.27" is neither). Labels are people only in a transcript: two or more such lines
# with two or more distinct labels; field and log keys ("Note:", "ERROR:", "host:") and role
# words ("Agent:", "Support:", "me:") are not people.
_SPEAKER_LINE = regex.compile(
    r"^(?:[\[(]?\d{1,2}:\d{2}(?::\d{2})?(?:[ \t]?[AaPp][Mm])?[\])]?[ \t]+)?"
    r"(?:(?i:guest|host|agent|customer|user|caller|speaker|moderator|mod)[ \t]+)?"
    r"(?P<name>\p{L}[\p{L}\p{M}'’\-]*(?:[ \t]\p{L}[\p{L}\p{M}'’\-]*)?)"
    r"[ \t]*:[ \t]+(?P<msg>\S+[ \t]+\S.*|\S*@\S*)$", regex.MULTILINE)
_ROLES = frozenset("""
agent support bot system user customer me you admin host moderator mod guest caller operator
speaker assistant helpdesk staff
""".split())
_NOT_SPEAKER = _ROLES | frozenset("""
pm qa dev ops hr ceo cto cfo mgr lead team it sre tl po ux ui
q a note notes warning warn error err info debug trace fatal tip todo fixme step update
status re subject from to cc bcc date time summary reason result action answer question reply
response request example output input source title description comment comments attendees
present apologies agenda decision decisions owner due location venue address phone email tel
fax mobile cc total subtotal price cost amount item items ps nb fyi edit edited update updated
bug issue fix feature test tests build deploy release changelog warning caution important
mon tue tues wed thu thur thurs fri sat sun monday tuesday wednesday thursday friday saturday
sunday
""".split())
# A family word before one to four capitalised names listed with commas and "and"/"&":
# "predeceased by her husband Dan", "her children Noreen, Ciarán and Aoife", "father of Janina
# and Marek". Only capitalised words count, so "his son's school" or "sister company" are left.
_KIN = (r"husband|wife|widow|widower|son|sons|daughter|daughters|children|grandchildren|"
        r"great-grandchildren|grandsons?|granddaughters?|brothers?|sisters?|siblings|parents|"
        r"(?:father|mother|grandfather|grandmother|husband|wife|widow|son|daughter|brother|"
        r"sister|family|relatives|friends)[ \t]+of|nephews?|nieces?|stepsons?|stepdaughters?|partner")
_KIN_NAME = _CAP + r"(?:[ \t]+(?:\(" + _CAP + r"\)|\"" + _CAP + r"\"))?(?:[ \t]+" + _CAP + r")?"
_KIN_LIST = regex.compile(
    r"(?<![\p{L}])(?i:" + _KIN + r")[ \t]+(?P<list>" + _KIN_NAME + r"(?:(?:,[ \t]*|[ \t]+(?:and|&)"
    r"[ \t]+|,[ \t]+and[ \t]+)" + _KIN_NAME + r"){0,5})")
_KIN_ITEM = regex.compile(_KIN_NAME)
# Every _STT cue holds one of these letter runs; a text without any is not scanned.
_STT_QUICK = regex.compile(r"(?<![\p{L}])(?:this|it'?s|its|it|calling|behalf|name'?s?|speaking|i'?m|"
                           r"im|i|holder|my|our|his|her|grand\w*|granny|nana|mama|papa|auntie|"
                           r"uncle|mister|missus|mrs?|ms|miss|doctor|dr|name|surname|ask|"
                           r"asking|speak|talk)[ \t]")
_STT_SUFFIX = ("ing", "ed", "ly", "ful", "ous", "ible", "able", "ive", "less", "ness")


@lru_cache(maxsize=1)
def _stops() -> frozenset[str]:
    from spacy.lang.en.stop_words import STOP_WORDS

    from audit.pii.recognizers._gazetteer import _run_stops

    extra = frozenset("""
    summary subject address phone mobile email e-mail tel fax callback card iban pan ip ssn
    billing shipping ship delivery invoice order ticket priority channel status note notes
    remote client server service web api app user admin system team support sales help desk
    hola bonjour hallo hello hi hey dear gracias merci danke thanks thank vielen dank grazie
    obrigado obrigada bitte antemano voraus saludos grüße version release edition build care
    world folks guys everyone all there team
    """.split())
    from audit.pii._ner_filter import _stop_words

    return (frozenset(w.casefold() for w in STOP_WORDS) | _run_stops() | extra
            | _stop_words()[1])


class NameContextRecognizer(EntityRecognizer):
    """PERSON from context: person fields and columns, phrases before and verbs after a name."""

    ENTITIES = ["PERSON"]
    # Above spaCy's 0.85: presidio's de-duplication drops a span inside an NER span of equal or
    # higher score, and the NER span may itself be dropped later ("Gedul Lobur,2221…" holds
    # digits; an NER name in Spanish text needs a listed name), losing both.
    SCORE_COLUMN = 0.9
    SCORE_FIELD = 0.88
    SCORE_CUE = 0.87
    SCORE_ONE_WORD = 0.75
    SCORE_AFTER = 0.86
    SCORE_STT = 0.6

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(supported_entities=self.ENTITIES, name="NameContextRecognizer",
                         supported_language="en", context=[], **kwargs)

    def load(self) -> None:
        from audit.pii._ner_filter import _brands, _common_words

        _stops(), _common_words(), _brands(), more_given_names()

    def analyze(self, text: str, entities: list[str], nlp_artifacts: Any = None) -> list[Any]:
        if "PERSON" not in entities:
            return []
        found: dict[tuple[int, int], tuple[float, str]] = {}

        def add(start: int, end: int, score: float, why: str) -> None:
            if end > start and ((start, end) not in found or found[(start, end)][0] < score):
                found[(start, end)] = (score, why)

        for m in _FIELD.finditer(text):
            s, e = self._trim(text, m.start("name"), m.end("name"))
            if e > s:
                one = " " not in text[s:e].strip()
                if one and not _one_word_name(text[s:e]):
                    continue
                add(s, e, self.SCORE_ONE_WORD if one else self.SCORE_FIELD, "person field")
        lower = text.lower()
        if "name" in lower or "holder" in lower or "kin" in lower:
            for m in _FIELD_LOOSE.finditer(text):
                value = m.group("name")
                if value.casefold() not in _stops() and any(c.isalpha() for c in value):
                    add(m.start("name"), m.end("name"), self.SCORE_FIELD, "person field")
        if "\n" in text and _HEADER_KEY.search(text) is not None:
            for s, e in _column_cells(text):
                add(s, e, self.SCORE_COLUMN, "person column")
        for m in _CUE_BEFORE.finditer(text):
            s, e = self._trim(text, m.start("name"), m.end("name"))
            if e > s:
                one = " " not in text[s:e].strip()
                if one and not _one_word_name(text[s:e]):
                    continue
                add(s, e, self.SCORE_ONE_WORD if one else self.SCORE_CUE, "name after phrase")
        for rx in (_CUE_AFTER, _HONORIFIC):
            if rx is _HONORIFIC and _HONORIFIC_MARK.search(text) is None:
                continue  # every honorific holds one of these characters
            for m in rx.finditer(text):
                s, e = self._trim(text, m.start("name"), m.end("name"))
                if e > s and (rx is _HONORIFIC or " " in text[s:e].strip()):
                    add(s, e, self.SCORE_AFTER, "name before verb or honorific")
        if ":" in text and "\n" in text:
            for s, e in _speakers(text):
                add(s, e, self.SCORE_ONE_WORD if " " not in text[s:e] else self.SCORE_FIELD,
                    "chat speaker")
        for m in _KIN_LIST.finditer(text):
            for item in _KIN_ITEM.finditer(text, m.start("list"), m.end("list")):
                s, e = self._trim(text, item.start(), item.end())
                if e > s and (" " in text[s:e] or _one_word_name(text[s:e])):
                    add(s, e, self.SCORE_CUE if " " in text[s:e] else self.SCORE_ONE_WORD,
                        "name after family word")
        if _STT_QUICK.search(text) is not None:
            for stretch in _STRETCH.finditer(text):
                if any(c.isupper() for c in stretch.group("s")):
                    continue
                for m in _STT.finditer(text, stretch.start("s"), stretch.end("s")):
                    words = [w for w in m.group("name").split()
                             if not w.endswith(".") and w not in _STT_PARTS]
                    if all(len(w) >= 3 and w not in _NOT_STT_NAME and w not in _stops()
                           and not w.endswith(_STT_SUFFIX) for w in words):
                        add(m.start("name"), m.end("name"), self.SCORE_STT,
                            "lower-case name after cue")
        for start, end, score, why in _shaped_names(text):
            add(start, end, score, why)
        for start, end, score, why in lone_given_names(text):
            add(start, end, score, why)
        return [self._result(s, e, score, why) for (s, e), (score, why) in found.items()]

    @staticmethod
    def _trim(text: str, start: int, end: int) -> tuple[int, int]:
        """The leading run of name words (stop words and places end it); (0, 0) if none."""
        from audit.pii.recognizers._gazetteer import _holds_place
        from audit.pii.recognizers._places import places

        stops = _stops()
        words = [(m.start(), m.end(), m.group()) for m in _WORDS.finditer(text, start, end)]
        keep: list[tuple[int, int, str]] = []
        for w in words:
            f = w[2].casefold()
            if f in stops and not (keep and f in PARTICLES):
                break
            keep.append(w)
        while keep and keep[-1][2].casefold() in PARTICLES:
            keep.pop()
        if not keep:
            return 0, 0
        names = [w[2] for w in keep if w[2].casefold() not in PARTICLES]
        folded = tuple(n.casefold() for n in names)
        if folded in places() or (len(names) == 1 and (folded[0],) in places()) \
                or _holds_place(names):
            return 0, 0
        return keep[0][0], keep[-1][1]

    def _result(self, start: int, end: int, score: float, why: str) -> RecognizerResult:
        exp = AnalysisExplanation(recognizer=self.name, original_score=score, pattern_name=why,
                                  textual_explanation=f"{self.name}: {why}")
        return RecognizerResult("PERSON", start, end, score, analysis_explanation=exp,
                                recognition_metadata={
                                    RecognizerResult.RECOGNIZER_NAME_KEY: self.name,
                                    RecognizerResult.RECOGNIZER_IDENTIFIER_KEY: self.id})


def _speakers(text: str) -> list[tuple[int, int]]:
    """Speaker labels of a chat transcript (see `_SPEAKER_LINE`).

    A transcript: two or more speaker lines with two or more distinct labels, one of which is a
    role ("Agent:", "Support:", "me:"), a listed name, a label that speaks on two or more lines, or
    two capitalised words; a form or a recipe ("Method: mix ...", "Serves: four") has none of
    these. Reported: labels that are not roles, keys, stop words or English word forms.
    """
    from audit.pii.recognizers._gazetteer import all_names

    stops, names = _stops(), all_names()
    lines = [(m.start("name"), m.end("name"), m.group("name")) for m in _SPEAKER_LINE.finditer(text)]
    labels = [lab.casefold() for _, _, lab in lines]
    if len(lines) < 2 or len(set(labels)) < 2:
        return []
    out: list[tuple[int, int]] = []
    confirmed = False
    for (s, e, label), folded in zip(lines, labels, strict=True):
        words = folded.split()
        if folded in _ROLES:
            confirmed = True
            continue
        if len(folded) < 3 or (label.isupper() and len(label) > 1) or any(
                w in _NOT_SPEAKER or w in stops or w.endswith(_STT_SUFFIX) for w in words):
            continue  # keys, log levels ("ERROR:"), short role tags ("pm:", "qa:")
        if folded in names or labels.count(folded) > 1 or (
                len(words) == 2 and all(w[:1].isupper() for w in label.split())):
            confirmed = True
        out.append((s, e))
    return out if confirmed else []


def _one_word_name(word: str) -> bool:
    """A lone word after a cue is a name unless it reads as an English word form ("Approved",
    "Pending", "Urgently") and no list holds it ("Ahmed" is listed)."""
    from audit.pii.recognizers._gazetteer import all_names

    f = word.casefold()
    return f in all_names() or not f.endswith(_STT_SUFFIX)


_WORDS = regex.compile(r"\p{L}[\p{L}\p{M}'’]*(?:-\p{L}[\p{L}\p{M}'’]*)*")
_HEADER_KEY = regex.compile(r"(?i)(?:" + _PERSON_KEYS + r"|name|customer|client|passenger|"
                            r"requester|contact|patient|holder|recipient|beneficiary|employee)")
_SPECIFIC_HEADER = regex.compile(r"(?i)(?:" + _PERSON_KEYS + r")")
_NAME_CELL = regex.compile(_NAME_OR_UPPER)
_LAST_FIRST = regex.compile(_CAP + r",[ \t]+" + _CAP + r"(?:[ \t]+" + _CAP + r")?")  # "Ortiz, Ana"
_HEADER_CELL = regex.compile(r"[A-Za-z_][A-Za-z0-9_ ]{0,40}")
_LETTERS_CELL = regex.compile(r"\p{L}[\p{L}\p{M}'’.\-]*(?:[ \t]+\p{L}[\p{L}\p{M}'’.\-]*){0,4}")


def _cells(line: str, delim: str) -> list[tuple[int, int]]:
    """(start, end) of each cell of a delimited line, quotes honoured (offsets inside quotes)."""
    out, i, n = [], 0, len(line)
    while True:
        if i < n and line[i] == '"':
            j = i + 1
            while j < n and not (line[j] == '"' and (j + 1 == n or line[j + 1] != '"')):
                j += 2 if line[j] == '"' else 1
            out.append((i + 1, min(j, n)))
            k = line.find(delim, j)
        else:
            k = line.find(delim, i)
            out.append((i, n if k < 0 else k))
        if k < 0:
            return out
        i = k + 1


def _column_cells(text: str) -> list[tuple[int, int]]:
    """Cells under a header that names a person, in CSV/TSV/semicolon/pipe text."""
    out: list[tuple[int, int]] = []
    lines, pos = [], 0
    for line in text.split("\n"):
        lines.append((pos, line))
        pos += len(line) + 1
    i = 0
    while i < len(lines):
        start, line = lines[i]
        header = None
        for delim in (",", "\t", ";", "|"):
            if line.count(delim) >= 1:
                names = [line[a:b].strip() for a, b in _cells(line, delim)]
                if all(_HEADER_CELL.fullmatch(c) for c in names):
                    cols = [k for k, c in enumerate(names) if _HEADER_KEY.fullmatch(c)]
                    if cols:
                        specific = {k for k in cols if _SPECIFIC_HEADER.fullmatch(names[k])}
                        header = (delim, len(names), cols, specific)
                        break
        i += 1
        if header is None:
            continue
        delim, width, cols, specific = header
        while i < len(lines) and lines[i][1].strip():
            row_start, row = lines[i]
            cells = _cells(row, delim)
            if len(cells) == width:
                for k in cols:
                    a, b = cells[k]
                    value = row[a:b]
                    lead = len(value) - len(value.lstrip())
                    value = value.strip()
                    # A "name" column also lists packages and hosts: there only capitalised
                    # words count; a "full_name" column is people whatever the case.
                    cell_ok = ((_LETTERS_CELL if k in specific else _NAME_CELL).fullmatch(value)
                               or _LAST_FIRST.fullmatch(value))
                    if value and cell_ok and value.casefold() not in _stops():
                        out.append((row_start + a + lead, row_start + a + lead + len(value)))
            i += 1
    return out


# --- Names known by their written shape ---------------------------------------------------------
# An airline passenger name: SURNAME/GIVEN in capitals, a title after it or not ("MOREAU/CLAIRE
# MS", "HAUGEN/LIV MRS"); "TCP/IP", "AND/OR" or "CDG/LIS" are no names (no title, no listed name).
_PAX_TITLE = r"(?:MRS|MR|MS|MISS|MSTR|DR|PROF|CHD|INF)"
_PNR = regex.compile(
    r"(?<![\p{L}\p{N}/])(?P<name>\p{Lu}{2,}(?:[-' ]\p{Lu}{2,})?/\p{Lu}{2,}"
    r"(?:[ ](?!" + _PAX_TITLE + r"\b)\p{Lu}{2,})?)(?P<title>[ ]?" + _PAX_TITLE + r")?"
    r"(?![\p{L}\p{N}/])")
# SURNAME, Given [I.] in a record, a list or a table ("KOVALENKO, Maksym —", "WHITFIELD,
# ORVILLE J,", "1. Dubois, Amélie —"): it stands where a field starts (line start, after a list
# number, a colon or a semicolon) and a field separator or the line's end follows it.
_CAP_WORD = r"\p{Lu}[\p{Ll}\p{M}]+(?:['’]\p{Lu}?[\p{Ll}\p{M}]+)?(?:-\p{Lu}[\p{Ll}\p{M}]+)?"
_CAPS_WORD = r"\p{Lu}{2,}(?:['’-]\p{Lu}{2,})?"
_COMMA_NAME = regex.compile(
    r"(?:^|(?<=[:;·|•(]|(?:^|\s)\d{1,2}[.)]|[ \t][—–-]))[ \t]*(?<![\p{L}\p{M}'’-])"
    r"(?P<name>(?P<sur>" + _CAPS_WORD + r"|" + _CAP_WORD + r")(?:[ \t]" + _CAPS_WORD
    + r")?,[ \t]+(?P<given>(?:" + _CAPS_WORD + r"|" + _CAP_WORD + r"|Md\.)"
    r"(?:[ \t]+(?:" + _CAPS_WORD + r"|" + _CAP_WORD + r"))?(?:[ \t]+\p{Lu}\.?)?))"
    r"(?=[ \t]*(?:$|[,;·|•(—–]|[ \t]-[ \t]|[ \t]\d|\.(?:[ \t]|$)))", regex.MULTILINE)
_COMMA_LIST = regex.compile(r"[ \t]*,[ \t]*\p{Lu}")
# A numbered list of people: "1. Ishaan Kapoor 2. Mariam Yousef 3. Chen Jiahui".
_NUMBERED = regex.compile(
    r"(?:^|(?<=[\s:;]))\d{1,2}[.)][ \t]+(?P<name>" + _CAP_WORD + r"(?:[ \t]+(?:" + _PART
    + r"[ \t]+)?" + _CAP_WORD + r"){1,2})(?=[ \t]*(?:$|[,;(—–]|[ \t]\d{1,2}[.)][ \t]))",
    regex.MULTILINE)
# A label that lists people, then its comma-separated names: "Panel: Hannah, Ola, Ravi.",
# "Kinderen: Cornelis, Geertje, Hendrik", "Attendees: Li Wei, Sara Costa".
_LIST_LABEL = regex.compile(
    r"(?i:panel|panellists|panelists|interviewers|attendees|participants|present|members|"
    r"speakers|guests|children|kids|siblings|kinderen|kinder|enfants|hijos|filhos|figli|"
    r"invitees|signatories|witnesses|heirs|beneficiaries)[ \t]*:[ \t]*(?P<list>[^\n.;]{3,200})")
_LIST_ITEM = regex.compile(r"(?:(?<=:[ \t]*|,[ \t]*|[ \t](?:and|&|en|et|y|und|e)[ \t]+))[ \t]*"
                           r"(?P<name>" + _CAP_WORD + r"(?:[ \t]+" + _CAP_WORD + r"){0,2})"
                           r"(?=[ \t]*(?:$|,|[ \t](?:and|&|en|et|y|und|e)[ \t]))")
# A role word, then one capitalised name: "Agent Luz completed", "Nurse Adaeze said".
_ROLE_NAME = regex.compile(
    r"(?<![\p{L}])(?=\p{Lu})(?i:agent|officer|constable|sergeant|detective|inspector|driver|"
    r"rider|courier|nurse|tutor|coach|captain|chef|technician|engineer|plumber|electrician|"
    r"receptionist|recruiter|interviewer|caseworker|adjuster|advisor|adviser|rep|representative)"
    r"[ \t]+(?P<name>" + _CAP_WORD + r")(?P<next>[ \t]+\p{Ll}+|[ \t]*[,.;:!?)])")
# A name spelled out letter by letter: "w-i-e-r-z-b-i-c-k-i", "K-A-U-R" (not before "at"/"dot",
# where an e-mail is being spelled).
_SPELLED = regex.compile(r"(?<![\p{L}\p{N}\-])(?P<name>\p{L}(?:-\p{L}){3,})(?![\p{L}\p{N}\-])"
                         r"(?![ \t]+(?i:at|dot|@)\b)")
# A lower-case greeting to a listed given name: "hi mike long time listener", "thanks priya".
# ... and the same in the languages voicemails and chats come in: "ciao sono francesca", "ola
# chidinma", "soy maripaz", "ich bin jonas", "c'est amélie".
_GREETING_WORDS = ("hi", "hey", "hello", "hiya", "thanks", "thank you", "bye", "morning", "ciao",
                   "hola", "ola", "olá", "oi", "salut", "hallo", "sono", "soy", "sou", "je suis",
                   "ich bin", "c'est", "mi chiamo", "me llamo", "je m'appelle", "ich heiße",
                   "ich heisse", "aquí", "qui")
_GREETING_WORD = r"(?<![\p{L}])(?:" + "|".join(_GREETING_WORDS) + r")"
_GREETING = regex.compile(_GREETING_WORD + r",?[ \t]+(?P<name>\p{Ll}[\p{Ll}\p{M}]+)(?![\p{L}])")
# A cheap test before `_GREETING` runs: one of its words, then a blank.
_GREETING_GATE = regex.compile(_GREETING_WORD + r",?[ \t]")
_GREETING_END = regex.compile(r"[ \t]*(?:[!?.,]|$)", regex.MULTILINE)
# A name said again in full: "it's tomasz, tomasz wierzbicki".
_REPEATED = regex.compile(r"(?<![\p{L}])(?P<first>\p{L}[\p{L}\p{M}]{2,}),[ \t]+"
                          r"(?P<full>(?P=first)[ \t]+"
                          r"(?P<last>\p{L}[\p{L}\p{M}'\-]{2,}))(?![\p{L}])")
# A Latin name next to its Han or Hangul form: "TANAKA Haruto / 田中 陽翔", "Huang Jiahui (黄佳慧)",
# "김민준 (Kim Min-jun)".
# ... and in the other scripts forms show names in: Arabic, Hebrew, Cyrillic, Greek, Indic,
# Thai, Ethiopic, Georgian, Armenian ("Ahmed Al-Mansouri (أحمد المنصوري)", "Lakshmi Narayanan /
# லட்சுமி நாராயணன்", "Abebe Bekele (አበበ በቀለ)"), and a kana reading after a Han name.
_SCRIPT_WORD = (r"(?:[\p{Arabic}\p{Hebrew}\p{Cyrillic}\p{Greek}\p{Devanagari}\p{Bengali}\p{Tamil}"
                r"\p{Telugu}\p{Kannada}\p{Malayalam}\p{Gujarati}\p{Gurmukhi}\p{Thai}\p{Ethiopic}"
                r"\p{Georgian}\p{Armenian}\p{Sinhala}][\p{L}\p{M}]*)")
_CJK_FORM = (r"(?:\p{Han}{1,3}[ \t\u3000]?\p{Han}{1,3}|\p{Hangul}{2,4}|"
             r"[\p{Katakana}ー]{2,8}(?:[ \t\u3000][\p{Katakana}ー]{1,8})?|"
             + _SCRIPT_WORD + r"(?:[ \t]" + _SCRIPT_WORD + r"){0,3})")
_LATIN = (r"(?:" + _CAPS_WORD + r"|" + _CAP_WORD + r")(?:[ \t]+(?:" + _CAPS_WORD + r"|" + _CAP_WORD
          + r")){1,2}")
_CJK_AFTER = regex.compile(r"(?P<latin>" + _LATIN + r")[ \t]*(?:/|[(（])[ \t]*(?P<cjk>" + _CJK_FORM
                           + r")(?![\p{Han}\p{Hangul}\p{L}\p{M}])")
# A Han name and its kana reading: "山本 恵子（ヤマモト ケイコ）".
_KANA_READING = regex.compile(r"(?<![\p{Han}])(?P<han>\p{Han}{1,3}[ \t\u3000]?\p{Han}{1,3})[ \t]*[(（]"
                              r"[ \t]*(?P<kana>[\p{Katakana}ー]{1,8}[ \t\u3000][\p{Katakana}ー]{1,8})"
                              r"[ \t]*[)）]")
# Names in Cyrillic: a listed given name, capitalised anywhere ("Лиза, привет! Это Ольга") or
# in lower case after a cue ("привет это андрей", "меня зовут ирина").
_CYRILLIC_NAME = regex.compile(r"(?<![\p{L}])(?P<name>\p{Cyrillic}[\p{Cyrillic}\p{M}]+)"
                               r"(?:[ \t]+(?P<sur>\p{Lu}[\p{Cyrillic}\p{M}]+))?(?![\p{L}])")
_CYRILLIC_CUE = regex.compile(r"(?<![\p{L}])(?:это|меня[ \t]+зовут|мене[ \t]+звати|це|привет|"
                              r"здравствуйте|звонит|я)[,!]?[ \t]+$", regex.IGNORECASE)
# Hebrew form fields that hold people: "שם הילד: איתן לוי", "הורים: דוד לוי ומיכל לוי".
_HEBREW_FIELD = regex.compile(r"(?:שם(?:[ \t]+(?:הילד|הילדה|מלא|פרטי|משפחה|האב|האם|החתן|הכלה))?|"
                              r"הורים|איש[ \t]+קשר|מבקש|מטופל|נמען)[ \t]*:[ \t]*"
                              r"(?P<names>\p{Hebrew}+(?:[ \t]+\p{Hebrew}+){0,5})")
_CJK_BEFORE = regex.compile(r"(?<![\p{Han}\p{Hangul}\p{L}\p{M}])(?P<cjk>" + _CJK_FORM + r")[ \t]*[(（/][ \t]*"
                            r"(?P<latin>" + _LATIN + r")")


def _listed(word: str) -> bool:
    """A listed given or family name that is no everyday word."""
    from audit.pii.recognizers._gazetteer import AMBIGUOUS, all_names

    f = word.casefold()
    return f in all_names() and f not in AMBIGUOUS


def _name_words_ok(words: list[str]) -> bool:
    """No word is a stop word, an everyday word, a role or a listed place."""
    from audit.pii._ner_filter import ROLE_WORDS, _common_words
    from audit.pii.recognizers._places import places

    from audit.pii.recognizers._gazetteer import all_names

    stops, common, table, names = _stops(), _common_words(), places(), all_names()
    folded = [w.casefold() for w in words]
    return bool(folded) and tuple(folded) not in table and not any(
        (f in stops and f not in names) or f in common or f in ROLE_WORDS or (f,) in table
        for f in folded)


# Common given names written in Cyrillic (Russian, Ukrainian, Belarusian, Bulgarian, Serbian,
# Kazakh use), from general knowledge; words that are also everyday words ("Вера" faith,
# "Надежда" hope, "Любовь" love, "Роман" novel, "Лев" lion, "Мир") are left out.
_CYRILLIC_GIVEN = frozenset("""александр алексей анатолий андрей антон аркадий арсений артём артем
богдан борис вадим валентин валерий василий виктор виталий владимир владислав всеволод вячеслав
гавриил геннадий георгий глеб григорий даниил данил денис дмитрий евгений егор иван игорь илья
кирилл константин леонид максим марк матвей михаил никита николай олег павел пётр петр родион
руслан святослав семён семен сергей станислав степан тарас тимофей тимур фёдор федор юрий яков
ярослав остап назар орест тарас дарко драган милош никола стефан асель айгерим нурлан ержан
алина алла алёна алена алиса анастасия ангелина анна антонина валентина валерия варвара вероника
виктория галина дарья диана ева евгения екатерина елена елизавета жанна зинаида зоя инна ирина
карина кира ксения лариса лидия лиза людмила маргарита марина мария милана наталья наталия нина
оксана ольга полина раиса светлана снежана софия софья таисия тамара татьяна ульяна юлия яна
ганна олена оксана катерина мирослава богдана соломія христина марічка ірина дмитро андрій
олександр юлія наталія вікторія тетяна""".split())


_CYRILLIC = regex.compile(r"\p{Cyrillic}")
_HEBREW = regex.compile(r"\p{Hebrew}")
_HEBREW_AND = regex.compile(r"[ \t]+ו(?=\p{Hebrew})")  # "דוד לוי ומיכל לוי": two people
_EAST_ASIAN = regex.compile(r"[\p{Han}\p{Hangul}\p{Katakana}]")


def _script_names(text: str) -> list[tuple[int, int, float, str]]:
    """Names in Cyrillic (listed given names) and in Hebrew form fields."""
    out: list[tuple[int, int, float, str]] = []
    if _CYRILLIC.search(text):
        for m in _CYRILLIC_NAME.finditer(text, overlapped=True):
            name = m.group("name")
            if name.casefold() not in _CYRILLIC_GIVEN:
                continue
            cue = _CYRILLIC_CUE.search(text, max(0, m.start() - 24), m.start()) is not None
            if not (name[0].isupper() or cue):
                continue
            end = m.end("sur") if m.group("sur") else m.end("name")
            out.append((m.start("name"), end, 0.86 if cue else 0.7, "Cyrillic given name"))
    if _HEBREW.search(text):
        for m in _HEBREW_FIELD.finditer(text):
            start = m.start("names")
            for part in _HEBREW_AND.split(m.group("names")):
                k = text.index(part, start)
                out.append((k, k + len(part), 0.86, "Hebrew name field"))
                start = k + len(part)
    return out


def _shaped_names(text: str) -> list[tuple[int, int, float, str]]:
    """Names known by their shape: passenger names, SURNAME-comma records, numbered and labelled
    lists of people, a role word before a name, spelled-out names, lower-case greetings and
    repeats, and Latin names paired with their Han or Hangul form."""
    from audit.pii._ner_filter import _code_like
    from audit.pii.recognizers._gazetteer import AMBIGUOUS, family_names, given_names

    out: list[tuple[int, int, float, str]] = []
    if "/" in text:
        for m in _PNR.finditer(text):
            sur, given = m.group("name").split("/", 1)
            if m.group("title") or _listed(sur) or _listed(given.split()[0]):
                out.append((m.start("name"), m.end("name"), 0.88 if m.group("title") else 0.7,
                            "passenger name"))
    if "," in text and not _code_like(text):  # "(ENOENT, ENOTDIR)" in source code
        for m in _COMMA_NAME.finditer(text):
            sur, given = m.group("sur"), m.group("given")
            words = _WORDS.findall(m.group("name"))
            if not _name_words_ok([w for w in words if len(w) > 2]):
                continue
            caps = sur.isupper() and len(sur) >= 3
            if given.isupper() and not sur.isupper():  # "Saint-Charles, TGV 6103"
                continue
            first = _WORDS.findall(given)[0].casefold()
            if not caps and (sur.casefold() not in family_names()
                             and first not in given_names() or _COMMA_LIST.match(text, m.end())):
                continue  # "Priya, Tomasz, Gunnhild" is a list, not "Surname, Given"
            if caps or _listed(sur) or _listed(first):
                out.append((m.start("name"), m.end("name"), 0.88, "SURNAME, Given"))
        for m in _REPEATED.finditer(text):
            if m.group("first").islower() and m.group("last").islower() \
                    and m.group("first") not in _stops() and m.group("last") not in _stops():
                out.append((m.start("full"), m.end("full"), 0.6, "name said again in full"))
    hits = [m for m in _NUMBERED.finditer(text)]
    if len(hits) >= 2:
        items = [m for m in hits if _name_words_ok(_WORDS.findall(m.group("name")))]
        if sum(any(_listed(w) for w in _WORDS.findall(m.group("name"))) for m in items) * 2 \
                >= len(hits):
            out += [(m.start("name"), m.end("name"), 0.88, "numbered list of names") for m in items]
    if ":" in text:
        for m in _LIST_LABEL.finditer(text):
            items = [it for it in _LIST_ITEM.finditer(text, m.start("list"), m.end("list"))
                     if _name_words_ok(_WORDS.findall(it.group("name")))]
            if len(items) >= 2 and any(any(_listed(w) for w in _WORDS.findall(it.group("name")))
                                       for it in items):
                out += [(it.start("name"), it.end("name"), 0.88, "labelled list of names")
                        for it in items]
    for m in _ROLE_NAME.finditer(text):
        name = m.group("name")
        nxt = m.group("next").strip()
        if _name_words_ok([name]) and (_listed(name) or nxt.endswith("ed")):
            out.append((m.start("name"), m.end("name"), 0.88, "role word before a name"))
    if "-" in text:
        for m in _SPELLED.finditer(text):
            out.append((m.start("name"), m.end("name"), 0.6, "name spelled out"))
    lower = text.lower()
    if _GREETING_GATE.search(lower):
        for m in _GREETING.finditer(text, overlapped=True):
            f = m.group("name")
            alone = _GREETING_END.match(text, m.end("name")) is not None  # "hey deb!"
            if f not in AMBIGUOUS and f not in _stops() and (f in given_names() or (
                    alone and len(f) >= 3 and _name_words_ok([f]))):
                out.append((m.start("name"), m.end("name"), 0.6, "lower-case name after greeting"))
    if not text.isascii():
        out += _script_names(text)
    if "(" in text or "/" in text or "（" in text:
        for m in _KANA_READING.finditer(text):
            out.append((m.start("han"), m.end("han"), 0.88, "Han name and its kana reading"))
            out.append((m.start("kana"), m.end("kana"), 0.88, "Han name and its kana reading"))
        for rx in (_CJK_AFTER, _CJK_BEFORE):
            for m in rx.finditer(text):
                latin = _WORDS.findall(m.group("latin"))
                if not _EAST_ASIAN.search(m.group("cjk")) and (
                        latin[0].casefold() not in given_names()
                        or latin[0].casefold() in AMBIGUOUS):
                    continue  # other scripts: a given name first ("Pad Thai (ผัดไทย)" is food)
                if any(_listed(w) for w in latin) and _name_words_ok(latin):
                    out.append((m.start("cjk"), m.end("cjk"), 0.88, "name in Latin and CJK script"))
                    out.append((m.start("latin"), m.end("latin"), 0.88,
                                "name in Latin and CJK script"))
    return out
