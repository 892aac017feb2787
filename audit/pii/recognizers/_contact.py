"""Email and phone recognizers: offline TLD validation, and phone formats checked by libphonenumber."""

from __future__ import annotations

import re
from functools import lru_cache
from typing import Any

import phonenumbers
from presidio_analyzer import Pattern, PatternRecognizer
from presidio_analyzer.predefined_recognizers import EmailRecognizer, IpRecognizer, UrlRecognizer

from audit.pii.recognizers._negative import id_context

__all__ = ["HostIpRecognizer", "OfflineEmailRecognizer", "PhoneFormatRecognizer",
           "StrictUrlRecognizer"]


# A log field's key glued to an address by "=" ("email=jl@hotmail.com", "reply_to=…"): presidio's
# pattern takes "=" as a local-part character; a real local part with "=" is kept otherwise.
_MAIL_KEY = re.compile(r"(?i)(?:e-?mail|mail|mailto|email[_-]?address|to|from|cc|bcc|user|"
                       r"username|login|reply[_-]?to|sender|recipient|contact|address)="
                       r"(?=[A-Za-z0-9][A-Za-z0-9._%+\-]*@)")


class OfflineEmailRecognizer(EmailRecognizer):
    """Presidio's email pattern, with the domain checked against the bundled public-suffix snapshot.

    Presidio calls the module-level `tldextract.extract`, which fetches the suffix list over HTTP
    on first use; this recognizer uses its own `TLDExtract(suffix_list_urls=())`, so it never
    touches the network.
    """

    # ASCII addresses bounded by any non-address character: presidio's `\\b` + `\\w` pattern
    # swallows CJK letters written right next to an address ("请联系rohan@example.com谢谢").
    PATTERNS = [*EmailRecognizer.PATTERNS,
                Pattern("Email (ASCII, any neighbour)",
                        r"(?<![A-Za-z0-9._%+\-])[A-Za-z0-9](?:[A-Za-z0-9._%+\-]*[A-Za-z0-9_%+\-])?"
                        r"@[A-Za-z0-9](?:[A-Za-z0-9\-]*[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9\-]*"
                        r"[A-Za-z0-9])?)*\.[A-Za-z]{2,24}(?![A-Za-z0-9\-]|\.[A-Za-z0-9])", 0.5)]

    def __init__(self, **kwargs: Any) -> None:
        import tldextract

        super().__init__(name="OfflineEmailRecognizer", patterns=self.PATTERNS, **kwargs)
        self._extract = tldextract.TLDExtract(suffix_list_urls=(), cache_dir=None,
                                              fallback_to_snapshot=True)

    def analyze(self, text: str, entities: list[str], nlp_artifacts: Any = None,
                regex_flags: int | None = None) -> list[Any]:
        # "https://a1b2c3@o123.ingest.sentry.io/45": a URL's user part and host, not a mailbox.
        out = []
        for r in super().analyze(text, entities, nlp_artifacts, regex_flags):
            if text.endswith("://", 0, r.start):
                continue
            key = _MAIL_KEY.match(text, r.start, r.end)
            if key is not None and "@" in text[key.end():r.end]:
                r.start = key.end()  # "email=jl@hotmail.com": the field key is no local part
            out.append(r)
        return out

    def validate_result(self, pattern_text: str) -> bool:
        domain = pattern_text.rsplit("@", 1)[-1]
        return bool(self._extract(domain).fqdn)


