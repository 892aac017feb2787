"""Assay's PII *development* set: hand-written texts for the failure classes of issue 13.

Written by the engineer who tunes the recognizers, so it is in-distribution for them: use it to
develop and to pin behaviour, never as the quality figure (the held-out sets in `bench/` are).
Each case is `(text, [(value, label), ...])`; a value is located by its first occurrence after
the previous value's start. Labels: PERSON, EMAIL_ADDRESS, PHONE_NUMBER, CREDIT_CARD, IBAN_CODE,
US_SSN, IP_ADDRESS, STREET_ADDRESS, POSTCODE, LOCATION.
"""

from __future__ import annotations

__all__ = ["CASES", "CLEAN", "spans"]

ZW = "\u200b"

CASES: list[tuple[str, list[tuple[str, str]]]] = [
    # -- names from many cultures, in sentences ----------------------------------------------
    ("Olumide Adeyemi will join the call on Monday.", [("Olumide Adeyemi", "PERSON")]),
    ("Please forward the contract to Nguyen Thi Lan.", [("Nguyen Thi Lan", "PERSON")]),
    ("Siddharth Rao and Zhang Wei reviewed the draft.",
     [("Siddharth Rao", "PERSON"), ("Zhang Wei", "PERSON")]),
    ("Wanjiru Kamau met Kwame Mensah in the lobby.",
     [("Wanjiru Kamau", "PERSON"), ("Kwame Mensah", "PERSON")]),
    ("Our new hire, Yuki Tanaka, starts in April.", [("Yuki Tanaka", "PERSON")]),
    ("Ask Fatima Al-Sayed about the invoice.", [("Fatima Al-Sayed", "PERSON")]),
    ("Grace Okafor approved the refund.", [("Grace Okafor", "PERSON")]),
    ("The report was written by Mehmet Yılmaz and Ayşe Demir.",
     [("Mehmet Yılmaz", "PERSON"), ("Ayşe Demir", "PERSON")]),
    ("Kind regards, Hans-Jürgen Müller", [("Hans-Jürgen Müller", "PERSON")]),
    ("Thanks,\nPriya", [("Priya", "PERSON")]),
    ("Min-jun Kim will present the results.", [("Min-jun Kim", "PERSON")]),
    ("Send it to Chiamaka Eze before noon.", [("Chiamaka Eze", "PERSON")]),
    ("I spoke with João Pereira from the Lisbon office.", [("João Pereira", "PERSON")]),
    ("Dear Ms. Kowalska, your request was received.", [("Kowalska", "PERSON")]),
    ("Dr. Reza Hosseini is on call tonight.", [("Reza Hosseini", "PERSON")]),
    ("Please contact Sipho Ndlovu for access.", [("Sipho Ndlovu", "PERSON")]),
    ("Meeting notes: Lars Johansson, Ingrid Berg, Tomasz Nowak attended.",
     [("Lars Johansson", "PERSON"), ("Ingrid Berg", "PERSON"), ("Tomasz Nowak", "PERSON")]),
    ("Aroha Ngata and Mateo García are the new leads.",
     [("Aroha Ngata", "PERSON"), ("Mateo García", "PERSON")]),
    ("Amara Okonkwo-Bello called about her account.", [("Amara Okonkwo-Bello", "PERSON")]),
    ("Hi Sven, the build is green.", [("Sven", "PERSON")]),
    # -- lower case and speech-to-text --------------------------------------------------------
    ("my name is anita patel and i need help with my order", [("anita patel", "PERSON")]),
    ("hi this is rohan krishnan calling about my card", [("rohan krishnan", "PERSON")]),
    ("i'm wei zhang, my email is wei dot zhang at outlook dot com",
     [("wei zhang", "PERSON"), ("wei dot zhang at outlook dot com", "EMAIL_ADDRESS")]),
    ("you can reach me at rohan dot krishnan at gmail dot com",
     [("rohan dot krishnan at gmail dot com", "EMAIL_ADDRESS")]),
    ("my number is nine four three five five five zero one nine nine",
     [("nine four three five five five zero one nine nine", "PHONE_NUMBER")]),
    ("call me on oh seven seven double oh nine double oh one two three",
     [("oh seven seven double oh nine double oh one two three", "PHONE_NUMBER")]),
    ("my card number is four one one one one one one one one one one one one one one one",
     [("four one one one one one one one one one one one one one one one", "CREDIT_CARD")]),
    ("the social security number is one two three four five six seven eight eight",
     [("one two three four five six seven eight eight", "US_SSN")]),
    ("my name is olumide adeyemi", [("olumide adeyemi", "PERSON")]),
    ("the account holder is priya sharma", [("priya sharma", "PERSON")]),
    ("yeah so my name's dmitri volkov and my number is plus four four seven seven zero zero "
     "nine zero zero one two three",
     [("dmitri volkov", "PERSON"),
      ("plus four four seven seven zero zero nine zero zero one two three", "PHONE_NUMBER")]),
    ("my phone is 9435550199", [("9435550199", "PHONE_NUMBER")]),
    ("email me at sofia underscore rossi at yahoo dot it",
     [("sofia underscore rossi at yahoo dot it", "EMAIL_ADDRESS")]),
    # -- international phone numbers ----------------------------------------------------------
    ("Call me on +44 20 7946 0958 after six.", [("+44 20 7946 0958", "PHONE_NUMBER")]),
    ("My mobile is +91 98765 43210.", [("+91 98765 43210", "PHONE_NUMBER")]),
    ("Ruf an: 0049 30 901820", [("0049 30 901820", "PHONE_NUMBER")]),
    ("Office (02) 9374 4000, ask for reception.", [("(02) 9374 4000", "PHONE_NUMBER")]),
    ("tel. 415.555.2671", [("415.555.2671", "PHONE_NUMBER")]),
    ("Mon portable : 06 12 34 56 78", [("06 12 34 56 78", "PHONE_NUMBER")]),
    ("Phone: +33 1 42 68 53 00", [("+33 1 42 68 53 00", "PHONE_NUMBER")]),
    ("WhatsApp +55 11 91234-5678", [("+55 11 91234-5678", "PHONE_NUMBER")]),
    ("call 03-1234-5678 (Tokyo office)", [("03-1234-5678", "PHONE_NUMBER")]),
    ("Text me at 98765 43210", [("98765 43210", "PHONE_NUMBER")]),
    ("📞+44 7700 900123 😀", [("+44 7700 900123", "PHONE_NUMBER")]),
    (f"phone +1 415 555{ZW}2671", [(f"+1 415 555{ZW}2671", "PHONE_NUMBER")]),
    ("ＴＥＬ：＋８１ ３ １２３４ ５６７８", [("＋８１ ３ １２３４ ５６７８", "PHONE_NUMBER")]),
    # -- cards in several groupings, IBAN, SSN, IP -------------------------------------------
    ("card 4111 1111 1111 1111 exp 09/27", [("4111 1111 1111 1111", "CREDIT_CARD")]),
    ("card 4111-1111-1111-1111", [("4111-1111-1111-1111", "CREDIT_CARD")]),
    ("card 4111.1111.1111.1111", [("4111.1111.1111.1111", "CREDIT_CARD")]),
    ("Amex 3782 822463 10005", [("3782 822463 10005", "CREDIT_CARD")]),
    ("Diners 3056 930902 5904", [("3056 930902 5904", "CREDIT_CARD")]),
    ("Maestro 6759 6498 2643 8453", [("6759 6498 2643 8453", "CREDIT_CARD")]),
    ("pay with 5555555555554444 please", [("5555555555554444", "CREDIT_CARD")]),
    (f"card 4111{ZW}1111{ZW}1111{ZW}1111", [(f"4111{ZW}1111{ZW}1111{ZW}1111", "CREDIT_CARD")]),
    ("IBAN DE89 3704 0044 0532 0130 00", [("DE89 3704 0044 0532 0130 00", "IBAN_CODE")]),
    ("wire to fr14 2004 1010 0505 0001 3m02 606", [("fr14 2004 1010 0505 0001 3m02 606",
                                                   "IBAN_CODE")]),
    ("SSN 078-05-1121 on file", [("078-05-1121", "US_SSN")]),
    ("server 10.0.13.7 refused the login", [("10.0.13.7", "IP_ADDRESS")]),
    ("client 2001:db8::8a2e:370:7334 connected", [("2001:db8::8a2e:370:7334", "IP_ADDRESS")]),
    # -- e-mails next to CJK, emoji, zero-width ---------------------------------------------
    ("请联系rohan@example.com谢谢", [("rohan@example.com", "EMAIL_ADDRESS")]),
    ("メールはtaro.yamada@example.jpまで", [("taro.yamada@example.jp", "EMAIL_ADDRESS")]),
    ("✉️anna.kowalska@example.pl✅", [("anna.kowalska@example.pl", "EMAIL_ADDRESS")]),
    (f"mail ab{ZW}c@exa{ZW}mple.com", [(f"ab{ZW}c@exa{ZW}mple.com", "EMAIL_ADDRESS")]),
    ("ｍａｉｌ：ｊｏｈｎ＠ｅｘａｍｐｌｅ．ｃｏｍ", [("ｊｏｈｎ＠ｅｘａｍｐｌｅ．ｃｏｍ", "EMAIL_ADDRESS")]),
    # -- street addresses outside the US, postcodes --------------------------------------
    ("Meine Adresse: Hauptstraße 5, 10115 Berlin.", [("Hauptstraße 5, 10115 Berlin",
                                                     "STREET_ADDRESS")]),
    ("Elle habite au 12 rue de la Paix, 75002 Paris.", [("12 rue de la Paix, 75002 Paris",
                                                        "STREET_ADDRESS")]),
    ("Calle de Alcalá 45, 28014 Madrid", [("Calle de Alcalá 45, 28014 Madrid",
                                           "STREET_ADDRESS")]),
    ("Via Roma 10, 00184 Roma", [("Via Roma 10, 00184 Roma", "STREET_ADDRESS")]),
    ("Rua Augusta 100, 1100-053 Lisboa", [("Rua Augusta 100, 1100-053 Lisboa",
                                          "STREET_ADDRESS")]),
    ("Flat 402, Sai Residency, 5th Cross, Indiranagar, Bengaluru 560038",
     [("Flat 402, Sai Residency, 5th Cross, Indiranagar, Bengaluru 560038", "STREET_ADDRESS")]),
    ("I live at 12/3 Nehru Nagar, Delhi 110001", [("12/3 Nehru Nagar, Delhi 110001",
                                                  "STREET_ADDRESS")]),
    ("Office: 1-2-3 Shibuya, Shibuya-ku, Tokyo 150-0002",
     [("1-2-3 Shibuya, Shibuya-ku, Tokyo 150-0002", "STREET_ADDRESS")]),
    ("住所は東京都千代田区千代田1-1です", [("東京都千代田区千代田1-1", "STREET_ADDRESS")]),
    ("152 Teheran-ro, Gangnam-gu, Seoul", [("152 Teheran-ro, Gangnam-gu, Seoul",
                                           "STREET_ADDRESS")]),
    ("Unit 5, 12 George St, Sydney NSW 2000", [("Unit 5, 12 George St, Sydney NSW 2000",
                                                "STREET_ADDRESS")]),
    ("123 Rue Sainte-Catherine, Montréal, QC H3B 1A7",
     [("123 Rue Sainte-Catherine, Montréal, QC H3B 1A7", "STREET_ADDRESS")]),
    ("350 5th Avenue, New York, NY 10118", [("350 5th Avenue, New York, NY 10118",
                                             "STREET_ADDRESS")]),
    ("Kerkstraat 12, 1017 GJ Amsterdam", [("Kerkstraat 12, 1017 GJ Amsterdam",
                                          "STREET_ADDRESS")]),
    ("Carrera 7 # 71-21, Bogotá", [("Carrera 7 # 71-21, Bogotá", "STREET_ADDRESS")]),
    ("ship to 221b baker street, london nw1 6xe", [("221b baker street", "STREET_ADDRESS")]),
    ("my postcode is 560038", [("560038", "POSTCODE")]),
    ("zip code 94105", [("94105", "POSTCODE")]),
    ("Postleitzahl 80331", [("80331", "POSTCODE")]),
    ("postcode SW1A 1AA", [("SW1A 1AA", "POSTCODE")]),
    ("Toronto, ON M5V 2T6", [("M5V 2T6", "POSTCODE")]),
    # -- places ----------------------------------------------------------------------------
    ("I moved to Nairobi last year.", [("Nairobi", "LOCATION")]),
    ("She was born in Guadalajara.", [("Guadalajara", "LOCATION")]),
]

