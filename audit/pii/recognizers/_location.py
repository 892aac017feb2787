"""Street addresses and postcodes (UK postcodes, US ZIP codes next to a state or a context word)."""

from __future__ import annotations

import re
from typing import Any

import regex
from presidio_analyzer import Pattern, PatternRecognizer

from audit.pii.recognizers._address_intl import POSTAL_TAIL

__all__ = ["RESIDENCE_CUE", "PostcodeRecognizer", "StreetAddressRecognizer"]

# Words that put someone at a street named without a number ("lives on", "late of", "her flat
# on", "we moved to"); the engine runs the street recognizer on a text without digits only when
# one is there. A place word needs a possessive before it ("their front room on", not "the shop
# on Main Street"), moving and being based a personal subject ("she moved to", not "the office
# moved to").
RESIDENCE_CUE = (r"(?i:(?:lives?|living|lived|resides?|residing)\s+(?:on|in|at)|late\s+of|"
                 r"(?:my|your|his|her|our|their)\s+(?:[a-z]+\s+)?(?:flat|house|home|room|shop|"
                 r"stall|place|apartment|studio|garage|parking|bins?|collections?)\s+"
                 r"(?:(?:is|was|are|were)\s+)?(?:on|in|at)|"
                 r"(?:my|your|his|her|our|their)\s+(?:home\s+|postal\s+|delivery\s+|billing\s+)?"
                 r"address\s+(?:is|was)\s*:?|"
                 r"\b(?:i|we|he|she|they|you)(?:'m|'re|'s|'ve|\s+am|\s+are|\s+is|\s+was|\s+were|"
                 r"\s+have|\s+has|\s+had)?\s+(?:just\s+|recently\s+|finally\s+)?"
                 r"(?:moved|moving|based)\s+(?:to|into|on|in|at))")

# USPS Publication 28, appendix C1 (common street suffixes) plus common UK thoroughfare names.
_SUFFIXES = (
    "street|st|avenue|ave|av|road|rd|boulevard|blvd|lane|ln|drive|dr|court|ct|place|pl|way|"
    "terrace|ter|close|crescent|cres|parkway|pkwy|square|sq|highway|hwy|circle|cir|trail|trl|"
    "alley|aly|bridge|brg|brook|brooks|burg|burgs|bypass|byp|camp|cmp|canyon|cyn|cape|cpe|causeway|"
    "center|ctr|centers|club|clb|common|commons|corner|corners|cors|cove|coves|creek|crk|crest|"
    "crossing|xing|crossroad|curve|dale|dl|dam|divide|dv|estate|est|estates|ests|expressway|expy|"
    "extension|ext|extensions|falls|fls|ferry|fry|field|fld|fields|flds|flat|flt|flats|ford|frd|"
    "fords|forest|frst|forge|frg|forges|fork|frk|forks|fort|ft|freeway|fwy|garden|gdn|gardens|gdns|"
    "gateway|gtwy|glen|gln|glens|green|grn|greens|grove|grv|groves|harbor|hbr|harbors|haven|hvn|"
    "heights|hts|hill|hl|hills|hls|hollow|holw|inlet|island|is|islands|isle|junction|jct|junctions|"
    "key|ky|keys|knoll|knl|knolls|lake|lk|lakes|landing|lndg|light|lgt|lights|loaf|lock|lck|locks|"
    "lodge|ldg|loop|mall|manor|mnr|manors|meadow|mdw|meadows|mdws|mews|mill|ml|mills|mission|msn|"
    "motorway|mount|mt|mountain|mtn|mountains|neck|nck|orchard|orch|oval|overpass|opas|park|parks|"
    "pass|passage|path|pike|pine|pines|plain|pln|plains|plaza|plz|point|pt|points|port|prt|ports|"
    "prairie|pr|radial|ranch|rapid|rpd|rapids|rest|ridge|rdg|ridges|river|riv|roads|route|rte|row|"
    "rue|run|shoal|shoals|shore|shr|shores|skyway|spring|spg|springs|spur|spurs|squares|station|sta|"
    "stravenue|stream|strm|streets|summit|smt|throughway|trace|trce|track|trak|trafficway|tunnel|"
    "tunl|turnpike|tpke|underpass|union|un|unions|valley|vly|valleys|viaduct|via|view|vw|views|"
    "village|vlg|villages|ville|vl|vista|vis|walk|walks|wall|ways|well|wl|wells|gate|hill|rise|"
    "row|wharf|yard|grange|walk|parade|esplanade|promenade|quay|circuit|concourse"
)
_STRONG_SUFFIXES = (r"street|road|avenue|lane|drive|boulevard|crescent|grove|terrace|close|"
                    r"gardens|parade|strasse|straße|nagar|marg")
