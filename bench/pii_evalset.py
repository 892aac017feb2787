"""A labelled PII evaluation set generated from Faker (fixed seed) and Assay's own templates.

Each example is a text plus gold spans `(start, end, label)`. Templates mix chat, e-mail, form
and log styles; values come from Faker's en_US / en_GB / de_DE providers in several formats; a
share of texts is lower- or upper-cased or gets noise (doubled spaces, dropped punctuation, a
typo in a non-PII word). About a third of the texts are PII-free *distractors* full of numbers
that look like identifiers (order numbers in 3-3-4 groups, some with a valid NHS check digit,
16-digit tracking numbers, 5-digit counts, versions, dates without a birth context).

Gold labels: PERSON, EMAIL_ADDRESS, PHONE_NUMBER, CREDIT_CARD, IBAN_CODE, US_SSN, UK_NHS,
IP_ADDRESS, STREET_ADDRESS (a whole postal address), LOCATION (a city), POSTCODE,
DATE_OF_BIRTH, URL.
"""

from __future__ import annotations

import random
import re
from dataclasses import dataclass, field

__all__ = ["Example", "generate"]


@dataclass
class Example:
    """One labelled text: gold spans are (start, end, label) with character offsets."""

    text: str
    spans: list[tuple[int, int, str]] = field(default_factory=list)
    kind: str = "pii"  # "pii" or "distractor"


# {SLOT} placeholders; the label of a slot is its name up to an optional digit suffix.
PII_TEMPLATES = [
    "Hi, my name is {PERSON} and you can reach me at {PHONE_NUMBER}.",
    "Please send the invoice to {EMAIL_ADDRESS} by Friday.",
    "{PERSON}'s date of birth is {DATE_OF_BIRTH}.",
    "Customer {PERSON} (DOB {DATE_OF_BIRTH}) lives at {STREET_ADDRESS}.",
    "Wire the deposit to IBAN {IBAN_CODE}, account holder {PERSON}.",
    "My card number is {CREDIT_CARD}, it expires next year.",
    "For the background check: SSN {US_SSN}, name {PERSON}.",
    "Patient {PERSON}, NHS number {UK_NHS}, was admitted on Tuesday.",
    "Login from {IP_ADDRESS} was flagged for user {EMAIL_ADDRESS}.",
    "I moved to {LOCATION} last year, my postcode is {POSTCODE}.",
    "Ship it to {STREET_ADDRESS} please.",
    "You can find my portfolio at {URL}.",
    "Call {PERSON} on {PHONE_NUMBER} or email {EMAIL_ADDRESS}.",
    "hey its {FIRST_NAME} lol, text me on {PHONE_NUMBER}",
    "Contact: {PERSON} | {EMAIL_ADDRESS} | {PHONE_NUMBER}",
    "{PERSON} was born on {DATE_OF_BIRTH} in {LOCATION}.",
    "New address for {PERSON}: {STREET_ADDRESS}.",
    "Refund card {CREDIT_CARD} for order placed by {EMAIL_ADDRESS}.",
    "Dear {PERSON}, we received your payment from {IBAN_CODE}.",
    "The applicant, {PERSON}, gave {PHONE_NUMBER} as a mobile number and {US_SSN} as SSN.",
    "User {EMAIL_ADDRESS} logged in from {IP_ADDRESS} at 09:14.",
    "Forwarding to {PERSON} <{EMAIL_ADDRESS}>.",
    "Emergency contact {PERSON}, phone {PHONE_NUMBER}, address {STREET_ADDRESS}.",
    "Can you update my birthday to {DATE_OF_BIRTH}? Thanks, {FIRST_NAME}",
    "I'm {PERSON} from {LOCATION}; my NHS no. is {UK_NHS}.",
    "Please confirm the delivery to {STREET_ADDRESS} for {PERSON}.",
    "Her IBAN is {IBAN_CODE} and her card {CREDIT_CARD}.",
    "{PERSON} ({EMAIL_ADDRESS}) asked us to call back on {PHONE_NUMBER}.",
    "Visit {URL} or write to {EMAIL_ADDRESS}.",
    "Meeting notes: {PERSON} and {PERSON2} agreed to share the draft by Monday.",
]

