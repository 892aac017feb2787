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

__all__ = ["EDGE_WORDS", "ROLE_WORDS", "cut_at_line_break", "person_filter", "refine"]

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
sig sig.ra dott dott.ssa ing avv sres dña dra gracias merci danke grazie obrigado obrigada bedankt
tack dziękuję
husband wife son daughter mother father brother sister mum mom dad uncle aunt cousin partner
landlord landlady tenant notary witness guest manager nurse reviewer intro
complainant claimant plaintiff defendant respondent appellant petitioner guarantor deceased
""".split())
# Field labels of tickets and forms that the NER reads as names ("Requester:", "Callback:").
FIELD_WORDS = frozenset("""
requester callback card number email e-mail mail payout account beneficiary iban phone mobile
tel fax summary address billing shipping ship passenger contact customer client remote addr ip
social security ssn name full pan reply-to subject priority channel status order invoice
surname forename family given middle employee age vorname nachname familienname anschrift
prénom prenom nom nombre apellido apellidos cognome sobrenome voornaam achternaam
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
zondag mon tue tues wed thu thur thurs fri sat sun jan feb mar apr jun jul aug sep sept oct nov
dec januar februar märz april mai juni juli august september oktober november dezember
janvier février fevrier mars avril juin juillet août aout septembre octobre novembre décembre
enero febrero marzo abril mayo junio julio agosto septiembre octubre noviembre diciembre
gennaio febbraio aprile maggio giugno luglio settembre ottobre dicembre
""".split())


# Last words that make a capitalised run a venue, place, event, firm or product named after a
# person ("Lincoln Park", "Victoria Station", "Ada Lovelace Day", "Newton Room", "Plymouth
# Colony", "Morgan Stanley Wealth", "Tesla API"): such a run is no person.
_THING_END = frozenset("""
puja aarti havan homam
park station boulevard blvd way day room rooms colony sports wealth api sdk app hall centre center
street road avenue lane drive square bridge airport hospital clinic university college school
academy institute museum church cathedral chapel abbey library gallery theatre theater stadium
arena tower building house hotel inn club bar pub cafe café restaurant bistro foundation trust fund
bank capital partners group holdings ventures labs studio studios collective company corp
corporation inc ltd llc gmbh plc pty award awards prize lecture memorial act law effect syndrome
disease theorem equation principle index fc united river lake mountain island bay beach gardens
garden market mall plaza terrace crescent quarter district valley heights hills forest reserve zoo
wing suite lounge gate week month year festival fest conference summit prize cup trophy league
series show podcast channel radio tv press times post journal review magazine records recordings
caddesi cad sokak sokağı sok mahallesi mah bulvarı
plan principles doctrine scheme arms society wing lectures auditorium pavilion campus medal
scholarship fellowship solver oscillator conjecture
collie spaniel terrier retriever shepherd poodle beagle bulldog dachshund husky whippet greyhound
lurcher schnauzer rottweiler inu coon shorthair longhair cavalier heath
""".split())
# Last words of a firm, a public body or a team that are nobody's family name ("Wellspring
# Pharmacy", "Sydney Water", "People Operations", "Dear Parking Services"): such a run is no
# person even after a salutation or in a name field.
_ORG_END = frozenset("""
pharmacy chemist chemists dental dentistry services operations management consulting solutions
logistics insurance online scheme utilities telecom broadband energie energy council authority
department ministry agency helpdesk water pharma pharmaceuticals towing haulage removals
roofing plumbing
""".split())
# A thing word right after a "name" ("the Henry Ford Museum", "Ada Lovelace Building", "the
# Royal Albert Hall", "the Marshall Plan", "Chris Hani Baragwanath hospital", "the Newton
# solver"): capitalised, or in lower case for the words below that are nobody's family name.
_THING_AFTER = regex.compile(
    r"[ \t]+(?:(?:Museum|Station|Boulevard|Avenue|Street|Road|Square|Bridge|Airport|Hospital|"
    r"University|College|School|Institute|Library|Gallery|Theatre|Theater|Stadium|Arena|Tower|"
    r"Building|Foundation|Award|Prize|Memorial|Centre|Center|Hall|Halls|Wing|Room|Rooms|Lecture|"
    r"Lectures|Auditorium|Pavilion|Campus|Ward|Clinic|Laboratory|Laboratories|Lab|Medal|"
    r"Scholarship|Fellowship|Trophy|Plan|Principles|Society|Arms|Gardens|Cathedral|Chapel|"
    r"Lounge|Suite|Hotel|Cycles|Motors|Foods|Bakery|Kitchen|Restaurant|Café|Cafe|Grill|Salon|"
    r"Scheme|Doctrine|Trust)\b(?!-)"
    r"|(?:hospital|clinic|building|wing|ward|campus|auditorium|lecture[ \t]+theatre|prize|award|"
    r"medal|scholarship|fellowship|foundation|memorial|museum|stadium|airport|oscillator|solver|"
    r"equation|equations|theorem|algorithm|conjecture|distribution|transform|paradox|"
    r"decomposition|decompositions|debate|doctrine)\b)")
def _named_thing(text: str, words: list[tuple[int, int, str]], names: frozenset[str]) -> bool:
    """Whether a thing word follows the "name" (`_THING_AFTER`). After one word, only where the
    thing word is nobody's family name and the word no listed given name ("the Newton solver",
    "Gandhi Museum"; "Jerome Hall", "Amara Hospital" of "took Amara hospital"? stay)."""
    m = _THING_AFTER.match(text, words[-1][1])
    if m is None:
        return False
    if len(words) > 1:
        return True
    thing = m.group().strip()
    if thing.islower():
        return True
    from audit.pii.recognizers._gazetteer import given_names

    return thing.casefold() not in _SURNAME_THINGS and words[0][2].casefold() not in given_names()


# Thing words that are also common family names ("Dana Park", "Jerome Hall").
_SURNAME_THINGS = frozenset("park day hall way lake shepherd heath wing".split())
# German, Dutch and Nordic street words glued to the end of the last word ("Lindenstraße").
_STREET_SUFFIX = ("straße", "strasse", "str.", "weg", "gasse", "platz", "allee", "damm", "ufer",
                  "straat", "laan", "plein", "gracht", "gatan", "vägen", "väg", "vej", "veien")
# First words of storms, mountains and other named things ("Storm Ciarán", "Mount Kenya").
_THING_START = frozenset("storm hurricane cyclone typhoon tropical mount mt lake fort cape port "
                         "operation project hotel hostel masjid immeuble bäckerei metzgerei "
                         "kindergarten officina".split())
# Company forms written with dots, at the end of a run ("Tulpenhuis B.V.", "Acme S.A.").
_FIRM_TAIL = regex.compile(r"(?i)(?:\b(?:b\.[ ]?v|n\.[ ]?v|s\.[ ]?a|s\.[ ]?l|s\.[ ]?r\.[ ]?l|"
                           r"l\.[ ]?l\.[ ]?c|a\.[ ]?g|s\.[ ]?p\.[ ]?a|co|pty|k\.[ ]?k)\.?)$")


@lru_cache(maxsize=1)
def _common_words() -> frozenset[str]:
    """Everyday English words that the NER reads as names when capitalised (common_words.txt)."""
    from importlib import resources

    text = resources.files("audit.pii.recognizers").joinpath("common_words.txt").read_text("utf-8")
    return frozenset(w.casefold() for line in text.splitlines() if not line.startswith("#")
                     for w in line.split())


@lru_cache(maxsize=1)
def _brands() -> frozenset[tuple[str, ...]]:
    """Firms and products named after people (brands.txt), as casefolded word tuples."""
    from importlib import resources

    text = resources.files("audit.pii.recognizers").joinpath("brands.txt").read_text("utf-8")
    return frozenset(tuple(w.casefold() for w in _WORD.findall(line)) for line in text.splitlines()
                     if line.strip() and not line.startswith("#"))


@lru_cache(maxsize=1)
def role_words() -> frozenset[str]:
    """Role, job and department words in several languages (roles.txt), casefolded."""
    from importlib import resources

    text = resources.files("audit.pii.recognizers").joinpath("roles.txt").read_text("utf-8")
    return frozenset(w.casefold() for line in text.splitlines() if not line.startswith("#")
                     for w in line.split())


@lru_cache(maxsize=1)
def _public_figures() -> tuple[frozenset[tuple[str, ...]], int]:
    """Well-known public figures and characters (public_figures.txt) as casefolded word tuples,
    and the longest tuple's length."""
    from importlib import resources

    text = resources.files("audit.pii.recognizers").joinpath("public_figures.txt").read_text(
        "utf-8")
    out = frozenset(tuple(w.casefold() for w in _WORD.findall(line))
                    for line in text.splitlines() if line.strip() and not line.startswith("#"))
    return out, max(len(t) for t in out)