class PhoneFormatRecognizer(PatternRecognizer):
    """Phone numbers as people write them, each candidate checked with libphonenumber.

    Formats: `+CC` / `00CC` international (any grouping by spaces, dots, dashes, `(0)`),
    NANP, national numbers with a trunk `0` (UK `020 7946 0958`, DE `030 901820`, FR
    `06 12 34 56 78`, AU `(02) 9374 4000`, JP `03-1234-5678`), Indian mobiles `98765 43210`,
    Brazilian-style `(11) 95732-7381`, `206/919-3564`, and bare runs of 10-12 digits
    (speech-to-text writes numbers that way; 9 digits only after a phone cue).

    Scores: international valid 0.7, possible 0.5; NANP valid 0.65; national valid in one of
    `REGIONS` 0.6; a bare run, or a number that is only possible, 0.4 (a context word such as
    "call", "phone", "number" lifts it over the threshold). 3-3-4 groups separated only by
    spaces are capped at 0.3 (the NHS-number shape; with a context word 0.65, under an NHS
    number's 0.7 with its own context), date shapes are dropped, and a number
    right after an identifier word ("order", "invoice", "part number" ...) is dropped, and one
    right after "my number", "phone no." ... scores at least 0.65.
    """

    PATTERNS = [
        Pattern("phone (international)",
                r"(?<![\w+])(?:\+|(?<!\d[ \t])00)[ \t]?\d{1,3}[ \t.\-]?(?:\(0\)[ \t]?)?"
                r"(?:\(?\d{1,5}\)?[ \t.\-]?){1,5}\d{1,5}(?:[ \t]?(?:x|ext\.?)[ \t]?\d{1,5})?"
                r"(?![\w\-])", 0.5),
        Pattern("phone (NANP)",
                r"(?<![\w+\-.])(?:1[ \t.\-]?)?(?:\(\d{3}\)[ \t]?|\d{3}[ \t.\-/])\d{3}[ \t.\-]\d{4}"
                r"(?:[ \t]?(?:x|ext\.?)[ \t]?\d{1,5})?(?![\w\-])", 0.5),
        Pattern("phone (national, trunk 0)",
                r"(?<![\w+\-.])(?:\(0\d{1,4}\)[ \t]?|0(?!0)\d{1,4}(?:[ \t][/\-][ \t]?|[ \t.\-/])?)\d{2,4}"
                r"(?:[ .\-]?\d{2,4}){1,3}"
                r"(?![\w\-]|\.\d)", 0.5),
        Pattern("phone (Indian mobile)",
                r"(?<![\w+\-.])[6-9]\d{4}[ \-]?\d{5}(?![\w\-]|\.\d)", 0.5),
        Pattern("phone (bare digits)", r"(?<![\w+\-.])\d{9,13}(?![\w\-]|\.\d)", 0.5),
        # Spanish and Portuguese nine-digit numbers have no trunk 0: "654 55 21 87",
        # "936 518 204" (3-3-3 is also a thousands-grouped amount: it needs a context word).
        Pattern("phone (Iberian nine digits)",
                r"(?<![\w+\-.])(?<!\d[ ,])[5-9]\d{2}(?: \d{3} \d{3}| \d{2} \d{2} \d{2})"
                r"(?![\w\-]|[.,]\d| \d)", 0.5),
        # Portuguese and Polish landlines "21 793 44 10", "12 634 55 20" (2-3-2-2, no trunk 0),
        # Mexican ten-digit numbers "55 4172 9930" (2-4-4) and Chinese mobiles "139 1028 4471"
        # (3-4-4, written against Han text): each checked by libphonenumber in its country.
        Pattern("phone (2-3-2-2 landline)",
                r"(?<![\w+\-.])(?<!\d[ ,])[1-9]\d \d{3} \d{2} \d{2}(?![\w\-]|[.,]\d| \d)", 0.5),
        Pattern("phone (Mexican 2-4-4)",
                r"(?<![\w+\-.])(?<!\d[ ,])[1-9]\d[ \-]\d{4}[ \-]\d{4}(?![\w\-]|[.,]\d| \d)", 0.5),
        # Hong Kong and Singapore eight-digit numbers "9381 2764" (also a time pair or an
        # amount: a context word is needed)
        Pattern("phone (4-4 HK/SG)",
                r"(?<![\w+\-./])(?<!\d[ ,:])[2-9]\d{3}[ \-]\d{4}(?![\w\-:/]|[.,]\d| \d)", 0.5),
        Pattern("phone (Chinese mobile)",
                r"(?<![\dA-Za-z+\-.,])1[3-9]\d[ \-]?\d{4}[ \-]?\d{4}(?![\dA-Za-z\-]|[.,]\d)", 0.5),
        # Brazil, Mexico, Argentina, Colombia write the area code in parentheses without a
        # trunk 0: "(11) 95732-7381".
        Pattern("phone (area code in parentheses)",
                r"(?<![\w+\-.])\(\d{2,3}\)[ \t]?\d{4,5}[ \-]?\d{4}(?![\w\-]|\.\d)", 0.5),
    ]
    CONTEXT = ["phone", "call", "tel", "telephone", "mobile", "cell", "fax", "reach", "text",
               "contact", "dial", "whatsapp", "ring", "callback", "caller", "landline", "ph", "mob", "sms", "hotline", "helpline", "nummer", "telefon", "handy", "portable",
               "cellphone", "phone number", "telefone", "telemóvel", "telemovel", "teléfono",
               "telefono", "móvil", "movil", "tlf", "tfno", "llame", "llamar", "ligue", "msisdn",
               "ctcm", "call me", "reach me", "text me", "contact number", "contacto", "contato",
               "contatto", "kontakt", "celular", "cellulare", "téléphone", "tél", "telefonnummer",
               "rufnummer", "handynummer", "mobil", "mobilnummer", "telefoonnummer", "mobiel",
               "bel", "llamada", "chiamare", "appeler", "anrufen", "cel", "liga", "ligar",
               "chiamami", "chiama", "chiamatemi", "llámame", "llamame", "llama", "llámenos",
               "appelle", "appelez", "rappeler", "rappelez", "ruf", "rufen", "zurückrufen",
               "rückruf", "whatsappe",
               "电话", "手机", "電話", "携帯", "전화", "전화번호", "핸드폰", "휴대폰"]
    # National numbers are tried against these regions, most written first.
    REGIONS = ("GB", "DE", "FR", "AU", "IN", "JP", "IT", "ES", "NL", "IE", "BR", "MX", "ZA", "NZ",
               "SG", "CH", "AT", "BE", "SE", "PL", "KR", "CN", "FI", "GH", "KE", "NG", "PT")

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(supported_entity="PHONE_NUMBER", patterns=self.PATTERNS,
                         context=self.CONTEXT, name="PhoneFormatRecognizer", **kwargs)

    def analyze(self, text: str, entities: list[str], nlp_artifacts: Any = None,
                regex_flags: int | None = None) -> list[Any]:
        results = super().analyze(text, entities, nlp_artifacts, regex_flags)
        for r in results:
            kind = r.analysis_explanation.pattern_name if r.analysis_explanation else ""
            value = text[r.start:r.end]
            r.score = _phone_score(value, kind, self.REGIONS)
            if r.score and _bare_groups(value) and not value.startswith("0") \
                    and not _mobile_without_trunk_0(value):
                r.score = min(r.score, 0.3)  # "943 476 5919" is as often an ID as a phone
            if r.score and (id_context(text, r.start) or _micr(text, r.start, r.end)
                            or _NOT_PHONE_BEFORE.search(text, max(0, r.start - 32), r.start)
                            or _TRACKING_BEFORE.search(text, max(0, r.start - 24), r.start)):
                r.score = 0.0  # "Part number 782-250-3689": an identifier, whatever follows
            elif r.score and _TIME_PAIR.match(value) \
                    and not _PHONE_WORD.search(text, max(0, r.start - 32), r.start):
                r.score = 0.0  # "0930 1130", "0615 0840": two 24-hour times (a timetable, a PNR)
            elif r.score and sum(c.isdigit() for c in value) == 9 \
                    and _SSN_CUE.search(text, max(0, r.start - 40), r.start):
                r.score = 0.0  # nine digits after "SSN"/"social" are the SSN recognizer's
            elif r.score and (_PHONE_CUE.search(text, max(0, r.start - 32), r.start)
                              or _PHONE_HEADER.search(_column_header(text, r.start, csv=True))):
                r.score = max(r.score, 0.65)  # "my number is 9435550199"
            if r.analysis_explanation is not None:
                r.analysis_explanation.original_score = r.score
                r.analysis_explanation.score = r.score
        return [r for r in results if r.score > 0]


