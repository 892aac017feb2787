"""Genres of the held-out PII set: each writes one text into a span-tracking builder.

The design differs on purpose from `bench/pii_evalset.py` (one flat list of whole-text templates
filled by Faker): a text here is *composed* — a genre's frame (chat, ticket, e-mail, form, JSON or
CSV log line, speech-to-text utterance, Spanish/German/French message, CJK/emoji chat) around one
to four *mentions*, each a short phrase of that genre's register wrapped round one value from
`bench.pii_heldout_values`. Every genre can also write a text without PII (its `clean` form), with
ID-like numbers, times and amounts in it.
"""

from __future__ import annotations

import json
import random

from bench.pii_heldout_values import Pools, spoken_digits

__all__ = ["GENRES", "Builder"]

ZW = "\u200b"


class Builder:
    """Text under construction with exact gold spans; `noisy` hides ZW/NBSP inside values."""

    def __init__(self, rng: random.Random, noisy: bool = False) -> None:
        self.r, self.noisy = rng, noisy
        self.buf: list[str] = []
        self.spans: list[tuple[int, int, str]] = []
        self.n = 0

    def t(self, *parts: str) -> Builder:
        for p in parts:
            self.buf.append(p)
            self.n += len(p)
        return self

    def v(self, value: str, label: str) -> Builder:
        if self.noisy:
            value = self._hide(value, label)
        self.spans.append((self.n, self.n + len(value), label))
        return self.t(value)

    def pieces(self, ps: list[tuple[str, str | None]]) -> Builder:
        for s, label in ps:
            self.v(s, label) if label else self.t(s)
        return self

    def _hide(self, value: str, label: str) -> str:
        """Zero-width space, NBSP or narrow NBSP inside a value, as pasted text carries them."""
        r = self.r
        if label == "EMAIL_ADDRESS":
            i = r.choice([value.index("@"), value.index("@") + 1, r.randrange(1, len(value))])
            return value[:i] + ZW + value[i:]
        if label == "PERSON" and " " in value:
            return value.replace(" ", "\u00a0", 1)
        if label in ("PHONE_NUMBER", "CREDIT_CARD", "IBAN_CODE", "US_SSN") and len(value) > 6:
            if " " in value and r.random() < 0.5:
                return value.replace(" ", r.choice(["\u00a0", "\u202f"]))
            i = r.randrange(2, len(value) - 2)
            return value[:i] + ZW + value[i:]
        return value


def _oneof(r: random.Random, options: list[str]) -> str:
    return r.choice(options)


# A mention is (label, phrasing with one "{}"); the value maker is chosen by label.
CHAT = {
    "PERSON": ["its {} here", "ask {} about it", "cc {} on this", "{} says hi", "this is {} btw",
               "{} left the group", "lunch w/ {} tmrw"],
    "PHONE_NUMBER": ["my cell is {}", "ring me on {}", "whatsapp me {}", "new num: {}",
                     "📞 {}", "text {} when ur outside"],
    "EMAIL_ADDRESS": ["drop a mail to {}", "my addy is {}", "it went to {} instead",
                      "invite {} to the doc"],
    "ADDRESS": ["we moved to {}", "deliver to {} pls", "parcel ended up at {}",
                "party is at {} 🎉"],
    "CREDIT_CARD": ["charged {} twice??", "use this card {}", "card {} got declined again"],
    "IBAN_CODE": ["send it to {}", "my iban {}", "pay back to {} whenever"],
    "US_SSN": ["ssn is {} for the form", "they want my ssn {}"],
    "IP_ADDRESS": ["my ip shows as {}", "blocked from {} again", "whitelist {} pls"],
}
FORMAL = {
    "PERSON": ["I am writing on behalf of {}.", "The account belongs to {}.",
               "{} will handle the handover.", "Kind regards, {}", "Signed: {}",
               "Our engineer {} visited on Monday."],
    "PHONE_NUMBER": ["You can contact me on {}.", "Please update my phone number to {}.",
                     "The caller left {} as a callback number.", "Mobile: {}"],
    "EMAIL_ADDRESS": ["Replies should go to {}.", "The confirmation was sent to {}.",
                      "Please use {} from now on."],
    "ADDRESS": ["I have relocated to {}.", "The goods were delivered to {}.",
                "Correspondence address: {}."],
    "CREDIT_CARD": ["The charge appeared on my card {}.", "Please refund the card {}.",
                    "Card on file: {}."],
    "IBAN_CODE": ["The refund should go to account {}.", "Beneficiary IBAN: {}.",
                  "We debited {} on the 3rd."],
    "US_SSN": ["My Social Security number is {}.", "The tax form lists SSN {}."],
    "IP_ADDRESS": ["The request originated from {}.", "Sign-in attempts came from {}."],
}
FIELDS = {"PERSON": ["Name", "Full name", "Customer", "Contact", "Passenger", "Requester"],
          "PHONE_NUMBER": ["Tel", "Mobile", "Phone", "Callback"],
          "EMAIL_ADDRESS": ["E-mail", "Email", "Reply-To"],
          "ADDRESS": ["Address", "Billing address", "Ship to"],
          "CREDIT_CARD": ["Card", "PAN", "Card number"], "IBAN_CODE": ["IBAN", "Payout account"],
          "US_SSN": ["SSN", "Social security no"], "IP_ADDRESS": ["Client IP", "Remote addr"]}