def _fold(word: str) -> str:
    """A word casefolded, less a possessive "'s" ("Oliver's" -> "oliver")."""
    f = word.casefold()
    return f[:-2] if f.endswith(("'s", "’s")) else f


# Spoken e-mail addresses ("priya dot nair eighty eight at gmail dot com"), a case citation's
# parties cited by one word ("Miranda v. Arizona", "Plessy v. Ferguson")
# and hesitation sounds ("um", "erm"): none of them a person's name as written.
_DOT_WORD = regex.compile(r"(?i)(?:^|[ \t])(?:dot|punto|punkt|ponto|point)(?:[ \t]|$)")
_DOT_AFTER = regex.compile(r"[ \t]+(?:dot|punto|punkt|ponto)[ \t]")
_VERSUS_AFTER = regex.compile(r"[ \t]+v(?:s)?\.?[ \t]+\p{Lu}")
_VERSUS_BEFORE = regex.compile(r"(?<![\p{L}])v(?:s)?\.?[ \t]+$")
_FILLERS = frozenset("um umm uh uhh er erm hmm mm ah eh".split())


def _not_written_name(text: str, s: Span) -> bool:
    """Whether a PERSON span is a spoken e-mail's local part, a one-word party of a case
    citation or a hesitation sound (`_DOT_WORD`, `_VERSUS_*`, `_FILLERS`)."""
    span = text[s.start:s.end]
    if _DOT_WORD.search(span) is not None or _DOT_AFTER.match(text, s.end, s.end + 8) is not None:
        return True
    words = _WORD.findall(span)
    if len(words) == 1 and not span.isupper() and (_VERSUS_AFTER.match(text, s.end) is not None
                            or _VERSUS_BEFORE.search(text, max(0, s.start - 6), s.start)):
        return True
    return bool(words) and words[0] in _FILLERS  # lower case only ("Um" is a Korean surname)


def _role_only(text: str, s: Span) -> bool:
    """Whether a PERSON span is only role, job or department words ("cliente", "Anruferin",
    "Accounts Receivable", "Dear Parent"): a label or an addressee, nobody's name."""
    roles = role_words()
    words = _WORD.findall(text, s.start, s.end)
    return bool(words) and all(_fold(w) in roles or _fold(w) in FIELD_WORDS for w in words)


