"""Value makers for the held-out PII set (`bench/pii_heldout.py`): no Faker, own pools.

Every maker draws from one `random.Random` handed in, so the set is a pure function of its seed
and of this file. Names come from many cultures (with particles, hyphens and diacritics),
addresses from eight countries in their own order and postcode formats, phone numbers in national
and international notations, Luhn-valid cards in their brands' groupings, IBANs with valid
ISO 7064 check digits. Composite values (an address) are lists of `(piece, label or None)` so
the separators between labelled pieces stay unlabelled.
"""

from __future__ import annotations

import random
import unicodedata

__all__ = ["Pools", "iban_valid", "luhn_valid", "spoken_digits"]

# culture -> (first names, surnames). Compound surnames and particles are part of the surname.
NAMES: dict[str, tuple[list[str], list[str]]] = {
    "south_asian": ("Rohan Anita Priya Arjun Sanjay Lakshmi Farhan Nadia Ishaan Deepika Tharindu "
                    "Sunita Harpreet Kavya Vikram Meenakshi Aarav Zoya".split(),
                    "Krishnan Patel Venkataraman Mehta Gupta Narayanan Chowdhury Rahman "
                    "Bhattacharya Reddy Perera Shrestha Iyer Sandhu Nair Kulkarni".split()),
    "east_asian": ("Wei Na Jing Hiroshi Yuki Haruka Min-jun Seo-yeon Minh Lan Ji-ho Kenji "
                   "Xiaoling Takumi Hye-jin Thanh".split(),
                   "Zhang Li Chen Tanaka Sato Nakamura Kim Park Nguyen Tran Choi Watanabe Wong "
                   "Huang Yamamoto Liu".split()),
    "african": ("Chinedu Ngozi Kwame Amara Thabo Wanjiru Abebe Fatou Oluwaseun Zanele Kofi Aisha "
                "Tendai Chiamaka Babajide Nomvula".split(),
                "Okafor Adeyemi Mensah Diallo Nkosi Kamau Bekele Ndiaye Adebayo Dlamini Boateng "
                "Bello Moyo Eze Okonkwo Mutua".split()),
    "arabic": ("Mohammed Fatima Omar Layla Youssef Khalid Rania Tariq Samira Hassan Noura "
               "Karim Amal Ziad".split(),
               ["Al-Farsi", "Haddad", "Abdullah", "Nasser", "El-Amin", "Khoury", "Mahmoud",
                "Benali", "Al-Masri", "bin Rashid", "El Idrissi", "Al-Sayed", "Mansour",
                "Qureshi"]),
    "slavic": ("Dmitri Olga Katarzyna Tomasz Jelena Miroslav Anastasia Bogdan Zuzana Ivana "
               "Piotr Svetlana Milan Agnieszka".split(),
               "Volkov Ivanova Nowak Wiśniewski Petrović Novák Sokolova Kovalenko Horváthová "
               "Kovačević Kowalczyk Smirnov Dvořák Popescu".split()),
    "latin_american": ("José Luis|María Fernanda|Juan Carlos|Camila|João|Valentina|Luis Ángel|"
                       "Ana Beatriz|Diego|Ximena|Rafael|Gabriela|Thiago".split("|"),
                       "Hernández|López|Rodríguez|Souza|Pereira|Gómez|Ramírez|Oliveira|"
                       "Castillo Vargas|Martínez Soto|dos Santos|Quispe|Carvalho".split("|")),
    "european": ("Jan|Anneke|Ludwig|Pieter|Sophie|Giulia|Seán|Siobhán|Jean-Pierre|Anne-Marie|"
                 "Hans-Peter|Björn|Sigríður|Mikko|Ayşe|Mehmet|Reza|Shirin|Noa|Yosef|Émilie"
                 .split("|"),
                 "van der Berg|de Vries|von Hohenberg|van den Heuvel|Le Gall|Di Stefano|"
                 "Ó Briain|O'Connor|Dubois|Lefèvre|Müller|Johansson|Jónsdóttir|Virtanen|"
                 "Yılmaz|Demir|Tehrani|Moradi|Friedman|Cohen|Smith-Jones|Ellison-Brown|"
                 "Taylor-Okonkwo|de la Cruz|García-Lorca".split("|")),
}
# Cultures written without a Latin first/last order in the wild keep the same order here:
# the set measures whether a name is found, not whether its order is canonical.