# "number" alone is also "part number", "order number": only a personal one counts.
_PHONE_CUE = re.compile(r"(?:\b(?:my|your|his|her|our|their|phone|mobile|cell|contact|whatsapp|"
                        r"best|callback|call-back|daytime|evening|"
                        r"telephone|home|work|office|direct)\s+(?:number|no\.?|num|#)"
                        r"(?:\s+is|\s*[:#=\-])?|\b(?:call|ring|text|reach)\s+(?:me|us)"
                        r"(?:\s+back)?\s+(?:on|at)"
                        r"|\b(?:called|calling|rang|texted|phoned|messaged)\s+(?:from|on|at)"
                        # "Número 55 4172 9930", "o meu número é 912 345 087", "meine Nummer:"
                        r"|\b(?:número|numero|numéro|nummer)(?:\s+(?:é|es|è|est|ist))?\s*:?"
                        # "mi cel es", "msisdn=", "phone_number:", "电话是", "電話番号:"
                        r"|\b(?:cel|celular|móvil|movil|telefone|teléfono|telefono|handy|portable)"
                        r"\s+(?:es|é|è|ist|est)"
                        r"|\b(?:phone|tel|mobile|cell|msisdn|whatsapp|fax)(?:[_\-]?(?:no|number|num))?"
                        r"\s*[=:]"
                        r"|(?:电话|手机|電話|携帯|전화|핸드폰)(?:号码|號碼|番号|번호)?\s*(?:是|は|:)?)\s*$",
                        re.IGNORECASE)