# A personal way of naming someone: a self-naming cue, a salutation or a field of a form or a
# record that holds a person ("Customer: Tom Cook", "Dear Taylor Swift,", "my name is ...").
_PERSONAL_BEFORE = regex.compile(
    r"(?i)(?:(?:\bmy\s+name\s+is|\bmy\s+name['’]s|\bname\s+is|\bsigned(?:\s+by)?|\bi\s+am|"
    r"\bi['’]m|\bthis\s+is|\bit['’]s|\b(?:kind\s+)?regards|\bsincerely|\bdear|\bhi|\bhello)"
    r"[ \t]*[,:\-–—]?|(?:\b(?:full\s+|first\s+|last\s+|family\s+|given\s+|sur)?name|\bnombre|"
    r"\bnom|\bvorname|\bnachname|\bcustomer|\bclient|\bpatient|\bpassenger|\bguest|\bcontact|"
    r"\bfrom|\bto|\bcc|\btenant|\bapplicant|\bemployee|\bmember|\battendee|\bholder|"
    r"\bbeneficiary|\bpayee|\brecipient|\bsender|\bcaller|\bdriver|\bstudent|\bparent|"
    r"\bowner|\bbuyer|\bseller|\binsured|\bclaimant|\bpolicyholder|\bdonor|\bwitness|\bkunde|"
    r"\bcliente|\bdeceased|\bnext\s+of\s+kin)[ \t]*[:=])[ \t]*$")


_NAME_GAP = regex.compile(r"[ \t.]*")
_FIRSTS: dict[int, tuple[frozenset[tuple[str, ...]], frozenset[str]]] = {}


def _first_words(table: frozenset[tuple[str, ...]]) -> frozenset[str]:
    """The first words of a table's names, kept with the table (its id is reused only once the
    table is gone, and the entry holds it)."""
    entry = _FIRSTS.get(id(table))
    if entry is None or entry[0] is not table:
        entry = _FIRSTS[id(table)] = (table, frozenset(t[0] for t in table if t))
    return entry[1]


def _occurrences(text: str, s: Span, table: frozenset[tuple[str, ...]], longest: int):
    """(start, end, words) of each listed name (casefolded word tuples; possessives ignored)
    that overlaps the span, its words next to each other ("J. K. Rowling")."""
    lo, hi = max(0, s.start - 40), min(len(text), s.end + 40)
    words = [(m.start(), m.end(), m.group()) for m in _WORD.finditer(text, lo, hi)]
    folded = [_fold(w) for _, _, w in words]
    firsts = _first_words(table)
    for i in range(len(words)):
        if words[i][0] >= s.end:
            break
        if folded[i] not in firsts:  # no listed name starts with this word
            continue
        for j in range(i + 1, min(len(words), i + longest) + 1):
            if j - i > 1 and _NAME_GAP.fullmatch(text, words[j - 2][1], words[j - 1][0]) is None:
                break
            if words[j - 1][1] > s.start and tuple(folded[i:j]) in table:
                yield words[i][0], words[j - 1][1], words[i:j]


def _public_figure(text: str, s: Span, names: frozenset[str]) -> bool:
    """Whether a PERSON span is a listed public figure or character ("Elon Musk's", "Roald
    Dahl", "Harry Potter", "steve" of "steve jobs", "London Sadiq Khan") named in a
    non-personal way (no `_PERSONAL_BEFORE` cue): prose about them holds no one's PII."""
    figures, longest = _public_figures()
    n_words = len(_WORD.findall(text, s.start, s.end))
    inverted = regex.fullmatch(r"([\p{L}'’\-]+),[ \t]*([\p{L}'’\-]+)\.?", text[s.start:s.end])
    if inverted is not None and (inverted.group(2).casefold(), inverted.group(1).casefold()) \
            in figures:  # a catalogue's "Dickens, Charles"
        return _PERSONAL_BEFORE.search(text, max(0, s.start - 40), s.start) is None
    for a, b, found in _occurrences(text, s, figures, longest):
        if len(found) == 1 and not (found[0][2][:1].isupper() and a == s.start
                                    and b >= s.end - 2 and n_words == 1):
            continue  # a surname alone: capitalised, the whole span ("Anna Messi" stays)
        # the span is inside the figure's name, or holds it with unlisted words around it
        # ("London Sadiq Khan" of "Mayor of London Sadiq Khan")
        if not (a <= s.start and b >= s.end - 2) and any(
                _fold(w) in names for w in _WORD.findall(text, s.start, a)
                + _WORD.findall(text, b, s.end)):
            continue
        if _PERSONAL_BEFORE.search(text, max(0, min(a, s.start) - 40), min(a, s.start)):
            return False
        return True
    return False


def _brand_piece(text: str, s: Span) -> bool:
    """Whether a PERSON span lies inside a listed brand, product or scheme of two or more words
    ("Aid" of "Gift Aid", "Roth" of "Roth IRA", "Johns Hopkins" of "Johns Hopkins guidelines")."""
    brands = _brands()
    return any(len(found) > 1 and a <= s.start and b >= s.end - 2
               for a, b, found in _occurrences(text, s, brands, 4))


# A name made into a manner or a style ("Gordon Ramsay-inspired", "Hitchcock-esque").
_LIKE_SUFFIX = regex.compile(r"[\-–](?:inspired|style|styled|esque|themed|like|type|era|approved|"
                             r"branded|shaped)$|^[\-–](?:inspired|style|styled|esque|themed|like|"
                             r"approved|branded)\b")


# Day abbreviations that are given names too ("Thu"): a day where another day opens a row of the
# same list just before it.
_DAY_ABBREVIATIONS = frozenset(("thu", "thurs"))
_OTHER_DAY = regex.compile(r"(?<![\p{L}])(?:Mon|Tue|Tues|Wed|Fri|Sat|Sun)(?:[ \t]|[:.,])")


