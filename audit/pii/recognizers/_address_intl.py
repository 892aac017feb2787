"""Street addresses written the way they are outside the US (number after the street, street
type as a prefix or a word ending, Indian unit + PIN addresses, Japanese/Chinese/Korean blocks).

Each pattern ends with an optional postal tail (", 10115 Berlin", ", Mumbai 400001",
" Sydney NSW 2000", ", Toronto, ON M5V 2T6") so the whole postal address is one span, as people
and evaluation sets label it.
"""

from __future__ import annotations

import re
from typing import Any

import regex
from presidio_analyzer import Pattern, PatternRecognizer

__all__ = ["InternationalAddressRecognizer", "POSTAL_TAIL"]

# Postcodes of many countries (DE/FR/IT/ES 5 digits, IN 6, AU/NZ/AT/CH/DK 4, JP 3-4, NL
# 4+2 letters, CA A1A 1A1, UK, BR 5-3, PL 2-3, SE 3 2).
_PC = (r"(?:\d{3}-\d{4}|\d{5}-\d{3}|\d{4}-\d{3}|\d{2}-\d{3}|\d{3}[ \t]\d{2}|\d{4}[ \t]?(?-i:[A-Z]{2})(?![\p{L}])"
       r"|(?-i:[A-Z]\d[A-Z])[ \t]?\d(?-i:[A-Z])\d|\d{4,6}"
       r"|(?-i:[A-Z]{1,2}\d[A-Z\d]?[ \t]?\d[A-Z]{2}))")
_REGION = (r"(?-i:NSW|VIC|QLD|WA|SA|TAS|ACT|NT|ON|QC|BC|AB|MB|SK|NS|NB|NL|PE|YT|NU|"
           r"[A-Z]{2})\.?")
# Contact labels written after an address ("..., 10969 Berlin, Tel. 030 ...") are not towns.
_NOT_TOWN = (r"(?!(?:tel|tél|tel\.|phone|fax|e-?mail|mail|mobile|mob|handy|telefon|tfno|tlf|cell|"
             r"www|web|ph|attn|ref)\b)")
_PLACE = _NOT_TOWN + r"(?-i:\p{Lu}[\p{L}'\-]+(?:[ \-]\p{Lu}[\p{L}'\-]+){0,2})"
POSTAL_TAIL = (r"(?:[ \t]?,?[ \t]+(?:" + _PC + r"[ \t]+)?" + _PLACE
               + r"(?:(?:,?|[ \t]+-)[ \t]+(?:" + _REGION + r",?[ \t]+)?" + _PC + r"(?![\w\-]))?){0,2}"
               r"(?:,?[ \t]+" + _PC + r"(?![\w\-]))?")

# A house number: "12", "12a", "12-14", "88/2", Austrian "88/2/14" (house, staircase, door).
_NUM = r"\d{1,5}(?:[ \t]?(?-i:[a-zA-Z])(?![\p{L}])|[\-/]\d{1,4}(?:/\d{1,4})?)?"
_WORD = r"\p{L}[\p{L}'’\-]+"
_CAPWORD = r"(?-i:\p{Lu}[\p{L}'’\-]+)"

# Street types written as a word ending (Germanic, Nordic, Dutch): Hauptstraße, Kerkstraat.
_ENDINGS = (r"straße|strasse|str\.|weg|gasse|allee|platz|ring|damm|ufer|chaussee|steig|pfad|"
            r"markt|straat|laan|gracht|plein|dijk|kade|singel|vej|gade|gatan|vägen|gata|veien|"
            r"braut|vegur|stræti|"
            r"gaten|katu|tie|polku|utca|ulica|ul\.|náměstí|ulice")
_GERMANIC = (r"(?<![\p{L}\-])(?-i:\p{Lu})[\p{L}\-]*?(?:" + _ENDINGS + r")\.?[ \t]+" + _NUM
             + r"(?![\p{L}\d]|[ \t]?%)"  # "Engineering 64%": a share, not a house number
             # a Danish floor and side: "Nørrebrogade 184, 2. th."
             r"(?:,?[ \t]+\d{1,2}\.[ \t]?(?-i:th|tv|mf|sal)\.?)?")