DOMAINS = ("gmail.com outlook.com yahoo.co.uk web.de gmx.de orange.fr free.fr rediffmail.com "
           "yahoo.co.in naver.com qq.com 163.com docomo.ne.jp bigpond.com uol.com.br hotmail.es "
           "proton.me icloud.com mail.ru seznam.cz libero.it acme-logistics.io kumarsons.in "
           "brightpath.co.za").split()

UK_STREETS = "Baker|Mill|Victoria|Station|Church|Queens|Albert|Hawthorn|Kingsley|Marlow".split("|")
UK_KINDS = ("Road", "Street", "Lane", "Avenue", "Close", "Gardens", "Crescent", "Terrace")
UK_CITIES = ("London", "Manchester", "Leeds", "Bristol", "Glasgow", "Cardiff", "Edinburgh",
             "Sheffield", "Norwich")
DE_STREETS = ("Lindenstraße", "Hauptstr.", "Goethestraße", "Bahnhofstraße", "Schillerweg",
              "Am Marktplatz", "Friedrichstraße", "Kastanienallee", "Rosenheimer Str.")
DE_CITIES = ("Berlin", "München", "Hamburg", "Köln", "Leipzig", "Stuttgart", "Dresden", "Bremen")
FR_STREETS = ("rue de la Paix", "avenue Jean Jaurès", "boulevard Voltaire", "rue des Lilas",
              "place Bellecour", "chemin des Vignes", "rue du Faubourg Saint-Denis")
FR_CITIES = ("Paris", "Lyon", "Marseille", "Toulouse", "Nantes", "Lille", "Bordeaux")
IN_STREETS = ("MG Road", "Linking Road", "Park Street", "Anna Salai", "Brigade Road",
              "Nehru Nagar", "Sector 15", "Banjara Hills Road No. 3")
IN_CITIES = ("Bengaluru", "Mumbai", "Kolkata", "Chennai", "Pune", "Hyderabad", "Gurugram", "Jaipur")
JP_AREAS = (("Shibuya", "Shibuya-ku", "Tokyo"), ("Kita-Aoyama", "Minato-ku", "Tokyo"),
            ("Umeda", "Kita-ku", "Osaka"), ("Gion", "Higashiyama-ku", "Kyoto"),
            ("Sakae", "Naka-ku", "Nagoya"))
AU_STREETS = ("George St", "Smith Street", "Collins Street", "Brunswick Rd", "Ocean Parade",
              "Wattle Avenue")
AU_CITIES = (("Sydney", "NSW", "2"), ("Fitzroy", "VIC", "3"), ("Melbourne", "VIC", "3"),
             ("Brisbane", "QLD", "4"), ("Perth", "WA", "6"), ("Hobart", "TAS", "7"))
CA_STREETS = ("Queen St W", "Rue Sainte-Catherine O", "Granville Street", "Yonge Street",
              "Jasper Avenue", "Rue Saint-Denis")
CA_CITIES = (("Toronto", "ON", "M"), ("Montréal", "QC", "H"), ("Vancouver", "BC", "V"),
             ("Edmonton", "AB", "T"), ("Ottawa", "ON", "K"))
BR_STREETS = ("Rua das Flores", "Av. Paulista", "Rua Oscar Freire", "Avenida Atlântica",
              "Rua XV de Novembro", "Travessa do Comércio")
BR_CITIES = (("São Paulo", "SP"), ("Rio de Janeiro", "RJ"), ("Curitiba", "PR"),
             ("Belo Horizonte", "MG"), ("Salvador", "BA"))
US_STREETS = ("Elm St", "Maple Avenue", "Cedar Ln", "Lakeview Drive", "Pine Ridge Rd")
US_CITIES = (("Springfield", "IL", "627"), ("Austin", "TX", "787"), ("Portland", "OR", "972"),
             ("Columbus", "OH", "432"), ("Raleigh", "NC", "276"))

WORDS = "zero one two three four five six seven eight nine".split()
_ONES = ("zero one two three four five six seven eight nine ten eleven twelve thirteen fourteen "
         "fifteen sixteen seventeen eighteen nineteen").split()
_TENS = "_ _ twenty thirty forty fifty sixty seventy eighty ninety".split()

# IBAN: country -> list of BBAN fields ('n' digits, 'a' upper letters, 'c' alphanumerics).
IBAN_SPECS = {"DE": [("n", 18)], "GB": [("a", 4), ("n", 14)], "FR": [("n", 10), ("c", 11),
              ("n", 2)], "ES": [("n", 20)], "NL": [("a", 4), ("n", 10)], "IT": [("a", 1),
              ("n", 10), ("c", 12)], "BE": [("n", 12)], "CH": [("n", 17)], "PL": [("n", 24)],
              "AT": [("n", 16)], "IE": [("a", 4), ("n", 14)]}