KEYS = {"PERSON": "full_name", "PHONE_NUMBER": "phone", "EMAIL_ADDRESS": "email",
        "ADDRESS": "address", "CREDIT_CARD": "card_number", "IBAN_CODE": "iban",
        "US_SSN": "ssn", "IP_ADDRESS": "client_ip"}
LANG = {
    "es": {"PERSON": ["Hola, soy {}.", "Le escribe {}.", "Atentamente, {}"],
           "PHONE_NUMBER": ["Mi teléfono es el {}.", "Llámeme al {}."],
           "EMAIL_ADDRESS": ["Mi correo es {}.", "Escríbame a {}."],
           "ADDRESS": ["Vivo en {}.", "Envíen el paquete a {}."],
           "CREDIT_CARD": ["Me cobraron dos veces en la tarjeta {}."],
           "IBAN_CODE": ["Hagan la devolución a la cuenta {}."]},
    "de": {"PERSON": ["Mein Name ist {}.", "Mit freundlichen Grüßen, {}", "Ansprechpartner: {}"],
           "PHONE_NUMBER": ["Sie erreichen mich unter {}.", "Rückruf bitte an {}."],
           "EMAIL_ADDRESS": ["Meine E-Mail-Adresse lautet {}.", "Antwort bitte an {}."],
           "ADDRESS": ["Ich wohne in der {}.", "Lieferung bitte an {}."],
           "CREDIT_CARD": ["Die Abbuchung erfolgte von der Karte {}."],
           "IBAN_CODE": ["Bitte überweisen Sie auf {}.", "Meine neue Bankverbindung: {}."]},
    "fr": {"PERSON": ["Je m'appelle {}.", "Cordialement, {}", "De la part de {}."],
           "PHONE_NUMBER": ["Mon numéro est le {}.", "Rappelez-moi au {}."],
           "EMAIL_ADDRESS": ["Mon adresse électronique est {}.", "Écrivez-moi à {}."],
           "ADDRESS": ["J'habite au {}.", "Merci de livrer au {}."],
           "CREDIT_CARD": ["Ma carte {} a été débitée deux fois."],
           "IBAN_CODE": ["Merci de rembourser sur le compte {}."]},
}
LANG_FRAME = {"es": (["Buenos días:", "Hola equipo,", "Consulta sobre el pedido 4471."],
                     ["Gracias de antemano.", "Quedo a la espera de su respuesta."]),
              "de": (["Guten Tag,", "Hallo zusammen,", "Betreff: Bestellung 88213"],
                     ["Vielen Dank im Voraus.", "Bis bald!"]),
              "fr": (["Bonjour,", "Madame, Monsieur,", "Objet : commande 55120"],
                     ["Merci d'avance.", "Bonne journée."])}