# The street type as its own word after an adjective-like name: "Rosenheimer Str. 104",
# "Berliner Straße 5", "Münchner Platz 3".
_GERMANIC_WORD = (r"(?<![\p{L}'’\-])" + _CAPWORD + r"[ \t]+(?-i:Str\.|Straße|Strasse|Weg|Allee|"
                  r"Platz|Gasse|Ring|Damm|Ufer|Chaussee|Markt)[ \t]+" + _NUM + r"(?![\p{L}\d])")
_GERMANIC_SPLIT = (r"(?<![\p{L}])(?-i:(?:Am|An der|Auf der|Im|In der|Unter den|Zum|Zur|Alte|Neue|"
                   r"Große|Kleine|Lange|Hoher|Hohe|Obere|Untere)[ \t]+\p{Lu}[\p{L}\-]+)[ \t]+"
                   + _NUM + r"(?![\p{L}\d])")
# Street type as a leading word, number before (French) or after (Iberian, Italian, Latin).
_FR_TYPES = (r"rue|avenue|av\.|bd|boulevard|place|pl\.|allée|allee|chemin|impasse|quai|cours|"
             r"route|rte|square|passage|faubourg|chaussée|rond-point|voie|sentier|esplanade")
_PARTICLE = r"(?:de|du|des|de la|de l'|d'|la|le|les|l'|del|de los|de las|dos|das|da|do|di|della|dei|degli|delle|dello|al|el)"
_FRENCH = (r"(?<![\p{L}\d])" + _NUM + r"(?:[ \t]?(?:bis|ter))?,?[ \t]+(?:" + _FR_TYPES
           + r")[ \t]+(?:" + _PARTICLE + r"[ \t]*)?" + _WORD + r"(?![\d\-])(?:[ \t\-]+(?:" + _PARTICLE
           + r"[ \t]*)?" + _CAPWORD + r"){0,3}")
_LATIN_TYPES = (r"calle|c/|avenida|avda\.?|av\.|paseo|plaza|pza\.?|carretera|camino|ronda|rambla|"
                r"travesía|travesia|via|viale|corso|piazza|piazzale|largo|vicolo|strada|"
                r"rua|r\.|travessa|alameda|praça|praca|estrada|rodovia|carrer|passeig|avinguda|"
                r"jalan|jl\.|soi|thanon|ulitsa|prospekt|pereulok|bulevar|sokak|sokağı|caddesi|"
                r"cad\.|mahallesi|mah\.|ul\.|ulica|aleja|al\.|pasaje|pje\.|rehov|rechov|sderot|derech|"
                r"ул\.|улица|пр\.|проспект|пер\.|переулок|бульвар|шоссе|вул\.|вулиця|просп\.|"
                # Belgian and Swiss French put the number after: "Rue du Prince Royal 83"
                r"rue|chaussée|boulevard|route|"
                # Peru's jirón: "Jr. Huallaga 418, dpto. 302"
                r"jr\.|jirón|jiron|"
                r"רחוב|רח'|שדרות|שד'")
_LATIN = (r"(?<![\p{L}])(?:" + _LATIN_TYPES + r")[ \t]+(?:" + _PARTICLE + r"[ \t]+)?" + _WORD
          + r"(?:[ \t]+(?:" + _PARTICLE + r"[ \t]+)?" + _CAPWORD + r"){0,3},?[ \t]+"
          r"(?:n[º°o]\.?[ \t]*|no\.?[ \t]*|#[ \t]*|д\.[ \t]*|дом[ \t]+)?" + _NUM + r"(?:[ \t]*[,/][ \t]*\d{1,3}[º°ª]?(?:[ \t]?[A-Za-z])?)?"
          r"(?:,?[ \t]+(?:apto\.?|apt\.?|ap\.?|piso|depto\.?|dpto\.?|puerta|casa|bloco|sala|andar|"
          r"interno|int\.?|scala|esc\.?|кв\.?|квартира|דירה)[ \t]*\d{1,4}(?:[ \t]?[A-Za-z])?)?"
          r"(?![\p{L}\d]|\.\d|-\d)")  # "via X-Forwarded-For 141.98.11.23": no house number;
# "via Liliana Restrepo, 305-555-0114": a phone, not a house number
# Colombian / Latin American grid: "Carrera 7 # 71-21", "Calle 26 No 13-19".
_GRID = (r"(?<![\p{L}])(?:calle|carrera|cra\.?|cl\.?|avenida|av\.?|diagonal|transversal|kr\.?)"
         r"[ \t]+\d{1,3}[ \t]?(?-i:[A-Z])?(?:[ \t]?bis)?[ \t]*(?:#|no\.?|n[º°])[ \t]*\d{1,3}"
         r"(?-i:[A-Z])?[ \t]*-[ \t]*\d{1,3}")