def _micr(text: str, start: int, end: int) -> bool:
    """A cheque's MICR line: routing and account numbers between ⑆ ⑇ ⑈ ⑉ symbols."""
    return "\u2446" <= text[start - 1:start] <= "\u2449" or "\u2446" <= text[end:end + 1] <= "\u2449"


# A table or CSV column whose header names a phone ("Teléfono", "Mobile", "tel_no").
_PHONE_HEADER = re.compile(r"(?i)phone|\btel|mobile|\bcell|móvil|movil|celular|cellulare|handy|"
                           r"whatsapp|msisdn|\bfax|telefon|teléfono|telefone|telemóvel|電話|电话|"
                           r"手机|携帯|전화")


# Numbers that a word right before names as something else: an account, a postcode (Brazil's
# CEP "01304-001", Germany's PLZ), a tax or national ID, a meter ("quoting account 7700418823").
_NOT_PHONE_BEFORE = re.compile(
    r"\b(?:account|acct|a/c|cep|plz|zip|postcode|post\s+code|postal\s+code|nif|nie|dni|vat|"
    r"iva|cpf|cnpj|iban|meter|mpan|mprn|sort\s+code|routing|aba)"
    r"(?:\s*(?:no\.?|nr\.?|number|num|#|id|code))?[\s:#.]*$", re.IGNORECASE)


# The tail of a UPS tracking number written in groups ("1Z 999 AA1 01 2345 6784").
_TRACKING_BEFORE = re.compile(r"\b1Z(?:[ \t]?[0-9A-Z]{3}){2}[ \t]?$")


_SSN_CUE = re.compile(r"\b(?:ssn|social|security|taxpayer|tin|itin)\b", re.IGNORECASE)


def _bare_groups(candidate: str) -> bool:
    """A 3-3-4 digit group separated by spaces only (the NHS-number shape), no +, (), . or -."""
    return [len(g) for g in candidate.split()] == [3, 3, 4]


def _mobile_without_trunk_0(body: str) -> bool:
    """"333 418 2290": ten digits from 3, valid in Italy and not in the US (US numbers from 3
    stay US); no NHS number starts with 3, so the 3-3-4 cap does not apply. Greek mobiles
    ("694 418 2273", ten digits from 69) are read the same way."""
    if sum(c.isdigit() for c in body) != 10 or body[:1] not in "36" or _parses(body, "US")[0]:
        return False
    return _parses(body, "IT")[0] if body[0] == "3" else body[:2] == "69" and _parses(body, "GR")[0]


_PHONE_WORD = re.compile(r"(?i)\b(?:tel|tél|phone|mobile|mob|cell|fax|call|ring|whatsapp|"
                         r"contact|telefon\w*|teléfono|telefone|number|no)\b")
_TIME_PAIR = re.compile(r"^(?:[01]\d|2[0-3])[0-5]\d (?:[01]\d|2[0-3])[0-5]\d$")