def _thing(text: str, words: list[tuple[int, int, str]], names: frozenset[str]) -> bool:
    """Whether an NER "person" is by its words a thing: a venue, event, firm or product named
    after someone, a run of everyday words ("Queue", "Special", "Advanced"), an acronym
    ("SSN", "DL") or a listed eponymous brand ("Hugo Boss", "Ford Focus")."""
    folded = [w.casefold() for _, _, w in words]
    last = folded[-1]
    if _LIKE_SUFFIX.search(words[-1][2]) is not None \
            or _LIKE_SUFFIX.match(text[words[-1][1]:words[-1][1] + 12]) is not None:  # lower case
        return True  # "a Wes Anderson-style lobby", "Ramsay-inspired": a manner, no person
    if len(folded) == 1 and last in _DAYS_MONTHS and last not in names:  # "Thu", "Sept"
        return True
    if len(folded) == 1 and last in _DAY_ABBREVIATIONS and _OTHER_DAY.search(
            text, max(0, words[0][0] - 40), words[0][0]) is not None:
        return True  # "Wed lentil dhal, Thu chicken casserole": a rota or a menu, no "Thu"
    if last in _THING_END or (len(folded) > 1 and last.endswith(_STREET_SUFFIX)):
        # "Dana Park", "Doris Day": a listed given name (no everyday word) and one family
        # name that is also a thing word stay a person; "Lincoln Park" does not.
        from audit.pii.recognizers._gazetteer import AMBIGUOUS, given_names
        from audit.pii.recognizers._lone_names import more_given_names

        first = folded[0]
        return not (len(folded) == 2 and last in _SURNAME_THINGS and first not in AMBIGUOUS
                    and (first in given_names() or first in more_given_names()
                         or "-" in first))  # "Soo-ah Park", "Mirela Day"
    if len(folded) > 1 and (folded[0] in _THING_START or (
            folded[0] in ("st", "saint", "san", "santa", "sankt")
            and words[-1][2].endswith(("'s", "’s")))):
        return True
    if _FIRM_TAIL.search(text[words[0][0]:words[-1][1] + 1]) is not None:
        return True
    if all(f in _common_words() for f in folded):
        return True
    if len(words) > 1 and all(f in _common_words() or (w.isupper() and len(w) <= 4)
                              for f, (_, _, w) in zip(folded, words)) \
            and (not any(f in names for f in folded) or (
                all(w.isupper() for _, _, w in words)
                and any(f in _common_words() and f not in names for f in folded))):
        return True  # a heading or label with an acronym ("SIM SWAP REQUEST", "HOA NOTICE")
    w = words[0][2]
    if len(words) == 1 and w.isupper() and len(w) <= 4 and w.casefold() not in names:
        return True
    brands = _brands()  # a one-word brand only alone ("Mercedes", not "Mercedes García")
    return tuple(folded) in brands or any(tuple(folded[:k]) in brands
                                          for k in range(2, min(3, len(folded)) + 1))


# Makers of cars, motorbikes, bicycles, watches and eyewear whose products carry a model name
# ("Honda Accord", "Fiat Panda", "Porsche Carrera", "Rolex Submariner"). Written for Assay from
# general knowledge; makers that are also given names ("Mercedes", "Martin") are left out.
_MAKERS = frozenset("""
alfa audi bmw bugatti buick byd cadillac chevrolet chevy chrysler citroen citroën cupra dacia
daihatsu dodge ferrari fiat ford genesis geely gmc holden honda hyundai infiniti isuzu jeep kia
lada lamborghini lancia lexus lincoln-mercury maserati mazda mclaren mercedes-benz mercedes-amg
mitsubishi nissan opel peugeot polestar pontiac porsche proton renault rivian saab skoda škoda
subaru suzuki tata tesla toyota vauxhall volkswagen vw volvo ducati kawasaki yamaha vespa
triumph harley-davidson raleigh brompton rolex omega breitling seiko casio tissot cartier
ray-ban oakley
""".split())
_DETERMINER_BEFORE = regex.compile(r"(?i)(?<![\p{L}])(?:the|a|an|my|his|her|our|their|your|"
                                   r"la|le|il|el|die|der|das|sua|seu|mia|mein|meine)[ \t]+$")


# The daily prayers and words of a mosque's notice: "Isha" (also a given name) between them,
# with a time after it or "after"/"before" in front of it, is the night prayer.
_PRAYER_WORDS = regex.compile(r"(?i)(?<![\p{L}])(?:fajr|dhuhr|zuhr|asr|maghrib|jumu['’]?ah|jumm?ah|"
                              r"salah|salat|namaz|iqamah|adhan|khutbah|masjid|mosque|prayers?)"
                              r"(?![\p{L}])")
_PRAYER_TIME_AFTER = regex.compile(r"[ \t]*[:\-–]?[ \t]*\d{1,2}[:.]\d{2}")
_PRAYER_CUE_BEFORE = regex.compile(r"(?i)(?<![\p{L}])(?:after|before|until|till|following|"
                                   r"at|for|from)[ \t]+$")


def _prayer(text: str, s: Span) -> bool:
    """Whether a one-word PERSON span "Isha" is the night prayer: another prayer or mosque word
    within 300 characters, and a time after it ("Isha 17:42") or "after"/"before" ... in front
    ("open after Isha"). "Isha Patel", "Dear Isha," and "Isha will call" stay names."""
    if text[s.start:s.end].casefold() not in ("isha", "isha'a", "isha’a", "ishaa"):
        return False
    if _PRAYER_TIME_AFTER.match(text, s.end) is None and \
            _PRAYER_CUE_BEFORE.search(text, max(0, s.start - 12), s.start) is None:
        return False
    return _PRAYER_WORDS.search(text, max(0, s.start - 300), min(len(text), s.end + 300)) \
        is not None