# South Asian locality words after a house number: "12/3 Nehru Nagar", "45 MG Road" (the
# suffix pattern of StreetAddressRecognizer covers "Road").
_SA_ENDINGS = (r"nagar|marg|colony|layout|enclave|vihar|bagh|puram|pet|halli|palya|ganj|abad|"
               r"chowk|gali|mohalla|bazar|bazaar|sector[ \t]*\d{1,3}|phase[ \t]*\d{1,2}|"
               r"\d{1,2}(?:st|nd|rd|th)[ \t]+(?:block|cross|main|phase|sector|stage)|"
               r"block[ \t]*(?-i:[A-Z\d]{1,3})|extension|extn\.?|cross|main|salai|veedhi|peth")
_SOUTH_ASIAN = (r"(?<![\p{L}\d/])(?:(?:flat|house|h\.?[ \t]?no\.?|plot|door|shop|#)[ \t]*(?:no\.?)?"
                r"[ \t]*)?(?-i:[A-Z])?-?\d{1,4}(?:[/\-]\d{1,4})?(?-i:[A-Z])?,?[ \t]+(?:" + _WORD
                + r"[ \t]+){0,3}(?:" + _SA_ENDINGS + r")(?![\p{L}]|-\p{L})")  # not "cross-examination"
# Unit-first Indian addresses ending in a 6-digit PIN: "Flat 402, Sai Residency, ..., 560038".
_UNIT_PIN = (r"(?<![\p{L}])(?:flat|house|h\.?[ \t]?no\.?|plot|door|apartment|apt\.?|villa|"
             r"room|wing)[ \t]*(?:no\.?)?[ \t]*(?-i:[A-Z])?-?\d{1,4}(?-i:[A-Z])?"
             r"(?:,[ \t]*(?:(?!(?i:tel|phone|mobile|mob|cell|call|ring|fax)\b)[^,\n]){2,40}?){1,6}"
             r",?[ \t]*(?:pin(?:code)?[ \t:\-]*)?"
             # not the middle or end of a phone number ("0113 222 4404", "07423 118 904")
             r"(?<![\d+])(?<!\d[ \t])\d{3}[ \t]?\d{3}(?![ \t]?\d)")
# East Asian blocks: romanised "1-2-3 Shibuya, Shibuya-ku", Korean "152 Teheran-ro, Gangnam-gu",
# and addresses in Han/kana/Hangul script with a number.
_JP_ROMAN = (r"(?<![\d\-])\d{1,4}-\d{1,4}(?:-\d{1,4})?[ \t]+(?-i:\p{Lu}\p{Ll}[\p{L}'’\-]*)"
             + r"(?:,?[ \t]+" + _CAPWORD + r"-(?:ku|shi|cho|chō|machi|gun|mura|ken|to))*")
_KR_ROMAN = (r"(?<![\p{L}\d])\d{1,4}(?:-\d{1,4})?,?[ \t]+" + _CAPWORD
             + r"-(?:ro|gil|daero|dong)(?:[ \t]?\d{1,3}(?:beon)?-gil)?(?:,?[ \t]+" + _CAPWORD
             + r"-(?:gu|si|dong|gun|eup|myeon))*")
_CJK = r"[\p{Han}\p{Hiragana}\p{Katakana}ー]"
_CJK_BLOCK = (r"(?:〒?[ \t]*\d{3}-\d{4}[ \t]*)?[\p{Han}\p{Katakana}ー]{1,12}?(?:都|道|府|県|省|市|区|區|町|村|郡|县|縣)"
              + _CJK + r"{0,16}?[ \t]?[\d０-９]{1,5}(?:[ \t]?[\-－ー丁目番地号號の][ \t]?[\d０-９]{0,5}){0,5}"
              r"(?:[ \t]?(?:号|號|番地|番))?")
_HANGUL = (r"[\p{Hangul}]{2,}(?:시|도)[ \t]+[\p{Hangul}]{1,}(?:구|군|시)[ \t]+(?:[\p{Hangul}\d]+(?:동|읍|면)[ \t]+)?"
           r"[\p{Hangul}\d ]+?(?:로|길)[ \t]*\d{1,4}(?:-\d{1,4})?")
