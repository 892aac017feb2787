"""Ninth sealed PII set: hand-written texts in thirteen more genres, nobody tuned on, per class.

Run once, by the lead: `.venv/bin/python -m bench.pii_sealed9` (`--path` for another file).
It runs `bench.pii_sealed` on this file (same engines, same ≥50%-overlap matching, same span and
checksum checks, its JSON line and table), then prints a second JSON line and table with the
second set's additions: per-class precision, recall and F2 with n and Wilson 95% intervals, and
the false-positive rate on the PII-free texts, overall and per genre, for Assay and presidio's
default engine. Per class means the scorer's typed classes: STREET_ADDRESS, POSTCODE and LOCATION
are one class (LOCATION), every other label is its own.

Where sets one to eight cover chat, tickets, forms, prose, markup, speech, records, clinic notes,
payloads, e-mail, calendars, travel, legal, HR, banking, insurance, social media, reviews, dating,
logistics, web logs, assistant transcripts, announcements, sports, rides, spreadsheets,
government, telecom, e-commerce, recruiting, immigration, helpdesk, property, education, patient
portals, events, finance, community posts and call transcripts, this one is hospitality (hotel
registration cards, restaurant bookings, guest complaints, front-desk handovers, guest Wi-Fi
logs), automotive (garage job cards, car rental, roadside assistance, dealer finance, fleet
exports), utilities (energy and water bills, meter readings, move-in/out, smart-meter logs),
veterinary (owner records; pets are not people), nonprofit (donations, Gift Aid, volunteer
records, direct debits), faith (banns, baptism, nikah and bar-mitzvah registers, sevā and langar
lists), press (press releases, interview notes, corrections, source sheets), gig (delivery-app
chats, courier notes, freelancer invoices), devconfig (commit trailers, .env/YAML/INI configs, CI
logs, SQL dumps, stack traces, sshd and crontab lines), sms (SMS, WhatsApp, Telegram, LINE,
Signal and Viber threads with emoji and CJK next to values, zero-width characters inside a few
values), ocr (scanned letters, forms and receipts with OCR noise around the values), family
(nurseries, school trips, obituaries, genealogy, custody schedules) and lower-case
speech-to-text voicemails in English, Spanish, German, French, Portuguese, Italian, Korean,
Russian, Hindi and Nigerian Pidgin with spoken digits and e-mails. How it was written and
labelled: bench/README.md, "Ninth sealed set".
"""

from __future__ import annotations

from pathlib import Path

from bench.pii_sealed2 import run_sealed

__all__ = ["SEALED9", "main"]

SEALED9 = Path(__file__).resolve().parent / "data" / "pii_sealed9.jsonl"


def main(argv: list[str] | None = None) -> dict:
    return run_sealed("pii_sealed9", "Ninth sealed set", SEALED9, __doc__.splitlines()[0], argv)


if __name__ == "__main__":
    main()