def _product(text: str, words: list[tuple[int, int, str]], names: frozenset[str]) -> bool:
    """Whether a PERSON run is a maker's model ("Honda Accord", "the Ferrari Enzo", "Carrera"
    of "Porsche Carrera"): a listed maker (`_MAKERS`) first or right before a one-word run, and
    the model word no listed name; a maker that is a family name too ("Honda", "Ford") needs
    an unlisted model word or a determiner before it ("Honda Keisuke", "Ford Madox" stay)."""
    first = words[0][2].casefold()
    if len(words) > 1 and first in _MAKERS:
        maker_at, model = words[0][0], [w.casefold() for _, _, w in words[1:]]
    else:
        m = regex.search(r"([\p{Lu}][\p{L}\-]*)[ \t]+$", text[max(0, words[0][0] - 20):words[0][0]])
        if len(words) != 1 or m is None or m.group(1).casefold() not in _MAKERS:
            return False
        maker_at = words[0][0] - len(m.group())
        first, model = m.group(1).casefold(), [first]
    if _DETERMINER_BEFORE.search(text, max(0, maker_at - 8), maker_at) is not None:
        return True
    return not any(w in names for w in model) or first not in names


# Role and job words that open a "name" run without being part of it ("Rider Arjun", "Agent Luz").
ROLE_WORDS = frozenset("""
agent officer constable sergeant detective inspector driver rider courier nurse doctor tutor
teacher coach captain pilot chef waiter waitress technician engineer plumber electrician cleaner
receptionist cashier clerk caller host guest student pupil trainee intern candidate applicant
recruiter interviewer panel panellist panelist passenger tenant landlord owner seller buyer
auntie aunt aunty uncle grandma grandpa granny grandad nana nan cousin
""".split())


# A person saying who they are, a title or salutation, or a field that holds a name: what follows
# is a name whatever its words ("my name is Storm Akinyi", "Name: Sunny Day", "Signed, Rose Bank",
# "Mrs Hope Bank", "Dear Ms Day"). A privacy tool keeps it: the everyday-word, thing and brand
# checks below never drop a span right after one (nor one that opens with a title).
_TITLES = (r"mr|mrs|ms|miss|mx|dr|prof|sir|dame|herr|frau|mme|mlle|sr|sra|srta|sig|sig\.ra|"
           r"dear|attn")
_SELF_NAMED = regex.compile(
    r"(?i)(?:\bmy\s+name\s+is|\bmy\s+name['’]s|\bname\s+is|\bname\s*[:=]|\bsigned(?:\s+by)?"
    r"|\bi\s+am|\bi['’]m|\b(?:kind\s+)?regards|\bsincerely|\byours\s+truly"
    r"|\b(?:" + _TITLES + r")\.?)[ \t]*[,:\-–—]?[ \t]*$")
_TITLE_OPENS = regex.compile(r"(?i)(?:" + _TITLES + r")\.?[ \t]+(?=\p{L})")


def _self_named(text: str, start: int, end: int | None = None) -> bool:
    """Whether the name at `start` follows a self-naming cue, a title or a name field (or, given
    `end`, opens with a title: "Mrs Hope Bank")."""
    if _SELF_NAMED.search(text, max(0, start - 40), start) is not None:
        return True
    return end is not None and _TITLE_OPENS.match(text, start, end) is not None


# Greetings, sign-offs, kinship words and honorifics, in many languages, that open a name run
# without being part of the name ("Merhaba Elif", "Habari Mama Wanjiku", "Halo Mas Dimas", "Dear
# Pastor Ade", "Granddad Len", "Saygılarımla, Burak Şahin"): cut off whatever found the span,
# even where the word is also a given name somewhere ("Nana Ruth" is Ruth).
LEAD_WORDS = frozenset("""
merhaba halo habari namaste namaskar salam salaam assalamu jambo hujambo ciao hej hei ahoj
cześć czesc zdravo chào sawubona aloha sannu selamat salut servus grüezi gruezi moin hoi hallo
hello hi hey dear howdy greetings olá hola bonjour buongiorno привет здравствуйте saygılarımla
sayın
nana mama papa baba mas mbak pak bu ibu kak abang ate kuya amma appa akka didi bhaiya bhai dadi
nani mzee bibi abla teyze amca dayı ustad ustadh ustadha ustaz ustazah imam sheikh shaykh
rabbi pastor reverend rev revd father brother sister elder deacon bishop grandma grandpa granddad
grandad grandmother grandfather granny gran savta bubbe zayde oma opa abuela abuelo abuelita tía
tío tia tio tante onkel auntie aunty aunt uncle cousin spouse ìyá iya bà ông cô chú bác chị thầy
don doña dona med rer nat jur
herr frau familie famille famiglia nachbar nachbarin neighbour neighbor voisin voisine vecino
vecina vizinho vizinha buurman buurvrouw hausverwaltung
""".split())
# Honorifics written after a name ("Elif Hanım", "Shreya ji", "OKAFOR/CHIAMAKA MS"), and the same
# glued on with a hyphen ("Tanaka-san").
TRAIL_WORDS = frozenset("hanım hanim bey efendi ji jee sahib saheb sahab ssi nim mr mrs ms mstr"
                        .split())
_TRAIL_SUFFIX = regex.compile(r"(?i)-(?:san|sama|kun|chan|ji|ssi|nim|sensei)$")
# Two or more spaces (or a tab) between words: the columns of a form ("Name: Brunner   First
# name: Matthias").
_GAP = regex.compile(r"[ ]{2,}|\t")