def ascii_fold(s: str) -> str:
    """Diacritics dropped and spaces/apostrophes removed, for e-mail local parts."""
    s = unicodedata.normalize("NFKD", s).encode("ascii", "ignore").decode()
    return "".join(ch for ch in s.lower() if ch.isalnum() or ch in "-")


def luhn_valid(number: str) -> bool:
    digits = [int(c) for c in number if c.isdigit()]
    total = 0
    for i, d in enumerate(reversed(digits)):
        if i % 2:
            d = d * 2 - 9 if d > 4 else d * 2
        total += d
    return len(digits) >= 12 and total % 10 == 0


def _iban_mod97(s: str) -> int:
    return int("".join(str(int(ch, 36)) for ch in s)) % 97


def iban_valid(iban: str) -> bool:
    s = "".join(ch for ch in iban if ch.isalnum()).upper()
    return len(s) >= 15 and _iban_mod97(s[4:] + s[:4]) == 1


def number_words(n: int) -> str:
    """0..999 as spoken English ("two hundred and twelve")."""
    if n < 20:
        return _ONES[n]
    if n < 100:
        return _TENS[n // 10] + ("" if n % 10 == 0 else " " + _ONES[n % 10])
    rest = n % 100
    return _ONES[n // 100] + " hundred" + ("" if not rest else " and " + number_words(rest))


def spoken_digits(digits: str, rng: random.Random, oh: bool = False) -> str:
    """A digit string as a speech-to-text engine writes it: words, 'oh', sometimes 'double'."""
    out, i = [], 0
    while i < len(digits):
        d = digits[i]
        if i + 1 < len(digits) and digits[i + 1] == d and rng.random() < 0.3:
            out.append("double " + ("oh" if oh and d == "0" else WORDS[int(d)]))
            i += 2
            continue
        out.append("oh" if oh and d == "0" else WORDS[int(d)])
        i += 1
    return " ".join(out)


class Pools:
    """Value makers over one seeded RNG."""

    def __init__(self, rng: random.Random) -> None:
        self.r = rng

    def digits(self, n: int, first: str = "123456789") -> str:
        return self.r.choice(first) + "".join(self.r.choice("0123456789") for _ in range(n - 1))

    # -- people -----------------------------------------------------------------------------
    def name(self) -> tuple[str, str, str]:
        """(first, last, full) from a random culture; a few with a middle initial."""
        firsts, lasts = NAMES[self.r.choice(sorted(NAMES))]
        first, last = self.r.choice(firsts), self.r.choice(lasts)
        full = f"{first} {last}"
        if self.r.random() < 0.08:
            full = f"{first} {self.r.choice('ABCDEJKMRST')}. {last}"
        return first, last, full

    def email(self, first: str | None = None, last: str | None = None) -> str:
        if first is None:
            first, last, _ = self.name()
        f, l_ = ascii_fold(first), ascii_fold(last or "")
        local = self.r.choice([f"{f}.{l_}", f"{f[0]}{l_}", f"{f}_{l_}{self.r.randint(1, 99)}",
                               f"{l_}.{f}", f"{f}{self.r.randint(70, 2005)}", f"{f}+orders"])
        return f"{local}@{self.r.choice(DOMAINS)}"

    def spoken_email(self, first: str, last: str) -> str:
        f, l_ = ascii_fold(first).replace("-", " dash "), ascii_fold(last).replace("-", " dash ")
        local = self.r.choice([f"{f} dot {l_}", f"{f} underscore {l_}", f"{f}{l_}",
                               f"{f} {spoken_digits(str(self.r.randint(10, 99)), self.r)}"])
        domain = self.r.choice(DOMAINS).replace(".", " dot ").replace("-", " dash ")
        return f"{local} at {domain}"

    # -- numbers ----------------------------------------------------------------------------
    def phone(self) -> tuple[str, str]:
        """(formatted number, national digits) in one of many countries' notations."""
        r, d = self.r, self.digits
        kind = r.randrange(16)
        if kind == 0:
            n = "7" + r.choice("4579") + d(8, "0123456789")
            return r.choice([f"0{n[:4]} {n[4:]}", f"+44 {n[:4]} {n[4:]}",
                             f"0044 {n[:4]} {n[4:]}"]), "0" + n
        if kind == 1:
            n = "20" + r.choice("378") + d(7, "0123456789")
            return r.choice([f"+44 (0)20 {n[2:6]} {n[6:]}", f"020 {n[2:6]} {n[6:]}",
                             f"+44 20 {n[2:6]} {n[6:]}"]), "0" + n
        if kind == 2:
            n = r.choice(["151", "160", "170", "176"]) + d(8, "0123456789")
            return r.choice([f"+49 {n[:3]} {n[3:7]} {n[7:]}", f"0{n[:3]} {n[3:]}",
                             f"0049 {n[:3]} {n[3:]}", f"0{n[:3]}/{n[3:]}"]), "0" + n
        if kind == 3:
            city, n = r.choice([("30", 8), ("89", 7), ("40", 8), ("221", 7)])
            num = d(n)
            return r.choice([f"+49 (0){city} {num}", f"0{city}/{num}", f"+49 {city} {num[:4]} "
                             f"{num[4:]}", f"0{city} {num[:3]} {num[3:]}"]), "0" + city + num
        if kind == 4:
            n = r.choice("6789") + d(9, "0123456789")
            return r.choice([f"+91 {n[:5]} {n[5:]}", f"+91-{n[:5]}-{n[5:]}", f"0{n[:5]} {n[5:]}",
                             f"0091 {n}", f"+91{n}"]), n
        if kind == 5:
            n = r.choice(["90", "80", "70"]) + d(8)  # subscriber numbers never start with 0
            return r.choice([f"0{n[:2]}-{n[2:6]}-{n[6:]}", f"+81 {n[:2]} {n[2:6]} {n[6:]}",
                             f"+81-{n[:2]}-{n[2:6]}-{n[6:]}"]), "0" + n
        if kind == 6:
            n = "3" + d(8)
            return r.choice([f"03-{n[1:5]}-{n[5:]}", f"+81 3-{n[1:5]}-{n[5:]}"]), "0" + n
        if kind == 7:
            n = r.choice("67") + d(8, "0123456789")
            g = [n[0]] + [n[i:i + 2] for i in range(1, 9, 2)]
            return r.choice(["0" + " ".join(g), "0" + ".".join(g), "+33 " + " ".join(g),
                             "0033 " + " ".join(g), "+33 (0)" + " ".join(g)]), "0" + n
        if kind == 8:
            n = "1" + d(8, "0123456789")
            g = [n[0]] + [n[i:i + 2] for i in range(1, 9, 2)]
            return r.choice(["0" + " ".join(g), "0" + ".".join(g), "+33 " + " ".join(g)]), "0" + n
        if kind == 9:
            n = "4" + d(8, "0123456789")
            return r.choice([f"0{n[:3]} {n[3:6]} {n[6:]}",
                             f"+61 {n[:3]} {n[3:6]} {n[6:]}"]), "0" + n
        if kind == 10:
            n = r.choice("2378") + d(8, "0123456789")
            return r.choice([f"(0{n[0]}) {n[1:5]} {n[5:]}",
                             f"+61 {n[0]} {n[1:5]} {n[5:]}"]), "0" + n
        if kind == 11:
            area = r.choice(["416", "514", "604", "613", "780"])
            n = area + d(7, "23456789")
            return r.choice([f"+1 ({area}) {n[3:6]}-{n[6:]}", f"{area}.{n[3:6]}.{n[6:]}",
                             f"1-{area}-{n[3:6]}-{n[6:]}", f"({area}) {n[3:6]} {n[6:]}"]), n
        if kind == 12:
            n = r.choice(["11", "21", "41"]) + "9" + d(8, "0123456789")
            return r.choice([f"+55 {n[:2]} {n[2:7]}-{n[7:]}", f"({n[:2]}) {n[2:7]}-{n[7:]}",
                             f"+55 ({n[:2]}) {n[2:7]}-{n[7:]}"]), n
        if kind == 13:
            cc, n = r.choice([("234", "80" + d(8, "0123456789")), ("254", "7" + d(8, "0123456789")),
                              ("27", "8" + d(8, "0123456789"))])
            return r.choice([f"+{cc} {n[:3]} {n[3:6]} {n[6:]}", f"00{cc} {n}",
                             f"0{n[:3]} {n[3:6]} {n[6:]}"]), "0" + n
        if kind == 14:
            cc, n = r.choice([("971", "5" + d(8, "0123456789")), ("7", "9" + d(9, "0123456789")),
                              ("48", r.choice("5678") + d(8, "0123456789")),
                              ("86", "13" + d(9, "0123456789")), ("82", "10" + d(8, "0123456789"))])
            if cc == "7":
                return f"+7 {n[:3]} {n[3:6]}-{n[6:8]}-{n[8:]}", "8" + n
            return r.choice([f"+{cc} {n[:3]} {n[3:6]} {n[6:]}", f"00{cc}-{n[:3]}-{n[3:]}"]), n
        area = r.choice(["212", "415", "617", "303", "512", "206"])
        n = area + d(7, "23456789")
        return r.choice([f"+1 {area} {n[3:6]} {n[6:]}", f"{area}/{n[3:6]}-{n[6:]}",
                         f"001 {area} {n[3:6]} {n[6:]}"]), n

    def card(self) -> tuple[str, str]:
        """(formatted, digits): Luhn-valid Visa/Mastercard/Amex/Discover/JCB in their groupings."""
        r = self.r
        brand = r.choice(["visa", "visa", "mc", "mc", "amex", "discover", "jcb"])
        prefix, length = {"visa": ("4", 16),
                          "mc": (r.choice(["51", "53", "55", "2221", "2720"]), 16),
                          "amex": (r.choice(["34", "37"]), 15), "discover": ("6011", 16),
                          "jcb": ("35" + str(r.randint(28, 89)), 16)}[brand]
        body = prefix + "".join(r.choice("0123456789") for _ in range(length - len(prefix) - 1))
        check = next(c for c in "0123456789" if luhn_valid(body + c))
        num = body + check
        if brand == "amex":
            groups = [num[:4], num[4:10], num[10:]]
        else:
            groups = [num[i:i + 4] for i in range(0, 16, 4)]
        sep = r.choice([" ", " ", "-", "", ".", "\u00a0"])
        return sep.join(groups), num

    def iban(self) -> str:
        r = self.r
        cc = r.choice(sorted(IBAN_SPECS))
        bban = ""
        for kind, n in IBAN_SPECS[cc]:
            alphabet = {"n": "0123456789", "a": "ABCDEFGHIJKLMNOPQRSTUVWXYZ",
                        "c": "0123456789ABCDEFGHJKLMNPRSTUVWXYZ"}[kind]
            bban += "".join(r.choice(alphabet) for _ in range(n))
        check = 98 - _iban_mod97(bban + cc + "00")
        iban = f"{cc}{check:02d}{bban}"
        style = r.random()
        if style < 0.55:
            return " ".join(iban[i:i + 4] for i in range(0, len(iban), 4))
        if style < 0.6:
            return "-".join(iban[i:i + 4] for i in range(0, len(iban), 4))
        return iban

    def ssn(self) -> str:
        r = self.r
        area = r.randint(1, 899)
        area = 667 if area == 666 else area  # 000, 666 and 9xx are never issued
        g, s = f"{r.randint(1, 99):02d}", f"{r.randint(1, 9999):04d}"
        return r.choice([f"{area:03d}-{g}-{s}", f"{area:03d}-{g}-{s}", f"{area:03d} {g} {s}",
                         f"{area:03d}{g}{s}"])

    def ip(self) -> str:
        r = self.r
        if r.random() < 0.7:
            first = r.choice([23, 31, 45, 62, 77, 81, 91, 103, 117, 142, 151, 178, 185, 193, 203])
            return f"{first}.{r.randint(0, 255)}.{r.randint(0, 255)}.{r.randint(1, 254)}"
        groups = [r.choice(["2a02", "2a01", "2001", "2600", "2c0f", "240e"])] + \
                 [f"{r.getrandbits(16):x}" for _ in range(7)]
        if r.random() < 0.5:
            i = r.randint(2, 5)
            return ":".join(groups[:i]) + "::" + ":".join(groups[i + 2:])
        return ":".join(groups)

    # -- places -----------------------------------------------------------------------------
    def address(self, country: str | None = None) -> list[tuple[str, str | None]]:
        """An address as labelled pieces: street line, city, postcode (country's own order)."""
        r = self.r
        c = country or r.choice(["UK", "DE", "FR", "IN", "JP", "AU", "CA", "BR", "US"])
        L, N = "ABCDEFGHJKLMNPRSTUWXY", "0123456789"
        S, CI, PC = "STREET_ADDRESS", "LOCATION", "POSTCODE"
        if c == "UK":
            street = f"{r.randint(1, 180)} {r.choice(UK_STREETS)} {r.choice(UK_KINDS)}"
            if r.random() < 0.3:
                street = f"Flat {r.randint(1, 12)}, {street}"
            pc = r.choice([f"{r.choice(L)}{r.choice(L)}{r.randint(1, 20)} {r.choice(N)}"
                           f"{r.choice(L)}{r.choice(L)}",
                           f"{r.choice(L)}{r.randint(1, 9)} {r.choice(N)}{r.choice(L)}"
                           f"{r.choice(L)}"])
            return [(street, S), (", ", None), (r.choice(UK_CITIES), CI), (" ", None), (pc, PC)]
        if c == "DE":
            street = f"{r.choice(DE_STREETS)} {r.randint(1, 120)}{r.choice(['', '', 'a', 'b'])}"
            return [(street, S), (", ", None),
                    (f"{r.randint(1, 99):02d}{r.randint(0, 999):03d}", PC), (" ", None),
                    (r.choice(DE_CITIES), CI)]
        if c == "FR":
            return [(f"{r.randint(1, 90)}{r.choice(['', '', ' bis'])} {r.choice(FR_STREETS)}", S),
                    (", ", None), (f"{r.choice(['75', '69', '13', '31', '44', '59', '33'])}"
                                   f"{r.randint(0, 20):03d}", PC), (" ", None),
                    (r.choice(FR_CITIES), CI)]
        if c == "IN":
            street = f"{r.randint(1, 400)}, {r.choice(IN_STREETS)}"
            if r.random() < 0.4:
                street = f"Flat {r.randint(1, 12)}{r.choice('ABCD')}, " + street
            return [(street, S), (", ", None), (r.choice(IN_CITIES), CI),
                    (r.choice([" ", " - ", " "]), None),
                    (f"{r.randint(11, 85)}{r.randint(0, 9999):04d}", PC)]
        if c == "JP":
            area, ward, city = r.choice(JP_AREAS)
            pc = f"{r.randint(100, 999)}-{r.randint(0, 9999):04d}"
            return [(f"{r.randint(1, 5)}-{r.randint(1, 30)}-{r.randint(1, 20)} {area}, {ward}", S),
                    (", ", None), (city, CI), (" ", None), (pc, PC)]
        if c == "AU":
            city, state, p = r.choice(AU_CITIES)
            street = f"{r.randint(1, 300)} {r.choice(AU_STREETS)}"
            if r.random() < 0.3:
                street = f"Unit {r.randint(1, 20)}, " + street
            return [(street, S), (", ", None), (city, CI), (f" {state} ", None),
                    (f"{p}{r.randint(0, 999):03d}", PC)]
        if c == "CA":
            city, prov, p = r.choice(CA_CITIES)
            pc = (f"{p}{r.randint(1, 9)}{r.choice(L)} "
                  f"{r.randint(1, 9)}{r.choice(L)}{r.randint(0, 9)}")
            return [(f"{r.randint(10, 2000)} {r.choice(CA_STREETS)}", S), (", ", None), (city, CI),
                    (f", {prov} ", None), (pc, PC)]
        if c == "BR":
            city, uf = r.choice(BR_CITIES)
            street = f"{r.choice(BR_STREETS)}, {r.randint(10, 3000)}"
            if r.random() < 0.4:
                street += f", Apto {r.randint(11, 180)}"
            return [(street, S), (", ", None), (city, CI), (f" - {uf}, ", None),
                    (f"{r.randint(10, 99)}{r.randint(0, 999):03d}-{r.randint(0, 999):03d}", PC)]
        city, st, p = r.choice(US_CITIES)
        street = f"{r.randint(100, 9999)} {r.choice(US_STREETS)}"
        if r.random() < 0.3:
            street += f" Apt {r.randint(1, 40)}"
        return [(street, S), (", ", None), (city, CI), (f", {st} ", None),
                (f"{p}{r.randint(1, 99):02d}", PC)]

    def spoken_address(self) -> list[tuple[str, str | None]]:
        """A UK/AU/US-style address as speech-to-text writes it: lower case, numbers in words."""
        r = self.r
        street = f"{number_words(r.randint(1, 199))} {r.choice(UK_STREETS + ['maple', 'george'])}" \
                 f" {r.choice(['road', 'street', 'lane', 'avenue', 'drive'])}".lower()
        city = r.choice(UK_CITIES + ("Sydney", "Toronto", "Austin")).lower()
        return [(street, "STREET_ADDRESS"), (" in ", None), (city, "LOCATION")]
