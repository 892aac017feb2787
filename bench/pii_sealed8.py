"""Eighth sealed PII set: hand-written texts in thirteen more genres, nobody tuned on, per class.

Run once, by the lead: `.venv/bin/python -m bench.pii_sealed8` (`--path` for another file).
It runs `bench.pii_sealed` on this file (same engines, same ≥50%-overlap matching, same span and
checksum checks, its JSON line and table), then prints a second JSON line and table with the
second set's additions: per-class precision, recall and F2 with n and Wilson 95% intervals, and
the false-positive rate on the PII-free texts, overall and per genre, for Assay and presidio's
default engine. Per class means the scorer's typed classes: STREET_ADDRESS, POSTCODE and LOCATION
are one class (LOCATION), every other label is its own.

Where sets one to seven cover chat, tickets, forms, prose, markup, speech, records, clinic notes,
payloads, e-mail, calendars, travel, legal, HR, banking, insurance, social media, reviews, dating,
logistics, web logs, assistant transcripts, announcements, sports, rides, spreadsheets and other
languages, this one is government (benefit claims, DMV and licence renewals, council tax, permits,
registrations), telecom (operator support chats, number porting, SIM swaps, call-detail notes,
DHCP leases), e-commerce (order confirmations, returns, marketplace and seller messages),
recruiting (InMail, recruiter notes, interview schedules, shortlists), immigration (sponsorship
letters, residence-permit and visa forms, consular appointments), helpdesk (IT tickets, password
and MFA resets, asset registers), property (letting agents, inventories, maintenance requests,
HOA and strata notices), education (school letters, enrolment forms, university registry
e-mails), patient portals (messages, appointment reminders, lab notifications), events
(registrations, badge lists, speaker bios, RSVPs), finance (loan applications, credit-bureau
disputes, invoice e-mails, payroll queries), community posts (neighbourhood forums, volunteer
rosters, lost pets, carpools) and lower-case speech-to-text transcripts of phone calls in
English, Spanish, German, French, Portuguese and Italian with spoken digits and e-mails. It is
heavy on phone numbers in national formats. How it was written and labelled: bench/README.md,
"Eighth sealed set".
"""

from __future__ import annotations

from pathlib import Path

from bench.pii_sealed2 import run_sealed

__all__ = ["SEALED8", "main"]

SEALED8 = Path(__file__).resolve().parent / "data" / "pii_sealed8.jsonl"


def main(argv: list[str] | None = None) -> dict:
    return run_sealed("pii_sealed8", "Eighth sealed set", SEALED8, __doc__.splitlines()[0], argv)


if __name__ == "__main__":
    main()