def _trim_edges(s: Span, text: str, names: frozenset[str]) -> Span | None:
    """A PERSON span, from any recognizer, without greeting, kinship and honorific words at its
    edges (`LEAD_WORDS`, `TRAIL_WORDS`), without a form's next field after a column gap
    ("Jun Park   Student ID"), and without a trailing field word ("Dana SSN"); the span as it
    was where nothing is cut, None where nothing with a capital or a listed name is left."""
    words = [(m.start(), m.end(), m.group()) for m in _WORD.finditer(text, s.start, s.end)]
    if len(words) == 1 and words[0][2].casefold() in LEAD_WORDS \
            and words[0][2].casefold() not in names:
        return None  # "Dear Grandma,": a title alone ("Nana", "Pastor" may be names alone)
    if len(words) < 2:
        return s
    english, common = _stop_words()[0], _common_words()

    def label(w: str) -> bool:  # a form's field word, not a name
        f = w.casefold()
        return f not in names and (f in english or f in FIELD_WORDS or f in ROLE_WORDS
                                   or f in common)

    for i in range(1, len(words)):
        if _GAP.search(text, words[i - 1][1], words[i][0]) is not None and (
                label(words[i][2]) or (i + 1 < len(words) and label(words[i + 1][2]))):
            words = words[:i]
            break
    cut = False
    while len(words) > 1 and words[0][2].casefold() in LEAD_WORDS:
        words.pop(0)
        cut = True
    while len(words) > 1 and words[0][2].casefold() in FIELD_WORDS \
            and words[0][2].casefold() not in names:
        words.pop(0)
        cut = True
    while cut and len(words) > 1 and words[0][2].islower():  # "IBAN de Lucía"
        words.pop(0)
    while len(words) > 1 and (words[-1][2].casefold() in TRAIL_WORDS or (
            words[-1][2].casefold() in FIELD_WORDS and words[-1][2].casefold() not in names)):
        words.pop()
    start, end = words[0][0], words[-1][1]
    m = _TRAIL_SUFFIX.search(text, start, end)
    if m is not None and m.start() > start:
        end = m.start()
    if (start, end) == (s.start, s.end):
        return s
    return Span(start, end, s.entity_type, s.score, s.recognizer, s.explanation)


# Animals: species, sexes and breeds as vets, sitters and lost-pet posts write them.
_BREEDS = (r"canine|feline|equine|dsh|dlh|neutered|spayed|entire|spaniel|terrier|labrador|"
           r"retriever|collie|shepherd|poodle|beagle|bulldog|dachshund|husky|whippet|greyhound|"
           r"lurcher|staffy|staffie|pug|corgi|chihuahua|cockapoo|cavapoo|labradoodle|tabby|moggy|"
           r"shiba|schnauzer|rottweiler|doberman|mastiff|cavalier|kcs|siamese|ragdoll|"
           r"maine[ \t]+coon|bengal|shorthair|longhair|pointer|setter|boxer|vizsla|weimaraner|"
           r"jack[ \t]+russell|cockerpoo|springer|sheepdog|lab|persian|sphynx|burmese|"
           r"moggie|crossbreed|cross-breed|mongrel|mestizo|mestiza")
_ANIMALS = (r"dog|dogs|cat|cats|puppy|pup|kitten|pet|pets|horse|pony|rabbit|bunny|hamster|"
            r"parrot|budgie|tortoise|ferret|microchip(?:ped)?|perro|perra|gato|gata|chien|chienne|"
            r"hund|hündin|katze|kater|gatto|gatta|hond|poes|" + _BREEDS)
# A pet's field ("Pet: Bella", "Animal: Luna", "Dog's name: Rex").
_PET_FIELD = regex.compile(r"(?i)\b(?:pet|animal|dog|cat|puppy|kitten|horse|pony)(?:['’]s)?"
                           r"(?:[ \t]+name)?[ \t]*[:=][ \t]*[\"“'‘]?$")
# After a one-word name: its species, sex or breed in brackets or after an age ("Zeus (canine",
# "Maks, 4y, Border Collie", "Kuro, 9y MN Shiba Inu", "Jordan (labrador)").
_PET_AFTER = regex.compile(r"(?i)[\"”'’]?[ \t]*(?:\([ \t]*(?:[\p{L}]+[ \t]+)?(?:" + _ANIMALS
                           + r")\b|,[ \t]*(?:[\p{L}]+[ \t]+)?(?:" + _BREEDS + r")[ \t]*[),;]|,[ \t]*\d{1,2}[ \t]*"
                           r"(?:y|yo|yrs?|years?|m|mo|months?)\b[ \t,]*(?:(?:[MF][NSE]|MC|FS)\b[ \t]*)?"
                           r"(?:[\p{L}]+[ \t]+)?(?:" + _ANIMALS + r")\b)")
_ANIMAL_WORD = regex.compile(r"(?i)\b(?:" + _ANIMALS + r")\b")
_QUOTES = ("\"", "“", "”", "'", "‘", "’")


# A day or month name next to a day number or a time ("Tue 14 Jan", "on Jan 5", "Thu 10:00",
# "starting 5 Jan"), or "kin" of "next of kin": a date or an idiom, not a name ("Jan", "Thu",
# "May" and "Kin" are names elsewhere).
_DATE_BEFORE = regex.compile(r"\b\d{1,2}(?:st|nd|rd|th)?\.?[ \t]+$")
_DATE_AFTER = regex.compile(r"\.?[ \t]+\d{1,2}(?:st|nd|rd|th)?\b(?![.,]?\d{3})")
_KIN_BEFORE = regex.compile(r"(?i)\bnext[ \t]+of[ \t]+$")


_LABEL_AFTER = regex.compile(r"[ \t]*:")
_DAY_LABEL = regex.compile(r"(?im)^[ \t]*(mon|tue|tues|wed|thu|thur|thurs|fri|sat|sun|monday|"
                           r"tuesday|wednesday|thursday|friday|saturday|sunday)\.?[ \t]*:")


