"""Text normalisation before detection, with every offset mapped back to the original text.

What people write is not what the recognizers' patterns expect: full-width digits and `＠`
(NFKC folds them), zero-width spaces and bidi controls inside numbers and e-mails (dropped),
variation selectors after emoji (dropped), and speech-to-text transcripts that spell digits and
e-mails out ("nine four three five", "rohan dot krishnan at gmail dot com"; rewritten to digits
and `@`/`.`). Detection runs on the normalised text; `Normalized.to_original` maps a span back to
the smallest slice of the original text that produced it, so redacting that slice removes every
character of the value, including the dropped ones inside it.

NFKC is applied per cluster (a character and the combining marks after it), so each output
character comes from one known slice of the input; ASCII text without spoken forms is returned
as is, at the cost of one `isascii` call and one regex search.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass

import regex

__all__ = ["Normalized", "normalize"]

# Format characters that split tokens without being visible: zero-width space/non-joiner/joiner,
# word joiner, BOM, soft hyphen, Mongolian vowel separator; bidi marks, embeddings, overrides
# and isolates (Trojan-Source style); variation selectors (emoji presentation).
_DROP = frozenset(
    [0x00AD, 0x180E, 0x200B, 0x200C, 0x200D, 0x2060, 0x2061, 0x2062, 0x2063, 0x2064, 0xFEFF,
     0x200E, 0x200F, 0x061C, *range(0x202A, 0x202F), *range(0x2066, 0x206A),
     *range(0xFE00, 0xFE10)])
_DROP_CHARS = "".join(map(chr, sorted(_DROP)))

_DIGIT_WORDS = {"zero": "0", "oh": "0", "o": "0", "nil": "0", "one": "1", "two": "2",
                "three": "3", "four": "4", "five": "5", "six": "6", "seven": "7", "eight": "8",
                "nine": "9"}
_REPEAT = {"double": 2, "triple": 3}
_DIGIT_WORD = r"(?:zero|oh|o|nil|one|two|three|four|five|six|seven|eight|nine)"


def _foreign_numbers() -> dict[str, str]:
    """Number words 0-99 of Spanish, Portuguese, Italian, French and German, as transcripts read
    phone numbers out (digit by digit, or in pairs: "zéro six douze trente-quatre",
    "null sieben elf achtundzwanzig"), each with its digits; accented words also unaccented."""
    out: dict[str, str] = {}

    def add(words: str, first: int = 0) -> None:
        for i, w in enumerate(words.split()):
            for form in w.split("/"):
                out[form.replace("_", " ")] = str(first + i)

    # Spanish: 0-29 as one word each, then "treinta y cuatro"
    add("cero uno dos tres cuatro cinco seis siete ocho nueve diez once doce trece catorce "
        "quince dieciséis diecisiete dieciocho diecinueve veinte veintiuno veintidós veintitrés "
        "veinticuatro veinticinco veintiséis veintisiete veintiocho veintinueve")
    es_units = "uno dos tres cuatro cinco seis siete ocho nueve".split()
    pt_units = "um/uma dois/duas três quatro cinco seis sete oito nove".split()
    add("zero um/uma dois/duas três quatro cinco seis/meia sete oito nove dez onze doze treze "
        "catorze/quatorze quinze dezesseis/dezasseis dezessete/dezassete dezoito dezenove/dezanove")
    add("zero uno due tre quattro cinque sei sette otto nove dieci undici dodici tredici "
        "quattordici quindici sedici diciassette diciotto diciannove")
    add("zéro un deux trois quatre cinq six sept huit neuf dix onze douze treize quatorze quinze "
        "seize dix-sept dix-huit dix-neuf")
    add("null eins zwei drei vier fünf sechs sieben acht neun zehn elf zwölf dreizehn vierzehn "
        "fünfzehn sechzehn siebzehn achtzehn neunzehn")
    out["zwo"] = "2"
    it_units = "uno due tre quattro cinque sei sette otto nove".split()
    de_units = "ein zwei drei vier fünf sechs sieben acht neun".split()
    fr_units = "un deux trois quatre cinq six sept huit neuf".split()
    tens = {"es": "treinta cuarenta cincuenta sesenta setenta ochenta noventa",
            "pt": "vinte trinta quarenta cinquenta sessenta setenta oitenta noventa",
            "it": "venti trenta quaranta cinquanta sessanta settanta ottanta novanta",
            "fr": "vingt trente quarante cinquante soixante",
            "de": "zwanzig dreißig vierzig fünfzig sechzig siebzig achtzig neunzig"}
    for lang, words in tens.items():
        first = 3 if lang == "es" else 2
        for k, ten in enumerate(words.split()):
            t = first + k
            out[ten] = f"{t}0"
            for u in range(1, 10):
                if lang == "es":
                    out[f"{ten} y {es_units[u - 1]}"] = f"{t}{u}"
                elif lang == "pt":
                    for form in pt_units[u - 1].split("/"):
                        out[f"{ten} e {form}"] = f"{t}{u}"
                elif lang == "it":  # "ventuno", "trentotto", "ventitré"
                    unit = "tré" if u == 3 else it_units[u - 1]
                    stem = ten[:-1] if u in (1, 8) else ten
                    out[stem + unit] = f"{t}{u}"
                elif lang == "fr":
                    out[f"{ten} et un" if u == 1 else f"{ten}-{fr_units[u - 1]}"] = f"{t}{u}"
                else:  # "achtundzwanzig"
                    out[f"{de_units[u - 1]}und{ten}"] = f"{t}{u}"
    for u, word in enumerate("dix onze douze treize quatorze quinze seize dix-sept dix-huit "
                             "dix-neuf".split()):
        out["soixante et onze" if u == 1 else f"soixante-{word}"] = f"7{u}"
        out[f"quatre-vingt-{word}"] = f"9{u}"
    out["quatre-vingts"] = out["quatre-vingt"] = "80"
    for u in range(1, 10):
        out[f"quatre-vingt-{fr_units[u - 1]}"] = f"8{u}"
    for word, digits in list(out.items()):  # "dieciseis", "tres", "funf", "dreissig", "zero"
        plain = "".join(c for c in unicodedata.normalize("NFD", word)
                        if not unicodedata.combining(c)).replace("ß", "ss")
        out.setdefault(plain, digits)
    out["fuenf"] = "5"
    out["zwoelf"] = "12"
    # English words already read by _DIGIT_WORDS ("zero", "six") and single letters stay theirs.
    return {w: d for w, d in out.items() if w not in _DIGIT_WORDS}


_FOREIGN = _foreign_numbers()
# Longest first, so "trente-quatre" is one token before "trente", and spaces in "treinta y
# cuatro" match any run of blanks.


def _trie(words: list[str]) -> str:
    """One regex for `words`, prefixes shared (so a position is rejected on its first letter,
    not after trying ~560 alternatives), longest match first; a space matches any run of blanks."""
    root: dict = {}
    for w in words:
        node = root
        for ch in w:
            node = node.setdefault(ch, {})
        node[""] = {}

    def walk(node: dict) -> str:
        end = "" in node
        branches = [(r"[ \t]+" if ch == " " else regex.escape(ch)) + walk(child)
                    for ch, child in sorted(node.items()) if ch]
        if not branches:
            return ""
        body = branches[0] if len(branches) == 1 else "(?:" + "|".join(branches) + ")"
        return f"(?:{body})?" if end else body

    return "(?:" + walk(root) + ")"


_FOREIGN_WORD = _trie(list(_FOREIGN))
_DIGIT_TOKEN = (r"(?:(?:double|triple)[ \t]+" + _DIGIT_WORD + r"|" + _FOREIGN_WORD
                + r"(?![\p{L}])|" + _DIGIT_WORD + r"|\d)")
# A spoken number: at least four digit tokens (so "one or two", "two three times" stay words),
# separated by spaces, commas or dashes as transcripts write pauses; "plus" in front is "+".
_SPOKEN_DIGITS = (r"(?:\bplus[ \t]+)?(?<![\w.])" + _DIGIT_TOKEN
                  + r"(?:(?:[ \t]*[,\-][ \t]*|[ \t]+)" + _DIGIT_TOKEN + r"){3,}(?![\w@])")
_LOCAL_WORD = r"[\p{L}\p{N}_]+"
# "dot" and "at" as English, Spanish, Portuguese, Italian, French and German speakers say them.
_DOT_WORDS = ("dot", "period", "point", "punto", "ponto", "punkt")
_DOT_WORD = r"(?:" + "|".join(_DOT_WORDS) + r")"
_AT_WORD = r"(?:at|@|arroba|arobase|chiocciola|klammeraffe)"
_SEP_WORD = (r"(?:[ \t]+(?:" + "|".join((*_DOT_WORDS, "underscore", "dash", "hyphen", "guion bajo",
                                          "guión bajo", "trait d'union", "tiret"))
             + r")[ \t]+|[._\-])")
_TLD = (r"(?:com|org|net|edu|gov|io|co|uk|de|fr|in|jp|au|ca|cn|es|it|nl|br|mx|ru|ch|se|no|dk|"
        r"fi|pl|be|at|ie|nz|sg|hk|kr|za|info|biz|me|us|eu|ai|dev|app)")
# "rohan dot krishnan at gmail dot com": local words, " at ", domain words ending in a TLD.
_SPOKEN_EMAIL = (r"(?<![\w@.])" + _LOCAL_WORD + r"(?:" + _SEP_WORD + _LOCAL_WORD + r")*"
                 r"[ \t]+" + _AT_WORD + r"[ \t]+" + r"[\p{L}\p{N}\-]+(?:" + _SEP_WORD
                 + r"[\p{L}\p{N}\-]+)*?"
                 r"(?:[ \t]+" + _DOT_WORD + r"[ \t]+|\.)" + _TLD
                 # a country after a generic domain: "com ponto br", "co dot uk"
                 + r"(?:(?:[ \t]+" + _DOT_WORD + r"[ \t]+|\.)" + _TLD + r")?(?![\w@])")
_CARDINALS = {w: i for i, w in enumerate(
    "zero one two three four five six seven eight nine ten eleven twelve thirteen fourteen "
    "fifteen sixteen seventeen eighteen nineteen".split())}
_TENS = {w: 10 * (i + 2) for i, w in enumerate(
    "twenty thirty forty fifty sixty seventy eighty ninety".split())}
_CARDINAL_WORD = (r"(?:" + "|".join(sorted([*_CARDINALS, *_TENS, "oh", "hundred", "thousand"],
                                           key=len, reverse=True)) + r")")
# A spoken house number before a street: "forty two baker street", "one two three main road".
_STREET_WORDS = (r"street|st|avenue|ave|road|rd|lane|ln|drive|dr|boulevard|blvd|court|ct|place|"
                 r"way|terrace|close|crescent|square|parkway|highway|circle|trail|row|grove|"
                 r"gardens|walk|strasse|straße|nagar|marg|cross|rue|calle|via")
_SPOKEN_HOUSE = (r"(?<![\w.])" + _CARDINAL_WORD + r"(?:(?:[ \t]+|-)(?:and[ \t]+)?" + _CARDINAL_WORD
                 + r"){0,4}(?=(?:[ \t]+[a-z])?[ \t]+(?:[\p{L}'\-]+[ \t]+){0,3}(?:" + _STREET_WORDS
                 + r")\b)")
# A spoken IPv4 address: four numbers said as words or digits, joined by "dot"/"point"
# ("ten dot four dot two dot nineteen", "one nine two dot one six eight dot zero dot one"); each
# part is read as `_cardinal` reads a house number and must come to 0-255 (checked on rewrite).
_IP_PART = r"(?:" + _CARDINAL_WORD + r"(?:[ \t]+" + _CARDINAL_WORD + r"){0,3}|\d{1,3})"
_SPOKEN_IP = (r"(?<![\w.])" + _IP_PART + r"(?:[ \t]+(?:dot|point)[ \t]+" + _IP_PART + r"){3}"
              r"(?![ \t]+(?:dot|point)\b)(?![\w.])")
_SPOKEN = regex.compile(r"(?P<ip>" + _SPOKEN_IP + r")|(?P<email>" + _SPOKEN_EMAIL + r")|(?P<digits>" + _SPOKEN_DIGITS
                        + r")|(?P<house>" + _SPOKEN_HOUSE + r")", regex.IGNORECASE)
_TRIGGER = regex.compile(r"\b(?:" + _DIGIT_WORD + r"|at|dot|arroba|arobase|chiocciola|ten|eleven|twelve|\w+teen|twenty|"
                         r"thirty|forty|fifty|sixty|seventy|eighty|ninety|hundred|"
                         + _FOREIGN_WORD + r")\b", regex.IGNORECASE)
_SEPARATOR_OUT = {"dot": ".", "period": ".", "point": ".", "punto": ".", "ponto": ".",
                  "punkt": ".", "underscore": "_", "guion bajo": "_", "guión bajo": "_",
                  "dash": "-", "hyphen": "-", "trait d'union": "-", "tiret": "-", "at": "@",
                  "arroba": "@", "arobase": "@", "chiocciola": "@", "klammeraffe": "@"}
_EMAIL_PART = regex.compile(r"[ \t]+(dot|period|point|punto|ponto|punkt|underscore|guion bajo|"
                            r"guión bajo|dash|hyphen|trait d'union|tiret|at|arroba|arobase|"
                            r"chiocciola|klammeraffe)[ \t]+|(.)", regex.IGNORECASE | regex.DOTALL)
_DIGIT_PART = regex.compile(r"(double|triple)[ \t]+(" + _DIGIT_WORD + r")|(" + _FOREIGN_WORD
                            + r")(?![\p{L}])|(" + _DIGIT_WORD
                            + r")\b|(\d)|(plus)\b|(.)", regex.IGNORECASE | regex.DOTALL)


@dataclass(frozen=True)
class Normalized:
    """A normalised text; `starts[i]`/`ends[i]`: the original slice output character i came from.

    Both lists are None when the text was not changed (offsets are the same).
    """

    text: str
    starts: tuple[int, ...] | None = None
    ends: tuple[int, ...] | None = None

    @property
    def changed(self) -> bool:
        return self.starts is not None

    def to_original(self, start: int, end: int) -> tuple[int, int]:
        """The original slice that `text[start:end]` came from (end > start required)."""
        if self.starts is None or self.ends is None:
            return start, end
        return self.starts[start], self.ends[end - 1]


def _unspaced(ch: str) -> bool:
    """A character of a script written without spaces between words (Han, kana, Hangul, Thai)."""
    return _UNSPACED.match(ch) is not None


def _pieces_nfkc(text: str) -> list[tuple[str, int, int]]:
    """(output, source start, source end) per cluster, format characters dropped, NFKC'd.

    A space (mapped to the empty slice at the boundary) is put between a character of an
    unspaced script and an ASCII letter, digit or number sign ("+", "(", "#", "$") or a colon: "请联系rohan@example.com谢谢" or "電話03-1234-5678"
    would otherwise hide the value inside one long word for every `\\b` and `\\w` look-around.
    """
    out: list[tuple[str, int, int]] = []
    i, n = 0, len(text)
    prev = ""  # last output character
    while i < n:
        ch = text[i]
        if ord(ch) in _DROP:
            i += 1
            continue
        j = i + 1
        while j < n and unicodedata.combining(text[j]) and ord(text[j]) not in _DROP:
            j += 1
        cluster = text[i:j]
        piece = unicodedata.normalize("NFKC", cluster) if not cluster.isascii() else cluster
        if piece and prev and ((_unspaced(prev) and _ASCII_ALNUM(piece[0]))
                               or (_ASCII_ALNUM(prev) and _unspaced(piece[0]))):
            out.append((" ", i, i))
        out.append((piece, i, j))
        if piece:
            prev = piece[-1]
        i = j
    return out


_UNSPACED_CLASS = r"[\p{Han}\p{Hiragana}\p{Katakana}\p{Hangul}\p{Thai}]"
_UNSPACED = regex.compile(_UNSPACED_CLASS)
_MIXED = regex.compile(_UNSPACED_CLASS + r"[A-Za-z0-9+(#$:＋（＃＄：]|[A-Za-z0-9+(#$:]" + _UNSPACED_CLASS)


def _ASCII_ALNUM(ch: str) -> bool:  # noqa: N802 (used like a character class)
    # Letters, digits and what starts a number; not "@", "." or "-", which join IDN e-mails
    # and domains written in those scripts ("用户@例子.中国").
    return ch.isascii() and (ch.isalnum() or ch in "+(#$:")


def _spoken_pieces(text: str) -> list[tuple[str, int, int]] | None:
    """(output, source start, source end) pieces rewriting spoken digits and e-mails; None if none."""
    if _TRIGGER.search(text) is None:
        return None
    pieces: list[tuple[str, int, int]] = []
    pos = 0
    for m in _SPOKEN.finditer(text):
        if m.group("ip"):
            parts = regex.split(r"[ \t]+(?:dot|point)[ \t]+", m.group("ip"), flags=regex.IGNORECASE)
            numbers = [p if p.isdigit() else _cardinal(p) for p in parts]
            if all(int(n) <= 255 for n in numbers):
                if m.start() > pos:
                    pieces.append((text[pos:m.start()], pos, m.start()))
                pos = m.end()
                s = m.start()
                for k, part in enumerate(parts):  # each number maps to its own words
                    e = text.index(part, s)
                    if k:
                        pieces.append((".", s, e))
                    pieces.append((numbers[k], e, e + len(part)))
                    s = e + len(part)
            continue
        if m.start() > pos:
            pieces.append((text[pos:m.start()], pos, m.start()))
        pos = m.end()
        if m.group("house"):
            pieces.append((_cardinal(m.group("house")), m.start(), m.end()))
            continue
        part_re = _EMAIL_PART if m.group("email") else _DIGIT_PART
        for p in part_re.finditer(text, m.start(), m.end()):
            s, e = p.span()
            if m.group("email"):
                word = p.group(1)
                if word:
                    pieces.append((_SEPARATOR_OUT[word.lower()], s, e))
                else:
                    pieces.append((p.group(2), s, e))
            elif p.group(1):
                pieces.append((_DIGIT_WORDS[p.group(2).lower()] * _REPEAT[p.group(1).lower()], s, e))
            elif p.group(3):
                pieces.append((_FOREIGN[" ".join(p.group(3).lower().split())], s, e))
            elif p.group(4):
                pieces.append((_DIGIT_WORDS[p.group(4).lower()], s, e))
            elif p.group(5):
                pieces.append((p.group(5), s, e))
            elif p.group(6):
                pieces.append(("+", s, e))
            # group 7: separators and pauses between digits are dropped (mapped by neighbours)
    if not pieces or pos == 0:
        return None
    if pos < len(text):
        pieces.append((text[pos:], pos, len(text)))
    return pieces


def _cardinal(phrase: str) -> str:
    """Digits for a spoken number: "forty two" 42, "one two three" 123, "two hundred and five"
    205, "twelve" 12."""
    words = [w for w in regex.split(r"[ \t\-]+", phrase.lower()) if w and w != "and"]
    if len(words) > 1 and all(w in _DIGIT_WORDS for w in words):
        return "".join(_DIGIT_WORDS[w] for w in words)
    total, current = 0, 0
    for w in words:
        if w in _CARDINALS:
            current += _CARDINALS[w]
        elif w == "oh":
            current = current * 10
        elif w in _TENS:
            current += _TENS[w]
        elif w == "hundred":
            current = max(current, 1) * 100
        elif w == "thousand":
            total += max(current, 1) * 1000
            current = 0
    return str(total + current)


def _expand(source: str, pieces: list[tuple[str, int, int]]) -> tuple[str, list[int], list[int]]:
    """Join pieces; per output character the source slice it came from (the whole piece's
    slice, or the one character where the piece is a verbatim copy)."""
    starts: list[int] = []
    ends: list[int] = []
    for out, s, e in pieces:
        if s == e:  # inserted: the empty slice at the boundary
            starts.extend([s] * len(out))
            ends.extend([s] * len(out))
        elif out == source[s:e]:  # copied: character-exact mapping
            if len(out) == 1:
                starts.append(s)
                ends.append(e)
            else:
                starts.extend(range(s, e))
                ends.extend(range(s + 1, e + 1))
        else:
            starts.extend([s] * len(out))
            ends.extend([e] * len(out))
    return "".join(p[0] for p in pieces), starts, ends


def normalize(text: str, spoken: bool = True) -> Normalized:
    """NFKC + format characters dropped (+ spoken digits/e-mails rewritten), with offset maps."""
    starts: list[int] | None = None
    ends: list[int] | None = None
    current = text
    if not text.isascii() and (not unicodedata.is_normalized("NFKC", text)
                               or any(c in _DROP_CHARS for c in text)
                               or _MIXED.search(text) is not None):
        current, starts, ends = _expand(text, _pieces_nfkc(text))
    if spoken:
        pieces = _spoken_pieces(current)
        if pieces is not None:
            new, s2, e2 = _expand(current, pieces)
            if starts is not None and ends is not None:
                s2 = [starts[i] for i in s2]
                e2 = [ends[i - 1] for i in e2]
            current, starts, ends = new, s2, e2
    if starts is None or ends is None:
        return Normalized(text)
    return Normalized(current, tuple(starts), tuple(ends))