# Turkish: the street type after the name, "No:" before the number ("Lale Sokak No: 7 D: 3").
# The name's first word is never an address label ("Adresim Bağdat Caddesi No: 214").
_TR_LABEL = (r"(?!(?-i:Adres\p{L}*|Address|Teslimat\p{L}*|Kargo\p{L}*|Fatura\p{L}*|"
             r"Gönderi\p{L}*|Konum\p{L}*|Ev|İş|Ship|Send|Deliver\p{L}*|Home|Office|To|At|On|In)"
             r"(?![\p{L}'’\-]))")
# A letter after the number is a door letter ("No: 7A"), not the "D:" of the flat number.
_TR_NUM = r"\d{1,5}(?:[ \t]?(?-i:[a-zA-Z])(?![\p{L}:.])|[\-/]\d{1,4})?"
_TURKISH = (r"(?<![\p{L}])" + _TR_LABEL + _CAPWORD + r"(?:[ \t]+" + _CAPWORD + r"){0,2}[ \t]+(?-i:Caddesi|Cad\.|"
            r"Sokak|Sokağı|Sk\.|Bulvarı|Blv\.)[ \t]*,?[ \t]*(?:No[:.]?[ \t]*)?" + _TR_NUM
            + r"(?:[ \t]*(?:/|D[:.]|Daire[:.]?)[ \t]*\d{1,4})?(?![\p{L}\d])")
# A box number may carry a letter prefix ("P.O. Box KB 4410").
_PO_BOX = (r"(?<![\p{L}])(?:p\.?[ \t]?o\.?[ \t]?box|post[ \t]+office[ \t]+box|postfach|boîte[ \t]+postale|bp)"
           r"[ \t]*(?:(?-i:[A-Z]{1,3})[ \t]?)?\d{1,6}(?![\d/])")  # not "BP 128/82"


# A South Asian match ends in one of these words as a whole letter run, after a space (or, for
# "block", with up to three capital letters glued on: "blockB").
_SA_RUNS = frozenset("""nagar marg colony layout enclave vihar bagh puram pet halli palya ganj abad
chowk gali mohalla bazar bazaar sector phase block cross main stage extension extn salai veedhi
peth""".split())
_ASCII_RUN = re.compile(r"[a-z]+")


def _has_sa_ending(text: str) -> bool:
    """A necessary condition for the South Asian pattern (ASCII texts only; any other text is
    always searched, since case-insensitive matching may fold non-ASCII letters)."""
    if not text.isascii():
        return True
    return any(r in _SA_RUNS or (r.startswith("block") and len(r) <= 8)
               for r in _ASCII_RUN.findall(text.lower()))


# The street type after the name as its own lower-case word, then the number (Norwegian "Thorvald
# Meyers gate 51B", Hungarian "Andrássy út 61. 2/4", "Váci utca 18. III. em. 2.", Icelandic,
# Russian/Kazakh transliterations "Nevsky Prospekt 28", "pr. Abaya 52, kv. 17").
_AFTER_TYPES = (r"(?-i:gate|gata|gatan|vei|veien|vej|vegur|braut|stræti|utca|út|u\.|tér|körút|"
                r"krt\.|Prospekt|prospekt|ulitsa|pereulok|shosse)")
_NOT_A_STREET_NAME = (r"(?!(?-i:Departure|Boarding|Arrival|Arrivals|Departures|Security|Main|Front|"
                      r"Back|Side|Garden|Field|Level|Car|Park|The|A|An|At|To|Via|Near|North|South|"
                      r"East|West|Terminal)\b)")
_FLOOR = r"(?:[ \t]+(?:[IVX]{1,4}\.|\d{1,2}/\d{1,2}|em\.|emelet|\d{1,3}\.?|ajtó)){0,3}"
_NAME_THEN_TYPE = (r"(?<![\p{L}'’\-])" + _NOT_A_STREET_NAME + _CAPWORD + r"(?:[ \t]+" + _CAPWORD
                   + r"){0,2}[ \t]+" + _AFTER_TYPES + r"[ \t]+\d{1,5}(?:[ \t]?(?-i:[A-Za-z])(?![\p{L}])|"
                   r"[\-/]\d{1,4})?\.?" + _FLOOR + r"(?![\p{L}\d])")