_UNIT = r"(?:,?\s+(?:apt\.?|apartment|suite|ste\.?|unit|flat|#)\s*[A-Z0-9\-]{1,6})?"
# "Flat 12, Kestrel House, 9 Pelican Way", "Unit 14, Sunset Towers, 27 Beach Road": a named
# building between the unit and the house number.
_UNIT_PREFIX = (r"(?:(?:flat|apartment|apt\.?|unit|suite)\s+[A-Z0-9\-]{1,5},?\s+"
                r"(?:(?-i:(?:[A-Z][a-z'\-]+[ \t]+){1,3}(?:House|Towers?|Court|Building|Mansions|"
                r"Lodge|Heights|Apartments|Residences?|Block|Hall)),[ \t]+)?)?")
_NOT_STOP = (r"(?!(?:the|a|an|in|on|at|of|and|or|to|for|with|from|by|my|your|our|his|her|their|"
             r"its|this|that|these|those|is|are|was|were|be|have|has|had|more|than|about|over)\b)")



_US_STATES = (
    "AL|AK|AZ|AR|CA|CO|CT|DE|FL|GA|HI|ID|IL|IN|IA|KS|KY|LA|ME|MD|MA|MI|MN|MS|MO|MT|NE|NV|NH|NJ|NM|NY|"
    "NC|ND|OH|OK|OR|PA|RI|SC|SD|TN|TX|UT|VT|VA|WA|WV|WI|WY|DC|PR|GU|VI|AS|MP|AA|AE|AP"
)

_UK_POSTCODE = (r"(?:[A-PR-UWYZ][0-9][0-9]?|[A-PR-UWYZ][A-HK-Y][0-9][0-9]?|[A-PR-UWYZ][0-9]"
                r"[A-HJKPSTUW]|[A-PR-UWYZ][A-HK-Y][0-9][ABEHMNPRVWXY]) ?[0-9][ABD-HJLNP-UW-Z]{2}")
# Optional ", Town, ST 12345" / ", Town AB1 2CD" tail so the whole postal address is one span.
_US_TAIL = (r"(?:,?\s+(?:[\p{L}'\-]+\s+){0,2}[\p{L}'\-]+,?\s+(?:(?:" + _US_STATES
            + r")\.?\s+\d{5}(?:-\d{4})?|" + _UK_POSTCODE + r")\b)")
# US "Town, ST 12345" / UK "Town AB1 2CD", else any country's ", Town[, Region] Postcode".
_TAIL = r"(?:" + _US_TAIL + r"|" + POSTAL_TAIL + r")?"


_ASCII_RUN = re.compile(r"[a-z]+")


def _has_word(words: frozenset[str]) -> Any:
    """A necessary condition for patterns whose match contains one of `words` as a whole run of
    letters (case-insensitive): True unless the text is ASCII and none of its maximal letter runs,
    lower-cased, is in `words`. (For ASCII text, case-insensitive matching of ASCII letters is
    plain ASCII case folding; other texts are always searched.)"""
    def check(text: str) -> bool:
        return not text.isascii() or not words.isdisjoint(_ASCII_RUN.findall(text.lower()))
    return check


# A street match has `\s` + suffix + `s?\b` (a whole letter run); a "ZIP after state" match has
# `\b` + state code + `\.?,?\s` in its look-behind (a whole letter run).
_SUFFIX_RUNS = frozenset(w + s for w in _SUFFIXES.split("|") for s in ("", "s"))
_STATE_RUNS = frozenset(w.lower() for w in _US_STATES.split("|"))