CLEAN_LINES = [
    "order {} is still stuck in the depot, eta moved to thursday",
    "the build took {} minutes on the new runners, cache hit rate 62%",
    "Ticket {} was merged into the parent incident after the rollback.",
    "We shipped {} units this quarter, 14% more than planned.",
    "Reminder: standup moves to 09:45 tomorrow, room 4.12",
    "invoice {} paid in full, balance now 0.00 EUR",
    "Tracking ref {} scanned at the sorting hub at 17:05.",
    "pls restart worker {} it keeps eating memory",
]


def _value(p: Pools, b: Builder, label: str) -> None:
    if label == "PERSON":
        b.v(p.name()[2], "PERSON")
    elif label == "PHONE_NUMBER":
        b.v(p.phone()[0], label)
    elif label == "EMAIL_ADDRESS":
        b.v(p.email(), label)
    elif label == "ADDRESS":
        b.pieces(p.address())
    elif label == "CREDIT_CARD":
        b.v(p.card()[0], label)
    elif label == "IBAN_CODE":
        b.v(p.iban(), label)
    elif label == "US_SSN":
        b.v(p.ssn(), label)
    else:
        b.v(p.ip(), label)


def _mention(p: Pools, b: Builder, table: dict[str, list[str]], label: str) -> None:
    before, after = b.r.choice(table[label]).split("{}")
    b.t(before)
    _value(p, b, label)
    b.t(after)


def _labels(r: random.Random, table: dict[str, list[str]], k: int) -> list[str]:
    weights = {"PERSON": 5, "PHONE_NUMBER": 4, "EMAIL_ADDRESS": 4, "ADDRESS": 4, "CREDIT_CARD": 2,
               "IBAN_CODE": 2, "US_SSN": 1, "IP_ADDRESS": 2}
    keys = [x for x in weights if x in table]
    return r.choices(keys, weights=[weights[x] for x in keys], k=k)


def _clean_line(r: random.Random) -> str:
    line = r.choice(CLEAN_LINES)
    return line.format(f"{r.choice(['A', 'ZX', 'ORD-', '#'])}{r.randint(1000, 99999)}")


def chat(p: Pools, b: Builder, clean: bool) -> None:
    r = b.r
    b.t(r.choice(["", "hey ", "hiya! ", "yo ", "morning all ☀️ ", "ok so "]))
    if clean:
        b.t(_clean_line(r).lower(), r.choice(["", " 😅", " lol", " 👍"]))
        return
    for i, label in enumerate(_labels(r, CHAT, r.randint(1, 3))):
        b.t("" if i == 0 else r.choice([", ", " and ", ". also ", " — "]))
        _mention(p, b, CHAT, label)
    b.t(r.choice(["", " thx", " 🙏", " ty!!", " cheers", "?"]))


def email(p: Pools, b: Builder, clean: bool) -> None:
    r = b.r
    b.t("Subject: ", r.choice(["Change of details", "Refund request", "Re: your ticket",
                               "Access problem", "Follow-up"]), "\n\n")
    b.t(r.choice(["Hello,", "Dear support team,", "Hi there,", "Good afternoon,"]), "\n\n")
    if clean:
        b.t(_clean_line(r), " ", _clean_line(r), "\n\nThanks")
        return
    for label in _labels(r, FORMAL, r.randint(1, 3)):
        _mention(p, b, FORMAL, label)
        b.t(" ")
    b.t("\n\n", r.choice(["Best regards,", "Many thanks,", "Cheers,"]), "\n")
    if r.random() < 0.7:
        first, last, full = p.name()
        b.v(full, "PERSON")
        if r.random() < 0.5:
            b.t("\n").v(p.email(first, last), "EMAIL_ADDRESS")


def ticket(p: Pools, b: Builder, clean: bool) -> None:
    r = b.r
    b.t(f"[{r.choice(['INC', 'SUP', 'CS'])}-{r.randint(10000, 99999)}] priority="
        f"{r.choice(['low', 'normal', 'high'])} channel={r.choice(['web', 'phone', 'chat'])}\n")
    if clean:
        b.t("Summary: ", _clean_line(r), "\nSteps: retried twice, no change.")
        return
    labels = _labels(r, FIELDS, r.randint(1, 3))
    for label in labels:
        b.t(r.choice(FIELDS[label]), r.choice([": ", " - ", ":\t"]))
        _value(p, b, label)
        b.t("\n")
    b.t("Summary: ")
    _mention(p, b, FORMAL, _labels(r, FORMAL, 1)[0])