def _date_word(text: str, s: Span) -> bool:
    """Whether a one-word PERSON span is a day or month name written in a date or heading two or
    more rows of a rota ("Wed:", "Thu:"), or the "kin" of "next of kin"."""
    word = text[s.start:s.end]
    if word.casefold() == "kin":
        return _KIN_BEFORE.search(text, max(0, s.start - 12), s.start) is not None
    if word.casefold().rstrip(".") not in _DAYS_MONTHS:
        return False
    if _LABEL_AFTER.match(text, s.end) is not None and len({
            m.group(1).casefold() for m in _DAY_LABEL.finditer(text)}) >= 2:
        return True  # a rota's rows ("Wed: Mai Nguyen", "Thu: Hemi Walker")
    return (_DATE_BEFORE.search(text, max(0, s.start - 8), s.start) is not None
            or _DATE_AFTER.match(text, s.end) is not None)


def _cuts_word(text: str, s: Span) -> bool:
    """Whether a span starts or ends inside a Latin-letter word or touches an underscore: a
    piece of a run-together brand ("Fin" of "FinTrust", "Aurora Travel Ap" of "ApS") or of an
    identifier ("Steve_the_Builder"), not a name."""
    def inside(i: int) -> bool:  # between text[i - 1] and text[i]
        return 0 < i < len(text) and all(c.isascii() and c.isalpha() for c in text[i - 1:i + 1])

    if "_" in text[s.start:s.end] or text[s.start - 1:s.start] == "_" \
            or text[s.end:s.end + 1] == "_":
        return True  # a piece of an identifier or handle ("Steve_the_Builder", "NAMED_FLAGS")
    return inside(s.start) or inside(s.end)


# An animal word right before a one-word name: "the neighbours' dog Brutus", "their cat Zeus",
# "o gato Simba", "unser Hund Bello".
_ANIMAL_BEFORE = regex.compile(r"(?i)(?<![\p{L}])(?:dog|cat|puppy|pup|kitten|pony|horse|rabbit|"
                               r"hamster|parrot|tortoise|gato|gata|perro|perra|cão|cadela|"
                               r"chatte|chien|chienne|hund|hündin|katze|kater|gatto|gatta|"
                               r"hond|poes)[ \t]+$")


_ANSWERS_TO = regex.compile(r"(?i)\banswer(?:s|ing)?[ \t]+to(?:[ \t]+(?:the[ \t]+)?name"
                            r"(?:[ \t]+of)?)?[ \t]+$")


def _pet(text: str, s: Span) -> bool:
    """Whether a one-word PERSON span names an animal: in a pet's field, followed by its
    species, age or breed, or quoted with an animal word close by ('Cocker Spaniel "Hugo"')."""
    if " " in text[s.start:s.end].strip():
        return False
    if _PET_FIELD.search(text, max(0, s.start - 20), s.start) is not None:
        return True
    if _PET_AFTER.match(text, s.end) is not None:
        return True
    if _ANIMAL_BEFORE.search(text, max(0, s.start - 12), s.start) is not None:
        return True
    if _ANSWERS_TO.search(text, max(0, s.start - 40), s.start) is not None and \
            _ANIMAL_WORD.search(text, max(0, s.start - 80), s.start) is not None:
        return True  # "ginger cat answering to Garfield"
    quoted = text[s.start - 1:s.start] in _QUOTES and text[s.end:s.end + 1] in _QUOTES
    return quoted and _ANIMAL_WORD.search(text, max(0, s.start - 40), s.start) is not None


def _ideograph(ch: str) -> bool:
    """A Han character or Hangul syllable: one is a whole name part ("王 磊"), not an initial."""
    return "\u3400" <= ch <= "\u9fff" or "\uf900" <= ch <= "\ufaff" or "\uac00" <= ch <= "\ud7af"


def person_filter(spans: list[Span], text: str) -> list[Span]:
    """Every PERSON span, whatever found it, with leading everyday and role words trimmed off
    ("Text Liam", "Rider Arjun"), and dropped when its words make it a thing (`_thing`) — unless
    the person names themself or a name field holds it (`_SELF_NAMED`): then it stays whole."""
    from audit.pii.recognizers._gazetteer import all_names

    if not any(s.entity_type == "PERSON" for s in spans):
        return spans
    names, common = all_names(), _common_words()
    english = _stop_words()[0] - names
    out = []
    for s in spans:
        if s.entity_type == "PERSON":
            trimmed = _trim_edges(s, text, names)
            if trimmed is None or _cuts_word(text, trimmed) or _pet(text, trimmed) \
                    or _date_word(text, trimmed) or _role_only(text, trimmed) \
                    or _not_written_name(text, trimmed) or _prayer(text, trimmed) \
                    or _public_figure(text, trimmed, names) \
                    or (_brand_piece(text, trimmed) and not _self_named(text, trimmed.start)) or (
                    _WORD.findall(text, trimmed.start, trimmed.end) or ["x"])[-1].casefold() \
                    in _ORG_END:
                continue
            s = trimmed
        if s.entity_type == "PERSON" and not _self_named(text, s.start, s.end):
            words = [(m.start(), m.end(), m.group()) for m in _WORD.finditer(text, s.start, s.end)]
            while len(words) > 1 and words[0][2].casefold() not in names and (
                    words[0][2].casefold() in common or words[0][2].casefold() in ROLE_WORDS):
                words.pop(0)
            while len(words) > 1 and words[-1][2].casefold() in english:  # "C. My"
                words.pop()
            if s.recognizer == "SpacyRecognizer" and not any(
                    c.isupper() for _, _, w in words for c in w) and not any(
                    len(w) >= 3 and w.casefold() in names for _, _, w in words):
                continue  # "INFO gc pause" less its log level: no capital, no listed name
            if not words or all(len(w) == 1 and not _ideograph(w) for _, _, w in words) \
                    or _thing(text, words, names) or _product(text, words, names) \
                    or _named_thing(text, words, names):
                continue  # "Henry Ford Museum" read as "Henry Ford"
            if words[-1][1] < s.end:
                s = Span(s.start, words[-1][1], s.entity_type, s.score, s.recognizer,
                         s.explanation)
            if words[0][0] != s.start and words[0][0] > s.start:
                s = Span(words[0][0], s.end, s.entity_type, s.score, s.recognizer, s.explanation)
        out.append(s)
    return out