_RU_ABBR = (r"(?<![\p{L}])(?:pr\.|prosp\.|ul\.|per\.)[ \t]+" + _CAPWORD + r"(?:[ \t]+" + _CAPWORD
            + r")?,?[ \t]+\d{1,4}(?:[ \t]?(?-i:[A-Za-z])(?![\p{L}]))?(?:,?[ \t]+(?:kv\.?|kvartira)"
            r"[ \t]*\d{1,4})?(?![\p{L}\d])")
# Two streets at a crossing: "Grand Ave & N 7th St", "Elm St & 4th Ave", "Main Street and 5th".
_X_TYPE = r"(?-i:St|Ave|Rd|Blvd|Dr|Street|Avenue|Road|Boulevard|Drive|Lane|Ln|Way|Hwy|Pkwy)\.?"
_X_NAME = (r"(?:(?-i:[NSEW])\.?[ \t]+)?(?:" + _CAPWORD + r"(?:[ \t]+" + _CAPWORD
           + r")?|\d{1,3}(?:st|nd|rd|th))")
_CROSSING = (r"(?<![\p{L}\d])" + _X_NAME + r"[ \t]+" + _X_TYPE + r"[ \t]*(?:&|and|at|/|x)[ \t]*"
             + _X_NAME + r"[ \t]+" + _X_TYPE + r"(?![\p{L}])")
# Gulf, Afghan and Bahraini addresses: "Building 14, Street 22, Al Barsha 1", "Villa 31, Street
# 4B, Umm Suqeim 2", "Building 7, Way 2714, Al Khuwair", "Street 15, Wazir Akbar Khan".
_GULF = (r"(?<![\p{L}])(?:(?:building|bldg\.?|villa|house|plot|flat)[ \t]+\d{1,5}(?-i:[A-Z])?,[ \t]*"
         # without a building first, only where a field or line starts: not "Toy Story Way 2"
         r"|(?<=^|[,:;(\n]|[,:;(\n][ \t]))"
         r"(?-i:Street|St\.|Way|Road|Rd\.)[ \t]+\d{1,5}(?-i:[A-Z])?,[ \t]*(?:(?-i:Block)[ \t]+\d{1,4},[ \t]*)?"
         + _CAPWORD + r"(?:[ \t]+" + _CAPWORD + r"){0,3}(?:[ \t]+\d{1,2})?(?![\p{L}\d])")
# Singapore HDB blocks and Philippine subdivisions: "Blk 214 Bishan St 23, #08-112",
# "Blk 4 Lot 12, Ph. 2, Sunnyville Subd.".
_BLOCK = (r"(?<![\p{L}])(?:blk|block)[ \t]+\d{1,4}(?-i:[A-Z])?(?:"
          r"[ \t]+lot[ \t]+\d{1,4}(?:,[ \t]*ph(?:ase|\.)?[ \t]*\d{1,2})?(?:,[ \t]*" + _CAPWORD
          + r"(?:[ \t]+" + _CAPWORD + r"){0,3}[ \t]+(?-i:Subd\.|Subdivision|Village|Homes|Estates?))?"
          r"|[ \t]+" + _CAPWORD + r"(?:[ \t]+" + _CAPWORD + r"){0,2}(?:[ \t]+\d{1,3})?"
          r"(?:,?[ \t]*#\d{1,3}-\d{1,5})?)")
# Chinese and Taiwanese street addresses: a road, then numbers with their units ("淮海中路 1285 弄
# 7 号 302 室", "和平東路二段 96 巷 5 號 3 樓", "高新南七道 12 号 2 栋 1803"), spaced or not.
# Two numbers with units at least (one, "十里路 3 号", is left to the district-led pattern above).
_CN_ROAD = (r"(?<![\p{Han}])(?:[\p{Han}]{1,8}(?:区|區|街道|镇|鎮|乡|鄉|村|园|園|县|縣|市)[ ]){0,3}"
            r"[\p{Han}]{1,10}?(?:路|街|道|巷|弄|大道|胡同)"
            r"(?:[\p{Han}]{1,3}段)?[ ]?\d{1,5}[ ]?(?:号|號|弄|巷)"
            r"(?:[ ]?\d{1,5}[ ]?(?:号|號|弄|巷|栋|棟|楼|樓|层|層|室|单元|單元|座)){1,4}"
            r"(?:[ ]?(?-i:[A-Z]))?(?:[ ]?\d{1,5})?(?:[ ]?室)?")