_COUNTRY_PATTERNS = {"phone (2-3-2-2 landline)": ("PT", "PL"), "phone (Mexican 2-4-4)": ("MX",),
                     "phone (4-4 HK/SG)": ("HK", "SG")}

_DATE_SHAPE = re.compile(r"^\(?\d{1,4}\)?[./\-]\d{1,2}[./\-]\d{2,4}$")


def _parses(body: str, region: str | None) -> tuple[bool, bool]:
    """(valid, possible) for `body` read in `region` (None: it starts with +)."""
    try:
        num = phonenumbers.parse(body, region)
    except phonenumbers.NumberParseException:
        return False, False
    return phonenumbers.is_valid_number(num), phonenumbers.is_possible_number(num)


@lru_cache(maxsize=8192)  # libphonenumber parses cost ~0.1 ms each; logs repeat numbers
def _phone_score(candidate: str, kind: str = "", regions: tuple[str, ...] = ("GB",)) -> float:
    main = re.split(r"x|ext", candidate)[0]
    digits = sum(c.isdigit() for c in main)
    if not 7 <= digits <= 15 or _DATE_SHAPE.match(main.strip()):
        return 0.0
    body = main.strip()
    if body.startswith("00"):  # 00 44 ..., 0049 30 ...: international prefix
        body = "+" + body[2:]
    if body.startswith("+"):
        valid, possible = _parses(body, None)
        if not valid and re.match(r"\+52[\s.\-]*1[\s.\-]", body):
            # Mexican mobiles were written "+52 1 ..." until 2019; the 1 is no longer dialled
            valid, possible = _parses("+52 " + re.sub(r"^\+52[\s.\-]*1", "", body), None)
        return 0.7 if valid else 0.5 if possible else 0.0
    if kind == "phone (area code in parentheses)":
        return 0.6 if any(_parses(body, r)[0] for r in ("BR", "MX", "AR", "CO")) else 0.0
    if kind == "phone (bare digits)":
        if digits == 9:  # national numbers without the trunk 0 (ES, FR, DE ...); needs a cue
            return 0.4 if any(_parses(body, r)[0] for r in ("ES", *regions)) else 0.0
        tries = ("US", "IN", "CN") if not body.startswith("0") else regions
        if any(_parses(body, r)[0] for r in tries):
            return 0.4
        # read out in a transcript: Italian mobiles "3384127790", Brazilian mobiles with their
        # area code "11988774412" (AA 9XXXX-XXXX); both need a context word
        if _mobile_without_trunk_0(body) or (digits == 11 and body[2] == "9"
                                              and _parses(body, "BR")[0]):
            return 0.4
        # E.164 written without its +, "491751234508", "2348031234567": needs a context word
        return 0.4 if digits >= 11 and body[0] != "0" and _parses("+" + body, None)[0] else 0.0
    if kind == "phone (Iberian nine digits)":  # and Polish 3-3-3 mobiles, "501 228 447"
        if not any(_parses(body, r)[0] for r in ("ES", "PT", "PL")):
            return 0.0
        return 0.6 if len(body.split()) == 4 else 0.4
    if kind == "phone (Chinese mobile)":  # grouped 3-4-4 from 13-19: no amount looks so
        if not _parses(body, "CN")[0]:
            return 0.0
        return 0.6 if len(re.split(r"[ \-]", body)) == 3 else 0.4
    if kind in _COUNTRY_PATTERNS:  # a shape common to amounts and IDs: it needs a context word
        return 0.4 if any(_parses(body, r)[0] for r in _COUNTRY_PATTERNS[kind]) else 0.0
    if kind == "phone (Indian mobile)":
        return 0.6 if _parses(body, "IN")[0] else 0.0
    if not body.lstrip("(").startswith("0"):
        valid, possible = _parses(body, "US")
        if not valid and _mobile_without_trunk_0(body):
            return 0.6
        return 0.65 if valid else 0.4 if possible else 0.0
    possible = False
    for region in regions:
        v, p = _parses(body, region)
        if v:
            return 0.6
        possible = possible or p
    return 0.4 if possible else 0.0