class StreetAddressRecognizer(PatternRecognizer):
    """`<number> <one to four words> <street suffix> [unit]`, e.g. `221B Baker Street, Flat 2`.

    Also UK-style `Flat 3, 12 Mill Road` and US unit prefixes. Words are matched in any case so
    lower-cased logs are covered; a missing house number is not matched (too many false hits).
    """

    PATTERNS = [
        Pattern("street address (capitalised)",
                _UNIT_PREFIX + r"\b\d{1,6}[A-Za-z]?(?:[\-/]\d{1,4})?,?\s+(?-i:(?:(?:[A-Z][a-z'\-]+|"
                r"[A-Z][A-Z'\-]+|[NSEW]\.?|\d{1,3}(?:st|nd|rd|th))\s+){0,3}"
                r"(?=[A-Z]))(?:" + _SUFFIXES + r")s?\b\.?" + _UNIT + _TAIL, 0.6),
        Pattern("street address (lower case)",
                _UNIT_PREFIX + r"\b\d{1,6}[a-z]?,?\s+(?-i:(?:" + _NOT_STOP + r"[a-z][a-z'\-]+\s+){1,3})"
                r"(?:" + _SUFFIXES + r")s?\b\.?" + _UNIT + _TAIL, 0.3),
        # Speech-to-text writes addresses in lower case ("fifty hawthorn street" becomes
        # "50 hawthorn street"); with a thoroughfare word that is rarely anything else, the
        # number + words + street shape is enough without a context word.
        Pattern("street address (lower case, street word)",
                _UNIT_PREFIX + r"\b\d{1,5}[a-z]?,?\s+(?-i:(?:" + _NOT_STOP + r"[a-z][a-z'\-]+\s+){1,3})"
                r"(?-i:" + _STRONG_SUFFIXES + r")\b\.?" + _UNIT + _TAIL, 0.55),
        # A street named without a house number where the sentence says someone is there:
        # "lives on Wattle Crescent", "late of Mill Lane", "runs it from her flat on Kelp Road".
        Pattern("street after residence cue",
                r"(?<=\b" + RESIDENCE_CUE + r"\s+)(?-i:(?:[A-Z][a-z'\-]+\s+){1,3})(?-i:Street|Road|Avenue|Lane|Drive|Crescent|"
                r"Grove|Terrace|Close|Gardens|Parade|Place|Way|Court|Row|Walk|Boulevard|Square)\b",
                0.6),
    ]
    CONTEXT = ["address", "live", "lives", "living", "located", "reside", "ship", "deliver", "home",
               "send", "mail", "moved", "visit", "street"]

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(supported_entity="STREET_ADDRESS", patterns=self.PATTERNS,
                         context=self.CONTEXT, name="StreetAddressRecognizer", **kwargs)
        # Checked by Assay's pattern loop (audit.pii._patterns) before each search.
        has_suffix = _has_word(_SUFFIX_RUNS)
        self.pattern_requires = {p.name: has_suffix for p in self.patterns}


_BY_TOWN = ("postcode before city", "postcode after city")
_KNOWN_TOWN_SCORE = 0.6
_TOWN_AFTER = regex.compile(r"[ \t]+(\p{Lu}[\p{L}'\-]+(?:[ \-]\p{Lu}[\p{L}'\-]+)?)")
_TOWN_BEFORE = regex.compile(r"(\p{Lu}[\p{L}'\-]+(?:[ \-]\p{Lu}[\p{L}'\-]+)?)[ \t]*[\-–,]?[ \t]*$")


def _is_place(words: str) -> bool:
    from audit.pii.recognizers._places import places

    table = places()
    parts = tuple(w.casefold() for w in regex.split(r"[ \-]", words) if w)
    return parts in table or parts[-1:] in table or parts[:1] in table