def form(p: Pools, b: Builder, clean: bool) -> None:
    r = b.r
    sep = r.choice([" | ", "; ", "\n"])
    if clean:
        b.t(sep.join([f"Order: {r.randint(100000, 999999)}", f"Qty: {r.randint(1, 9)}",
                      f"Total: {r.randint(5, 900)}.{r.randint(0, 99):02d}",
                      f"Submitted: 2026-0{r.randint(1, 9)}-1{r.randint(0, 9)} "
                      f"1{r.randint(0, 9)}:20"]))
        return
    for i, label in enumerate(_labels(r, FIELDS, r.randint(2, 4))):
        b.t("" if i == 0 else sep, r.choice(FIELDS[label]), r.choice([": ", "="]))
        _value(p, b, label)


def json_log(p: Pools, b: Builder, clean: bool) -> None:
    r = b.r
    head = {"ts": f"2026-0{r.randint(1, 9)}-{r.randint(10, 28)}T{r.randint(10, 23)}:"
                  f"{r.randint(10, 59)}:{r.randint(10, 59)}.{r.randint(100, 999)}Z",
            "level": r.choice(["INFO", "WARN", "DEBUG"]),
            "svc": r.choice(["checkout", "auth-gw", "crm-sync", "notify"])}
    b.t(json.dumps(head)[:-1])
    if clean:
        b.t(f', "latency_ms": {r.randint(3, 900)}, "status": {r.choice([200, 201, 404, 503])},'
            f' "route": "/v2/orders/{r.randint(1000, 9999)}/items"}}')
        return
    for label in dict.fromkeys(_labels(r, FIELDS, r.randint(1, 4))):
        b.t(f', "{KEYS[label]}": "')
        _value(p, b, label)
        b.t('"')
    if r.random() < 0.4:
        b.t(', "msg": "')
        _mention(p, b, FORMAL, _labels(r, FORMAL, 1)[0])
        b.t('"')
    b.t("}")


def csv_log(p: Pools, b: Builder, clean: bool) -> None:
    """A header line and one row, as an export or an audit log writes them."""
    r = b.r
    labels = list(dict.fromkeys(_labels(r, FIELDS, r.randint(2, 4))))
    b.t(",".join(["ts", "event"] + (["latency", "result", "node"] if clean else
                                    [KEYS[x] for x in labels])), "\n")
    b.t(f"2026-{r.randint(1, 12):02d}-{r.randint(10, 28)} {r.randint(10, 23)}:{r.randint(10, 59)}:"
        f"{r.randint(10, 59)},{r.choice(['signup', 'login', 'payment', 'address_change'])},")
    if clean:
        b.t(f"{r.randint(100, 999)}ms,ok,node-{r.randint(1, 40)}")
        return
    for i, label in enumerate(labels):
        b.t("," if i else "")
        quote = label == "ADDRESS"
        b.t('"' if quote else "")
        _value(p, b, label)
        b.t('"' if quote else "")