class StrictUrlRecognizer(UrlRecognizer):
    """Presidio's URL patterns, but a bare `word.word` without scheme or `www.` ("B.Sc",
    "Univ.Prof", "john.sm" inside an e-mail) scores 0.3 and needs a context word."""

    CONTEXT = ["url", "website", "site", "link", "homepage", "blog", "profile", "portfolio",
               "visit", "web"]

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(context=self.CONTEXT, name="StrictUrlRecognizer", **kwargs)

    def analyze(self, text: str, entities: list[str], nlp_artifacts: Any = None,
                regex_flags: int | None = None) -> list[Any]:
        results = super().analyze(text, entities, nlp_artifacts, regex_flags)
        for r in results:
            value = text[r.start:r.end].lower()
            if "://" not in value and not value.startswith("www."):
                r.score = min(r.score, 0.3)
        return results


_VERSION_BEFORE = re.compile(
    r"(?:==|>=|<=|~=|!=|\bv|@|"
    r"\b(?:ver\.?|version(?:[ \t]+(?:string|number|no\.?|code|tag|id))?|firmware|fw|build|"
    r"release|rev|kernel|patch|changelog|oid|tag|(?-i:OS))[ \t]*\)?[ \t]*[:=]?[ \t]*\(?|"
    r"\b(?:roll(?:ed|ing)?[ \t]+back|revert(?:ed|ing)?|upgrad(?:e|ed|es|ing)|"
    r"downgrad(?:e|ed|es|ing)|bump(?:ed|s|ing)?|pinn?(?:ed|ing)?)[ \t]+(?:to|from)[ \t]+|"
    r"[\w.\-]/[\w.\-]+:)$",  # the last: an image tag, "registry/shop/checkout:1.19.4.2"
    re.IGNORECASE)
# A version right after the number: "2.4.1.7 firmware", "the 2.3.1.4 schema version",
# "1.2.0.4-rc1".
_VERSION_AFTER = re.compile(
    r"(?:[\-~+](?:rc|beta|alpha|dev|pre|snapshot|final|ga|lts)|[ \t]+(?:[\w\-]+[ \t]+)?"
    r"(?:version|release|firmware|build|patch|changelog)\b(?![.\-]\w))", re.IGNORECASE)
# Words that put a host's address next to a number, whatever else the text says.
_HOST_BEFORE = re.compile(
    r"\b(?:ip|ipv4|addr|address|host|hostname|from|src|dst|source|destination|client|peer|"
    r"remote|proxy|gateway|gw|dns|nameserver|resolver|connect(?:ed|ion)?|ping|ssh|blocked|"
    r"allow(?:ed)?|denied|deny|banned|via|for|node|server|machine|instance|vm|pod|router|"
    r"switch|endpoint|upstream|backend|box)[ \t]*[:=]?[ \t]*$", re.IGNORECASE)
# "firmware 1.2.0.8 -> 1.2.1.0": the number after a version's arrow is a version too.
_ARROW = re.compile(r"[ \t]*(?:->|→|=>)[ \t]*")


_VERSION_HEADER = re.compile(r"\b(?:version|ver|build|release|tag|firmware|fw|rev|revision)\b",
                             re.IGNORECASE)


_HOST_HEADER = re.compile(r"\b(?:ip|ipv4|host|hostname|addr|address|client|source|src|dst|"
                          r"destination|peer|remote|server|gateway)\b", re.IGNORECASE)


def _column_header(text: str, start: int, csv: bool = False) -> str:
    """The header cell above a value in a Markdown/pipe table (the first line of the run of `|`
    lines above it), or, with `csv`, in a CSV block (comma, semicolon or tab separated: the top
    line of the run of lines above with as many separators as this one); "" if none."""
    line_start = text.rfind("\n", 0, start) + 1
    if text.startswith("|", line_start):
        sep = "|"

        def row(a: int, b: int) -> bool:
            return text.startswith("|", a)
    elif csv:
        line_end = text.find("\n", start)
        line = text[line_start:line_end if line_end >= 0 else len(text)]
        sep = max(",;\t", key=line.count)
        n = line.count(sep)
        if n < 2:
            return ""

        def row(a: int, b: int) -> bool:
            return text.count(sep, a, b) == n
    else:
        return ""
    col = text.count(sep, line_start, start)
    top = line_start
    while top > 0:
        prev = text.rfind("\n", 0, top - 1) + 1
        if not row(prev, top - 1):
            break
        top = prev
    if top == line_start:
        return ""
    header = text[top:text.find("\n", top)].split(sep)
    return header[col] if col < len(header) else ""