# Japanese chōme-ban-gō after a district written in Han: "西新宿3-7-1", "北3条西4-1" (the
# normaliser has put a space between Han and ASCII digits by the time this runs).
_CHOME = (r"(?<![\p{Han}\d])[\p{Han}]{2,10}[ ]?(?:\d{1,2}[ ]?条[ ]?[\p{Han}]{1,2}[ ]?\d{1,2}[\-－]"
          r"\d{1,4}|\d{1,2}(?:[ ]?丁目[ ]?|[\-－])\d{1,4}[\-－]\d{1,4})(?![\d\-－])")


_WHOLE_ADDRESS = 0.86
_POSTCODE_TOWN = regex.compile(r",[ \t]*\d{4,5}[ \t]+\p{Lu}\p{Ll}")


class InternationalAddressRecognizer(PatternRecognizer):
    """Street addresses outside the US-style `<number> <name> <suffix>` shape, with their postal tail."""

    PATTERNS = [
        Pattern("address (street type ending + number)", _GERMANIC + POSTAL_TAIL, 0.6),
        Pattern("address (Am/An der ... + number)", _GERMANIC_SPLIT + POSTAL_TAIL, 0.6),
        Pattern("address (name + Str./Straße + number)", _GERMANIC_WORD + POSTAL_TAIL, 0.6),
        Pattern("address (number + rue/avenue ...)", _FRENCH + POSTAL_TAIL, 0.6),
        Pattern("address (calle/via/rua ... + number)", _LATIN + POSTAL_TAIL, 0.6),
        Pattern("address (calle N # N-N)", _GRID + POSTAL_TAIL, 0.6),
        Pattern("address (South Asian locality)", _SOUTH_ASIAN + POSTAL_TAIL, 0.55),
        Pattern("address (unit ... PIN)", _UNIT_PIN, 0.6),
        Pattern("address (Japanese romanised)", _JP_ROMAN + POSTAL_TAIL, 0.55),
        Pattern("address (Korean romanised)", _KR_ROMAN + POSTAL_TAIL, 0.6),
        Pattern("address (Han/kana block)", _CJK_BLOCK, 0.6),
        Pattern("address (Hangul)", _HANGUL, 0.6),
        Pattern("address (PO box)", _PO_BOX + POSTAL_TAIL, 0.5),
        Pattern("address (Turkish street + No:)", _TURKISH + POSTAL_TAIL, 0.6),
        Pattern("address (name + gate/utca/prospekt + number)", _NAME_THEN_TYPE + POSTAL_TAIL, 0.6),
        Pattern("address (pr./ul. name number)", _RU_ABBR + POSTAL_TAIL, 0.6),
        Pattern("address (street crossing)", _CROSSING, 0.55),
        Pattern("address (building, street N, district)", _GULF, 0.6),
        Pattern("address (block)", _BLOCK + POSTAL_TAIL, 0.55),
        Pattern("address (chome)", _CHOME, 0.6),
        Pattern("address (Chinese road + number)", _CN_ROAD, 0.6),
    ]
    CONTEXT = ["address", "live", "lives", "living", "located", "reside", "ship", "deliver",
               "home", "send", "mail", "moved", "visit", "street", "adresse", "anschrift",
               "dirección", "direccion", "indirizzo", "endereço", "endereco", "住所", "地址",
               "주소", "office", "stay", "staying"]

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(supported_entity="STREET_ADDRESS", patterns=self.PATTERNS,
                         context=self.CONTEXT, name="InternationalAddressRecognizer", **kwargs)
        # Checked by Assay's pattern loop (audit.pii._patterns) before each search.
        self.pattern_requires = {"address (South Asian locality)": _has_sa_ending}

    def analyze(self, text: str, entities: list[str], nlp_artifacts: Any = None,
                regex_flags: int | None = None) -> list[Any]:
        results = super().analyze(text, entities, nlp_artifacts, regex_flags)
        for r in results:
            if r.score < _WHOLE_ADDRESS and _POSTCODE_TOWN.search(text, r.start, r.end):
                # a street, a postcode and a town: a whole postal address, which outranks the
                # NER reading its town as a name ("2200 København N" read as a person)
                r.score = _WHOLE_ADDRESS
        return results