DISTRACTOR_TEMPLATES = [
    "Order {ID334} shipped on {DATE}; {INT} items in the parcel.",
    "Invoice #{INT5} total ${MONEY} is due on {DATE}.",
    "Version {VERSION} fixed {INT} bugs reported in {MONTH} {YEAR}.",
    "The meeting moved to {DATE} at {TIME} in room {INT}.",
    "Error {HEX} occurred {INT} times between {TIME} and {TIME2}.",
    "The {COMPANY} quarterly report shows revenue of ${MONEY}, up {INT}% on last year.",
    "Part number {ID334} is out of stock; {INT} units back-ordered.",
    "Reference {NHSLIKE} was closed after review.",
    "Tracking number {DIGITS16} shows the parcel in the depot.",
    "Batch {INT5} passed QA with a yield of {INT}.{INT2}%.",
    "Ticket {ID334} escalated to tier {INT} at {TIME}.",
    "The build {VERSION} took {INT} minutes on {INT} cores.",
    "Population grew by {INT5} people between {YEAR} and {YEAR2}.",
    "Use promo code {CODE} for {INT}% off until {DATE}.",
    "Checksum {HEX} matched for file archive-{INT5}.tar.gz.",
    "Account balance: {MONEY} across {INT} sub-accounts as of {DATE}.",
    "Run {INT5} finished with accuracy {INT}.{INT2} and loss 0.{INT3}.",
    "Flight {AIRLINE}{INT} departs at {TIME} from gate {GATE}.",
    "The survey had {INT} respondents aged 18 to {INT2}.",
    "Serial {NHSLIKE} registered to the Springfield office.",
]

_LOCALES = ("en_US", "en_GB", "en_US", "de_DE")


class _Values:
    """Draws slot values from Faker in varied formats."""

    def __init__(self, seed: int) -> None:
        from faker import Faker

        self.rng = random.Random(seed)
        self.fakers = {loc: Faker(loc) for loc in set(_LOCALES)}
        for i, (_, f) in enumerate(sorted(self.fakers.items())):
            f.seed_instance(seed + i)
        self.us, self.gb = self.fakers["en_US"], self.fakers["en_GB"]

    def faker(self):
        return self.fakers[self.rng.choice(_LOCALES)]

    def person(self) -> str:
        f = self.faker() if self.rng.random() < 0.8 else self.us
        return f"{f.first_name()} {f.last_name()}" if self.rng.random() < 0.7 else f.name()

    def phone(self) -> str:
        r = self.rng
        area = r.choice(["212", "415", "312", "617", "646", "202", "305", "503", "718", "919"])
        ex, line = f"{r.randint(200, 999)}", f"{r.randint(0, 9999):04d}"
        return r.choice([
            f"{area}-{ex}-{line}", f"({area}) {ex}-{line}", f"{area}.{ex}.{line}",
            f"+1 {area} {ex} {line}", f"+1-{area}-{ex}-{line}",
            f"07{r.randint(100, 999)} {r.randint(100000, 999999)}",
            f"+44 20 7{r.randint(100, 999)} {r.randint(1000, 9999)}",
            f"020 7{r.randint(100, 999)} {r.randint(1000, 9999)}",
            f"+49 30 {r.randint(1000000, 9999999)}",
            self.gb.phone_number(),
        ])

    def card(self) -> str:
        num = self.us.credit_card_number(card_type=self.rng.choice(["visa16", "mastercard"]))
        style = self.rng.random()
        if style < 0.4:
            return " ".join(num[i:i + 4] for i in range(0, len(num), 4))
        if style < 0.6:
            return "-".join(num[i:i + 4] for i in range(0, len(num), 4))
        return num

    def iban(self) -> str:
        f = self.fakers[self.rng.choice(["en_GB", "de_DE"])]
        iban = f.iban()
        if self.rng.random() < 0.6:
            iban = " ".join(iban[i:i + 4] for i in range(0, len(iban), 4))
        return iban

    def nhs(self, valid: bool = True) -> str:
        while True:
            d = [self.rng.randint(0, 9) for _ in range(9)]
            check = 11 - sum(x * w for x, w in zip(d, range(10, 1, -1))) % 11
            check = 0 if check == 11 else check
            if check != 10:
                break
        last = check if valid else (check + self.rng.randint(1, 9)) % 10
        s = "".join(map(str, d)) + str(last)
        return self.rng.choice([f"{s[:3]} {s[3:6]} {s[6:]}", f"{s[:3]}-{s[3:6]}-{s[6:]}", s])

    def dob(self) -> str:
        d = self.us.date_of_birth(minimum_age=18, maximum_age=90)
        return self.rng.choice([d.strftime("%d/%m/%Y"), d.strftime("%m/%d/%Y"), d.isoformat(),
                                f"{d.day} {d.strftime('%B %Y')}", f"{d.strftime('%B')} {d.day}, "
                                f"{d.year}", f"{d.day} {d.strftime('%b')} {d.year}"])

    def address(self) -> str:
        if self.rng.random() < 0.6:
            f = self.us
            return f"{f.street_address()}, {f.city()}, {f.state_abbr()} {f.zipcode()}"
        f = self.gb
        return f"{f.building_number()} {f.street_name()}, {f.city()} {f.postcode()}"

    def value(self, slot: str) -> tuple[str, str | None]:
        """(value, gold label or None) for a slot name."""
        r = self.rng
        base = re.sub(r"\d$", "", slot)
        if base == "PERSON":
            return self.person(), "PERSON"
        if base == "FIRST_NAME":
            return self.faker().first_name(), "PERSON"
        table = {
            "EMAIL_ADDRESS": lambda: self.faker().email(),
            "PHONE_NUMBER": self.phone,
            "CREDIT_CARD": self.card,
            "IBAN_CODE": self.iban,
            "US_SSN": lambda: self.us.ssn(),
            "UK_NHS": self.nhs,
            "IP_ADDRESS": lambda: self.us.ipv4_public(),
            "STREET_ADDRESS": self.address,
            "LOCATION": lambda: self.faker().city(),
            "POSTCODE": lambda: self.gb.postcode() if r.random() < 0.5 else self.us.zipcode(),
            "DATE_OF_BIRTH": self.dob,
            "URL": lambda: f"https://www.{self.us.domain_name()}/{self.us.user_name()}",
        }
        if base in table:
            return table[base](), base
        distract = {
            "ID334": lambda: f"{r.randint(100, 999)}-{r.randint(100, 999)}-{r.randint(0, 9999):04d}",
            "NHSLIKE": lambda: self.nhs(valid=r.random() < 0.5),
            "DIGITS16": lambda: " ".join(f"{r.randint(0, 9999):04d}" for _ in range(4)),
            "INT": lambda: str(r.randint(2, 400)), "INT2": lambda: str(r.randint(10, 99)),
            "INT3": lambda: str(r.randint(100, 999)), "INT5": lambda: str(r.randint(10000, 99999)),
            "MONEY": lambda: f"{r.randint(1, 999)},{r.randint(0, 999):03d}.{r.randint(0, 99):02d}",
            "DATE": lambda: self.us.date_between("-2y", "+1y").strftime(
                r.choice(["%d/%m/%Y", "%B %d, %Y", "%Y-%m-%d", "%d %b %Y"])),
            "TIME": lambda: f"{r.randint(0, 23):02d}:{r.randint(0, 59):02d}",
            "MONTH": lambda: self.us.month_name(), "YEAR": lambda: str(r.randint(1990, 2025)),
            "VERSION": lambda: f"{r.randint(0, 12)}.{r.randint(0, 30)}.{r.randint(0, 99)}",
            "HEX": lambda: f"0x{r.getrandbits(32):08x}",
            "COMPANY": lambda: self.us.company(),
            "CODE": lambda: f"SAVE{r.randint(10, 99)}",
            "AIRLINE": lambda: r.choice(["BA", "LH", "UA", "AF"]),
            "GATE": lambda: f"{r.choice('ABCD')}{r.randint(1, 40)}",
        }
        return distract[slot if slot in distract else base](), None