def _in_dotted_run(text: str, start: int, end: int) -> bool:
    """Whether a dotted quad is part of a longer dotted sequence: an OID
    ("1.3.6.1.2.1.1.3.0"), a five-part build ("2026.11.30.1.2") or a file name
    ("app.4.2.1.9.js")."""
    before = text[max(0, start - 2):start]
    return (len(before) == 2 and before[1] == "." and (before[0].isalnum() or before[0] == "_")) \
        or (text[end:end + 1] == "." and text[end + 1:end + 2].isdigit())


# Words that name a host's address outright; a quad shaped like a version ("4.2.0.1") is kept
# only after one of these (or "//", or before ":port"), not after weaker words such as "for",
# "client" or "server" that also precede versions ("client=4.2.0.1", "roadmap for 3.2.1.0").
_STRONG_HOST_BEFORE = re.compile(
    r"(?:(?<![A-Za-z0-9])(?:ip|ipv4|addr|address|host|hostname|src|dst|dns|nameserver|resolver|"
    r"gateway|gw|ping|ssh|peer|remote|proxy)(?:[ \t]+(?:is|was|to|at|of|on))?|//)"
    r"[ \t]*[:=]?[ \t]*[\"']?$", re.IGNORECASE)
_LIST_GAP = re.compile(r"[ \t]*(?:[,;/][ \t]*|[ \t](?:and|or)[ \t]+)")
# A URL's user part before "@": "postgres://app:secret@10.0.12.44" is a host, not "pkg@1.2.3.4".
_USERINFO = re.compile(r"://[^\s/@]*$")
_REMOTE_SHELL = re.compile(r"\b(?:ssh|scp|sftp|rsync|mosh|ansible|sshpass|rcp)\b[^\n]*[\w.\-]@$")


def _version_shaped(value: str) -> bool:
    """A dotted quad shaped like a version: first part a single digit, the others 20 or less
    ("4.2.0.1", "3.14.15.9", "6.1.0.12"), unless its parts repeat in pairs as a well-known
    resolver's do ("8.8.4.4", "9.9.9.9")."""
    parts = value.split(".")
    if len(parts) != 4 or not all(p.isdigit() for p in parts):
        return False
    a, b, c, d = (int(p) for p in parts)
    if a > 9 or max(b, c, d) > 20:
        return False
    return not (a == b != 0 and c == d != 0)


# IANA special-purpose blocks (RFC 6890 and successors) named whole: "10.0.0.0/8" or
# "192.168.0.0/16" in an allow list identifies no site; a particular subnet ("10.40.3.0/24",
# a VPC's "10.42.0.0/16") is a site's own address range and stays.
_RESERVED_BLOCKS = frozenset((
    "0.0.0.0/0", "0.0.0.0/8", "10.0.0.0/8", "100.64.0.0/10", "127.0.0.0/8", "169.254.0.0/16",
    "172.16.0.0/12", "192.0.0.0/24", "192.0.2.0/24", "192.88.99.0/24", "192.168.0.0/16",
    "198.18.0.0/15", "198.51.100.0/24", "203.0.113.0/24", "224.0.0.0/4", "240.0.0.0/4",
    "::/0", "::/128", "::1/128", "64:ff9b::/96", "100::/64", "2001::/23", "2001:db8::/32",
    "2002::/16", "fc00::/7", "fe80::/10", "ff00::/8"))


def _reserved_block(value: str) -> bool:
    """Whether "address/prefix" is one of the special-purpose blocks named whole."""
    import ipaddress

    try:
        return str(ipaddress.ip_network(value, strict=True)) in _RESERVED_BLOCKS
    except ValueError:
        return False