def stt(p: Pools, b: Builder, clean: bool) -> None:
    """Speech-to-text: lower case, no punctuation, digits and e-mails spoken."""
    r = b.r
    b.t(r.choice(["", "um ", "yeah hi ", "hello ", "okay so ", "uh hi there "]))
    if clean:
        b.t(r.choice(["i just wanted to check on my order number ",
                      "the delivery was meant to come at ", "it says error code "]),
            spoken_digits(str(r.randint(100, 99999)), r),
            r.choice([" but nothing yet", " and it still hasnt moved", " thanks bye"]))
        return
    for i in range(r.randint(1, 3)):
        b.t("" if i == 0 else r.choice([" and ", " um ", " also ", " "]))
        kind = r.choice(["name", "name", "phone", "phone", "email", "email", "card", "address",
                         "ssn", "postcode"])
        first, last, full = p.name()
        if kind == "name":
            b.t(r.choice(["my name is ", "this is ", "its ", "i am calling for "]))
            b.v((full if r.random() < 0.8 else first).lower(), "PERSON")
        elif kind == "phone":
            b.t(r.choice(["my number is ", "you can call me back on ", "phone number ",
                          "the best number is "]))
            b.v(spoken_digits(p.phone()[1], r, oh=r.random() < 0.4), "PHONE_NUMBER")
        elif kind == "email":
            b.t(r.choice(["my email is ", "email address ", "send it to "]))
            b.v(p.spoken_email(first, last), "EMAIL_ADDRESS")
        elif kind == "card":
            b.t(r.choice(["the card number is ", "card ", "i paid with "]))
            digits = p.card()[1]
            if r.random() < 0.3:  # some engines emit digits, unpunctuated
                b.v(" ".join(digits[i:i + 4] for i in range(0, len(digits), 4)), "CREDIT_CARD")
            else:
                b.v(spoken_digits(digits, r), "CREDIT_CARD")
        elif kind == "address":
            b.t(r.choice(["i live at ", "the address is ", "send it to "]))
            b.pieces(p.spoken_address())
        elif kind == "ssn":
            b.t(r.choice(["my social is ", "social security number "]))
            b.v(spoken_digits(p.ssn().replace("-", "").replace(" ", ""), r), "US_SSN")
        else:
            b.t(r.choice(["zip code ", "postcode is ", "the zip is "]))
            b.v(spoken_digits(f"{r.randint(10000, 99999)}", r), "POSTCODE")
    b.t(r.choice(["", " thanks", " thank you bye", " yeah"]))


def foreign(p: Pools, b: Builder, clean: bool) -> None:
    r = b.r
    lang = r.choice(sorted(LANG))
    opener, closer = LANG_FRAME[lang]
    b.t(r.choice(opener), " ")
    if clean:
        b.t({"es": "El pedido 4471 sigue sin llegar desde el día 12.",
             "de": "Die Lieferung 88213 ist seit drei Tagen unterwegs.",
             "fr": "La commande 55120 n'est toujours pas arrivée."}[lang], " ", r.choice(closer))
        return
    country = {"es": "BR", "de": "DE", "fr": "FR"}[lang]
    for label in _labels(r, LANG[lang], r.randint(1, 3)):
        before, after = r.choice(LANG[lang][label]).split("{}")
        b.t(before)
        b.pieces(p.address(country)) if label == "ADDRESS" else _value(p, b, label)
        b.t(after, " ")
    b.t(r.choice(closer))


def cjk_emoji(p: Pools, b: Builder, clean: bool) -> None:
    """PII written flush against CJK characters or emoji, as in mixed-script chat."""
    r = b.r
    if clean:
        b.t(r.choice(["订单", "注文番号", "주문 "]), str(r.randint(10000, 99999)),
            r.choice(["已发货🚚", "は発送済みです", "배송 완료 ✅"]))
        return
    frames = [("请联系我", "EMAIL_ADDRESS", "谢谢"), ("メールは", "EMAIL_ADDRESS", "です"),
              ("電話番号は", "PHONE_NUMBER", "です。"), ("我的电话", "PHONE_NUMBER", "，随时打"),
              ("担当者は", "PERSON", "さんです"), ("📧", "EMAIL_ADDRESS", "🙏"),
              ("📞", "PHONE_NUMBER", "📞"), ("카드번호 ", "CREDIT_CARD", " 입니다"),
              ("收款账户", "IBAN_CODE", "。"), ("✨", "PERSON", "✨ joined the team 🎉"),
              ("住所：", "ADDRESS", "まで"), ("IP地址", "IP_ADDRESS", "被封了")]
    for _ in range(r.randint(1, 2)):
        before, label, after = r.choice(frames)
        b.t(before)
        _value(p, b, label)
        b.t(after)


GENRES = {"chat": (chat, 220), "email": (email, 150), "ticket": (ticket, 140), "form": (form, 110),
          "json_log": (json_log, 120), "csv_log": (csv_log, 80), "stt": (stt, 300),
          "foreign": (foreign, 140), "cjk_emoji": (cjk_emoji, 100)}