# PII-free texts: logs, source code, technical prose, chat without personal data.
CLEAN: list[str] = [
    "INFO 2024-03-02T10:14:55Z worker-3 processed 1500 jobs in 4.2s (queue=default)",
    "ERROR [pool-2-thread-7] c.e.s.OrderService - timeout after 30000 ms, retry 3/5",
    "GET /api/v2/users/42/orders?limit=50 200 1532 12.4ms",
    "WARN disk usage at 91% on /dev/sda1 (mount /var/lib/postgresql)",
    "kafka consumer group rebalanced: partitions 0-11 assigned to member 7",
    "def total(items): return sum(i.price * i.qty for i in items)",
    "for (int i = 0; i < 1024; i++) { buf[i] = 0x7f; }",
    "SELECT id, created_at FROM events WHERE status = 'ok' ORDER BY id DESC LIMIT 100;",
    "docker run -p 8080:8080 -e WORKERS=4 app:1.4.2",
    "The cache holds 4096 entries and evicts the least recently used one.",
    "Version 3.11.4 fixes a race in the scheduler introduced in 3.10.0.",
    "Set max_connections to 200 and shared_buffers to 4GB for this workload.",
    "The build took 12 minutes on 8 cores; the tests took 3.",
    "Use the Strategy pattern when the algorithm varies independently of the client.",
    "The median latency dropped from 120 ms to 45 ms after the index was added.",
    "Apache Kafka and Spring Boot run behind the load balancer.",
    "Julia and Ruby are programming languages; Rust is another.",
    "Mark the ticket as done when the pipeline is green.",
    "Will the deploy finish before May?",
    "Order 4477-1290-3318 shipped on 2024-05-02, tracking 1Z999AA10123456784.",
    "Invoice INV-2024-0042 totals 1,234.56 EUR.",
    "Thanks, great work everyone!",
    "I'm happy to help with the migration.",
    "This is a known issue in the parser.",
    "The file named config.yaml is missing a key.",
    "Call the function with two arguments.",
    "Temperature 21.5 C, humidity 40%, pressure 1013 hPa.",
    "Matrix [1, 2, 3, 4] has rank 1.",
    "Build #4821 passed in 6m 12s.",
    "The Victoria line and the Jubilee line were both delayed.",
    "Read chapter 4 of the guide before the workshop.",
    "We use Grafana dashboards and Prometheus alerts.",
    "pip install requests==2.31.0 numpy==1.26.4",
    "uuid 3f2c9a1e-8b7d-4c6e-9f0a-1b2c3d4e5f60 created",
    "sha256 9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08",
    "Port 5432 is used by PostgreSQL and 6379 by Redis.",
    "The quarterly revenue grew 12% to 4,512,330.",
    "Please restart the service after the update.",
    "Sorting 1,000,000 integers takes about 80 ms.",
    "Chapter 12: Monday's standup moved to 10:30.",
]


def spans(text: str, values: list[tuple[str, str]]) -> list[tuple[int, int, str]]:
    """Gold `(start, end, label)` for `values` located in `text` in order."""
    out, pos = [], 0
    for value, label in values:
        start = text.index(value, pos)
        out.append((start, start + len(value), label))
        pos = start
    return out