class PostcodeRecognizer(PatternRecognizer):
    """UK postcodes (Royal Mail format) and US ZIP/ZIP+4 after a state code or a context word."""

    PATTERNS = [
        Pattern("UK postcode",
                r"\b(?:GIR ?0AA|(?:[A-PR-UWYZ][0-9][0-9]?|[A-PR-UWYZ][A-HK-Y][0-9][0-9]?|"
                r"[A-PR-UWYZ][0-9][A-HJKPSTUW]|[A-PR-UWYZ][A-HK-Y][0-9][ABEHMNPRVWXY]) ?"
                r"[0-9][ABD-HJLNP-UW-Z]{2})\b", 0.5),
        Pattern("US ZIP after state",
                r"(?<=\b(?:" + _US_STATES + r")\.?,?\s{1,2})\d{5}(?:-\d{4})?\b", 0.6),
        Pattern("US ZIP", r"(?<![\w\-])\d{5}(?:-\d{4})?(?![\w\-])", 0.2),
        Pattern("postcode (4 or 6 digits)", r"(?<![\w\-.])(?:\d{4}|\d{3}[ \t]?\d{3})(?![\w\-]|\.\d)",
                0.2),
        Pattern("postcode after AU state",
                r"(?<=\b(?-i:NSW|VIC|QLD|TAS|ACT|NT|WA|SA)\.?,?[ \t]{1,2})\d{4}(?!\d)", 0.6),
        Pattern("Canadian postcode", r"(?<![\w])(?-i:[ABCEGHJ-NPRSTVXY]\d[A-Z][ \t]?\d[A-Z]\d)(?!\w)",
                0.55),
        Pattern("Dutch postcode", r"(?<![\w])\d{4}[ \t]?(?-i:[A-Z]{2})(?![\p{L}\d])", 0.3),
        Pattern("Japanese postcode (mark)", r"〒[ \t]?\d{3}-?\d{4}(?!\d)", 0.8),
        Pattern("Japanese postcode", r"(?<![\w\-])\d{3}-\d{4}(?![\w\-])", 0.2),
        Pattern("postcode before city",
                r"(?<![\w\-.,])\d{5}(?=[ \t]+(?-i:\p{Lu}\p{Ll}{2,})(?:[ \t,.\n]|$))", 0.4),
        Pattern("postcode after city",
                r"(?<=(?-i:\p{Lu}\p{Ll}{2,})[ \t]*[\-–,]?[ \t]*)(?:\d{5}|\d{3}[ \t]?\d{3})(?![\w\-])",
                0.4),
    ]
    CONTEXT = ["zip", "postcode", "postal", "post code", "zipcode", "address", "pin", "pincode",
               "plz", "cp", "postleitzahl", "code postal", "cap", "cep", "city", "town", "area"]

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(supported_entity="POSTCODE", patterns=self.PATTERNS, context=self.CONTEXT,
                         name="PostcodeRecognizer", **kwargs)
        self.pattern_requires = {"US ZIP after state": _has_word(_STATE_RUNS)}

    def analyze(self, text: str, entities: list[str], nlp_artifacts: Any = None,
                regex_flags: int | None = None) -> list[Any]:
        results = super().analyze(text, entities, nlp_artifacts, regex_flags)
        for r in results:
            exp = r.analysis_explanation
            name = exp.pattern_name if exp is not None else ""
            if name not in _BY_TOWN or r.score >= _KNOWN_TOWN_SCORE:
                continue
            # "75008 Paris", "Mumbai 400001": a listed town next to the code makes it one.
            if name == "postcode before city":
                m = _TOWN_AFTER.match(text, r.end)
            else:
                m = _TOWN_BEFORE.search(text, max(0, r.start - 40), r.start)
            if m is not None and _is_place(m.group(1)):
                r.score = _KNOWN_TOWN_SCORE
                if exp is not None:
                    exp.original_score = exp.score = r.score
        return results

    def invalidate_result(self, pattern_text: str) -> bool:
        # An outward code alone ("SW1") is not matched; a UK postcode needs a digit and letters.
        return pattern_text.isdigit() and len(set(pattern_text)) == 1