_NOISE_WORDS = ("please", "the", "from", "received", "update", "contact", "meeting", "number")


def _fill(template: str, vals: _Values) -> Example:
    text, spans, pos = [], [], 0
    for part in re.split(r"(\{[A-Z_0-9]+\})", template):
        if part.startswith("{") and part.endswith("}"):
            value, label = vals.value(part[1:-1])
            if label:
                spans.append((pos, pos + len(value), label))
        else:
            value = part
        text.append(value)
        pos += len(value)
    return Example("".join(text), spans)


def _transform(ex: Example, rng: random.Random) -> Example:
    """Casing and noise that keep gold offsets valid (length-preserving, or re-mapped)."""
    text = ex.text
    roll = rng.random()
    if roll < 0.15:
        text = text.lower()
    elif roll < 0.20:
        text = text.upper()
    spans = list(ex.spans)
    if rng.random() < 0.3:  # doubled spaces outside gold spans, re-mapping offsets
        out, shift, new_spans = [], 0, []
        inside = {i for s, e, _ in spans for i in range(s, e)}
        for i, ch in enumerate(text):
            out.append(ch)
            if ch == " " and i not in inside and rng.random() < 0.15:
                out.append(" ")
                shift += 1
            for s, e, lab in spans:
                if s == i + 1:
                    new_spans.append((s + shift, e + shift, lab))
        new_spans += [(s, e, lab) for s, e, lab in spans if s == 0]
        text, spans = "".join(out), sorted(new_spans)
    if rng.random() < 0.2 and text[-1:] in ".?!":  # dropped final punctuation
        text = text[:-1]
    if rng.random() < 0.2:  # a typo in a non-PII word
        for w in _NOISE_WORDS:
            m = re.search(rf"\b{w}\b", text, flags=re.I)
            if m and not any(s < m.end() and m.start() < e for s, e, _ in spans):
                i = m.start() + 1
                text = text[:i] + text[i + 1] + text[i] + text[i + 2:]
                break
    return Example(text, spans, ex.kind)


def generate(n: int = 1000, seed: int = 13, distractor_share: float = 0.33) -> list[Example]:
    """`n` labelled examples, deterministic for a given seed."""
    vals = _Values(seed)
    rng = random.Random(seed + 1)
    out = []
    for _ in range(n):
        if rng.random() < distractor_share:
            ex = _fill(rng.choice(DISTRACTOR_TEMPLATES), vals)
            ex.kind = "distractor"
        else:
            ex = _fill(rng.choice(PII_TEMPLATES), vals)
        out.append(_transform(ex, rng))
    return out