@lru_cache(maxsize=1)
def _stop_words() -> tuple[frozenset[str], frozenset[str]]:
    """(English function words, other languages' function words that are not English ones)."""
    from spacy.lang.en.stop_words import STOP_WORDS as EN

    other: set[str] = set()
    for lang in _LANGS:
        other |= importlib.import_module(f"spacy.lang.{lang}.stop_words").STOP_WORDS
    english = frozenset(w.lower() for w in EN)
    # Everyday English words are no sign of another language ("sent" is Danish for "late").
    return english, frozenset(w.lower() for w in other) - english - _common_words()


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
    # One foreign word in a short English note ("NOK 1,950", "o") says nothing.
    return n_other >= 2 and n_other > n_en


_NUMBER_TAIL = regex.compile(r"[ \t]+\d{1,2}$")
_NEXT_ITEM = regex.compile(r"[.)][ \t]+\p{Lu}")  # "2. Mariam", not "37.83ms"
_FIELD_BREAK = regex.compile(r"\n|[ \t]+[/|][ \t]+")  # a line break, " / " or " | " between fields


def cut_at_line_break(span: Span, text: str) -> Span:
    """An NER PERSON/LOCATION span cut at its first line break or " / " field separator ("Wen
    Jing / Facilities"), and before a list number at its end: the model runs a name into the
    next line ("Tomasz Zielinski\n14:05" of a timeline) or into the next item's number ("1.
    Ishaan Kapoor 2. …"), and the digits would discard it."""
    if span.recognizer != "SpacyRecognizer" or span.entity_type not in ("PERSON", "LOCATION"):
        return span
    cut = _FIELD_BREAK.search(text, span.start, span.end)
    end = span.end if cut is None else cut.start()
    tail = _NUMBER_TAIL.search(text, span.start, end)  # "Ishaan Kapoor 2" of "1. … 2. …"
    if tail is not None and _NEXT_ITEM.match(text, end) is not None:
        end = tail.start()
    if end == span.end or not any(c.isalpha() for c in text[span.start:end]):
        return span
    while end > span.start and text[end - 1].isspace():
        end -= 1
    return Span(span.start, end, span.entity_type, span.score, span.recognizer, span.explanation)


@lru_cache(maxsize=1)
def _particle_tail() -> regex.Pattern:
    from audit.pii.recognizers._gazetteer import PARTICLES

    part = "|".join(sorted(PARTICLES, key=len, reverse=True))
    return regex.compile(r"(?:[ \t]+(?:" + part + r")){1,3}[ \t]+\p{Lu}[\p{Ll}\p{M}'’]+"
                         r"(?:-\p{Lu}?[\p{Ll}\p{M}]+)*")


def _with_particles(span: Span, text: str) -> Span:
    """An NER name that stops at or before a particle ("Pieter van" + "den Berg") runs on over
    the particles to the capitalised family name after them."""
    from audit.pii.recognizers._gazetteer import PARTICLES

    words = list(_WORD.finditer(text, span.start, span.end))
    while words and words[-1].group() in PARTICLES:  # back up to the last name word
        words.pop()
    if not words:
        return span
    end = words[-1].end()
    m = _particle_tail().match(text, end)
    if m is None:
        return span
    return Span(span.start, m.end(), span.entity_type, span.score, span.recognizer,
                span.explanation)


def refine(span: Span, text: str, foreign: dict[str, bool]) -> Span | None:
    """An NER PERSON/LOCATION span trimmed of edge words, or None when it is not one.

    `foreign` caches the language verdict per text (key "v").
    """
    from audit.pii.recognizers._gazetteer import all_names

    english, other = _stop_words()
    if span.entity_type == "PERSON":
        span = _with_particles(span, text)
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
    if span.entity_type == "PERSON":
        words = _cased_words(text, words, names)
        if not words:
            return None
    if span.entity_type == "PERSON" and words[-1][2].casefold() in _STREET_END:
        return None  # the street recognizer reports the address with its number
    named = span.entity_type == "PERSON" and (_self_named(text, span.start, span.end)
                                              or _self_named(text, words[0][0]))
    if span.entity_type == "PERSON" and not named and not _person_position(text, words, names):
        return None
    if span.entity_type == "PERSON" and not named and _thing(text, words, names):
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


def _cased_words(text: str, words: list[tuple[int, int, str]],
                 names: frozenset[str]) -> list[tuple[int, int, str]]:
    """An NER name's words up to its first lower-case word that is no particle and no listed
    name, less such words at its start: the English model runs a name into the next words of
    another language ("Jomar po ito", "ο Καβάφης"). A name all in lower case is left as it is
    (chat and speech write names so)."""
    from audit.pii.recognizers._gazetteer import PARTICLES

    def plain(w: str) -> bool:
        return w[:1].islower() and w not in PARTICLES and w.casefold() not in names

    if all(w[:1].islower() for _, _, w in words):
        return words
    while words and plain(words[0][2]):
        words = words[1:]
    for k in range(1, len(words)):
        if plain(words[k][2]):
            return words[:k]
    return words


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