class HostIpRecognizer(IpRecognizer):
    """Presidio's IPv4/IPv6 patterns, without addresses that identify no host or person:
    loopback (127.0.0.1, ::1), unspecified (0.0.0.0, ::), broadcast, whole special-purpose
    blocks ("10.0.0.0/8"; a site's own subnet, "10.40.3.0/24", stays), IPv6 stubs of under three groups ("1::" in `digits[-1::-2]`), and four-part
    version numbers written as versions ("urllib3==2.0.7.1", "v1.2.3.4", "firmware 1.2.0.8 ->
    1.2.1.0", "OID 2.5.4.3", "rolled back to 4.2.1.5", "the 2.4.1.7 firmware", an image tag
    "shop/checkout:1.19.4.2"), quads inside a longer dotted run (the OID "1.3.6.1.4.1.2021",
    "app.4.2.1.9.js"), quads in a table column headed "Version"/"Build" and quads sharing their first two parts with such a version in the same
    text, unless a host word ("from", "src=", "client", "proxy" ...) comes right before; and
    quads shaped like versions (a one-digit first part, the others 20 or less: "update to
    2.3.1.0", "client=4.2.0.1") unless a word that names an address ("ip", "dns", "ssh" ...),
    "//", a port or a host listed just before comes with them."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(name="HostIpRecognizer", **kwargs)

    def analyze(self, text: str, entities: list[str], nlp_artifacts: Any = None,
                regex_flags: int | None = None) -> list[Any]:
        import ipaddress

        out = []
        versions: list[str] = []  # first two parts of each quad read as a version
        pipes = "|" in text
        version_end = -1
        for r in super().analyze(text, entities, nlp_artifacts, regex_flags):  # by position
            whole = text[r.start:r.end]
            value = whole.split("/")[0]
            try:
                ip = ipaddress.ip_address(value)
            except ValueError:
                ip = None
            if ip is not None and (ip.is_loopback or ip.is_unspecified
                                   or value == "255.255.255.255"):
                continue
            if ip is not None and "/" in whole and _reserved_block(whole):
                continue  # "10.0.0.0/8": a whole reserved block, no site
            if ip is not None and ip.version == 6 and "." not in value \
                    and sum(1 for g in value.split(":") if g) < 3:
                continue  # "1::", "fe80::1": a slice in code or a link-local stub, no host
            if ip is not None and ip.version == 4 and _in_dotted_run(text, r.start, r.end):
                continue
            column = _column_header(text, r.start) if pipes else ""
            host_cue = bool(_HOST_BEFORE.search(text, max(0, r.start - 24), r.start)
                            or _HOST_HEADER.search(column))
            if ip is not None and ip.version == 4 and not (ip.is_loopback or ip.is_unspecified) \
                    and _version_shaped(value) \
                    and not _STRONG_HOST_BEFORE.search(text, max(0, r.start - 24), r.start) \
                    and not (text[r.end:r.end + 1] == ":" and text[r.end + 1:r.end + 2].isdigit()) \
                    and not (out and _LIST_GAP.fullmatch(text, out[-1][0].end, r.start)):
                version_end = r.end
                continue  # "update to 2.3.1.0", "client=4.2.0.1": a version's shape, no host word
            version_cue = _VERSION_BEFORE.search(text, max(0, r.start - 24), r.start)
            if version_cue and version_cue.group().startswith("@") and (
                    _USERINFO.search(text, max(0, r.start - 200), r.start - 1)
                    or text[r.end:r.end + 2] in (":/", ":~")
                    or _REMOTE_SHELL.search(text, max(0, r.start - 80), r.start)):
                # "postgres://app:pw@10.0.12.44", "backup@10.30.1.5:/vol", "ssh deploy@203.0.113.77"
                version_cue, host_cue = None, True
            if version_cue or (
                    0 <= version_end <= r.start
                    and _ARROW.fullmatch(text, version_end, r.start)) or (
                    not host_cue and (_VERSION_AFTER.match(text, r.end, r.end + 40)
                                      or _VERSION_HEADER.search(column))):
                version_end = r.end
                if "." in value and ":" not in value:
                    versions.append(".".join(value.split(".")[:2]) + ".")
                continue
            out.append((r, host_cue))
        # "Version 4.2.1.7 broke it; rolled back to 4.2.1.5": a quad sharing its first two
        # parts with a version in the same text is a version too, unless a host word precedes it.
        return [r for r, host_cue in out
                if host_cue or not versions or not text[r.start:r.end].startswith(tuple(versions))]
